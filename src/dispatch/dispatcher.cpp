// dispatcher.cpp: route matching and aggregation-group timing, as the reference's dispatch package
// times them: a new group flushes after group_wait (at once if its first alert is older than that),
// then every group_interval.
#include "dispatch/dispatcher.hpp"

#include <algorithm>
#include <chrono>

#include "config/config.hpp"
#include "core/matcher.hpp"
#include "core/metrics.hpp"

namespace tocsin::dispatch {

namespace {

void match_into(const config::Route& r, const LabelSet& labels, std::vector<const config::Route*>& out,
                bool& matched) {
  matched = false;
  if (!matches_all(r.matchers, labels)) return;
  matched = true;
  const size_t before = out.size();
  auto try_child = [&](const config::Route& child) {
    bool child_matched = false;
    const size_t n = out.size();
    match_into(child, labels, out, child_matched);
    return out.size() > n && !child.continue_;  // true: stop here
  };
  const config::ChildIndex& idx = r.child_index;
  if (idx.label.empty()) {
    for (const auto& child : r.routes) {
      if (try_child(*child)) break;
    }
  } else {
    // Only the children that can match: those indexed under this alert's value, and the rest, merged
    // in child order so first-match and continue behave exactly as over the whole list.
    static const std::vector<uint32_t> kNone;
    auto it = idx.by_value.find(std::string(labels.value(idx.label)));
    const std::vector<uint32_t>& hits = it == idx.by_value.end() ? kNone : it->second;
    size_t a = 0, b = 0;
    while (a < hits.size() || b < idx.rest.size()) {
      uint32_t i;
      if (b >= idx.rest.size() || (a < hits.size() && hits[a] < idx.rest[b])) {
        i = hits[a++];
      } else {
        i = idx.rest[b++];
      }
      if (try_child(*r.routes[i])) break;
    }
  }
  if (out.size() == before) out.push_back(&r);
}

}  // namespace

std::vector<const config::Route*> match_routes(const config::Route& root, const LabelSet& labels) {
  std::vector<const config::Route*> out;
  match_routes(root, labels, out);
  return out;
}

void match_routes(const config::Route& root, const LabelSet& labels, std::vector<const config::Route*>& out) {
  out.clear();
  bool matched = false;
  match_into(root, labels, out, matched);
}

std::vector<std::string_view> sorted_group_by(const config::Route& route) {
  std::vector<std::string_view> names(route.group_by.begin(), route.group_by.end());
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

Fingerprint group_fingerprint(const Alert& alert, const config::Route& route,
                              const std::vector<std::string_view>& sorted_names) {
  if (route.group_by_all) return alert.labels.fingerprint();
  // LabelSet::fingerprint's bytes, for the pairs group_labels() would keep, without building them.
  uint64_t h = fnv1a64("");
  for (std::string_view name : sorted_names) {
    auto v = alert.labels.get(name);
    if (!v) continue;
    h = fnv1a64(name, h);
    h = fnv1a64("\xff", h);
    h = fnv1a64(*v, h);
    h = fnv1a64("\xff", h);
  }
  return h;
}

LabelSet group_labels(const Alert& alert, const config::Route& route) {
  if (route.group_by_all) return alert.labels;
  std::vector<LabelSet::Pair> pairs;
  for (const auto& name : route.group_by) {
    if (auto v = alert.labels.get(name)) pairs.emplace_back(name, std::string(*v));
  }
  return LabelSet(std::move(pairs));
}

GroupOpts opts_of(const config::Route& r) {
  GroupOpts o;
  o.receiver = r.receiver;
  o.group_wait = r.group_wait;
  o.group_interval = r.group_interval;
  o.repeat_interval = r.repeat_interval;
  o.mute_time_intervals = r.mute_time_intervals;
  o.active_time_intervals = r.active_time_intervals;
  o.group_by = r.group_by;
  o.group_by_all = r.group_by_all;
  return o;
}

namespace {
// model.LabelSet.Before as a three-way comparison: < 0 when a sorts first, > 0 when b does, 0 when
// the sets are equal (so a sort needs one walk per comparison, not an equality test and a Before).
int labels_order(const LabelSet& a, const LabelSet& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  // Walk the union of names in order; the first difference decides.
  for (size_t i = 0; i < a.size(); ++i) {
    auto pa = a.at(i), pb = b.at(i);
    if (int c = pa.first.compare(pb.first); c != 0) {
      // The smaller name is missing from the other set.
      return c < 0 ? 1 : -1;
    }
    if (int c = pa.second.compare(pb.second); c != 0) return c;
  }
  return 0;
}
}  // namespace

bool labels_before(const LabelSet& a, const LabelSet& b) { return labels_order(a, b) < 0; }

bool alert_less(const Alert& a, const Alert& b) {
  for (const char* key : {"job", "instance"}) {
    auto av = a.labels.get(key);
    auto bv = b.labels.get(key);
    if (!av && !bv) continue;
    if (!av) return false;
    if (!bv) return true;
    if (*av != *bv) return *av < *bv;
  }
  return labels_before(a.labels, b.labels);
}

void Dispatcher::sort_alerts(AlertList& alerts) {
  // alert_less's order, with job and instance looked up once per alert instead of twice per
  // comparison: /alerts/groups sorts every group on every request.
  struct Keyed {
    std::optional<std::string_view> job, instance;
    AlertPtr alert;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(alerts.size());
  // The label blocks are scattered over the heap: ask for all of them before reading the first.
  for (const auto& a : alerts) {
    __builtin_prefetch(a->labels.storage());
  }
  for (auto& a : alerts) {
    keyed.push_back({a->labels.get("job"), a->labels.get("instance"), std::move(a)});
  }
  // A label present sorts before its absence; two absent ones are equal.
  auto cmp = [](const std::optional<std::string_view>& x, const std::optional<std::string_view>& y) {
    if (!x || !y) return x ? -1 : y ? 1 : 0;
    return x->compare(*y);
  };
  std::stable_sort(keyed.begin(), keyed.end(), [&](const Keyed& x, const Keyed& y) {
    if (int c = cmp(x.job, y.job); c != 0) return c < 0;
    if (int c = cmp(x.instance, y.instance); c != 0) return c < 0;
    return labels_before(x.alert->labels, y.alert->labels);
  });
  for (size_t i = 0; i < keyed.size(); ++i) {
    alerts[i] = std::move(keyed[i].alert);
  }
}

namespace {

// The reference times each alert it routes; a batch is timed as a whole here (two clock reads a batch,
// not two an alert), which gives the same sum and count.
metrics::Summary& processing_duration() {
  static metrics::Summary& s =
      metrics::global()
          .summary("alertmanager_dispatcher_alert_processing_duration_seconds", "Summary of latencies for the processing of alerts.")
          .summary();
  return s;
}

}  // namespace

Dispatcher::Dispatcher(RoutePtr root) : root_(std::move(root)) {
  processing_duration();  // exposed from the start, as the reference registers it
}

void Dispatcher::schedule(AggregationGroup& g, TimePoint t) {
  timers_.erase({g.next_flush, g.id});
  g.next_flush = t;
  const bool earliest = timers_.empty() || t < timers_.begin()->first;
  timers_.insert({t, g.id});
  if (earliest && on_earlier_) on_earlier_(t);
}


void Dispatcher::process(const AlertPtr& alert, TimePoint now) {
  const auto start = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  process_locked(&alert, &alert + 1, now);
  processing_duration().observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

void Dispatcher::process(const std::vector<AlertPtr>& alerts, TimePoint now) {
  if (alerts.empty()) return;
  const auto start = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  process_locked(alerts.data(), alerts.data() + alerts.size(), now);
  processing_duration().observe_many(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                                     alerts.size());
}

Dispatcher::RouteSlot& Dispatcher::slot_of(const config::Route& r) {
  auto it = slots_.find(&r);
  if (it != slots_.end()) return it->second;
  // By the route's id (its key and its position in the tree): two sibling routes with the same
  // matchers (one with continue: true) have the same key but their own groups, as in the reference.
  RouteSlot slot{&by_route_[r.id()], sorted_group_by(r)};
  return slots_.emplace(&r, std::move(slot)).first->second;
}

// In passes over the batch, each starting the memory loads the next one needs: with many alerts and
// groups, every step (the group's slot, the group, the alert's slot in the group) misses the cache,
// and this way the misses of a batch overlap instead of following one another. The result is the
// same as routing the alerts one by one: groups are created in the same order, each alert inserted
// into the same groups.
void Dispatcher::process_locked(const AlertPtr* first, const AlertPtr* last, TimePoint now) {
  if (!root_) return;
  placements_.clear();
  // The routes (into a reused vector) and group fingerprints; the group's labels and key are built
  // only for a new group, below.
  for (const AlertPtr* a = first; a != last; ++a) {
    // The routes read each alert's labels: start loading the alert 16 ahead and the labels of the
    // one 8 ahead (a batch from the store at start-up is 100,000 alerts spread over the heap).
    if (last - a > 16) __builtin_prefetch(a[16].get());
    if (last - a > 8) {
      if (const void* block = a[8]->labels.storage()) {
        __builtin_prefetch(block);
        __builtin_prefetch(static_cast<const char*>(block) + 64);
      }
    }
    matched_.clear();
    bool matched = false;
    match_into(*root_, (*a)->labels, matched_, matched);
    for (const config::Route* r : matched_) {
      RouteSlot& slot = slot_of(*r);
      const Fingerprint gfp = group_fingerprint(**a, *r, slot.group_by);
      slot.groups->prefetch(gfp);
      placements_.push_back({a, r, &slot, gfp, nullptr});
    }
  }
  for (Placement& p : placements_) {
    Groups& groups = *p.slot->groups;
    if (auto* found = groups.find(p.gfp)) {
      p.group = found->get();
      __builtin_prefetch(&p.group->alerts);
      continue;
    }
    const config::Route* r = p.route;
    LabelSet gl = group_labels(**p.alert, *r);
    auto ng = std::make_unique<AggregationGroup>();
    ng->id = next_id_++;
    ng->route = r;
    ng->route_key = r->key();
    ng->opts = opts_of(*r);
    ng->key = r->key() + ":" + gl.to_string();
    ng->labels = std::move(gl);
    AggregationGroup* g = ng.get();
    by_id_[g->id] = g;
    groups.insert_or_assign(p.gfp, std::move(ng));
    g->next_flush = TimePoint::max();
    schedule(*g, now + g->opts.group_wait);
    p.group = g;
  }
  for (const Placement& p : placements_) p.group->alerts.prefetch((*p.alert)->fingerprint);
  for (const Placement& p : placements_) {
    AggregationGroup* g = p.group;
    const AlertPtr& alert = *p.alert;
    g->alerts.insert_or_assign(alert->fingerprint, alert);
    // An alert that started more than group_wait ago flushes a group that never flushed at once.
    if (!g->has_flushed && g->next_flush != now && alert->starts_at + g->opts.group_wait < now) schedule(*g, now);
  }
  placements_.clear();
}

std::vector<FlushJob> Dispatcher::take_due(TimePoint now) {
  std::lock_guard lock(mu_);
  std::vector<FlushJob> jobs;
  while (!timers_.empty() && timers_.begin()->first <= now) {
    const uint64_t id = timers_.begin()->second;
    timers_.erase(timers_.begin());
    auto it = by_id_.find(id);
    if (it == by_id_.end()) continue;
    AggregationGroup& g = *it->second;
    if (g.flushing) {
      // The previous flush is still running: flush again as soon as it completes.
      g.next_flush = now;
      continue;
    }
    g.next_flush = now + g.opts.group_interval;
    timers_.insert({g.next_flush, g.id});
    g.has_flushed = true;
    if (g.alerts.empty()) continue;
    FlushJob job;
    job.group_id = g.id;
    job.group_key = g.key;
    job.group_labels = g.labels;
    job.opts = g.opts;
    job.now = now;
    job.alerts.reserve(g.alerts.size());
    g.alerts.for_each([&](const AlertPtr& a) {
      flushed_.insert_or_assign(a->fingerprint, true);
      if (a->resolved_at(now)) {
        job.alerts.push_back(a);
      } else {
        // A firing alert is sent without an end time, so it cannot resolve while in flight.
        auto copy = std::make_shared<Alert>(*a);
        copy->ends_at = kZeroTime;
        job.alerts.push_back(std::move(copy));
      }
    });
    sort_alerts(job.alerts);
    g.flushing = true;
    jobs.push_back(std::move(job));
  }
  return jobs;
}

void Dispatcher::complete(const FlushJob& job, bool ok) {
  std::lock_guard lock(mu_);
  auto it = by_id_.find(job.group_id);
  if (it == by_id_.end()) return;
  AggregationGroup& g = *it->second;
  g.flushing = false;
  if (ok) {
    for (const auto& sent : job.alerts) {
      if (!sent->resolved_at(job.now)) continue;
      const AlertPtr* cur = g.alerts.find(sent->fingerprint);
      // Only if it was not updated again since it was sent.
      if (cur != nullptr && (*cur)->updated_at == sent->updated_at) g.alerts.erase(sent->fingerprint);
    }
  }
  // A timer that came due while flushing was parked at the flush's start; re-arm it.
  if (timers_.find({g.next_flush, g.id}) == timers_.end()) timers_.insert({g.next_flush, g.id});
}

std::optional<TimePoint> Dispatcher::next_deadline() const {
  std::lock_guard lock(mu_);
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first;
}

size_t Dispatcher::drop_empty() {
  std::lock_guard lock(mu_);
  size_t n = 0;
  std::vector<Fingerprint> doomed;
  for (auto& [_, groups] : by_route_) {
    doomed.clear();
    groups.for_each_entry([&](Fingerprint gfp, const std::unique_ptr<AggregationGroup>& g) {
      if (g->alerts.empty() && !g->flushing) doomed.push_back(gfp);
    });
    for (Fingerprint gfp : doomed) {
      const AggregationGroup& g = **groups.find(gfp);
      timers_.erase({g.next_flush, g.id});
      by_id_.erase(g.id);
      groups.erase(gfp);
      ++n;
    }
  }
  return n;
}

void Dispatcher::remove_alert(Fingerprint fp) {
  std::lock_guard lock(mu_);
  for (auto& [_, g] : by_id_) g->alerts.erase(fp);
  flushed_.erase(fp);
  std::lock_guard marker_lock(marker_mu_);
  muted_.erase(fp);
}

namespace {
constexpr unsigned char kInhibitedBit = 1;
constexpr unsigned char kSilencedBit = 2;

void set_mute_bit(alerts::FingerprintTable<unsigned char>& t, Fingerprint fp, unsigned char bit, bool on) {
  const unsigned char* cur = t.find(fp);
  const unsigned char old = cur ? *cur : 0;
  const unsigned char now = on ? static_cast<unsigned char>(old | bit) : static_cast<unsigned char>(old & ~bit);
  if (now == old) return;
  if (now == 0) {
    t.erase(fp);
  } else {
    t.insert_or_assign(fp, now);
  }
}
}  // namespace

void Dispatcher::mark_inhibited(Fingerprint fp, bool inhibited) {
  std::lock_guard lock(marker_mu_);
  set_mute_bit(muted_, fp, kInhibitedBit, inhibited);
}

void Dispatcher::mark_silenced(Fingerprint fp, bool silenced) {
  std::lock_guard lock(marker_mu_);
  set_mute_bit(muted_, fp, kSilencedBit, silenced);
}

std::vector<bool> Dispatcher::suppressed(const std::vector<AlertPtr>& alerts) const {
  std::lock_guard lock(marker_mu_);
  std::vector<bool> out;
  out.reserve(alerts.size());
  for (const auto& a : alerts) out.push_back(muted_.find(a->fingerprint) != nullptr);
  return out;
}

void Dispatcher::note_listing(TimePoint now) {
  std::lock_guard lock(mu_);
  if (now > listed_at_) listed_at_ = now;
}

std::vector<bool> Dispatcher::processed(const std::vector<AlertPtr>& alerts) const {
  std::lock_guard lock(mu_);
  std::vector<bool> out;
  out.reserve(alerts.size());
  for (const auto& a : alerts) out.push_back(a->updated_at <= listed_at_ || flushed_.find(a->fingerprint) != nullptr);
  return out;
}

void Dispatcher::reload(RoutePtr root) {
  std::lock_guard lock(mu_);
  // The cached slots point at the old tree's routes and at maps erased below.
  slots_.clear();
  // Index the new tree's routes by id (key and position).
  std::unordered_map<std::string, const config::Route*> fresh;
  std::vector<const config::Route*> stack{root.get()};
  while (!stack.empty()) {
    const config::Route* r = stack.back();
    stack.pop_back();
    fresh.emplace(r->id(), r);
    for (const auto& c : r->routes) stack.push_back(c.get());
  }
  for (auto rit = by_route_.begin(); rit != by_route_.end();) {
    auto f = fresh.find(rit->first);
    bool keep = false;
    if (f != fresh.end()) {
      const GroupOpts o = opts_of(*f->second);
      keep = true;
      rit->second.for_each([&](const std::unique_ptr<AggregationGroup>& g) {
        if (!(g->opts == o)) keep = false;
      });
      if (keep) {
        rit->second.for_each([&](const std::unique_ptr<AggregationGroup>& g) { g->route = f->second; });
      }
    }
    if (!keep) {
      rit->second.for_each([&](const std::unique_ptr<AggregationGroup>& g) {
        timers_.erase({g->next_flush, g->id});
        by_id_.erase(g->id);
      });
      rit = by_route_.erase(rit);
    } else {
      ++rit;
    }
  }
  root_ = std::move(root);
}

std::vector<GroupView> Dispatcher::groups() const {
  std::lock_guard lock(mu_);
  std::vector<GroupView> out;
  for (const auto& entry : by_route_) {
    entry.second.for_each([&](const std::unique_ptr<AggregationGroup>& g) {
      if (g->alerts.empty()) return;
      GroupView v;
      v.labels = g->labels;
      v.receiver = g->opts.receiver;
      v.route_key = g->route_key;
      g->alerts.for_each([&](const AlertPtr& a) { v.alerts.push_back(a); });
      sort_alerts(v.alerts);
      out.push_back(std::move(v));
    });
  }
  std::sort(out.begin(), out.end(), [](const GroupView& a, const GroupView& b) {
    if (int c = labels_order(a.labels, b.labels); c != 0) return c < 0;
    return a.receiver < b.receiver;
  });
  return out;
}

size_t Dispatcher::group_count() const {
  std::lock_guard lock(mu_);
  return by_id_.size();
}

RoutePtr Dispatcher::root() const {
  std::lock_guard lock(mu_);
  return root_;
}

}  // namespace tocsin::dispatch

// dispatcher_test.cpp: routing and aggregation-group timing on an explicit timeline (no sleeping).
#include <doctest/doctest.h>

#include <algorithm>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "dispatch/dispatcher.hpp"
#include "dispatch/driver.hpp"

using namespace tocsin;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<const config::Config> load(const std::string& yaml) {
  auto c = config::load_string(yaml, "test.yml");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error()));
  return std::make_shared<const config::Config>(std::move(*c));
}

const TimePoint t0 = TimePoint{} + std::chrono::hours(24 * 365 * 50);

AlertPtr alert(LabelSet labels, TimePoint starts, TimePoint ends = {}, TimePoint updated = {}) {
  auto a = std::make_shared<Alert>();
  a->labels = std::move(labels);
  a->fingerprint = a->labels.fingerprint();
  a->starts_at = starts;
  a->ends_at = is_zero(ends) ? starts + 5min : ends;
  a->updated_at = is_zero(updated) ? starts : updated;
  return a;
}

std::vector<std::string> receivers_of(const config::Route& root, const LabelSet& ls) {
  std::vector<std::string> out;
  for (auto* r : dispatch::match_routes(root, ls)) out.push_back(r->receiver);
  return out;
}

const char* kTree = R"(
route:
  receiver: default
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: ['team="db"']
      receiver: db
      continue: true
      routes:
        - matchers: ['severity="critical"']
          receiver: db-pager
    - matchers: ['severity=~"crit.*"']
      receiver: pager
      group_by: ['...']
    - matchers: ['team="web"']
      receiver: web
receivers: [{name: default}, {name: db}, {name: db-pager}, {name: pager}, {name: web}]
)";

}  // namespace

TEST_CASE("routes: first match wins, continue fans out, a route with no matching child is the match") {
  auto cfg = load(kTree);
  const auto& root = *cfg->route;
  CHECK(receivers_of(root, {{"alertname", "x"}}) == std::vector<std::string>{"default"});
  CHECK(receivers_of(root, {{"team", "db"}}) == std::vector<std::string>{"db"});
  CHECK(receivers_of(root, {{"team", "db"}, {"severity", "critical"}}) ==
        std::vector<std::string>{"db-pager", "pager"});
  CHECK(receivers_of(root, {{"team", "web"}, {"severity", "critical"}}) == std::vector<std::string>{"pager"});
  CHECK(receivers_of(root, {{"team", "web"}}) == std::vector<std::string>{"web"});
}

TEST_CASE("group labels: group_by picks present labels, '...' takes all") {
  auto cfg = load(kTree);
  auto routes = dispatch::match_routes(*cfg->route, {{"alertname", "a"}, {"team", "x"}});
  REQUIRE(routes.size() == 1);
  Alert a;
  a.labels = {{"alertname", "a"}, {"team", "x"}};
  CHECK(dispatch::group_labels(a, *routes[0]) == LabelSet{{"alertname", "a"}});
  auto crit = dispatch::match_routes(*cfg->route, {{"severity", "critical"}, {"x", "y"}});
  a.labels = {{"severity", "critical"}, {"x", "y"}};
  CHECK(dispatch::group_labels(a, *crit[0]) == a.labels);
}

TEST_CASE("group_fingerprint equals the fingerprint of group_labels") {
  auto cfg = load(R"(
route:
  receiver: default
  group_by: [zeta, alertname, "a0", a]
  routes:
    - matchers: ['all="yes"']
      group_by: ['...']
    - matchers: ['none="yes"']
      group_by: []
receivers: [{name: default}]
)");
  const std::vector<LabelSet> sets = {
      {{"alertname", "a"}, {"zeta", "z"}, {"a0", "1"}, {"a", "2"}, {"other", "o"}},
      {{"alertname", "a"}},
      {{"other", "o"}},
      {{"zeta", ""}, {"a", "\xff\xfe"}},
      {{"all", "yes"}, {"b", "1"}},
      {{"none", "yes"}, {"alertname", "x"}},
      {},
  };
  for (const LabelSet& ls : sets) {
    CAPTURE(ls.to_string());
    Alert a;
    a.labels = ls;
    for (const config::Route* r : dispatch::match_routes(*cfg->route, ls)) {
      const LabelSet gl = dispatch::group_labels(a, *r);
      CHECK(dispatch::group_fingerprint(a, *r, dispatch::sorted_group_by(*r)) == gl.fingerprint());
    }
  }
}

TEST_CASE("a new group flushes after group_wait, then every group_interval") {
  auto cfg = load(kTree);
  dispatch::Dispatcher d(cfg->route);
  d.process(alert({{"alertname", "A"}}, t0), t0);
  CHECK(d.next_deadline() == t0 + 30s);
  CHECK(d.take_due(t0 + 29s).empty());
  auto jobs = d.take_due(t0 + 30s);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].group_key == "{}:{alertname=\"A\"}");
  CHECK(jobs[0].alerts.size() == 1);
  // A firing alert is sent without an end time.
  CHECK(is_zero(jobs[0].alerts[0]->ends_at));
  d.complete(jobs[0], true);
  CHECK(d.next_deadline() == t0 + 30s + 5min);

  // A late alert waits for the next group_interval tick and goes out with the first.
  d.process(alert({{"alertname", "A"}, {"i", "2"}}, t0 + 40s), t0 + 40s);
  CHECK(d.take_due(t0 + 5min).empty());
  jobs = d.take_due(t0 + 30s + 5min);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].alerts.size() == 2);
}

TEST_CASE("an alert older than group_wait flushes a new group at once") {
  auto cfg = load(kTree);
  dispatch::Dispatcher d(cfg->route);
  d.process(alert({{"alertname", "old"}}, t0 - 10min), t0);
  CHECK(d.next_deadline() == t0);
  CHECK(d.take_due(t0).size() == 1);
}

TEST_CASE("resolved alerts leave the group after a successful flush, unless updated since") {
  auto cfg = load(kTree);
  dispatch::Dispatcher d(cfg->route);
  d.process(alert({{"alertname", "A"}}, t0, t0 + 10s), t0);
  d.process(alert({{"alertname", "A"}, {"i", "2"}}, t0, t0 + 1h), t0);
  auto jobs = d.take_due(t0 + 30s);
  REQUIRE(jobs.size() == 1);
  REQUIRE(jobs[0].alerts.size() == 2);
  d.complete(jobs[0], false);
  CHECK(d.groups().front().alerts.size() == 2);  // a failed flush keeps them
  jobs = d.take_due(t0 + 30s + 5min);
  REQUIRE(jobs.size() == 1);
  d.complete(jobs[0], true);
  REQUIRE(d.groups().size() == 1);
  CHECK(d.groups().front().alerts.size() == 1);
}

TEST_CASE("a flush still running when the timer fires runs again right after it completes") {
  auto cfg = load(kTree);
  dispatch::Dispatcher d(cfg->route);
  d.process(alert({{"alertname", "A"}}, t0), t0);
  auto jobs = d.take_due(t0 + 30s);
  REQUIRE(jobs.size() == 1);
  CHECK(d.take_due(t0 + 30s + 5min).empty());  // still flushing
  d.complete(jobs[0], true);
  CHECK(d.next_deadline() <= t0 + 30s + 5min);
  CHECK(d.take_due(t0 + 30s + 5min).size() == 1);
}

TEST_CASE("reload keeps groups and timers of unchanged routes and drops changed ones") {
  auto cfg = load(kTree);
  dispatch::Dispatcher d(cfg->route);
  d.process(alert({{"alertname", "A"}}, t0), t0);
  d.process(alert({{"alertname", "B"}, {"team", "web"}}, t0), t0);
  auto jobs = d.take_due(t0 + 30s);
  for (auto& j : jobs) d.complete(j, true);
  CHECK(d.group_count() == 2);
  std::string changed = kTree;
  changed.replace(changed.find("receiver: web\n"), 14, "receiver: web\n      group_wait: 1m\n");
  d.reload(load(changed)->route);
  CHECK(d.group_count() == 1);  // the web route's options changed: its group is gone
  CHECK(d.next_deadline() == t0 + 30s + 5min);  // the default route's timer is untouched
}

TEST_CASE("label set order follows the reference's LabelSet.Before") {
  CHECK(dispatch::labels_before({{"a", "1"}}, {{"a", "1"}, {"b", "2"}}));
  CHECK(dispatch::labels_before({{"a", "1"}}, {{"a", "2"}}));
  CHECK_FALSE(dispatch::labels_before({{"a", "1"}}, {{"b", "1"}}));
  CHECK(dispatch::labels_before({{"b", "1"}}, {{"a", "1"}}));
}

namespace {
// The routing rule written plainly over every child, to check the indexed walk against.
void naive_match(const config::Route& r, const LabelSet& ls, std::vector<const config::Route*>& out) {
  if (!matches_all(r.matchers, ls)) return;
  const size_t before = out.size();
  for (const auto& c : r.routes) {
    const size_t n = out.size();
    naive_match(*c, ls, out);
    if (out.size() > n && !c->continue_) break;
  }
  if (out.size() == before) out.push_back(&r);
}
}  // namespace

TEST_CASE("a wide tree is indexed and routes exactly as the plain walk") {
  std::string yaml = "route:\n  receiver: default\n  routes:\n";
  std::vector<std::string> receivers{"default"};
  for (int i = 0; i < 40; ++i) {
    std::string name = "r" + std::to_string(i);
    receivers.push_back(name);
    std::string m;
    switch (i % 5) {
      case 0: m = "['service=\"svc-" + std::to_string(i % 7) + "\"']"; break;
      case 1: m = "['service=~\"svc-" + std::to_string(i % 7) + "|svc-" + std::to_string(i % 7) + "-canary\"', 'severity=\"critical\"']"; break;
      case 2: m = "['service=~\"svc-.*\"', 'team=\"t" + std::to_string(i % 3) + "\"']"; break;  // not indexable
      case 3: m = "['team=\"t" + std::to_string(i % 3) + "\"']"; break;                        // no service matcher
      case 4: m = "['service=~\"|svc-" + std::to_string(i % 7) + "\"']"; break;                 // matches a missing label too
    }
    yaml += "    - receiver: " + name + "\n      matchers: " + m + "\n";
    if (i % 4 == 0) yaml += "      continue: true\n";
  }
  yaml += "receivers:\n";
  for (const auto& r : receivers) yaml += "  - name: " + r + "\n";
  auto cfg = load(yaml);
  CHECK(cfg->route->child_index.label == "service");
  int checked = 0;
  for (int svc = -1; svc < 9; ++svc) {
    for (const char* sev : {"", "critical", "warning"}) {
      for (const char* team : {"", "t0", "t1", "t2"}) {
        for (const char* suffix : {"", "-canary"}) {
          LabelSet ls;
          if (svc >= 0) ls.set("service", "svc-" + std::to_string(svc) + suffix);
          if (*sev) ls.set("severity", sev);
          if (*team) ls.set("team", team);
          std::vector<const config::Route*> want;
          naive_match(*cfg->route, ls, want);
          CHECK(dispatch::match_routes(*cfg->route, ls) == want);
          ++checked;
        }
      }
    }
  }
  CHECK(checked == 240);
}

TEST_CASE("literal alternations match by comparison, other regexes through RE2") {
  auto lit = Matcher::make(MatchType::kRegex, "a", "x|y-z|");
  REQUIRE(lit.ok());
  REQUIRE(lit->has_literal_values());
  CHECK(lit->literal_values() == std::vector<std::string>{"x", "y-z", ""});
  CHECK(lit->matches("x"));
  CHECK(lit->matches("y-z"));
  CHECK(lit->matches(""));
  CHECK_FALSE(lit->matches("xy"));
  auto re = Matcher::make(MatchType::kNotRegex, "a", "x.*");
  REQUIRE(re.ok());
  CHECK_FALSE(re->has_literal_values());
  CHECK(re->literal_values().empty());
  auto eq = Matcher::make(MatchType::kEqual, "a", "v");
  REQUIRE(eq.ok());
  CHECK(eq->literal_values() == std::vector<std::string>{"v"});
  CHECK_FALSE(re->matches("xyz"));
  CHECK(re->matches("yx"));
  auto neg = Matcher::make(MatchType::kNotRegex, "a", "p|q");
  REQUIRE(neg.ok());
  CHECK_FALSE(neg->matches("p"));
  CHECK(neg->matches("r"));
}

TEST_CASE("a batch is grouped and timed exactly as its alerts one by one") {
  auto cfg = load(kTree);
  dispatch::Dispatcher batched(cfg->route);
  dispatch::Dispatcher single(cfg->route);
  std::vector<AlertPtr> batch;
  for (int i = 0; i < 600; ++i) {
    // Groups that grow past several table sizes within the batch, re-posts of the same alert, fan-out
    // through `continue`, and one old alert that flushes its new group at once.
    LabelSet ls{{"alertname", "a" + std::to_string(i % 7)}, {"i", std::to_string(i % 450)}};
    if (i % 5 == 0) ls.set("team", "db");
    if (i % 11 == 0) ls.set("severity", "critical");
    batch.push_back(alert(std::move(ls), i == 300 ? t0 - 1h : t0));
  }
  batched.process(batch, t0);
  for (const auto& a : batch) single.process(a, t0);
  CHECK(batched.group_count() == single.group_count());
  CHECK(batched.next_deadline() == single.next_deadline());
  auto gb = batched.groups();
  auto gs = single.groups();
  REQUIRE(gb.size() == gs.size());
  for (size_t i = 0; i < gb.size(); ++i) {
    CHECK(gb[i].labels == gs[i].labels);
    CHECK(gb[i].receiver == gs[i].receiver);
    REQUIRE(gb[i].alerts.size() == gs[i].alerts.size());
    for (size_t j = 0; j < gb[i].alerts.size(); ++j) CHECK(gb[i].alerts[j] == gs[i].alerts[j]);
  }
  auto jb = batched.take_due(t0);
  auto js = single.take_due(t0);
  REQUIRE(jb.size() == js.size());
  REQUIRE(jb.size() == 1);
  CHECK(jb[0].group_key == js[0].group_key);
}

TEST_CASE("driver: a flush already due goes out from the caller's thread, without the driver thread") {
  auto cfg = load(R"(
route:
  receiver: r
  group_by: [g]
  group_wait: 0s
  group_interval: 5m
receivers:
- name: r
)");
  FakeClock clock(t0);
  dispatch::Dispatcher d(cfg->route);
  std::vector<dispatch::FlushJob> jobs;
  dispatch::Driver driver(d, clock, [&](dispatch::FlushJob j) { jobs.push_back(std::move(j)); });
  // Never started: only flush_due can submit.
  driver.flush_due();
  CHECK(jobs.empty());
  d.process(alert(LabelSet{{"g", "1"}}, t0), clock.now());
  driver.flush_due();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].alerts.size() == 1);
  d.complete(jobs[0], false);  // kept: the alert is still firing
  driver.flush_due();  // the next flush is group_interval away
  CHECK(jobs.size() == 1);
  clock.advance(5min);
  driver.flush_due();
  CHECK(jobs.size() == 2);
}

TEST_CASE("driver: a flush that came due while the previous one ran goes out as soon as that one completes") {
  auto cfg = load(R"(
route:
  receiver: r
  group_by: [g]
  group_wait: 0s
  group_interval: 1s
receivers:
- name: r
)");
  FakeClock clock(t0);
  dispatch::Dispatcher d(cfg->route);
  std::vector<dispatch::FlushJob> jobs;
  dispatch::Driver driver(d, clock, [&](dispatch::FlushJob j) { jobs.push_back(std::move(j)); });
  d.process(alert(LabelSet{{"g", "1"}}, t0), clock.now());
  driver.flush_due();
  REQUIRE(jobs.size() == 1);
  // A slow receiver: the group_interval tick comes while the first flush is still running.
  clock.advance(1500ms);
  d.process(alert(LabelSet{{"g", "1"}, {"i", "2"}}, clock.now()), clock.now());
  driver.flush_due();
  CHECK(jobs.size() == 1);
  // Its end sends the parked flush from the same thread, with the alert that came meanwhile.
  driver.complete(jobs[0], true);
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[1].alerts.size() == 2);
  CHECK(jobs[1].now == clock.now());
  // The one after that keeps the group_interval rhythm.
  driver.complete(jobs[1], true);
  CHECK(jobs.size() == 2);
  clock.advance(1s);
  driver.flush_due();
  CHECK(jobs.size() == 3);
}

TEST_CASE("a group's alerts are listed in alert_less order (job, then instance, then the label sets)") {
  auto cfg = load(kTree);
  dispatch::Dispatcher d(cfg->route);
  // Every mix of job and instance present, absent or equal, with ties left to the other labels.
  std::vector<AlertPtr> posted;
  int n = 0;
  for (const char* job : {"", "a", "b"}) {
    for (const char* instance : {"", "x", "y"}) {
      for (const char* extra : {"1", "2"}) {
        LabelSet ls{{"alertname", "Sorted"}, {"z", extra}, {"n", std::to_string(n++ % 4)}};
        if (*job) ls.set("job", job);
        if (*instance) ls.set("instance", instance);
        posted.push_back(alert(ls, t0));
      }
    }
  }
  for (size_t i = 0; i < posted.size(); ++i) d.process(posted[(i * 7) % posted.size()], t0);
  auto want = posted;
  std::stable_sort(want.begin(), want.end(), [](const AlertPtr& x, const AlertPtr& y) { return dispatch::alert_less(*x, *y); });
  auto groups = d.groups();
  REQUIRE(groups.size() == 1);
  REQUIRE(groups[0].alerts.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(groups[0].alerts[i]->labels == want[i]->labels);
  }
}

TEST_CASE("groups are listed by label set (model.LabelSet.Before), equal sets by receiver") {
  auto cfg = load(kTree);
  dispatch::Dispatcher d(cfg->route);
  for (const char* name : {"B", "A", "C", "AA"}) {
    d.process(alert({{"alertname", name}}, t0), t0);                                              // default
    d.process(alert({{"alertname", name}, {"team", "db"}, {"severity", "critical"}}, t0), t0);   // db-pager, pager
    d.process(alert({{"alertname", name}, {"team", "web"}}, t0), t0);                            // web
  }
  auto groups = d.groups();
  REQUIRE(groups.size() == 16);
  for (size_t i = 1; i < groups.size(); ++i) {
    const auto& a = groups[i - 1];
    const auto& b = groups[i];
    CAPTURE(i);
    const bool ordered = a.labels == b.labels ? a.receiver < b.receiver : dispatch::labels_before(a.labels, b.labels);
    CHECK(ordered);
  }
  // Equal label sets {alertname=A} under four receivers, in receiver order.
  CHECK(groups[0].labels == LabelSet{{"alertname", "A"}});
  CHECK(groups[0].receiver == "db-pager");
  CHECK(groups[1].receiver == "default");
  CHECK(groups[2].receiver == "web");
}

TEST_CASE("sibling routes with the same matchers keep their own groups (continue fan-out to two receivers)") {
  auto cfg = load(R"(
route:
  receiver: default
  group_by: [alertname]
  group_wait: 30s
  routes:
    - matchers: ['severity="critical"']
      receiver: chat
      continue: true
    - matchers: ['severity="critical"']
      receiver: pager
receivers: [{name: default}, {name: chat}, {name: pager}]
)");
  dispatch::Dispatcher d(cfg->route);
  d.process(alert(LabelSet{{"alertname", "A"}, {"severity", "critical"}}, t0), t0);
  CHECK(d.group_count() == 2);
  auto jobs = d.take_due(t0 + 30s);
  REQUIRE(jobs.size() == 2);
  std::vector<std::string> receivers{jobs[0].opts.receiver, jobs[1].opts.receiver};
  std::sort(receivers.begin(), receivers.end());
  CHECK(receivers == std::vector<std::string>{"chat", "pager"});
  // Both carry the reference's group key, the same string for both routes.
  CHECK(jobs[0].group_key == R"({}/{severity="critical"}:{alertname="A"})");
  CHECK(jobs[1].group_key == jobs[0].group_key);
  // A reload of the same tree keeps both groups.
  d.reload(load(R"(
route:
  receiver: default
  group_by: [alertname]
  group_wait: 30s
  routes:
    - matchers: ['severity="critical"']
      receiver: chat
      continue: true
    - matchers: ['severity="critical"']
      receiver: pager
receivers: [{name: default}, {name: chat}, {name: pager}]
)")->route);
  CHECK(d.group_count() == 2);
}

TEST_CASE("an alert is processed once a flush carried it or an API listing came after it (the reference's marker)") {
  auto cfg = load("route:\n  receiver: r\n  group_by: [alertname]\n  group_wait: 30s\nreceivers: [{name: r}]\n");
  dispatch::Dispatcher d(cfg->route);
  auto a = alert(LabelSet{{"alertname", "A"}}, t0);
  auto b = alert(LabelSet{{"alertname", "B"}}, t0 + 40s);
  d.process(a, t0);
  CHECK(d.processed({a}) == std::vector<bool>{false});
  CHECK(d.take_due(t0 + 30s).size() == 1);
  d.process(b, t0 + 40s);
  CHECK(d.processed({a, b}) == std::vector<bool>{true, false});
  d.note_listing(t0 + 41s);
  CHECK(d.processed({a, b}) == std::vector<bool>{true, true});
  d.remove_alert(a->fingerprint);
  auto a2 = alert(LabelSet{{"alertname", "A"}}, t0 + 60s);  // after GC: a new alert again
  CHECK(d.processed({a2}) == std::vector<bool>{false});
}

TEST_CASE("the marker keeps the mute state last marked: inhibited and silenced bits, each set by its own stage") {
  auto cfg = load("route:\n  receiver: r\nreceivers: [{name: r}]\n");
  dispatch::Dispatcher d(cfg->route);
  auto a = alert(LabelSet{{"alertname", "A"}}, t0);
  auto b = alert(LabelSet{{"alertname", "B"}}, t0);
  CHECK(d.suppressed({a, b}) == std::vector<bool>{false, false});
  d.mark_silenced(a->fingerprint, true);
  CHECK(d.suppressed({a, b}) == std::vector<bool>{true, false});
  // Inhibited, so the silence stage does not run: the silenced bit stays as it was.
  d.mark_inhibited(a->fingerprint, true);
  d.mark_inhibited(a->fingerprint, false);
  CHECK(d.suppressed({a}) == std::vector<bool>{true});
  d.mark_silenced(a->fingerprint, false);
  CHECK(d.suppressed({a}) == std::vector<bool>{false});
  d.mark_inhibited(b->fingerprint, true);
  d.remove_alert(b->fingerprint);  // GC forgets it
  CHECK(d.suppressed({b}) == std::vector<bool>{false});
}

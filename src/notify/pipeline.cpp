// pipeline.cpp: the stages and the function that runs them for one flush.
#include "notify/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "dispatch/dispatcher.hpp"
#include "nflog/nflog.hpp"

namespace tocsin::notify {

namespace {

struct Metrics {
  metrics::Family& notifications;
  metrics::Family& failed;
  metrics::Family& requests;
  metrics::Family& requests_failed;
  metrics::Family& latency;
  static Metrics& get() {
    auto& r = metrics::global();
    static Metrics m{
        r.counter("alertmanager_notifications_total", "The total number of attempted notifications.", {"integration"}),
        r.counter("alertmanager_notifications_failed_total", "The total number of failed notifications.",
                  {"integration"}),
        r.counter("alertmanager_notification_requests_total", "The total number of attempted notification requests.",
                  {"integration"}),
        r.counter("alertmanager_notification_requests_failed_total",
                  "The total number of failed notification requests.", {"integration"}),
        r.histogram("alertmanager_notification_latency_seconds", "The latency of notifications in seconds.",
                    {"integration"}, {1, 5, 10, 15, 20}),
    };
    // Every series the reference creates at start, at zero, so rate() and dashboards see them at once.
    static const bool once = [] {
      for (const char* i : {"email", "pagerduty", "wechat", "pushover", "slack", "opsgenie", "webhook", "victorops",
                            "sns", "telegram"}) {
        m.notifications.counter({i});
        m.failed.counter({i});
        m.requests.counter({i});
        m.requests_failed.counter({i});
        m.latency.histogram({i});
      }
      return true;
    }();
    (void)once;
    return m;
  }
};

// Alert hash for the nflog: the fingerprint of the labels (stable across restarts).
uint64_t alert_hash(const Alert& a) { return a.fingerprint; }

class FilterStage final : public Stage {
 public:
  explicit FilterStage(std::function<bool(const Alert&)> muted) : muted_(std::move(muted)) {}
  Result<AlertList> exec(StageContext&, AlertList alerts) override {
    if (!muted_) return alerts;
    AlertList out;
    out.reserve(alerts.size());
    for (auto& a : alerts) {
      if (!muted_(*a)) out.push_back(std::move(a));
    }
    return out;
  }

 private:
  std::function<bool(const Alert&)> muted_;
};

class TimeMuteStage final : public Stage {
 public:
  explicit TimeMuteStage(const Muters& m) : m_(m) {}
  Result<AlertList> exec(StageContext& ctx, AlertList alerts) override {
    if (!m_.time_muted) return alerts;
    // The reference's two stages in its order: active time first, then mute time, each with its line.
    if (!ctx.active_time_intervals.empty() && m_.time_muted({}, ctx.active_time_intervals, ctx.now)) {
      LOG_DEBUG({"component", "dispatcher"}, {"msg", "Notifications not sent, route is not within active time"});
      return AlertList{};
    }
    if (!ctx.mute_time_intervals.empty() && m_.time_muted(ctx.mute_time_intervals, {}, ctx.now)) {
      LOG_DEBUG({"component", "dispatcher"}, {"msg", "Notifications not sent, route is within mute time"});
      return AlertList{};
    }
    return alerts;
  }

 private:
  const Muters& m_;
};

class DedupStage final : public Stage {
 public:
  DedupStage(nflog::NotificationLog* log, std::string key, bool send_resolved)
      : log_(log), key_(std::move(key)), send_resolved_(send_resolved) {}
  Result<AlertList> exec(StageContext& ctx, AlertList alerts) override {
    ctx.firing.clear();
    ctx.resolved.clear();
    for (const auto& a : alerts) (a->resolved_at(ctx.now) ? ctx.resolved : ctx.firing).push_back(alert_hash(*a));
    std::sort(ctx.firing.begin(), ctx.firing.end());
    std::sort(ctx.resolved.begin(), ctx.resolved.end());
    DedupInput in;
    if (log_) {
      if (auto e = log_->query(key_, ctx.group_key)) {
        in.has_entry = true;
        in.entry_firing = e->firing;
        in.entry_resolved = e->resolved;
        in.entry_time = e->timestamp;
      }
    }
    if (needs_update(in, ctx.firing, ctx.resolved, send_resolved_, ctx.repeat_interval, ctx.now,
                     &ctx.notification_reason)) {
      return alerts;
    }
    return AlertList{};
  }

 private:
  nflog::NotificationLog* log_;
  std::string key_;
  bool send_resolved_;
};

class RetryStage final : public Stage {
 public:
  RetryStage(const receivers::Integration& in, const PipelineDeps& deps) : in_(in), deps_(deps) {}
  Result<AlertList> exec(StageContext& ctx, AlertList alerts) override {
    AlertList sent;
    if (!in_.send_resolved) {
      // Only resolved alerts: nothing to send, but record them so dedup sees the group cleared.
      if (ctx.firing.empty()) return alerts;
      for (const auto& a : alerts) {
        if (!a->resolved_at(ctx.now)) sent.push_back(a);
      }
    } else {
      sent = alerts;
    }
    receivers::NotifyContext nctx{ctx.receiver, ctx.group_key, ctx.group_labels, ctx.now, ctx.deadline,
                                  ctx.external_url, ctx.notification_reason};
    auto& m = Metrics::get();
    const std::vector<std::string> lv{in_.name};
    // One attempted notification per exec, counted when it starts (as the reference's RetryStage does).
    m.notifications.counter(lv).inc();
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    Duration interval = std::chrono::milliseconds(500);
    std::string last_err;
    for (int attempt = 1;; ++attempt) {
      const auto start = std::chrono::steady_clock::now();
      // Each request may take what is left of the flush's deadline, not the whole of it again (the
      // reference's one context deadline bounds every attempt).
      nctx.attempt_at = deps_.clock->now();
      auto r = in_.notifier->notify(nctx, sent);
      m.latency.histogram(lv).observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      m.requests.counter(lv).inc();
      if (r.ok) {
        // The reference's keys and order (its logger carries receiver and integration before msg);
        // a success after failed attempts is worth an info line.
        if (attempt > 1) {
          LOG_INFO({"component", "dispatcher"}, {"receiver", ctx.receiver}, {"integration", integration_str()},
                   {"msg", "Notify success"}, {"attempts", attempt});
        } else {
          LOG_DEBUG({"component", "dispatcher"}, {"receiver", ctx.receiver}, {"integration", integration_str()},
                    {"msg", "Notify success"}, {"attempts", attempt});
        }
        return alerts;
      }
      m.requests_failed.counter(lv).inc();
      if (!r.retry) {
        fail();
        return Error{prefix(ctx) + "notify retry canceled due to unrecoverable error after " + std::to_string(attempt) +
                     " attempts: " + r.error};
      }
      // As the reference: a warn line for an error unlike the previous attempt's, none once the flush's
      // deadline has passed (the failure line then reports it) nor at shutdown.
      // (A request cut by the deadline ends a moment before it: its error says so.)
      const bool past_deadline = deps_.clock->now() >= ctx.deadline ||
                                 r.error.find("context deadline exceeded") != std::string::npos;
      const bool stopping = deps_.stopping && deps_.stopping->load();
      if (r.error != last_err && !past_deadline && !stopping) {
        LOG_WARN({"component", "dispatcher"}, {"receiver", ctx.receiver}, {"integration", integration_str()},
                 {"msg", "Notify attempt failed, will retry later"}, {"attempts", attempt}, {"err", r.error});
      }
      last_err = r.error;
      // Exponential backoff: 500 ms × 1.5 each attempt, ±50 % jitter, at most 60 s, until the deadline.
      std::uniform_real_distribution<double> jitter(0.5, 1.5);
      auto wait = std::chrono::duration_cast<Duration>(interval * jitter(rng));
      interval = std::min<Duration>(std::chrono::duration_cast<Duration>(interval * 1.5), std::chrono::seconds(60));
      const TimePoint wake = deps_.clock->now() + wait;
      if (wake >= ctx.deadline) {
        // The reference notices the deadline at the top of its next round: it counts that round.
        fail();
        return Error{prefix(ctx) + "notify retry canceled after " + std::to_string(attempt + 1) +
                     " attempts: " + r.error};
      }
      // Sleep in small steps so shutdown is not held up by a long backoff.
      while (deps_.clock->now() < wake) {
        if (deps_.stopping && deps_.stopping->load()) {
          fail();
          return Error{prefix(ctx) + "notify retry canceled after " + std::to_string(attempt + 1) +
                       " attempts: " + r.error};
        }
        std::this_thread::sleep_for(std::min<Duration>(wake - deps_.clock->now(), std::chrono::milliseconds(50)));
      }
    }
  }

 private:
  std::string integration_str() const { return in_.name + "[" + std::to_string(in_.index) + "]"; }
  // The reference wraps a retry's error as "<receiver>/<integration>: ...".
  std::string prefix(const StageContext& ctx) const { return ctx.receiver + "/" + integration_str() + ": "; }
  void fail() { Metrics::get().failed.counter({in_.name}).inc(); }
  const receivers::Integration& in_;
  const PipelineDeps& deps_;
};

class RecordStage final : public Stage {
 public:
  RecordStage(nflog::NotificationLog* log, std::string key, const Clock& clock)
      : log_(log), key_(std::move(key)), clock_(clock) {}
  Result<AlertList> exec(StageContext& ctx, AlertList alerts) override {
    if (!log_) return alerts;
    // Stamped with the time of the send's completion, not the flush's start, as the reference does:
    // the next repeat is measured from when the receiver got it.
    auto r = log_->log(key_, ctx.group_key, ctx.firing, ctx.resolved, clock_.now());
    if (!r) return Error{r.error()};
    return alerts;
  }

 private:
  nflog::NotificationLog* log_;
  std::string key_;
  const Clock& clock_;
};

Result<AlertList> run_stages(std::vector<Stage*> stages, StageContext& ctx, AlertList alerts) {
  for (Stage* s : stages) {
    if (alerts.empty()) return alerts;
    auto r = s->exec(ctx, std::move(alerts));
    if (!r) return r;
    alerts = std::move(*r);
  }
  return alerts;
}

}  // namespace

bool needs_update(const DedupInput& e, const std::vector<uint64_t>& firing, const std::vector<uint64_t>& resolved,
                  bool send_resolved, Duration repeat, TimePoint now, std::string* reason) {
  auto set_reason = [&](const char* r) {
    if (reason) *reason = r;
  };
  if (!e.has_entry) {
    set_reason("first notification");
    return !firing.empty();
  }
  // An alert firing now that the last send did not carry as firing: something changed.
  if (!std::includes(e.entry_firing.begin(), e.entry_firing.end(), firing.begin(), firing.end())) {
    // After a send that carried no firing alert, this is the group's first news again.
    set_reason(e.entry_firing.empty() ? "first notification" : "new alerts added");
    return true;
  }
  if (firing.empty()) {
    // Everything resolved: notify (whatever send_resolved says, so the nflog is cleared) only if the
    // receiver was told about firing alerts.
    set_reason("all alerts resolved");
    return !e.entry_firing.empty();
  }
  if (send_resolved &&
      !std::includes(e.entry_resolved.begin(), e.entry_resolved.end(), resolved.begin(), resolved.end())) {
    set_reason("some alerts resolved");
    return true;
  }
  set_reason("repeat interval elapsed");
  return e.entry_time < now - repeat;
}

Pipeline::Pipeline(PipelineDeps deps, std::map<std::string, std::vector<receivers::Integration>> receivers)
    : deps_(std::move(deps)), receivers_(std::move(receivers)) {
  Metrics::get();
}

std::string alert_log_text(const Alert& a, TimePoint now) {
  char fp[17];
  std::snprintf(fp, sizeof fp, "%016llx", static_cast<unsigned long long>(a.fingerprint));
  std::string s{a.labels.get("alertname").value_or("")};
  s += '[';
  s.append(fp, 7);
  s += "][";
  s += a.resolved_at(now) ? "resolved" : "active";
  s += ']';
  return s;
}

std::string alerts_log_text(const AlertList& alerts, TimePoint now) {
  std::string s = "[";
  for (size_t i = 0; i < alerts.size(); ++i) {
    if (i > 0) s += ' ';
    s += alert_log_text(*alerts[i], now);
  }
  s += ']';
  return s;
}

bool Pipeline::run(const dispatch::FlushJob& job) {
  LOG_DEBUG({"component", "dispatcher"}, {"aggrGroup", job.group_key}, {"msg", "flushing"},
            {"alerts", alerts_log_text(job.alerts, job.now)});
  auto it = receivers_.find(job.opts.receiver);
  if (it == receivers_.end()) return true;
  StageContext base;
  base.receiver = job.opts.receiver;
  base.group_key = job.group_key;
  base.group_labels = job.group_labels;
  base.repeat_interval = job.opts.repeat_interval;
  base.group_interval = job.opts.group_interval;
  base.mute_time_intervals = job.opts.mute_time_intervals;
  base.active_time_intervals = job.opts.active_time_intervals;
  base.now = job.now;
  base.deadline = job.now + std::max(job.opts.group_interval, kMinNotifyTimeout);
  base.external_url = deps_.external_url;

  // The reference's first stage: no notification before the cluster has settled. The flush's own
  // deadline bounds the wait; a flush that reaches it fails as the reference's does.
  if (deps_.settled != nullptr && !deps_.settled->load()) {
    while (!deps_.settled->load()) {
      if (deps_.stopping != nullptr && deps_.stopping->load()) {
        failed(job, "context canceled");
        return false;
      }
      if (deps_.clock->now() >= base.deadline) {
        failed(job, "context deadline exceeded");
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  FilterStage inhibit(deps_.muters.inhibited);
  TimeMuteStage time_mute(deps_.muters);
  FilterStage silence(deps_.muters.silenced);
  auto pre = run_stages({&inhibit, &time_mute, &silence}, base, job.alerts);
  if (!pre) {
    failed(job, pre.error());
    return false;
  }
  if (pre->empty()) return true;

  // The reference's fanout: every integration runs, and their errors are joined into one.
  std::string errors;
  for (const auto& integ : it->second) {
    StageContext ctx = base;
    const std::string key = job.opts.receiver + "/" + integ.name + "/" + std::to_string(integ.index);
    DedupStage dedup(deps_.nflog, key, integ.send_resolved);
    RetryStage retry(integ, deps_);
    RecordStage record(deps_.nflog, key, *deps_.clock);
    auto r = run_stages({&dedup, &retry, &record}, ctx, *pre);
    if (!r) errors += (errors.empty() ? "" : "; ") + r.error();
  }
  if (errors.empty()) return true;
  failed(job, errors);
  return false;
}

void Pipeline::failed(const dispatch::FlushJob& job, const std::string& err) const {
  // One line per failed flush, as the reference's dispatcher writes it; at debug when the flush was
  // cut short by shutdown (the reference's canceled context).
  const long long n = static_cast<long long>(job.alerts.size());
  if (deps_.stopping && deps_.stopping->load()) {
    LOG_DEBUG({"component", "dispatcher"}, {"msg", "Notify for alerts failed"}, {"num_alerts", n}, {"err", err});
  } else {
    LOG_ERROR({"component", "dispatcher"}, {"msg", "Notify for alerts failed"}, {"num_alerts", n}, {"err", err});
  }
}

}  // namespace tocsin::notify

// pipeline.hpp: the notification pipeline a group flush goes through, assembled in one function:
//   inhibit → time active → time mute → silence → per integration: dedup → retry → record (nflog).
// Each stage is one small class with one verb.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/alert.hpp"
#include "core/result.hpp"
#include "receivers/notifier.hpp"

namespace tocsin {
class Clock;
}
namespace tocsin::nflog {
class NotificationLog;
}
namespace tocsin::dispatch {
struct FlushJob;
}

namespace tocsin::notify {

struct StageContext {
  std::string receiver;
  std::string group_key;
  LabelSet group_labels;
  Duration repeat_interval{};
  Duration group_interval{};
  std::vector<std::string> mute_time_intervals, active_time_intervals;
  TimePoint now{};
  TimePoint deadline{};
  std::string external_url;
  // Set by the dedup stage: hashes of the firing and resolved alerts of this flush.
  std::vector<uint64_t> firing, resolved;
  std::string notification_reason;
};

class Stage {
 public:
  virtual ~Stage() = default;
  // Takes the alerts of one flush and returns those that go on to the next stage (empty: stop).
  virtual Result<AlertList> exec(StageContext& ctx, AlertList alerts) = 0;
};

// What the pipeline asks of the rule engines; each may be empty (nothing muted).
struct Muters {
  std::function<bool(const Alert&)> inhibited;
  std::function<bool(const Alert&)> silenced;
  // Whether the route's time intervals mute a flush at `now`: (mute names, active names, now).
  std::function<bool(const std::vector<std::string>&, const std::vector<std::string>&, TimePoint)> time_muted;
};

// Everything the stages share for one configuration.
struct PipelineDeps {
  Muters muters;
  nflog::NotificationLog* nflog = nullptr;
  const Clock* clock = nullptr;
  std::string external_url;
  std::atomic<bool>* stopping = nullptr;  // retries end early when set
  // With clustering on: false until the reference's gossip would have settled. A flush waits for it
  // first (the reference's GossipSettleStage), until its deadline. Null: no waiting.
  const std::atomic<bool>* settled = nullptr;
};

class Pipeline {
 public:
  // receivers: name → its integrations.
  Pipeline(PipelineDeps deps, std::map<std::string, std::vector<receivers::Integration>> receivers);
  // Runs one flush; true when every integration succeeded (or had nothing to send).
  bool run(const dispatch::FlushJob& job);

 private:
  // Logs a failed flush (the reference's "Notify for alerts failed").
  void failed(const dispatch::FlushJob& job, const std::string& err) const;
  PipelineDeps deps_;
  std::map<std::string, std::vector<receivers::Integration>> receivers_;
};

// An alert as the reference's logs print it: name[first 7 hex digits of the fingerprint][active|resolved],
// and a list of them as Go's %v prints a slice: "[A[f2ff759][active] B[e477138][resolved]]".
std::string alert_log_text(const Alert& a, TimePoint now);
std::string alerts_log_text(const AlertList& alerts, TimePoint now);

// Minimum time a flush's notifications get before they are abandoned (the reference's MinTimeout).
inline constexpr Duration kMinNotifyTimeout = std::chrono::seconds(10);

// The dedup rule (exposed for tests): whether a flush with these hashes must be sent, given the last
// entry for the group. `reason` says why.
struct DedupInput {
  bool has_entry = false;
  std::vector<uint64_t> entry_firing, entry_resolved;
  TimePoint entry_time{};
};
bool needs_update(const DedupInput& e, const std::vector<uint64_t>& firing, const std::vector<uint64_t>& resolved,
                  bool send_resolved, Duration repeat, TimePoint now, std::string* reason = nullptr);

}  // namespace tocsin::notify

// dispatcher.hpp: the routing tree applied to alerts, and the aggregation groups with their
// group_wait / group_interval timers. Pure logic over an explicit `now`: the Driver (driver.hpp) runs
// it on a thread with the real clock, tests run it on a timeline of their own.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "alerts/alert_table.hpp"
#include "core/alert.hpp"
#include "core/alert_table.hpp"

namespace tocsin::config {
struct Route;
}

namespace tocsin::dispatch {

using RoutePtr = std::shared_ptr<const config::Route>;

// Every route that `labels` is routed to: depth-first, first match wins unless `continue`, and a
// route whose children all miss is itself the match. Empty if the root's matchers miss.
std::vector<const config::Route*> match_routes(const config::Route& root, const LabelSet& labels);
// The same into `out` (cleared first), for callers that route many alerts with one vector.
void match_routes(const config::Route& root, const LabelSet& labels, std::vector<const config::Route*>& out);

// The labels of `alert` that `route` groups by (all of them with group_by: ['...']).
LabelSet group_labels(const Alert& alert, const config::Route& route);
// The route's group_by names sorted and without repeats, the order group_fingerprint() takes them in.
std::vector<std::string_view> sorted_group_by(const config::Route& route);
// group_labels(alert, route).fingerprint() without building the label set; `sorted_names` is
// sorted_group_by(route).
Fingerprint group_fingerprint(const Alert& alert, const config::Route& route,
                              const std::vector<std::string_view>& sorted_names);

// Options of a route that shape its groups; two routes with the same key and options can share groups.
struct GroupOpts {
  std::string receiver;
  Duration group_wait{}, group_interval{}, repeat_interval{};
  std::vector<std::string> mute_time_intervals, active_time_intervals;
  std::vector<std::string> group_by;
  bool group_by_all = false;
  bool operator==(const GroupOpts&) const = default;
};
GroupOpts opts_of(const config::Route& r);

struct AggregationGroup {
  uint64_t id = 0;
  const config::Route* route = nullptr;  // valid while the tree that owns it is current
  std::string route_key;
  GroupOpts opts;
  LabelSet labels;
  std::string key;  // the reference's group key: <route key>:<group labels>
  // Hashed, not ordered: every reader sorts the alerts (sort_alerts), and a tree walk per routed
  // alert (one cache miss per level) was the dispatcher's main cost.
  AlertTable alerts;
  TimePoint next_flush{};
  bool has_flushed = false;
  bool flushing = false;
};

// One flush of one group, handed to the notification pipeline.
struct FlushJob {
  uint64_t group_id = 0;
  std::string group_key;
  LabelSet group_labels;
  GroupOpts opts;
  TimePoint now{};
  // Copies sorted as the reference sorts them; firing alerts carry a zero ends_at.
  AlertList alerts;
};

struct GroupView {
  LabelSet labels;
  std::string receiver;
  std::string route_key;
  std::vector<AlertPtr> alerts;
};

class Dispatcher {
 public:
  explicit Dispatcher(RoutePtr root);

  // Routes the alert and inserts it into (or creates) its groups.
  void process(const AlertPtr& alert, TimePoint now);
  // Routes a batch under one lock: no flush can start between two alerts of the same request.
  void process(const std::vector<AlertPtr>& alerts, TimePoint now);
  // Groups whose timer is due at `now`: each is marked flushing and its timer set to
  // now + group_interval. Empty groups are skipped (their timer still advances).
  std::vector<FlushJob> take_due(TimePoint now);
  // Reports a job's outcome; on success, resolved alerts not updated since are dropped from the group.
  void complete(const FlushJob& job, bool ok);
  // The earliest timer, if any group exists.
  std::optional<TimePoint> next_deadline() const;
  // Drops empty groups that are not flushing (the reference's maintenance every 30 s).
  size_t drop_empty();
  // Removes an alert (garbage-collected by the alert store) from every group.
  void remove_alert(Fingerprint fp);

  // The reference's marker keeps an alert "unprocessed" until a flush of one of its groups (the
  // pipeline's mute stages) or an API listing (GET alerts or groups) sets its state. A listing at
  // `now` counts every alert updated until then as processed.
  void note_listing(TimePoint now);
  // For each alert, whether it was processed in that sense.
  std::vector<bool> processed(const std::vector<AlertPtr>& alerts) const;

  // The marker's mute state: what the last evaluation found, set by a flush's inhibit stage
  // (inhibited), its silence stage (silenced, for alerts the inhibition let through) and an API
  // listing (both). alertmanager_alerts reports this rather than a live evaluation, as the reference
  // does: a new silence shows in the gauge at the next flush or listing.
  void mark_inhibited(Fingerprint fp, bool inhibited);
  void mark_silenced(Fingerprint fp, bool silenced);
  // For each alert, whether its last marked state is suppressed (inhibited or silenced).
  std::vector<bool> suppressed(const std::vector<AlertPtr>& alerts) const;

  // Swaps the routing tree. Groups whose route has the same id (key and position) and options in the new tree keep
  // their alerts and timers; the others are dropped. Callers then re-feed every alert with process().
  void reload(RoutePtr root);

  // Snapshot for /api/v2/alerts/groups, sorted as the reference sorts groups and alerts.
  std::vector<GroupView> groups() const;
  size_t group_count() const;
  RoutePtr root() const;
  // Called (under the dispatcher's lock) with the new deadline when a timer is set earlier than every
  // other one, so the driver can wake up.
  void on_earlier_deadline(std::function<void(TimePoint)> fn) { on_earlier_ = std::move(fn); }

 private:
  // A route's groups by the fingerprint of their labels.
  using Groups = alerts::FingerprintTable<std::unique_ptr<AggregationGroup>>;
  // What process_locked() needs of a route of the current tree, found by its address instead of
  // hashing its key string for every alert.
  struct RouteSlot {
    Groups* groups;                          // by_route_[route id]
    std::vector<std::string_view> group_by;  // sorted_group_by(route)
  };
  RouteSlot& slot_of(const config::Route& r);
  void schedule(AggregationGroup& g, TimePoint t);
  // Routes the alerts [first, last) and inserts them into (or creates) their groups.
  void process_locked(const AlertPtr* first, const AlertPtr* last, TimePoint now);
  // One (alert, route) pair of process_locked()'s batch.
  struct Placement {
    const AlertPtr* alert;  // into the caller's alerts, valid during process()
    const config::Route* route;
    RouteSlot* slot;
    Fingerprint gfp;
    AggregationGroup* group;  // found or created by the second pass
  };
  static void sort_alerts(AlertList& alerts);

  mutable std::mutex mu_;
  RoutePtr root_;
  uint64_t next_id_ = 1;
  // route id (key and position: sibling routes may share a key) -> group labels fingerprint -> group
  std::unordered_map<std::string, Groups> by_route_;
  std::unordered_map<const config::Route*, RouteSlot> slots_;  // for root_'s routes; cleared by reload()
  std::vector<const config::Route*> matched_;                  // process_locked()'s routes, reused
  std::vector<Placement> placements_;                          // process_locked()'s, reused
  std::unordered_map<uint64_t, AggregationGroup*> by_id_;
  std::set<std::pair<TimePoint, uint64_t>> timers_;
  std::function<void(TimePoint)> on_earlier_;
  alerts::FingerprintTable<bool> flushed_;  // alerts that were in a flush (the marker's "processed")
  TimePoint listed_at_{};                    // the last API listing
  mutable std::mutex marker_mu_;             // guards muted_ (the stages call in from flush threads)
  // Bit 1: inhibited, bit 2: silenced, as last marked; absent: neither.
  alerts::FingerprintTable<unsigned char> muted_;
};

// Sorting helpers the API shares.
bool labels_before(const LabelSet& a, const LabelSet& b);  // model.LabelSet.Before
bool alert_less(const Alert& a, const Alert& b);           // types.AlertSlice.Less

}  // namespace tocsin::dispatch

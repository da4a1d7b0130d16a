// alert_store.hpp: every alert tocsin knows, keyed by fingerprint. Merges updates as the reference
// does, tells subscribers (the dispatcher, the inhibitor) of every change, garbage-collects resolved
// alerts, and persists alerts in batches to the store so that a restart brings them back.
#pragma once

#include <array>
#include <functional>
#include <mutex>
#include <vector>

#include "alerts/alert_table.hpp"
#include "core/alert.hpp"
#include "core/alert_table.hpp"
#include "core/result.hpp"

namespace tocsin::store {
class Store;
}

namespace tocsin::alerts {

// The reference's Alert.Merge: `older` and `newer` by updated_at; keeps the earliest start and the
// right end time.
Alert merge(const Alert& a, const Alert& b);

class AlertStore {
 public:
  using Listener = std::function<void(const AlertPtr&)>;
  // Gets every alert of one put() at once, so a batch is routed as a whole.
  using BatchListener = std::function<void(const std::vector<AlertPtr>&)>;

  // `db` may be null (no persistence).
  explicit AlertStore(store::Store* db);

  // Inserts each alert (fingerprint computed here), merging with a stored alert when their activity
  // ranges overlap, then calls every listener with the stored results of the whole batch. Returns
  // how many rows were queued for the database: a re-post that only extends a firing alert's end
  // time is written at most once per kPersistEvery (load() makes up for the staleness).
  size_t put(std::vector<Alert> alerts);
  // put() for a caller that calls sync() next (from any thread): the rows wait for that commit
  // instead of waking the store's writer thread.
  size_t put_before_sync(std::vector<Alert> alerts) { return put(std::move(alerts), true); }
  static constexpr Duration kPersistEvery = std::chrono::seconds(60);
  // Waits until every alert put so far is committed to the store (no fsync: safe against a process
  // crash, which is what a restart must survive).
  Result<void> sync();
  // put(), then sync() if rows were queued; the rows are committed by the caller's thread, without
  // waking the store's writer thread for them.
  Result<void> put_and_sync(std::vector<Alert> alerts);
  AlertPtr get(Fingerprint fp) const;
  std::vector<AlertPtr> list() const;
  size_t size() const;
  // Counts of (firing, resolved) at `now`.
  std::pair<size_t, size_t> count(TimePoint now) const;

  // Removes alerts resolved at `now`; calls gc listeners with each removed alert. Returns the count.
  size_t gc(TimePoint now);

  void subscribe(BatchListener on_put);
  void on_gc(Listener on_remove);

  // Reads the persisted alerts (no listener is called: the caller feeds list() where it must go).
  Result<size_t> load();

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;
    AlertTable alerts;
  };
  size_t put(std::vector<Alert> alerts, bool flush_follows);
  Shard& shard(Fingerprint fp) { return shards_[fp % kShards]; }
  const Shard& shard(Fingerprint fp) const { return shards_[fp % kShards]; }

  store::Store* db_;
  std::array<Shard, kShards> shards_;
  mutable std::mutex listeners_mu_;
  std::vector<BatchListener> listeners_;
  std::vector<Listener> gc_listeners_;
};

// Alert <-> compact JSON used for persistence.
std::string encode_alert(const Alert& a);
Result<Alert> decode_alert(std::string_view s);

}  // namespace tocsin::alerts

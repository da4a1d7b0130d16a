// store.hpp: the only door to SQLite. Key/value rows grouped by namespace ("nflog"), and log
// namespaces ("alerts", "silences") whose rows are appended under an increasing sequence number; all written
// by one writer thread with group commit. put_durable() returns once the row is committed
// (fsync'd in WAL mode: survives kill -9 and power loss; see Options::fsync_durable); put() is queued
// and committed with the next batch.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace tocsin::store {

struct Row {
  std::string key;
  std::string value;
};

// A row of a log namespace.
struct LogRow {
  std::uint64_t seq = 0;
  std::string value;
};

class Store {
 public:
  virtual ~Store() = default;

  // Queued, committed within `batch_delay` with the other queued writes. A later write of the same
  // (ns, key) replaces an earlier one.
  virtual void put(std::string_view ns, std::string key, std::string value) = 0;
  virtual void erase(std::string_view ns, std::string key) = 0;
  // Committed before it returns, together with everything queued before it. Errors when the write
  // cannot be made durable (read-only file, disk full).
  virtual Result<void> put_durable(std::string_view ns, std::string key, std::string value) = 0;
  virtual Result<void> erase_durable(std::string_view ns, std::string key) = 0;
  // put_durable() for a caller that must not block: `done` runs once the write is committed (or its
  // commit failed), on the thread that committed it, outside the store's lock. The write is committed
  // by the next flush() or durable write, from any thread: the caller arranges for one to come soon
  // (the API runs a flush on its server thread after the requests it has read, so that the silences
  // of several connections share a commit). Until then it waits like a put().
  virtual void put_durable_async(std::string_view ns, std::string key, std::string value,
                                 std::function<void(Result<void>)> done) {
    done(put_durable(ns, std::move(key), std::move(value)));
  }
  // Waits until every queued write is committed.
  virtual Result<void> flush() = 0;

  // Every row of a namespace, in key order.
  virtual Result<std::vector<Row>> load(std::string_view ns) = 0;

  // Log namespaces: for rows rewritten often under random keys (alerts by fingerprint). A rewrite
  // appends the new row and erases the superseded one by its seq, so a commit touches the table's
  // last pages and the pages of rows written together earlier, not one page per row. The caller
  // keeps each row's seq; two rows of one logical key may both be found after a crash (the caller
  // keeps the newer).
  // Queued like put(); returns the row's seq, larger than every seq returned before (across restarts).
  virtual std::uint64_t append(std::string_view ns, std::string value) = 0;
  // Queued like erase(); erasing a missing seq is fine.
  virtual void erase_seq(std::string_view ns, std::uint64_t seq) = 0;
  // append() and erase_seq() for a caller that calls flush() next, which commits them on its own
  // thread: the writer thread is not woken for them (two context switches per POST of alerts
  // otherwise). Only for that pattern: such writes rely on the caller's flush to be committed.
  virtual std::uint64_t append_before_flush(std::string_view ns, std::string value) {
    return append(ns, std::move(value));
  }
  virtual void erase_seq_before_flush(std::string_view ns, std::uint64_t seq) { erase_seq(ns, seq); }
  // append() committed before it returns, as put_durable(): the row's seq, or why it could not be
  // made durable (the row is then not written).
  virtual Result<std::uint64_t> append_durable(std::string_view ns, std::string value) {
    std::uint64_t seq = append(ns, std::move(value));
    if (auto r = flush(); !r) return make_error(r.error());
    return seq;
  }
  // append() with put_durable_async()'s contract: `done` gets the row's seq once it is committed.
  virtual void append_durable_async(std::string_view ns, std::string value,
                                    std::function<void(Result<std::uint64_t>)> done) {
    done(append_durable(ns, std::move(value)));
  }
  // Every row of a log namespace, in seq order.
  virtual Result<std::vector<LogRow>> load_log(std::string_view ns) = 0;
  // The same rows handed one by one to `fn` without copying them (the view lasts for the call):
  // start-up reads 100,000 alerts this way.
  virtual Result<void> scan_log(std::string_view ns, const std::function<void(std::uint64_t, std::string_view)>& fn) {
    auto rows = load_log(ns);
    if (!rows) return make_error(rows.error());
    for (const auto& r : *rows) fn(r.seq, r.value);
    return {};
  }

  // Counters for /metrics. Not pure, so that test fakes of Store need not implement it.
  struct Stats {
    std::uint64_t committed_batches = 0;
    std::uint64_t committed_writes = 0;
    std::uint64_t failed_batches = 0;
    std::uint64_t retried_writes = 0;  // queued writes of a failed batch, put back for the next one
    std::uint64_t dropped_writes = 0;  // queued writes given up at shutdown after a failed batch
  };
  virtual Stats stats() const { return {}; }
};

struct Options {
  std::string path;  // the database file, e.g. "<storage.path>/tocsin.db"
  int batch_delay_ms = 5;
  // Opens the file read-only: load() works, every write fails (a replica, a forensic copy, tests).
  bool read_only = false;
  // Fsync the WAL on each commit that carries a durable write (synchronous=FULL for that commit),
  // so that durable writes survive a power loss, not only a process crash. Group commit keeps the
  // cost low (measured: 10,000 durable writes from 8 threads in well under a second). Plain put()
  // commits never fsync. false: durable writes survive kill -9 but may be lost on power loss.
  bool fsync_durable = true;
  int busy_timeout_ms = 5000;
};

// Opens (creating if needed) and migrates the database. Fails with a clear message on a corrupted
// file or one written by a newer tocsin (schema version above ours).
Result<std::unique_ptr<Store>> open(const Options& opts);

}  // namespace tocsin::store

// store.hpp: the only door to SQLite. A key/value table per namespace ("silences", "nflog", "alerts"),
// written by one writer thread with group commit. put_durable() returns once the row is committed
// (fsync'd in WAL mode); put() is queued and committed with the next batch.
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
  // Waits until every queued write is committed.
  virtual Result<void> flush() = 0;

  // Every row of a namespace, in key order.
  virtual Result<std::vector<Row>> load(std::string_view ns) = 0;
};

struct Options {
  std::string path;  // the database file, e.g. "<storage.path>/tocsin.db"
  int batch_delay_ms = 5;
};

// Opens (creating if needed) and migrates the database. Fails with a clear message on a corrupted
// file or one written by a newer tocsin (schema version above ours).
Result<std::unique_ptr<Store>> open(const Options& opts);

}  // namespace tocsin::store

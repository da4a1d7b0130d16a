// nflog.hpp: the notification log: for each (receiver integration, group key) the alerts last sent
// (firing and resolved hashes) and when. The dedup stage reads it, the record stage writes it after a
// successful send, durably, so a restart never re-sends what went out.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"

namespace tocsin {
class Clock;
}
namespace tocsin::store {
class Store;
}

namespace tocsin::nflog {

struct Entry {
  std::vector<uint64_t> firing;    // sorted hashes of the firing alerts sent
  std::vector<uint64_t> resolved;  // sorted hashes of the resolved alerts sent
  TimePoint timestamp{};
  TimePoint expires_at{};

};

class NotificationLog {
 public:
  NotificationLog(store::Store* db, const Clock& clock, Duration retention);

  Result<size_t> load();
  // `receiver` names one integration of one receiver: "<receiver>/<integration>/<index>".
  std::optional<Entry> query(const std::string& receiver, const std::string& group_key);
  // Records a send; durable before it returns when a store is attached.
  Result<void> log(const std::string& receiver, const std::string& group_key, std::vector<uint64_t> firing,
                   std::vector<uint64_t> resolved, TimePoint now);
  // Removes expired entries.
  size_t gc();
  size_t size() const;
  // The bytes the reference's snapshot of these entries would take (length-delimited MeshEntry
  // messages), for alertmanager_nflog_snapshot_size_bytes.
  size_t snapshot_bytes() const;

 private:
  static std::string key(const std::string& receiver, const std::string& group_key);
  store::Store* db_;
  const Clock& clock_;
  Duration retention_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

std::string encode_entry(const Entry& e);
std::optional<Entry> decode_entry(std::string_view s);

}  // namespace tocsin::nflog

// nflog.cpp: in-memory map of last sends, written through to the store.
#include "nflog/nflog.hpp"

#include <algorithm>
#include <chrono>
#include <sstream>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/proto_size.hpp"
#include "store/store.hpp"

namespace tocsin::nflog {

namespace {
constexpr std::string_view kNamespace = "nflog";

struct Metrics {
  metrics::Counter& queries;
  metrics::Counter& query_errors;
  metrics::Histogram& query_duration;
  metrics::Summary& gc_duration;
  metrics::Counter& maintenance;
  metrics::Counter& maintenance_errors;
  static Metrics& get() {
    auto& r = metrics::global();
    static Metrics m{
        r.counter("alertmanager_nflog_queries_total", "Number of notification log queries were received.").counter(),
        r.counter("alertmanager_nflog_query_errors_total",
                  "Number notification log received queries that failed.")
            .counter(),
        r.histogram("alertmanager_nflog_query_duration_seconds", "Duration of notification log query evaluation.",
                    {}, {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10})
            .histogram(),
        r.summary("alertmanager_nflog_gc_duration_seconds",
                  "Duration of the last notification log garbage collection cycle.")
            .summary(),
        r.counter("alertmanager_nflog_maintenance_total", "How many maintenances were executed for the notification log.")
            .counter(),
        r.counter("alertmanager_nflog_maintenance_errors_total",
                  "How many maintenances were executed for the notification log that failed.")
            .counter(),
    };
    return m;
  }
};

}  // namespace


NotificationLog::NotificationLog(store::Store* db, const Clock& clock, Duration retention)
    : db_(db), clock_(clock), retention_(retention) {
  Metrics::get();
}

std::string NotificationLog::key(const std::string& receiver, const std::string& group_key) {
  return receiver + '\x1f' + group_key;
}

Result<size_t> NotificationLog::load() {
  if (!db_) return size_t{0};
  auto rows = db_->load(kNamespace);
  if (!rows) return Error{"loading notification log: " + rows.error()};
  std::lock_guard lock(mu_);
  for (const auto& row : *rows) {
    if (auto e = decode_entry(row.value)) entries_[row.key] = std::move(*e);
  }
  return entries_.size();
}

std::optional<Entry> NotificationLog::query(const std::string& receiver, const std::string& group_key) {
  auto& m = Metrics::get();
  const auto start = std::chrono::steady_clock::now();
  m.queries.inc();
  std::optional<Entry> out;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key(receiver, group_key));
    if (it != entries_.end()) out = it->second;
  }
  // The reference counts a query that finds no entry (ErrNotFound) as a failed one.
  if (!out) m.query_errors.inc();
  m.query_duration.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return out;
}

Result<void> NotificationLog::log(const std::string& receiver, const std::string& group_key,
                                  std::vector<uint64_t> firing, std::vector<uint64_t> resolved, TimePoint now) {
  std::sort(firing.begin(), firing.end());
  std::sort(resolved.begin(), resolved.end());
  Entry e{std::move(firing), std::move(resolved), now, now + retention_};
  const std::string k = key(receiver, group_key);
  {
    std::lock_guard lock(mu_);
    entries_[k] = e;
  }
  if (db_) {
    auto r = db_->put_durable(kNamespace, k, encode_entry(e));
    if (!r) return Error{"notification log write failed: " + r.error()};
  }
  return {};
}

size_t NotificationLog::gc() {
  const auto start = std::chrono::steady_clock::now();
  const TimePoint now = clock_.now();
  std::vector<std::string> gone;
  {
    std::lock_guard lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.expires_at <= now) {
        gone.push_back(it->first);
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (db_) {
    for (auto& k : gone) db_->erase(kNamespace, k);
  }
  auto& m = Metrics::get();
  m.maintenance.inc();
  m.gc_duration.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return gone.size();
}

size_t NotificationLog::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

size_t NotificationLog::snapshot_bytes() const {
  namespace ps = proto_size;
  std::lock_guard lock(mu_);
  size_t total = 0;
  for (const auto& [k, e] : entries_) {
    // The key is "<receiver>/<integration>/<index>" '\x1f' "<group key>".
    const size_t sep = k.find('\x1f');
    const std::string_view receiver = std::string_view(k).substr(0, sep);
    const std::string_view group_key = sep == std::string::npos ? std::string_view() : std::string_view(k).substr(sep + 1);
    const size_t idx_slash = receiver.rfind('/');
    const size_t int_slash = idx_slash == std::string_view::npos || idx_slash == 0 ? std::string_view::npos
                                                                                    : receiver.rfind('/', idx_slash - 1);
    size_t recv = 0;
    if (int_slash != std::string_view::npos) {
      uint64_t idx = 0;
      for (char c : receiver.substr(idx_slash + 1)) idx = idx * 10 + static_cast<uint64_t>(c - '0');
      recv = ps::string_field(receiver.substr(0, int_slash)) +
             ps::string_field(receiver.substr(int_slash + 1, idx_slash - int_slash - 1)) + ps::varint_field(idx);
    }
    auto packed = [](const std::vector<uint64_t>& v) {
      size_t n = 0;
      for (uint64_t x : v) n += ps::varint(x);
      return v.empty() ? 0 : ps::delimited_field(n);
    };
    // Entry: group_key (1), receiver (2), timestamp (5), firing_alerts (6), resolved_alerts (7).
    const size_t entry = ps::string_field(group_key) + ps::delimited_field(recv) + ps::timestamp_field(e.timestamp) +
                         packed(e.firing) + packed(e.resolved);
    // MeshEntry: entry (1), expires_at (2).
    const size_t mesh = ps::delimited_field(entry) + ps::timestamp_field(e.expires_at);
    total += ps::varint(mesh) + mesh;
  }
  return total;
}

std::string encode_entry(const Entry& e) {
  std::ostringstream os;
  os << e.timestamp.time_since_epoch().count() << ' ' << e.expires_at.time_since_epoch().count() << " f";
  for (auto h : e.firing) os << ' ' << h;
  os << " r";
  for (auto h : e.resolved) os << ' ' << h;
  return os.str();
}

std::optional<Entry> decode_entry(std::string_view s) {
  std::istringstream is{std::string(s)};
  int64_t ts = 0, exp = 0;
  std::string tok;
  if (!(is >> ts >> exp >> tok) || tok != "f") return std::nullopt;
  Entry e;
  e.timestamp = TimePoint{Duration{ts}};
  e.expires_at = TimePoint{Duration{exp}};
  std::vector<uint64_t>* cur = &e.firing;
  while (is >> tok) {
    if (tok == "r") {
      cur = &e.resolved;
      continue;
    }
    cur->push_back(std::stoull(tok));
  }
  return e;
}

}  // namespace tocsin::nflog

// alert_store.cpp: the sharded in-memory alert map, merge rules and batched persistence (a log
// namespace of the store: each write of an alert appends a row and erases the one it supersedes).
#include "alerts/alert_store.hpp"

#include <bit>
#include <cstring>

#include "store/store.hpp"

namespace tocsin::alerts {

namespace {
constexpr std::string_view kNamespace = "alerts";

bool after(TimePoint a, TimePoint b) { return a > b; }
bool before(TimePoint a, TimePoint b) { return a < b; }
}  // namespace

Alert merge(const Alert& a_in, const Alert& o_in) {
  // o is always the younger of the two.
  const Alert* a = &a_in;
  const Alert* o = &o_in;
  if (before(o->updated_at, a->updated_at)) std::swap(a, o);
  Alert res = *o;
  if (before(a->starts_at, o->starts_at)) res.starts_at = a->starts_at;
  // "Resolved" in the reference's Merge is judged against the wall clock; we judge it against the
  // younger alert's update time, which is when the request came in.
  const TimePoint now = o->updated_at;
  if (o->resolved_at(now)) {
    if (a->resolved_at(now) && after(a->ends_at, o->ends_at)) res.ends_at = a->ends_at;
  } else {
    if (after(a->ends_at, o->ends_at) && !a->timeout) res.ends_at = a->ends_at;
  }
  return res;
}

AlertStore::AlertStore(store::Store* db) : db_(db) {}

size_t AlertStore::put(std::vector<Alert> alerts) { return put(std::move(alerts), false); }

Result<void> AlertStore::put_and_sync(std::vector<Alert> alerts) {
  if (put(std::move(alerts), true) == 0) return {};
  return sync();
}

size_t AlertStore::put(std::vector<Alert> alerts, bool flush_follows) {
  size_t written = 0;
  std::vector<AlertPtr> batch;
  batch.reserve(alerts.size());
  // Fingerprints first, each alert's slot prefetched: with many alerts stored, every lookup misses
  // the cache, and the misses of a batch then overlap instead of following one another.
  for (auto& in : alerts) {
    in.fingerprint = in.labels.fingerprint();
    Shard& s = shard(in.fingerprint);
    std::lock_guard lock(s.mu);
    s.alerts.prefetch(in.fingerprint);
  }
  for (auto& in : alerts) {
    Shard& s = shard(in.fingerprint);
    AlertPtr stored;
    {
      std::lock_guard lock(s.mu);
      const AlertPtr* found = s.alerts.find(in.fingerprint);
      bool write = true;
      std::uint64_t old_seq = 0;
      if (found != nullptr) {
        const Alert& old = **found;
        old_seq = old.log_seq;
        // Merge only when the activity ranges overlap, as the reference does.
        if ((after(in.ends_at, old.starts_at) && before(in.ends_at, old.ends_at)) ||
            (after(in.starts_at, old.starts_at) && before(in.starts_at, old.ends_at))) {
          in = merge(old, in);
        }
        // Prometheus re-posts every firing alert each evaluation; only its end time moves. Such a
        // re-post is written at most once per kPersistEvery.
        const bool firing_both = !old.resolved_at(in.updated_at) && !in.resolved_at(in.updated_at);
        if (firing_both && in.starts_at == old.starts_at && in.timeout == old.timeout &&
            in.generator_url == old.generator_url && in.annotations == old.annotations &&
            in.updated_at - old.persisted_at() < kPersistEvery) {
          write = false;
          in.persisted_s = old.persisted_s;
        }
      }
      in.log_seq = old_seq;
      if (write) {
        in.persisted_s = Alert::seconds_of(in.updated_at);
        if (db_) {
          // Appended before the old row is erased: a crash in between leaves both, and load() keeps
          // the newer.
          if (flush_follows) {
            in.log_seq = db_->append_before_flush(kNamespace, encode_alert(in));
            if (old_seq != 0) db_->erase_seq_before_flush(kNamespace, old_seq);
          } else {
            in.log_seq = db_->append(kNamespace, encode_alert(in));
            if (old_seq != 0) db_->erase_seq(kNamespace, old_seq);
          }
          ++written;
        }
      }
      stored = make_alert(std::move(in));
      s.alerts.insert_or_assign(stored->fingerprint, stored);
    }
    batch.push_back(std::move(stored));
  }
  std::vector<BatchListener> ls;
  {
    std::lock_guard lock(listeners_mu_);
    ls = listeners_;
  }
  for (auto& l : ls) l(batch);
  return written;
}

Result<void> AlertStore::sync() {
  if (!db_) return {};
  return db_->flush();
}

AlertPtr AlertStore::get(Fingerprint fp) const {
  const Shard& s = shard(fp);
  std::lock_guard lock(s.mu);
  const AlertPtr* found = s.alerts.find(fp);
  return found == nullptr ? nullptr : *found;
}

std::vector<AlertPtr> AlertStore::list() const {
  std::vector<AlertPtr> out;
  std::vector<const AlertPtr*> slots;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mu);
    // Two passes: copying a shared_ptr is an atomic increment that waits for the alert's control
    // block to arrive from memory, one alert after the other; the first pass asks for all of them.
    slots.clear();
    s.alerts.for_each([&](const AlertPtr& a) {
      __builtin_prefetch(a.get());
      slots.push_back(&a);
    });
    out.reserve(out.size() + slots.size());
    for (const AlertPtr* a : slots) out.push_back(*a);
  }
  return out;
}

size_t AlertStore::size() const {
  size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.alerts.size();
  }
  return n;
}

std::pair<size_t, size_t> AlertStore::count(TimePoint now) const {
  size_t firing = 0, resolved = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mu);
    s.alerts.for_each([&](const AlertPtr& a) { (a->resolved_at(now) ? resolved : firing)++; });
  }
  return {firing, resolved};
}

size_t AlertStore::gc(TimePoint now) {
  std::vector<AlertPtr> removed;
  for (auto& s : shards_) {
    std::lock_guard lock(s.mu);
    const size_t first = removed.size();
    s.alerts.for_each([&](const AlertPtr& a) {
      if (a->resolved_at(now)) removed.push_back(a);
    });
    for (size_t i = first; i < removed.size(); ++i) s.alerts.erase(removed[i]->fingerprint);
  }
  std::vector<Listener> ls;
  {
    std::lock_guard lock(listeners_mu_);
    ls = gc_listeners_;
  }
  for (const auto& a : removed) {
    // By seq: a row the same fingerprint got since (a new alert) stays.
    if (db_ && a->log_seq != 0) db_->erase_seq(kNamespace, a->log_seq);
    for (auto& l : ls) l(a);
  }
  return removed.size();
}

void AlertStore::subscribe(BatchListener on_put) {
  std::lock_guard lock(listeners_mu_);
  listeners_.push_back(std::move(on_put));
}

void AlertStore::on_gc(Listener on_remove) {
  std::lock_guard lock(listeners_mu_);
  gc_listeners_.push_back(std::move(on_remove));
}

Result<size_t> AlertStore::load() {
  if (!db_) return size_t{0};
  size_t n = 0;
  auto scanned = db_->scan_log(kNamespace, [&](std::uint64_t seq, std::string_view value) {
    auto a = decode_alert(value);
    if (!a) return;  // a row we cannot read is skipped, not fatal: alerts are re-sent by Prometheus
    a->fingerprint = a->labels.fingerprint();
    // A firing alert's row may be up to kPersistEvery older than its last re-post: extend its end
    // time by as much, so a restart never resolves an alert that was still being re-posted.
    if (!a->resolved_at(a->updated_at)) a->ends_at += kPersistEvery;
    a->persisted_s = Alert::seconds_of(a->updated_at);
    a->log_seq = seq;
    Shard& s = shard(a->fingerprint);
    std::lock_guard lock(s.mu);
    if (const AlertPtr* old = s.alerts.find(a->fingerprint)) {
      // Rows come in seq order: this one supersedes a row whose erase a crash cut off.
      db_->erase_seq(kNamespace, (*old)->log_seq);
    } else {
      ++n;
    }
    s.alerts.put(make_alert(std::move(*a)));
  });
  if (!scanned) return Error{"loading alerts: " + scanned.error()};
  return n;
}

namespace {

// The stored form of an alert: a version byte, then the labels, annotations, times, generator URL
// and timeout flag. Several times cheaper than JSON both ways, which matters on every POST and at
// start-up.
//   version 1: counts and string lengths as 8-byte little-endian integers.
//   version 2 (written since): counts and lengths as LEB128 varints, one byte for the usual short
//   strings: a third smaller row, and the SQLite and WAL writes of new alerts shrink with it.
// Times are 8-byte little-endian nanoseconds in both. Rows of either version are read.
constexpr char kVersion1 = 1;
constexpr char kVersion2 = 2;

size_t varint_size(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

struct Reader {
  std::string_view s;
  bool varints;  // version 2
  bool ok = true;
  uint64_t u64() {
    if (s.size() < 8) {
      ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[i]);
    s.remove_prefix(8);
    return v;
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (s.empty()) break;
      const auto b = static_cast<unsigned char>(s[0]);
      s.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok = false;  // cut short, or longer than 10 bytes
    return 0;
  }
  uint64_t count() { return varints ? varint() : u64(); }
  std::string_view str() {
    const uint64_t n = count();
    if (!ok || n > s.size()) {
      ok = false;
      return {};
    }
    std::string_view out = s.substr(0, n);
    s.remove_prefix(n);
    return out;
  }
  // Views into the row: no string is copied until the label set's own block.
  LabelSet labels() {
    const uint64_t n = count();
    std::vector<LabelSet::ViewPair> pairs;
    for (uint64_t i = 0; ok && i < n && i < (1u << 20); ++i) {
      std::string_view k = str();
      std::string_view v = str();
      if (ok) pairs.emplace_back(k, v);
    }
    return LabelSet::from_views(pairs);
  }
};

// Raw writes into a row sized exactly beforehand: appending byte by byte to a std::string checked its
// capacity at every byte, and sizing the row first read every label twice.
char* write_varint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}
char* write_str(char* p, std::string_view s) {
  p = write_varint(p, s.size());
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}
char* write_u64(char* p, uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, &v, 8);
  } else {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  }
  return p + 8;
}
// The pairs of `ls` appended to `out` (each read once); returns their encoded size.
size_t collect(const LabelSet& ls, std::vector<LabelSet::ViewPair>& out) {
  const size_t n = ls.size();
  size_t bytes = varint_size(n);
  for (size_t i = 0; i < n; ++i) {
    const auto p = ls.at(i);
    bytes += varint_size(p.first.size()) + p.first.size() + varint_size(p.second.size()) + p.second.size();
    out.push_back(p);
  }
  return bytes;
}
char* write_pairs(char* p, const LabelSet::ViewPair* pairs, size_t n) {
  p = write_varint(p, n);
  for (size_t i = 0; i < n; ++i) {
    p = write_str(p, pairs[i].first);
    p = write_str(p, pairs[i].second);
  }
  return p;
}

}  // namespace

std::string encode_alert(const Alert& a) {
  thread_local std::vector<LabelSet::ViewPair> pairs;
  pairs.clear();
  const std::string_view url = a.generator_url.view();
  const size_t size = 1 + collect(a.labels, pairs) + collect(a.annotations, pairs) + 3 * 8 +
                      varint_size(url.size()) + url.size() + 1;
  const size_t n_labels = a.labels.size();
  std::string out(size, '\0');
  char* p = out.data();
  *p++ = kVersion2;
  p = write_pairs(p, pairs.data(), n_labels);
  p = write_pairs(p, pairs.data() + n_labels, pairs.size() - n_labels);
  p = write_u64(p, static_cast<uint64_t>(a.starts_at.time_since_epoch().count()));
  p = write_u64(p, static_cast<uint64_t>(a.ends_at.time_since_epoch().count()));
  p = write_u64(p, static_cast<uint64_t>(a.updated_at.time_since_epoch().count()));
  p = write_str(p, url);
  *p = a.timeout ? '\1' : '\0';
  return out;
}

Result<Alert> decode_alert(std::string_view s) {
  if (s.empty() || (s[0] != kVersion1 && s[0] != kVersion2)) return Error{"bad stored alert: unknown format"};
  Reader r{s.substr(1), s[0] == kVersion2};
  Alert a;
  a.labels = r.labels();
  a.annotations = r.labels();
  a.starts_at = TimePoint{Duration{static_cast<int64_t>(r.u64())}};
  a.ends_at = TimePoint{Duration{static_cast<int64_t>(r.u64())}};
  a.updated_at = TimePoint{Duration{static_cast<int64_t>(r.u64())}};
  a.generator_url = r.str();
  if (!r.ok || r.s.size() != 1) return Error{"bad stored alert: truncated"};
  a.timeout = r.s[0] == '\1';
  return a;
}

}  // namespace tocsin::alerts

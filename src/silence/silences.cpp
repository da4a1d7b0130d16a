// silences.cpp: the silence engine: the reference's create/update/expire rules, durable writes through
// the store, the label index and per-fingerprint cache behind silenced_by, GC after retention.
#include "silence/silences.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>
#include <unordered_set>

#include "core/proto_size.hpp"
#include "silence/codec.hpp"
#include "store/store.hpp"

namespace tocsin::silence {

namespace {

constexpr std::string_view kNamespace = "silences";
// Beyond this many cached fingerprints the cache is dropped and rebuilt on demand: bounded memory
// at the cost of one full lookup per alert after a drop.
constexpr size_t kMaxCacheEntries = 200000;
// validate_matcher_fields() remembers up to this many regexes that compile, each at most this long.
constexpr size_t kValidRegexEntries = 1024;
constexpr size_t kValidRegexMaxPattern = 1024;

// The reference's matchesEmpty: only = and =~ can match the empty string; != and !~ never count.
bool matches_empty(const Matcher& m) {
  if (m.type() == MatchType::kEqual) {
    return m.value().empty();
  }
  if (m.type() == MatchType::kRegex) {
    return m.matches(std::string_view{});
  }
  return false;
}


int state_rank(SilenceState st) {
  switch (st) {
    case SilenceState::kActive: return 0;
    case SilenceState::kPending: return 1;
    case SilenceState::kExpired: return 2;
  }
  return 3;
}

// Whether a can become b in place without rewriting what was silenced in the past.
bool can_update(const Silence& a, const Silence& b, TimePoint now) {
  if (a.matchers != b.matchers) {
    return false;
  }
  switch (state_at(a, now)) {
    case SilenceState::kActive: {
      // The reference compares whole seconds here.
      auto secs = [](TimePoint t) {
        return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
      };
      if (secs(a.starts_at) != secs(b.starts_at)) {
        return false;
      }
      return !(b.ends_at < now);
    }
    case SilenceState::kPending:
      return !(b.starts_at < now);
    case SilenceState::kExpired:
      return false;
  }
  return false;
}

}  // namespace

Result<void> validate_matcher_fields(MatchType type, std::string_view name, std::string_view value) {
  if (!is_valid_label_name(name)) {
    return make_error("invalid label name " + go_quote(name));
  }
  if (type == MatchType::kEqual || type == MatchType::kNotEqual) {
    if (!is_valid_utf8(value)) {
      return make_error("invalid label value " + go_quote(value));
    }
    return {};
  }
  // Regexes known to compile: silences repeat a few patterns, and compiling one costs more than the
  // rest of a creation's checks. Bounded (emptied when full, long patterns not kept); failures are not
  // kept, so their message is built as before.
  static std::mutex valid_mu;
  static std::unordered_set<std::string> valid;
  const bool cacheable = value.size() <= kValidRegexMaxPattern;
  if (cacheable) {
    std::lock_guard lock(valid_mu);
    if (valid.count(std::string(value)) > 0) {
      return {};
    }
  }
  if (std::string deep = tocsin::go_regexp_nesting_error(value); !deep.empty()) {
    return make_error("invalid regular expression " + go_quote(value) + ": " + deep);
  }
  RE2::Options opts;
  opts.set_log_errors(false);
  RE2 re(re2::StringPiece(value.data(), value.size()), opts);
  if (!re.ok()) {
    return make_error("invalid regular expression " + go_quote(value) + ": " + tocsin::go_regexp_error(re));
  }
  if (cacheable) {
    std::lock_guard lock(valid_mu);
    if (valid.size() >= kValidRegexEntries) {
      valid.clear();
    }
    valid.emplace(value);
  }
  return {};
}

SilenceState state_at(const Silence& s, TimePoint now) {
  if (now < s.starts_at) {
    return SilenceState::kPending;
  }
  if (now > s.ends_at) {
    return SilenceState::kExpired;
  }
  return SilenceState::kActive;
}

const char* state_str(SilenceState st) {
  switch (st) {
    case SilenceState::kPending: return "pending";
    case SilenceState::kActive: return "active";
    case SilenceState::kExpired: return "expired";
  }
  return "unknown";
}

Result<void> validate_silence(const Silence& s) {
  const std::string prefix = "silence invalid: ";
  if (s.matchers.empty()) {
    return make_error(prefix + "at least one matcher required");
  }
  bool all_match_empty = true;
  for (size_t i = 0; i < s.matchers.size(); ++i) {
    const Matcher& m = s.matchers[i];
    auto r = validate_matcher_fields(m.type(), m.name(), m.value());
    if (!r) {
      return make_error(prefix + "invalid label matcher " + std::to_string(i) + ": " + r.error());
    }
    all_match_empty = all_match_empty && matches_empty(s.matchers[i]);
  }
  if (all_match_empty) {
    return make_error(prefix + "at least one matcher must not match the empty string");
  }
  if (is_zero(s.starts_at)) {
    return make_error(prefix + "invalid zero start timestamp");
  }
  if (is_zero(s.ends_at)) {
    return make_error(prefix + "invalid zero end timestamp");
  }
  if (s.ends_at < s.starts_at) {
    return make_error(prefix + "end time must not be before start time");
  }
  return {};
}

namespace {
// The API handler's own checks, made before the engine sees the silence.
Result<void> validate_handler(const Silence& s, TimePoint now) {
  if (s.starts_at >= s.ends_at) {
    return make_error("Failed to create silence: start time must be before end time");
  }
  if (s.ends_at < now) {
    return make_error("Failed to create silence: end time can't be in the past");
  }
  return {};
}
}  // namespace

Result<void> validate_postable(const Silence& s, TimePoint now) {
  if (auto r = validate_handler(s, now); !r) {
    return r;
  }
  return validate_silence(s);
}

std::string new_uuid_v4() {
  static thread_local std::mt19937_64 rng{[] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }()};
  // The first 48 bits are the creation time in milliseconds, the other 74 free bits random: ids of
  // silences created together sort together (they were the keys of the store's B-tree; the rows are
  // now appended to its log, see Silences::persist). Still a version-4 UUID in form, which is all
  // that the API, amtool and the reference promise.
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  uint64_t hi = (static_cast<uint64_t>(ms) << 16) | (rng() & 0xffffULL), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10xx
  // 8-4-4-4-12 lowercase hex digits, written by hand: snprintf was 1 % of a silence creation's CPU.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  size_t pos = 0;
  for (int shift = 60; shift >= 0; shift -= 4) {
    if (pos == 8 || pos == 13) ++pos;
    out[pos++] = kHex[(hi >> shift) & 0xf];
  }
  for (int shift = 60; shift >= 0; shift -= 4) {
    if (pos == 18 || pos == 23) ++pos;
    out[pos++] = kHex[(lo >> shift) & 0xf];
  }
  return out;
}

bool silence_matches_filter(const Silence& s, const Matchers& filter) {
  for (const auto& f : filter) {
    bool found = std::any_of(s.matchers.begin(), s.matchers.end(), [&](const Matcher& m) {
      return m.name() == f.name() && m.type() == f.type() && m.value() == f.value();
    });
    if (!found) {
      return false;
    }
  }
  return true;
}

void sort_silences(std::vector<Silence>& sils, TimePoint now) {
  std::stable_sort(sils.begin(), sils.end(), [now](const Silence& a, const Silence& b) {
    SilenceState sa = state_at(a, now), sb = state_at(b, now);
    if (sa != sb) {
      return state_rank(sa) < state_rank(sb);
    }
    switch (sa) {
      case SilenceState::kActive:
        if (a.ends_at != b.ends_at) return a.ends_at < b.ends_at;
        break;
      case SilenceState::kPending:
        if (a.starts_at != b.starts_at) return a.starts_at < b.starts_at;
        break;
      case SilenceState::kExpired:
        if (a.ends_at != b.ends_at) return a.ends_at > b.ends_at;
        break;
    }
    return a.id < b.id;
  });
}

Silences::Silences(store::Store* store, const Clock& clock, Duration retention)
    : store_(store), clock_(clock), retention_(retention) {
  metrics_.query_duration_bucket_counts.assign(std::size(kQueryBuckets), 0);
}

std::optional<std::pair<std::string, std::string>> Silences::index_key(const Silence& s) {
  for (const auto& m : s.matchers) {
    if (m.type() == MatchType::kEqual && !m.value().empty()) {
      return std::make_pair(m.name(), m.value());
    }
  }
  return std::nullopt;
}

void Silences::unindex_locked(const Silence& s) {
  auto drop = [&s](std::vector<std::string>& v) { v.erase(std::remove(v.begin(), v.end(), s.id), v.end()); };
  if (auto key = index_key(s)) {
    auto ix = index_.find(*key);
    if (ix != index_.end()) {
      drop(ix->second);
      if (ix->second.empty()) {
        index_.erase(ix);
      }
    }
  } else {
    drop(unindexed_);
  }
}

void Silences::erase_locked(const std::string& id) {
  auto it = silences_.find(id);
  if (it == silences_.end()) {
    return;
  }
  unindex_locked(it->second);
  silences_.erase(it);
  has_silences_.store(!silences_.empty(), std::memory_order_release);
}

void Silences::put_locked(Silence s) {
  // One lookup: a creation's fresh id inserts, an update replaces in place.
  auto [it, inserted] = silences_.try_emplace(s.id);
  if (!inserted) {
    unindex_locked(it->second);
  }
  if (auto key = index_key(s)) {
    index_[*key].push_back(s.id);
  } else {
    unindexed_.push_back(s.id);
  }
  it->second = std::move(s);
  has_silences_.store(true, std::memory_order_release);
}

// Appends `s`'s row to the log and sets its store_seq. The row it replaces (`replaced`, 0: none) is
// erased after it, so a crash in between leaves both, and load() keeps the newer. Durable: the new
// row is committed before it returns, and on error nothing was written.
Result<void> Silences::persist(Silence& s, std::uint64_t replaced, bool durable) {
  if (store_ == nullptr) {
    return {};
  }
  if (!durable) {
    s.store_seq = store_->append(kNamespace, storage_json(s));
  } else {
    auto seq = store_->append_durable(kNamespace, storage_json(s));
    if (!seq) {
      return make_error(seq.error());
    }
    s.store_seq = *seq;
  }
  if (replaced != 0) {
    store_->erase_seq(kNamespace, replaced);
  }
  return {};
}

Result<void> Silences::load() {
  if (store_ == nullptr) {
    return {};
  }
  std::vector<Silence> loaded;
  std::string bad;
  auto scanned = store_->scan_log(kNamespace, [&](std::uint64_t seq, std::string_view row) {
    if (!bad.empty()) {
      return;
    }
    auto s = parse_storage_json(row);
    if (!s) {
      bad = "loading silence row " + std::to_string(seq) + ": " + s.error();
      return;
    }
    s->store_seq = seq;
    loaded.push_back(std::move(*s));
  });
  if (!scanned) {
    return make_error("loading silences: " + scanned.error());
  }
  if (!bad.empty()) {
    return make_error(bad);
  }
  std::lock_guard lock(mu_);
  silences_.clear();
  has_silences_.store(false, std::memory_order_release);
  index_.clear();
  unindexed_.clear();
  // Rows come in seq order: a later row of an id replaces the earlier, whose row is erased now.
  for (auto& s : loaded) {
    if (auto it = silences_.find(s.id); it != silences_.end()) {
      store_->erase_seq(kNamespace, it->second.store_seq);
    }
    put_locked(std::move(s));
  }
  ++version_;
  return {};
}

// A new silence: validated, stamped, given its id; a start in the past becomes now.
Result<void> Silences::prepare_creation(Silence& s) const {
  const TimePoint now = clock_.now();
  if (auto r = validate_handler(s, now); !r) {
    return r;
  }
  if (auto r = validate_silence(s); !r) {
    return r;
  }
  s.updated_at = now;
  s.id = new_uuid_v4();
  if (s.starts_at < now) {
    s.starts_at = now;
  }
  return {};
}

Result<std::string> Silences::set(Silence s, ErrorKind* kind) {
  auto fail = [kind](ErrorKind k, std::string msg) -> Result<std::string> {
    if (kind != nullptr) {
      *kind = k;
    }
    return make_error(std::move(msg));
  };
  if (s.id.empty()) {
    // A creation: its fresh id conflicts with nothing, so it is committed without holding the lock,
    // and concurrent creations share one group commit instead of queueing behind each other's.
    if (auto r = prepare_creation(s); !r) {
      return fail(ErrorKind::kInvalid, r.error());
    }
    if (auto r = persist(s, 0, true); !r) {
      return fail(ErrorKind::kInternal, "persisting silence: " + r.error());
    }
    std::lock_guard lock(mu_);
    std::string id = s.id;
    put_locked(std::move(s));
    ++version_;
    return id;
  }
  std::lock_guard lock(mu_);
  const TimePoint now = clock_.now();
  if (auto r = validate_handler(s, now); !r) {
    return fail(ErrorKind::kInvalid, r.error());
  }
  Silence* prev = nullptr;
  if (!s.id.empty()) {
    auto it = silences_.find(s.id);
    if (it == silences_.end()) {
      return fail(ErrorKind::kNotFound, kNotFoundMessage);
    }
    prev = &it->second;
  }
  // The reference validates after expiring the silence being replaced, so a rejected update could
  // expire it; validating first keeps a rejected request free of side effects.
  if (auto r = validate_silence(s); !r) {
    return fail(ErrorKind::kInvalid, r.error());
  }
  s.updated_at = now;

  if (prev != nullptr && can_update(*prev, s, now)) {
    if (auto r = persist(s, prev->store_seq, true); !r) {
      return fail(ErrorKind::kInternal, "persisting silence: " + r.error());
    }
    std::string id = s.id;
    put_locked(std::move(s));
    ++version_;
    return id;
  }

  std::optional<Silence> expired_prev;
  if (prev != nullptr && state_at(*prev, now) != SilenceState::kExpired) {
    expired_prev = *prev;
    if (state_at(*prev, now) == SilenceState::kPending) {
      expired_prev->starts_at = now;
    }
    expired_prev->ends_at = now;
    expired_prev->updated_at = now;
  }
  s.id = new_uuid_v4();
  if (s.starts_at < now) {
    s.starts_at = now;
  }
  // The old silence's expiry is queued and committed with the new silence's durable write.
  if (expired_prev) {
    (void)persist(*expired_prev, prev->store_seq, false);
  }
  if (auto r = persist(s, 0, true); !r) {
    if (expired_prev) {
      // Undo the queued expiry (the store retries it after the failed commit): the old silence is
      // written again, after it, and stays in memory with that row.
      (void)persist(*prev, expired_prev->store_seq, false);
    }
    return fail(ErrorKind::kInternal, "persisting silence: " + r.error());
  }
  if (expired_prev) {
    put_locked(std::move(*expired_prev));
  }
  std::string id = s.id;
  put_locked(std::move(s));
  ++version_;
  return id;
}

void Silences::set_async(Silence s, SetDone done) {
  if (!s.id.empty() || store_ == nullptr) {
    ErrorKind kind = ErrorKind::kInvalid;
    auto r = set(std::move(s), &kind);
    done(std::move(r), kind);
    return;
  }
  // A creation, as in set(): validated now, in memory once committed.
  if (auto r = prepare_creation(s); !r) {
    done(make_error(r.error()), ErrorKind::kInvalid);
    return;
  }
  std::string row = storage_json(s);
  store_->append_durable_async(kNamespace, std::move(row),
                               [this, s = std::move(s), done = std::move(done)](Result<std::uint64_t> seq) mutable {
                                 if (!seq) {
                                   done(make_error("persisting silence: " + seq.error()), ErrorKind::kInternal);
                                   return;
                                 }
                                 s.store_seq = *seq;
                                 std::string id = s.id;
                                 {
                                   std::lock_guard lock(mu_);
                                   put_locked(std::move(s));
                                   ++version_;
                                 }
                                 done(std::move(id), ErrorKind::kInvalid);
                               });
}

Result<void> Silences::flush() {
  if (store_ == nullptr) {
    return {};
  }
  return store_->flush();
}

Result<void> Silences::expire_locked(const std::string& id, ErrorKind* kind) {
  auto it = silences_.find(id);
  if (it == silences_.end()) {
    if (kind != nullptr) {
      *kind = ErrorKind::kNotFound;
    }
    return make_error(kNotFoundMessage);
  }
  const TimePoint now = clock_.now();
  Silence s = it->second;
  switch (state_at(s, now)) {
    case SilenceState::kExpired:
      return {};
    case SilenceState::kActive:
      s.ends_at = now;
      break;
    case SilenceState::kPending:
      s.starts_at = now;
      s.ends_at = now;
      break;
  }
  s.updated_at = now;
  if (auto r = persist(s, it->second.store_seq, true); !r) {
    if (kind != nullptr) {
      *kind = ErrorKind::kInternal;
    }
    return make_error("persisting silence: " + r.error());
  }
  put_locked(std::move(s));
  ++version_;
  return {};
}

Result<void> Silences::expire(const std::string& id, ErrorKind* kind) {
  std::lock_guard lock(mu_);
  return expire_locked(id, kind);
}

std::optional<Silence> Silences::get(const std::string& id) const {
  auto start = std::chrono::steady_clock::now();
  std::optional<Silence> out;
  {
    std::lock_guard lock(mu_);
    auto it = silences_.find(id);
    if (it != silences_.end()) {
      out = it->second;
    }
  }
  observe_query(std::chrono::steady_clock::now() - start);
  return out;
}

std::vector<Silence> Silences::query(const Matchers& filter) const {
  auto start = std::chrono::steady_clock::now();
  std::vector<Silence> out;
  {
    std::lock_guard lock(mu_);
    out.reserve(silences_.size());
    for (const auto& [id, s] : silences_) {
      if (silence_matches_filter(s, filter)) {
        out.push_back(s);
      }
    }
  }
  sort_silences(out, clock_.now());
  observe_query(std::chrono::steady_clock::now() - start);
  return out;
}

std::vector<std::string> Silences::silenced_by(const LabelSet& labels, Fingerprint fp) const {
  std::vector<std::string> active;
  silenced_by(labels, fp, clock_.now(), active);
  return active;
}

void Silences::silenced_by(const LabelSet& labels, Fingerprint fp, TimePoint now,
                           std::vector<std::string>& out, bool count_query) const {
  out.clear();
  if (!has_silences_.load(std::memory_order_acquire)) {
    // Nothing to evaluate, and, as the reference's silencer (which queries only when the silences
    // changed since it last looked at the alert, or when silences matched it then), no query counted.
    // A listing of 10,000 alerts then takes no lock and reads no clock per alert.
    return;
  }
  auto start = std::chrono::steady_clock::now();
  bool queried = false;
  {
    std::lock_guard lock(mu_);
    if (!silences_.empty()) {
      const uint64_t ver = version_.load();
      if (ver != cache_version_ || cache_used_ >= kMaxCacheEntries) {
        ++cache_epoch_;
        cache_version_ = ver;
        cache_used_ = 0;
        cache_pool_.clear();
        cache_ids_.clear();
      }
      const CacheSlot* slot = cache_find(fp);
      if (slot == nullptr) {
        std::vector<const Silence*> candidates;
        auto consider = [&](const std::string& id) {
          const Silence& s = silences_.at(id);
          if (state_at(s, now) != SilenceState::kExpired && matches_all(s.matchers, labels)) {
            candidates.push_back(&s);
          }
        };
        for (const auto& pair : labels) {
          auto ix = index_.find(pair);
          if (ix != index_.end()) {
            for (const auto& id : ix->second) {
              consider(id);
            }
          }
        }
        for (const auto& id : unindexed_) {
          consider(id);
        }
        if (!count_query) {
          // A look that is no query (a scrape) leaves the cache alone, so the next real query of
          // this alert still counts as the first one since the change.
          for (const Silence* c : candidates) {
            if (state_at(*c, now) == SilenceState::kActive) out.push_back(c->id);
          }
          std::sort(out.begin(), out.end());
          return;
        }
        slot = cache_insert(fp, candidates);
        queried = true;  // the silences changed since this alert was last looked at
      } else if (slot->count > 0) {
        queried = true;  // silences matched it: the reference re-reads them by id
      }
      for (uint32_t i = slot->first; i < slot->first + slot->count; ++i) {
        const CachedSilence& s = cache_pool_[i];
        if (!(now < s.starts_at) && !(now > s.ends_at)) {  // state_at() == kActive
          out.emplace_back(cache_ids_, s.id_first, s.id_size);
        }
      }
    }
  }
  std::sort(out.begin(), out.end());
  if (count_query && queried) observe_query(std::chrono::steady_clock::now() - start);
}

namespace {
size_t slot_index(Fingerprint fp, size_t mask) {
  // Fingerprints are FNV hashes already; the multiply spreads them over the low bits as well.
  return static_cast<size_t>((fp * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}
}  // namespace

void Silences::prefetch_silenced_by(Fingerprint fp) const {
  if (const CacheSlot* slots = cache_data_.load(std::memory_order_relaxed)) {
    __builtin_prefetch(slots + slot_index(fp, cache_mask_.load(std::memory_order_relaxed)));
  }
}

const Silences::CacheSlot* Silences::cache_find(Fingerprint fp) const {
  if (cache_slots_.empty()) {
    return nullptr;
  }
  const size_t mask = cache_slots_.size() - 1;
  for (size_t i = slot_index(fp, mask);; i = (i + 1) & mask) {
    const CacheSlot& s = cache_slots_[i];
    if (s.epoch != cache_epoch_) {
      return nullptr;  // an empty slot ends the probe (the table is never more than half full)
    }
    if (s.fp == fp) {
      return &s;
    }
  }
}

const Silences::CacheSlot* Silences::cache_insert(Fingerprint fp, const std::vector<const Silence*>& silences) const {
  if (2 * (cache_used_ + 1) > cache_slots_.size()) {
    cache_grow();
  }
  const size_t mask = cache_slots_.size() - 1;
  size_t i = slot_index(fp, mask);
  while (cache_slots_[i].epoch == cache_epoch_) {
    i = (i + 1) & mask;
  }
  CacheSlot& s = cache_slots_[i];
  s.fp = fp;
  s.epoch = cache_epoch_;
  s.first = static_cast<uint32_t>(cache_pool_.size());
  s.count = static_cast<uint32_t>(silences.size());
  for (const Silence* sil : silences) {
    cache_pool_.push_back({sil->starts_at, sil->ends_at, static_cast<uint32_t>(cache_ids_.size()),
                           static_cast<uint32_t>(sil->id.size())});
    cache_ids_ += sil->id;
  }
  ++cache_used_;
  return &s;
}

void Silences::cache_grow() const {
  std::vector<CacheSlot> old = std::move(cache_slots_);
  cache_slots_.assign(std::max<size_t>(1024, 2 * old.size()), CacheSlot{});
  const size_t mask = cache_slots_.size() - 1;
  for (const CacheSlot& s : old) {
    if (s.epoch != cache_epoch_) {
      continue;
    }
    size_t i = slot_index(s.fp, mask);
    while (cache_slots_[i].epoch == cache_epoch_) {
      i = (i + 1) & mask;
    }
    cache_slots_[i] = s;
  }
  cache_data_.store(cache_slots_.data(), std::memory_order_relaxed);
  cache_mask_.store(mask, std::memory_order_relaxed);
}

size_t Silences::gc() {
  auto start = std::chrono::steady_clock::now();
  size_t removed = 0;
  {
    std::lock_guard lock(mu_);
    const TimePoint now = clock_.now();
    std::vector<std::pair<std::string, std::uint64_t>> doomed;
    for (const auto& [id, s] : silences_) {
      if (!(s.ends_at + retention_ > now)) {
        doomed.emplace_back(id, s.store_seq);
      }
    }
    for (const auto& [id, seq] : doomed) {
      if (store_ != nullptr && seq != 0) {
        store_->erase_seq(kNamespace, seq);
      }
      erase_locked(id);
    }
    removed = doomed.size();
    if (removed > 0) {
      ++version_;
    }
  }
  std::chrono::duration<double> secs = std::chrono::steady_clock::now() - start;
  std::lock_guard ml(metrics_mu_);
  metrics_.gc_duration_sum += secs.count();
  ++metrics_.gc_duration_count;
  return removed;
}

StateCounts Silences::count_states() const {
  StateCounts c;
  const auto start = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    const TimePoint now = clock_.now();
    for (const auto& [id, s] : silences_) {
      switch (state_at(s, now)) {
        case SilenceState::kActive: ++c.active; break;
        case SilenceState::kPending: ++c.pending; break;
        case SilenceState::kExpired: ++c.expired; break;
      }
    }
  }
  const auto third = (std::chrono::steady_clock::now() - start) / 3;
  for (int i = 0; i < 3; ++i) observe_query(third);
  return c;
}

SilenceMetrics Silences::metrics() const {
  std::lock_guard ml(metrics_mu_);
  return metrics_;
}

size_t Silences::size() const {
  std::lock_guard lock(mu_);
  return silences_.size();
}

size_t Silences::snapshot_bytes() const {
  namespace ps = proto_size;
  std::lock_guard lock(mu_);
  size_t total = 0;
  for (const auto& [id, s] : silences_) {
    size_t sil = ps::string_field(s.id);
    for (const auto& m : s.matchers) {
      // The reference's Matcher.Type: EQUAL 0, REGEXP 1, NOT_EQUAL 2, NOT_REGEXP 3.
      uint64_t type = 0;
      switch (m.type()) {
        case MatchType::kEqual: type = 0; break;
        case MatchType::kRegex: type = 1; break;
        case MatchType::kNotEqual: type = 2; break;
        case MatchType::kNotRegex: type = 3; break;
      }
      sil += ps::delimited_field(ps::varint_field(type) + ps::string_field(m.name()) + ps::string_field(m.value()));
    }
    sil += ps::timestamp_field(s.starts_at) + ps::timestamp_field(s.ends_at) + ps::timestamp_field(s.updated_at) +
           ps::string_field(s.created_by) + ps::string_field(s.comment);
    // MeshSilence: silence (1), expires_at (2): the end plus the retention.
    const size_t mesh = ps::delimited_field(sil) + ps::timestamp_field(s.ends_at + retention_);
    total += ps::varint(mesh) + mesh;
  }
  return total;
}

void Silences::observe_query(std::chrono::steady_clock::duration d) const {
  double secs = std::chrono::duration<double>(d).count();
  std::lock_guard ml(metrics_mu_);
  ++metrics_.queries_total;
  ++metrics_.query_duration_count;
  metrics_.query_duration_sum += secs;
  for (size_t i = 0; i < std::size(kQueryBuckets); ++i) {
    if (secs <= kQueryBuckets[i]) {
      ++metrics_.query_duration_bucket_counts[i];
    }
  }
}

}  // namespace tocsin::silence

// silences.hpp: the silence engine. Keeps every silence in memory, each create/update/expire committed
// to the store before it is acknowledged, answers "which active silences mute this alert" for the
// notify pipeline and the API, and forgets expired silences after the retention period.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/labels.hpp"
#include "core/matcher.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace tocsin::store {
class Store;
}

namespace tocsin::silence {

struct Silence {
  std::string id;
  Matchers matchers;
  TimePoint starts_at, ends_at, updated_at;
  std::string created_by, comment;
  std::uint64_t store_seq = 0;  // its row in the store's "silences" log (0: not stored); Silences' own
};

enum class SilenceState { kPending, kActive, kExpired };

// The reference's rule: pending before starts_at, expired strictly after ends_at, active otherwise.
SilenceState state_at(const Silence& s, TimePoint now);
// "pending", "active", "expired"
const char* state_str(SilenceState st);

// Why a set()/expire() failed, so the API can pick its status code.
enum class ErrorKind {
  kInvalid,   // 400: the silence breaks a validation rule
  kNotFound,  // 404 on POST, 500 on DELETE (as the reference answers)
  kInternal,  // 500: the store could not make the change durable
};

// The reference's message for an unknown id.
inline constexpr const char* kNotFoundMessage = "silence not found";

struct StateCounts {
  size_t active = 0, pending = 0, expired = 0;
};

// Counters behind alertmanager_silences_query*_ and alertmanager_silences_gc_duration_seconds.
struct SilenceMetrics {
  uint64_t queries_total = 0;
  uint64_t query_errors_total = 0;
  // Histogram of query durations with Prometheus' default buckets (kQueryBuckets); counts are
  // cumulative per upper bound, as exposed in the text format.
  std::vector<uint64_t> query_duration_bucket_counts;
  double query_duration_sum = 0;
  uint64_t query_duration_count = 0;
  // Summary of GC run durations.
  double gc_duration_sum = 0;
  uint64_t gc_duration_count = 0;
};
inline constexpr double kQueryBuckets[] = {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};

// The checks the reference makes for a POSTed silence at `now`, in its order and with its messages:
// first the API handler's ("Failed to create silence: start time must be before end time",
// "... end time can't be in the past"), then validate_silence().
Result<void> validate_postable(const Silence& s, TimePoint now);
// The reference's validateSilence rules, messages prefixed "silence invalid: ": at least one matcher,
// valid label names and values, valid regexes, at least one matcher not matching "", end not before start.
Result<void> validate_silence(const Silence& s);
// One matcher's rules (without the "silence invalid: invalid label matcher N: " prefix): a valid label
// name, a UTF-8 value, a regex that compiles (message in Go's regexp wording).
Result<void> validate_matcher_fields(MatchType type, std::string_view name, std::string_view value);

// A new random UUID v4 ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx").
std::string new_uuid_v4();

// The reference's GET /api/v2/silences filter: every filter matcher has an identical matcher (name,
// type, value) in the silence.
bool silence_matches_filter(const Silence& s, const Matchers& filter);
// The reference's list order: active by ends_at ascending, then pending by starts_at ascending, then
// expired by ends_at descending. Ties broken by id so the order is stable.
void sort_silences(std::vector<Silence>& sils, TimePoint now);

class Silences {
 public:
  // `store` may be null (nothing persisted). Expired silences are dropped by gc() once they ended
  // more than `retention` ago.
  Silences(store::Store* store, const Clock& clock, Duration retention);

  // Replaces the in-memory state with the rows of the store's "silences" log namespace (of two rows
  // of one id, left by a crash between a rewrite and the erase of the row it replaced, the newer).
  Result<void> load();

  // Creates (empty id) or updates a silence with the reference's rules, returning the id of the stored
  // silence. An update that keeps the matchers and respects the history (an active silence keeps its
  // start and does not end in the past; a pending one does not start in the past) is made in place;
  // any other update of a known id expires the old silence (unless already expired) and creates a new
  // one with a new id. A new silence starting in the past starts now. Durable before it returns; on
  // error the state is unchanged and `kind` (if given) says why.
  Result<std::string> set(Silence s, ErrorKind* kind = nullptr);
  // set() for a caller that must not block. `done` gets set()'s result and error kind; a creation
  // (empty id) calls it from the thread that commits the silence (see store::Store::put_durable_async:
  // the caller arranges for a flush()), anything else before set_async returns.
  using SetDone = std::function<void(Result<std::string>, ErrorKind)>;
  void set_async(Silence s, SetDone done);
  // Commits the silences set_async queued (store::Store::flush()).
  Result<void> flush();

  // Expires a silence now: an active one ends now, a pending one starts and ends now, an expired one is
  // left as it is (success). Unknown id: kNotFound with kNotFoundMessage.
  Result<void> expire(const std::string& id, ErrorKind* kind = nullptr);

  std::optional<Silence> get(const std::string& id) const;
  // Every silence passing the filter (see silence_matches_filter), in the reference's list order.
  std::vector<Silence> query(const Matchers& filter = {}) const;

  // Sorted ids of the silences active now whose matchers all match `labels` (whose fingerprint is
  // `fp`). Cached per fingerprint: the cache holds the pending and active silences matching the labels
  // and is rebuilt when version() changes; states are re-evaluated on every call, so a silence that
  // starts or ends takes effect without any write.
  std::vector<std::string> silenced_by(const LabelSet& labels, Fingerprint fp) const;
  // The same at `now`, into `out` (cleared first): a listing reads the clock once and reuses one
  // vector for all its alerts. `count_query` false leaves the query metrics alone (a /metrics scrape
  // computing alertmanager_alerts, which the reference reads from its marker without a query).
  void silenced_by(const LabelSet& labels, Fingerprint fp, TimePoint now, std::vector<std::string>& out,
                   bool count_query = true) const;
  // A hint that silenced_by(..., fp, ...) comes soon: starts loading its cache slot.
  void prefetch_silenced_by(Fingerprint fp) const;

  // Removes silences that ended more than `retention` ago, from memory and the store. Returns how many.
  size_t gc();

  // Counted as three queries, one a state, as the reference's CountState that its
  // alertmanager_silences gauge calls on every scrape.
  StateCounts count_states() const;
  SilenceMetrics metrics() const;
  // Bumped on every change to the set of silences (set, expire, gc, load).
  uint64_t version() const { return version_.load(); }
  size_t size() const;
  // The bytes the reference's snapshot of these silences would take (length-delimited MeshSilence
  // messages), for alertmanager_silences_snapshot_size_bytes.
  size_t snapshot_bytes() const;

 private:
  // Index key of a silence: its first equality matcher with a non-empty value, which an alert must
  // carry verbatim to match. Silences without one are scanned for every uncached lookup.
  static std::optional<std::pair<std::string, std::string>> index_key(const Silence& s);

  Result<void> persist(Silence& s, std::uint64_t replaced, bool durable);
  void put_locked(Silence s);
  void erase_locked(const std::string& id);
  // Removes the silence's id from index_ or unindexed_ (silences_ keeps it).
  void unindex_locked(const Silence& s);
  Result<void> prepare_creation(Silence& s) const;
  Result<void> expire_locked(const std::string& id, ErrorKind* kind);
  void observe_query(std::chrono::steady_clock::duration d) const;

  store::Store* store_;
  const Clock& clock_;
  Duration retention_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, Silence> silences_;
  // Ordered by (name, value); looked up with the string_view pairs a LabelSet yields.
  struct PairLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      std::string_view an(a.first), bn(b.first);
      return an != bn ? an < bn : std::string_view(a.second) < std::string_view(b.second);
    }
  };
  std::map<std::pair<std::string, std::string>, std::vector<std::string>, PairLess> index_;
  std::vector<std::string> unindexed_;
  std::atomic<uint64_t> version_{0};
  // !silences_.empty(), readable without the lock (silenced_by's shortcut).
  std::atomic<bool> has_silences_{false};

  // silenced_by's cache: fingerprint -> the pending or active silences that matched the alert's
  // labels when cached. Open addressing in one array (linear probing), so that a listing can prefetch
  // an alert's slot a few alerts ahead (prefetch_silenced_by). Slots of an older epoch count as empty;
  // the epoch moves on whenever version_ changes (every insert or erase of a silence bumps it under
  // mu_) or the cache is full. A cached silence carries its times and id (in cache_ids_), which only
  // change with the version: a lookup reads the cache's own arrays, filled in listing order, and not
  // the silences and their ids scattered over the heap.
  struct CachedSilence {
    TimePoint starts_at, ends_at;
    uint32_t id_first = 0, id_size = 0;  // into cache_ids_
  };
  struct CacheSlot {
    Fingerprint fp = 0;
    uint64_t epoch = 0;  // 0: never used
    uint32_t first = 0;  // the silences are cache_pool_[first, first + count)
    uint32_t count = 0;
  };
  const CacheSlot* cache_find(Fingerprint fp) const;
  const CacheSlot* cache_insert(Fingerprint fp, const std::vector<const Silence*>& silences) const;
  void cache_grow() const;

  mutable std::vector<CacheSlot> cache_slots_;
  mutable std::vector<CachedSilence> cache_pool_;
  mutable std::string cache_ids_;
  mutable size_t cache_used_ = 0;  // slots of the current epoch
  mutable uint64_t cache_epoch_ = 1;
  mutable uint64_t cache_version_ = 0;  // version_ the current epoch is for
  // The array and its mask for prefetch_silenced_by, which reads them without the lock (a stale
  // address only makes a useless prefetch).
  mutable std::atomic<const CacheSlot*> cache_data_{nullptr};
  mutable std::atomic<size_t> cache_mask_{0};

  mutable std::mutex metrics_mu_;
  mutable SilenceMetrics metrics_;
};

}  // namespace tocsin::silence

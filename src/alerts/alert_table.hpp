// alert_table.hpp: a map from fingerprint to a value (the dispatcher's groups of a route). Open
// addressing with linear probing in one array of (fingerprint, alert) slots: a lookup costs one cache
// miss instead of std::unordered_map's two (bucket, then node), and growing re-inserts from a
// sequential scan instead of walking scattered nodes. Both showed in the ingest profile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/alert.hpp"
#include "core/alert_table.hpp"

namespace tocsin::alerts {

// V: a nullable owner or pointer (AlertPtr, unique_ptr); a null value marks an empty slot.
template <class V>
class FingerprintTable {
 public:
  // The value stored under `fp`, or null.
  const V* find(Fingerprint fp) const {
    if (size_ == 0) return nullptr;
    for (size_t i = home(fp);; i = next(i)) {
      const Slot& s = slots_[i];
      if (!s.alert) return nullptr;
      if (s.fp == fp) return &s.alert;
    }
  }
  V* find(Fingerprint fp) { return const_cast<V*>(std::as_const(*this).find(fp)); }

  // Starts loading the slot where a lookup of `fp` begins: a batch prefetches all of its slots
  // before it looks any up, so that their cache misses overlap. A hint only: any later insertion
  // may move the slot.
  void prefetch(Fingerprint fp) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[home(fp)]);
  }

  // Stores `alert` (not null) under `fp`, replacing any value there.
  void insert_or_assign(Fingerprint fp, V alert) {
    if (2 * (size_ + 1) > slots_.size()) grow();  // load factor at most 1/2: short probe runs
    size_t i = home(fp);
    for (; slots_[i].alert; i = next(i)) {
      if (slots_[i].fp == fp) {
        slots_[i].alert = std::move(alert);
        return;
      }
    }
    ++size_;
    slots_[i].fp = fp;
    slots_[i].alert = std::move(alert);
  }

  // Removes `fp`; false if absent. Backward-shift deletion keeps every probe run unbroken.
  bool erase(Fingerprint fp) {
    if (size_ == 0) return false;
    size_t i = home(fp);
    for (;; i = next(i)) {
      if (!slots_[i].alert) return false;
      if (slots_[i].fp == fp) break;
    }
    for (size_t j = next(i);; j = next(j)) {
      if (!slots_[j].alert) break;
      // Move j into the hole at i unless j's home lies cyclically in (i, j].
      const size_t h = home(slots_[j].fp);
      const bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
      if (stays) continue;
      slots_[i] = std::move(slots_[j]);
      i = j;
    }
    slots_[i] = Slot{};
    --size_;
    // Give memory back once mostly empty (after a mass resolve); halving at 1/8 full leaves room to
    // grow again before the next resize.
    if (slots_.size() > kMinSlots && 8 * size_ <= slots_.size()) resize(slots_.size() / 2);
    return true;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Calls f(const V&) for every value, in no particular order.
  template <class F>
  void for_each(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.alert) f(s.alert);
    }
  }
  // Calls f(Fingerprint, const V&) for every entry, in no particular order. f must not modify the table.
  template <class F>
  void for_each_entry(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.alert) f(s.fp, s.alert);
    }
  }

 private:
  struct Slot {
    Fingerprint fp = 0;
    V alert;  // null: empty slot
  };

  // Fingerprints are FNV hashes whose low bits also pick the shard: mix before taking the top bits.
  size_t home(Fingerprint fp) const { return static_cast<size_t>((fp * 0x9E3779B97F4A7C15ULL) >> shift_); }
  size_t next(size_t i) const { return (i + 1) & (slots_.size() - 1); }

  static constexpr size_t kMinSlots = 16;

  void grow() { resize(slots_.empty() ? kMinSlots : 2 * slots_.size()); }

  void resize(size_t cap) {
    std::vector<Slot> old = std::move(slots_);
    slots_ = std::vector<Slot>(cap);
    shift_ = 64;
    for (size_t c = cap; c > 1; c >>= 1) --shift_;
    for (Slot& s : old) {
      if (!s.alert) continue;
      size_t i = home(s.fp);
      while (slots_[i].alert) i = next(i);
      slots_[i] = std::move(s);
    }
  }

  std::vector<Slot> slots_;  // size a power of two (or empty)
  size_t size_ = 0;
  int shift_ = 64;
};

// Alerts themselves go in the compact table of core/alert_table.hpp (20 bytes a slot, load up to 4/5:
// memory with 100,000 alerts is a figure), which has the same interface for them.
using AlertTable = ::tocsin::AlertTable;

}  // namespace tocsin::alerts

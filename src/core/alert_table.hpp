// alert_table.hpp: alerts by fingerprint in one flat array (open addressing, linear probing). The
// alert store and every aggregation group keep such a set; a node-based map spends 48-64 bytes an
// alert on nodes and buckets, this one 16 bytes a slot at a load of 3/8 to 3/4.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/alert.hpp"

namespace tocsin {

class AlertTable {
 public:
  // The stored alert with this fingerprint, or null.
  const AlertPtr* find(Fingerprint fp) const;
  // Adds the alert, or replaces the one with the same fingerprint.
  void put(AlertPtr a);
  void insert_or_assign(Fingerprint fp, AlertPtr a) {
    (void)fp;  // the alert carries it
    put(std::move(a));
  }
  // Starts loading the slot where a lookup of `fp` begins, so that a batch's cache misses overlap.
  // A hint only: any later insertion may move things.
  void prefetch(Fingerprint fp) const {
    if (slots_.empty()) return;
    const size_t i = home(tag(fp));
    __builtin_prefetch(&tags_[i]);
    __builtin_prefetch(&slots_[i]);
  }
  // Calls f(const AlertPtr&) for every alert, in no particular order.
  template <class F>
  void for_each(F&& f) const {
    for (const AlertPtr& a : slots_) {
      if (a) f(a);
    }
  }
  // Removes the alert with this fingerprint; false when there was none.
  bool erase(Fingerprint fp);
  // Removes every alert for which pred(alert) holds; returns them.
  template <class Pred>
  std::vector<AlertPtr> erase_if(Pred pred) {
    std::vector<AlertPtr> out;
    for (const AlertPtr& a : slots_) {
      if (a && pred(a)) out.push_back(a);
    }
    for (const AlertPtr& a : out) erase(a->fingerprint);
    return out;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Iterates the stored alerts (in no particular order) as const AlertPtr&.
  class const_iterator {
   public:
    const_iterator(const AlertPtr* p, const AlertPtr* end) : p_(p), end_(end) { skip(); }
    const AlertPtr& operator*() const { return *p_; }
    const AlertPtr* operator->() const { return p_; }
    const_iterator& operator++() {
      ++p_;
      skip();
      return *this;
    }
    bool operator==(const const_iterator& o) const { return p_ == o.p_; }
    bool operator!=(const const_iterator& o) const { return p_ != o.p_; }

   private:
    void skip() {
      while (p_ != end_ && !*p_) ++p_;
    }
    const AlertPtr* p_;
    const AlertPtr* end_;
  };
  const_iterator begin() const { return {slots_.data(), slots_.data() + slots_.size()}; }
  const_iterator end() const { return {slots_.data() + slots_.size(), slots_.data() + slots_.size()}; }

 private:
  static uint32_t tag(Fingerprint fp) { return static_cast<uint32_t>((fp * 0x9E3779B97F4A7C15ULL) >> 32); }
  size_t home(uint32_t t) const { return static_cast<size_t>((uint64_t{t} * slots_.size()) >> 32); }
  size_t next(size_t i) const { return i + 1 == slots_.size() ? 0 : i + 1; }
  void rehash(size_t capacity);

  std::vector<AlertPtr> slots_;  // null = free
  std::vector<uint32_t> tags_;   // tag(fingerprint) of each used slot
  size_t size_ = 0;
};

}  // namespace tocsin

// alert_table.cpp: linear probing with backward-shift deletion (no tombstones), so lookups stay
// short however many alerts come and go.
#include "core/alert_table.hpp"

namespace tocsin {

const AlertPtr* AlertTable::find(Fingerprint fp) const {
  if (size_ == 0) return nullptr;
  for (size_t i = home(fp);; i = next(i)) {
    const AlertPtr& s = slots_[i];
    if (!s) return nullptr;
    if (s->fingerprint == fp) return &s;
  }
}

void AlertTable::put(AlertPtr a) {
  if ((size_ + 1) * 5 > slots_.size() * 4) rehash(slots_.size() < 4 ? slots_.size() + 2 : slots_.size() * 3 / 2);
  for (size_t i = home(a->fingerprint);; i = next(i)) {
    AlertPtr& s = slots_[i];
    if (!s) {
      s = std::move(a);
      ++size_;
      return;
    }
    if (s->fingerprint == a->fingerprint) {
      s = std::move(a);
      return;
    }
  }
}

bool AlertTable::erase(Fingerprint fp) {
  if (size_ == 0) return false;
  size_t i = home(fp);
  for (;; i = next(i)) {
    if (!slots_[i]) return false;
    if (slots_[i]->fingerprint == fp) break;
  }
  slots_[i].reset();
  --size_;
  // Pull later entries of the probe run back into the hole when their home lies at or before it.
  for (size_t j = next(i); slots_[j]; j = next(j)) {
    const size_t k = home(slots_[j]->fingerprint);
    const bool k_in_hole_to_j = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (!k_in_hole_to_j) {
      slots_[i] = std::move(slots_[j]);
      i = j;
    }
  }
  if (size_ == 0) {
    slots_.clear();
    slots_.shrink_to_fit();
  } else if (slots_.size() > 16 && size_ * 5 < slots_.size()) {
    rehash(size_ * 2);
  }
  return true;
}

void AlertTable::rehash(size_t capacity) {
  std::vector<AlertPtr> old;
  old.swap(slots_);
  slots_.resize(capacity);
  for (AlertPtr& a : old) {
    if (!a) continue;
    size_t i = home(a->fingerprint);
    while (slots_[i]) i = next(i);
    slots_[i] = std::move(a);
  }
}

}  // namespace tocsin

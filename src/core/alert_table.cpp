// alert_table.cpp: linear probing with backward-shift deletion (no tombstones), so lookups stay
// short however many alerts come and go.
#include "core/alert_table.hpp"

namespace tocsin {

const AlertPtr* AlertTable::find(Fingerprint fp) const {
  if (size_ == 0) return nullptr;
  const uint32_t t = tag(fp);
  for (size_t i = home(t);; i = next(i)) {
    const AlertPtr& s = slots_[i];
    if (!s) return nullptr;
    if (tags_[i] == t && s->fingerprint == fp) return &s;
  }
}

void AlertTable::put(AlertPtr a) {
  if ((size_ + 1) * 5 > slots_.size() * 4) rehash(slots_.size() < 4 ? slots_.size() + 2 : slots_.size() * 3 / 2);
  const uint32_t t = tag(a->fingerprint);
  for (size_t i = home(t);; i = next(i)) {
    AlertPtr& s = slots_[i];
    if (!s) {
      s = std::move(a);
      tags_[i] = t;
      ++size_;
      return;
    }
    if (tags_[i] == t && s->fingerprint == a->fingerprint) {
      s = std::move(a);
      return;
    }
  }
}

bool AlertTable::erase(Fingerprint fp) {
  if (size_ == 0) return false;
  const uint32_t t = tag(fp);
  size_t i = home(t);
  for (;; i = next(i)) {
    if (!slots_[i]) return false;
    if (tags_[i] == t && slots_[i]->fingerprint == fp) break;
  }
  slots_[i].reset();
  --size_;
  // Pull later entries of the probe run back into the hole when their home lies at or before it.
  for (size_t j = next(i); slots_[j]; j = next(j)) {
    const size_t k = home(tags_[j]);
    const bool k_in_hole_to_j = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (!k_in_hole_to_j) {
      slots_[i] = std::move(slots_[j]);
      tags_[i] = tags_[j];
      i = j;
    }
  }
  if (size_ == 0) {
    slots_ = {};
    tags_ = {};
  } else if (slots_.size() > 16 && size_ * 5 < slots_.size()) {
    rehash(size_ * 2);
  }
  return true;
}

void AlertTable::rehash(size_t capacity) {
  std::vector<AlertPtr> old;
  std::vector<uint32_t> old_tags;
  old.swap(slots_);
  old_tags.swap(tags_);
  slots_.resize(capacity);
  tags_.resize(capacity);
  for (size_t k = 0; k < old.size(); ++k) {
    if (!old[k]) continue;
    size_t i = home(old_tags[k]);
    while (slots_[i]) i = next(i);
    slots_[i] = std::move(old[k]);
    tags_[i] = old_tags[k];
  }
}

}  // namespace tocsin

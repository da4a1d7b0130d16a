// shared_string.cpp: the table behind SharedString.
#include "core/shared_string.hpp"

#include <mutex>
#include <unordered_map>

namespace tocsin {

namespace {

struct Table {
  std::mutex mu;
  std::unordered_map<std::string_view, SharedString::Rep*> texts;  // keys view the reps' texts
};

Table& table() {
  static Table* t = new Table;  // never destroyed: alerts may outlive static destruction order
  return *t;
}

}  // namespace

void SharedString::assign(std::string_view s) {
  if (rep_ && rep_->text == s) return;
  // Each thread remembers its last text: a batch of alerts from one rule takes the lock once.
  thread_local SharedString last;
  if (last.rep_ && last.rep_->text == s) {
    *this = last;
    return;
  }
  Rep* next = nullptr;
  if (!s.empty()) {
    Table& t = table();
    std::lock_guard lock(t.mu);
    if (auto it = t.texts.find(s); it != t.texts.end()) {
      next = it->second;
      next->refs.fetch_add(1, std::memory_order_relaxed);
    } else {
      next = new Rep{{1}, std::string(s)};
      t.texts.emplace(std::string_view(next->text), next);
    }
  }
  release(rep_);
  rep_ = next;
  if (rep_) last = *this;
}

void SharedString::release(Rep* r) {
  if (r == nullptr) return;
  // Not the last reference: drop it without the lock. Going from 1 to 0 happens only under the lock.
  uint32_t n = r->refs.load(std::memory_order_relaxed);
  while (n > 1) {
    if (r->refs.compare_exchange_weak(n, n - 1, std::memory_order_acq_rel)) return;
  }
  Table& t = table();
  std::lock_guard lock(t.mu);
  if (r->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    t.texts.erase(std::string_view(r->text));
    delete r;
  }
}

const std::string& SharedString::empty_string() {
  static const std::string empty;
  return empty;
}

}  // namespace tocsin

// shared_string.cpp: the table behind SharedString.
#include "core/shared_string.hpp"

#include <algorithm>
#include <mutex>
#include <unordered_map>

namespace tocsin {

namespace {

struct Table {
  std::mutex mu;
  // Keys are copies: a string_view into the shared text would dangle once its last holder let go.
  std::unordered_map<std::string, std::weak_ptr<const std::string>> texts;
  size_t sweep_at = 1024;

  std::shared_ptr<const std::string> get(std::string_view s) {
    std::lock_guard lock(mu);
    if (auto it = texts.find(std::string(s)); it != texts.end()) {
      if (auto p = it->second.lock()) return p;
      texts.erase(it);
    }
    if (texts.size() >= sweep_at) {
      // Drop the texts nobody holds; the next sweep waits until the live ones have doubled.
      for (auto it = texts.begin(); it != texts.end();) {
        it = it->second.expired() ? texts.erase(it) : std::next(it);
      }
      sweep_at = std::max<size_t>(1024, 2 * texts.size());
    }
    auto p = std::make_shared<const std::string>(s);
    texts.emplace(std::string(s), p);
    return p;
  }
};

Table& table() {
  static Table* t = new Table;  // never destroyed: alerts may outlive static destruction order
  return *t;
}

}  // namespace

void SharedString::assign(std::string_view s) {
  if (s.empty()) {
    p_.reset();
    return;
  }
  if (p_ && *p_ == s) return;
  // Each thread remembers its last text: a batch of alerts from one rule takes the lock once.
  thread_local std::shared_ptr<const std::string> last;
  if (last && *last == s) {
    p_ = last;
    return;
  }
  p_ = table().get(s);
  last = p_;
}

const std::string& SharedString::empty_string() {
  static const std::string empty;
  return empty;
}

}  // namespace tocsin

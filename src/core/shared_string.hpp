// shared_string.hpp: an immutable string that alerts carrying the same text share. Every alert of a
// Prometheus rule has the same generatorURL; 100,000 alerts would otherwise hold 100,000 copies.
// One pointer wide (the count lives with the text), so an Alert stays in a smaller allocation.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace tocsin {

class SharedString {
 public:
  SharedString() = default;
  SharedString(std::string_view s) { assign(s); }  // NOLINT: converts like a std::string
  SharedString(const std::string& s) { assign(s); }  // NOLINT
  SharedString(const char* s) { assign(s); }  // NOLINT
  SharedString(const SharedString& o) : rep_(o.rep_) { retain(rep_); }
  SharedString(SharedString&& o) noexcept : rep_(o.rep_) { o.rep_ = nullptr; }
  SharedString& operator=(const SharedString& o) {
    if (rep_ != o.rep_) {
      retain(o.rep_);
      release(rep_);
      rep_ = o.rep_;
    }
    return *this;
  }
  SharedString& operator=(SharedString&& o) noexcept {
    if (this != &o) {
      release(rep_);
      rep_ = o.rep_;
      o.rep_ = nullptr;
    }
    return *this;
  }
  ~SharedString() { release(rep_); }
  SharedString& operator=(std::string_view s) {
    assign(s);
    return *this;
  }
  SharedString& operator=(const std::string& s) { return *this = std::string_view(s); }
  SharedString& operator=(const char* s) { return *this = std::string_view(s); }

  const std::string& str() const { return rep_ ? rep_->text : empty_string(); }
  operator const std::string&() const { return str(); }  // NOLINT
  std::string_view view() const { return str(); }
  bool empty() const { return !rep_ || rep_->text.empty(); }
  size_t size() const { return rep_ ? rep_->text.size() : 0; }

  friend bool operator==(const SharedString& a, const SharedString& b) {
    return a.rep_ == b.rep_ || a.str() == b.str();
  }
  friend bool operator==(const SharedString& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const SharedString& a, const std::string& b) { return a.str() == b; }
  friend bool operator==(const SharedString& a, const char* b) { return a.view() == b; }

  struct Rep {
    std::atomic<uint32_t> refs{1};
    std::string text;
  };

 private:
  // Finds or adds `s` in the process-wide table.
  void assign(std::string_view s);
  static void retain(Rep* r) {
    if (r) r->refs.fetch_add(1, std::memory_order_relaxed);
  }
  // Drops a reference; the last one removes the text from the table (under its lock, where the
  // table also hands out new references, so a text is never found and freed at once).
  static void release(Rep* r);
  static const std::string& empty_string();

  Rep* rep_ = nullptr;
};

}  // namespace tocsin

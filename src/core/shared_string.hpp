// shared_string.hpp: an immutable string that alerts carrying the same text share. Every alert of a
// Prometheus rule has the same generatorURL; 100,000 alerts would otherwise hold 100,000 copies.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace tocsin {

class SharedString {
 public:
  SharedString() = default;
  SharedString(std::string_view s) { assign(s); }  // NOLINT: converts like a std::string
  SharedString(const std::string& s) { assign(s); }  // NOLINT
  SharedString(const char* s) { assign(s); }  // NOLINT
  SharedString& operator=(std::string_view s) {
    assign(s);
    return *this;
  }
  SharedString& operator=(const std::string& s) { return *this = std::string_view(s); }
  SharedString& operator=(const char* s) { return *this = std::string_view(s); }

  const std::string& str() const { return p_ ? *p_ : empty_string(); }
  operator const std::string&() const { return str(); }  // NOLINT
  std::string_view view() const { return str(); }
  bool empty() const { return !p_ || p_->empty(); }
  size_t size() const { return p_ ? p_->size() : 0; }

  friend bool operator==(const SharedString& a, const SharedString& b) {
    return a.p_ == b.p_ || a.str() == b.str();
  }
  friend bool operator==(const SharedString& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const SharedString& a, const std::string& b) { return a.str() == b; }
  friend bool operator==(const SharedString& a, const char* b) { return a.view() == b; }

 private:
  // Finds or adds `s` in the process-wide table; texts no alert holds any more are dropped from it
  // as the table grows.
  void assign(std::string_view s);
  static const std::string& empty_string();

  std::shared_ptr<const std::string> p_;
};

}  // namespace tocsin

// headers.cpp: the case-insensitive header list shared by the HTTP server, the HTTP client and their users.
#include <cctype>

#include "net/http.hpp"

namespace tocsin::net {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

const std::string* Headers::get(std::string_view name) const {
  for (const auto& [k, v] : items) {
    if (iequals(k, name)) {
      return &v;
    }
  }
  return nullptr;
}

void Headers::set(std::string name, std::string value) {
  for (auto& [k, v] : items) {
    if (iequals(k, name)) {
      v = std::move(value);
      return;
    }
  }
  items.emplace_back(std::move(name), std::move(value));
}

}  // namespace tocsin::net

// labels.cpp: LabelSet (kept sorted by name), its Prometheus-compatible fingerprint and printing,
// and the label-name, UTF-8 and Go-quoting helpers shared by every module.
#include "core/labels.hpp"

#include <algorithm>

#include "core/utf8.hpp"

namespace tocsin {

namespace {

constexpr uint64_t kFnvPrime = 1099511628211ULL;
constexpr unsigned char kSeparator = 0xff;

uint64_t fnv_add_byte(uint64_t h, unsigned char b) {
  h ^= b;
  h *= kFnvPrime;
  return h;
}

bool name_less(const LabelSet::Pair& a, const LabelSet::Pair& b) { return a.first < b.first; }

void append_hex(std::string& out, uint32_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) {
    out.push_back(kHex[(v >> (4 * i)) & 0xF]);
  }
}

}  // namespace

LabelSet::LabelSet(std::initializer_list<Pair> pairs) : LabelSet(std::vector<Pair>(pairs)) {}

LabelSet::LabelSet(std::vector<Pair> pairs) : pairs_(std::move(pairs)) {
  std::stable_sort(pairs_.begin(), pairs_.end(), name_less);
  // Keep the last of each run of equal names: walk backwards, keep the first seen.
  std::vector<Pair> unique;
  unique.reserve(pairs_.size());
  for (size_t i = 0; i < pairs_.size(); ++i) {
    if (i + 1 < pairs_.size() && pairs_[i + 1].first == pairs_[i].first) {
      continue;
    }
    unique.push_back(std::move(pairs_[i]));
  }
  pairs_ = std::move(unique);
}

const std::string* LabelSet::get(std::string_view name) const {
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                             [](const Pair& p, std::string_view n) { return p.first < n; });
  if (it == pairs_.end() || it->first != name) {
    return nullptr;
  }
  return &it->second;
}

std::string_view LabelSet::value(std::string_view name) const {
  const std::string* v = get(name);
  return v ? std::string_view(*v) : std::string_view();
}

void LabelSet::set(std::string name, std::string value) {
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                             [](const Pair& p, const std::string& n) { return p.first < n; });
  if (it != pairs_.end() && it->first == name) {
    it->second = std::move(value);
    return;
  }
  pairs_.insert(it, Pair{std::move(name), std::move(value)});
}

void LabelSet::erase(std::string_view name) {
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                             [](const Pair& p, std::string_view n) { return p.first < n; });
  if (it != pairs_.end() && it->first == name) {
    pairs_.erase(it);
  }
}

Fingerprint LabelSet::fingerprint() const {
  uint64_t h = fnv1a64("");
  for (const auto& [name, value] : pairs_) {
    h = fnv1a64(name, h);
    h = fnv_add_byte(h, kSeparator);
    h = fnv1a64(value, h);
    h = fnv_add_byte(h, kSeparator);
  }
  return h;
}

std::string LabelSet::to_string() const {
  // Go sorts the printed `name="value"` strings, not the names: "a0=..." comes before "a=..." because
  // '0' < '='. Sorting the printed strings keeps that order.
  std::vector<std::string> parts;
  parts.reserve(pairs_.size());
  for (const auto& [name, value] : pairs_) {
    parts.push_back(name + "=" + go_quote(value));
  }
  std::sort(parts.begin(), parts.end());
  std::string out = "{";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      out += ", ";
    }
    out += parts[i];
  }
  out += "}";
  return out;
}

std::string fingerprint_hex(Fingerprint fp) {
  std::string out;
  append_hex(out, static_cast<uint32_t>(fp >> 32), 8);
  append_hex(out, static_cast<uint32_t>(fp), 8);
  return out;
}

uint64_t fnv1a64(std::string_view s, uint64_t h) {
  for (char c : s) {
    h = fnv_add_byte(h, static_cast<unsigned char>(c));
  }
  return h;
}

bool is_valid_label_name(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool is_valid_utf8(std::string_view s) {
  while (!s.empty()) {
    auto d = utf8::decode(s);
    if (d.rune == utf8::kRuneError && d.width == 1) {
      return false;
    }
    s.remove_prefix(d.width);
  }
  return true;
}

std::string go_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  while (!s.empty()) {
    auto d = utf8::decode(s);
    if (d.rune == utf8::kRuneError && d.width == 1) {
      out += "\\x";
      append_hex(out, static_cast<unsigned char>(s[0]), 2);
      s.remove_prefix(1);
      continue;
    }
    std::string_view raw = s.substr(0, d.width);
    s.remove_prefix(d.width);
    char32_t r = d.rune;
    if (r == '"' || r == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(r));
      continue;
    }
    if (utf8::is_print(r)) {
      out += raw;
      continue;
    }
    switch (r) {
      case '\a': out += "\\a"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\v': out += "\\v"; continue;
      default: break;
    }
    if (r < ' ' || r == 0x7F) {
      out += "\\x";
      append_hex(out, r, 2);
    } else if (r < 0x10000) {
      out += "\\u";
      append_hex(out, r, 4);
    } else {
      out += "\\U";
      append_hex(out, r, 8);
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace tocsin

// labels.hpp: LabelSet, a sorted set of name/value pairs with Alertmanager's 64-bit fingerprint
// (FNV-1a over name, 0xff, value, 0xff for each pair in name order). Annotations use the same type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tocsin {

using Fingerprint = uint64_t;

class LabelSet {
 public:
  using Pair = std::pair<std::string, std::string>;
  LabelSet() = default;
  LabelSet(std::initializer_list<Pair> pairs);
  explicit LabelSet(std::vector<Pair> pairs);  // sorts; a later duplicate name wins

  // The value of `name`, or nullptr when absent.
  const std::string* get(std::string_view name) const;
  // The value of `name`, or "" when absent (Prometheus treats a missing label as empty).
  std::string_view value(std::string_view name) const;
  bool has(std::string_view name) const { return get(name) != nullptr; }
  void set(std::string name, std::string value);
  void erase(std::string_view name);

  const std::vector<Pair>& pairs() const { return pairs_; }
  auto begin() const { return pairs_.begin(); }
  auto end() const { return pairs_.end(); }
  size_t size() const { return pairs_.size(); }
  bool empty() const { return pairs_.empty(); }

  Fingerprint fingerprint() const;
  // Go's model.LabelSet.String(): {a="b", c="d"} with Go-quoted values.
  std::string to_string() const;

  friend bool operator==(const LabelSet&, const LabelSet&) = default;
  friend bool operator<(const LabelSet& a, const LabelSet& b) { return a.pairs_ < b.pairs_; }

 private:
  std::vector<Pair> pairs_;
};

// 16 lowercase hex digits, as the reference prints fingerprints.
std::string fingerprint_hex(Fingerprint fp);
// FNV-1a 64 of a byte string (used for group keys and hashes).
uint64_t fnv1a64(std::string_view s, uint64_t h = 14695981039346656037ULL);

// Prometheus label-name rule ([a-zA-Z_][a-zA-Z0-9_]*), which Alertmanager 0.25 enforces on alerts.
bool is_valid_label_name(std::string_view s);
bool is_valid_utf8(std::string_view s);
// Go's strconv.Quote for printing values.
std::string go_quote(std::string_view s);

}  // namespace tocsin

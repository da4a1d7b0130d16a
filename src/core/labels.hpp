// labels.hpp: LabelSet, a sorted set of name/value pairs with Alertmanager's 64-bit fingerprint
// (FNV-1a over name, 0xff, value, 0xff for each pair in name order). Annotations use the same type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tocsin {

using Fingerprint = uint64_t;

// Stored as one heap block (an alert's label set is a few hundred bytes that never change once the
// alert is stored; 100,000 alerts make memory a figure that matters): a count, 2n+1 offsets and the
// names and values back to back, sorted by name. Iteration yields string_view pairs.
class LabelSet {
 public:
  using Pair = std::pair<std::string, std::string>;
  using ViewPair = std::pair<std::string_view, std::string_view>;

  class iterator {
   public:
    using value_type = ViewPair;
    using difference_type = std::ptrdiff_t;
    using reference = ViewPair;
    using iterator_category = std::random_access_iterator_tag;
    iterator() = default;
    iterator(const LabelSet* s, size_t i) : set_(s), i_(i) {}
    ViewPair operator*() const { return set_->at(i_); }
    iterator& operator++() { ++i_; return *this; }
    iterator operator++(int) { iterator t = *this; ++i_; return t; }
    iterator& operator--() { --i_; return *this; }
    iterator& operator+=(difference_type d) { i_ += d; return *this; }
    iterator operator+(difference_type d) const { return iterator(set_, i_ + d); }
    difference_type operator-(const iterator& o) const { return static_cast<difference_type>(i_) - static_cast<difference_type>(o.i_); }
    bool operator==(const iterator& o) const { return i_ == o.i_; }
    bool operator!=(const iterator& o) const { return i_ != o.i_; }

   private:
    const LabelSet* set_ = nullptr;
    size_t i_ = 0;
  };

  LabelSet() = default;
  LabelSet(std::initializer_list<Pair> pairs);
  explicit LabelSet(std::vector<Pair> pairs);  // sorts; a later duplicate name wins
  explicit LabelSet(std::vector<ViewPair> pairs);  // the same without owning strings
  LabelSet(const LabelSet& o);
  LabelSet(LabelSet&& o) noexcept : block_(o.block_) { o.block_ = nullptr; }
  LabelSet& operator=(const LabelSet& o);
  LabelSet& operator=(LabelSet&& o) noexcept;
  ~LabelSet();

  // The value of `name`, or nullopt when absent.
  std::optional<std::string_view> get(std::string_view name) const;
  // The value of `name`, or "" when absent (Prometheus treats a missing label as empty).
  std::string_view value(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  void set(std::string_view name, std::string_view value);
  void erase(std::string_view name);

  std::vector<Pair> pairs() const;
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, size()); }
  size_t size() const { return block_ == nullptr ? 0 : header()[0]; }
  bool empty() const { return size() == 0; }
  ViewPair at(size_t i) const {
    const uint32_t* off = header() + 1;
    const char* chars = reinterpret_cast<const char*>(off + 2 * size() + 1);
    return {std::string_view(chars + off[2 * i], off[2 * i + 1] - off[2 * i]),
            std::string_view(chars + off[2 * i + 1], off[2 * i + 2] - off[2 * i + 1])};
  }
  // Bytes on the heap (for memory accounting).
  size_t heap_bytes() const;
  // Start of the heap block (null when empty), for loops that prefetch the sets they will read next.
  const void* storage() const { return block_; }

  Fingerprint fingerprint() const;
  // Go's model.LabelSet.String(): {a="b", c="d"} with Go-quoted values.
  std::string to_string() const;

  friend bool operator==(const LabelSet& a, const LabelSet& b);
  friend bool operator<(const LabelSet& a, const LabelSet& b);

 private:
  // Builds the block from pairs already sorted by name with unique names.
  void assign_sorted(const std::vector<ViewPair>& sorted);
  const uint32_t* header() const { return reinterpret_cast<const uint32_t*>(block_); }

  char* block_ = nullptr;  // u32 n, u32 offsets[2n+1] (into the chars), then the chars
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

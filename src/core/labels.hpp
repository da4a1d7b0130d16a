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

namespace detail {
// Label names seen so far (alertname, job, instance, summary...: a small vocabulary), by id. Filled
// once each under a lock and never changed, so readers of a label set need no lock.
inline constexpr size_t kMaxLabelNames = 4096;
extern std::string_view label_names[kMaxLabelNames];
}  // namespace detail

// Stored as one heap block (an alert's label set is a few hundred bytes that never change once the
// alert is stored; 100,000 alerts make memory a figure that matters). Byte 0 holds the width w of the
// integers that follow (1, 2 or 4 bytes: the smallest that holds the count and the text's length) and,
// in its top bit, whether names are interned. Interned: n, n 16-bit name ids, n+1 value offsets, the
// values back to back. Otherwise (a name too long, or the name table full): n, 2n+1 offsets, names and
// values back to back. Pairs are sorted by name either way; iteration yields string_view pairs.
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
  // The same, sorting `pairs` in place (the caller's reused buffer) instead of a copy of them.
  static LabelSet from_views(std::vector<ViewPair>& pairs);
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
  size_t size() const { return block_ == nullptr ? 0 : read(bytes() + 1, width()); }
  bool empty() const { return size() == 0; }
  ViewPair at(size_t i) const {
    const unsigned w = width();
    const unsigned char* p = bytes() + 1;
    const size_t n = read(p, w);
    p += w;
    if (interned()) {
      const unsigned id = p[2 * i] | (p[2 * i + 1] << 8);
      p += 2 * n;
      const char* chars = reinterpret_cast<const char*>(p + w * (n + 1));
      const uint32_t a = read(p + w * i, w), b = read(p + w * (i + 1), w);
      return {detail::label_names[id], std::string_view(chars + a, b - a)};
    }
    const char* chars = reinterpret_cast<const char*>(p + w * (2 * n + 1));
    const uint32_t a = read(p + w * 2 * i, w), b = read(p + w * (2 * i + 1), w), c = read(p + w * (2 * i + 2), w);
    return {std::string_view(chars + a, b - a), std::string_view(chars + b, c - b)};
  }
  // Bytes on the heap (for memory accounting).
  size_t heap_bytes() const;
  // Start of the heap block (null when empty), for loops that prefetch the sets they will read next.
  const void* storage() const { return block_; }
  // The block's text, back to back: names and values, or only the values when names_interned()
  // (the names then live in detail::label_names). Lets a writer check the whole set in one scan.
  std::string_view text() const {
    if (block_ == nullptr) return {};
    const unsigned w = width();
    const unsigned char* p = bytes() + 1;
    const size_t n = read(p, w);
    const size_t head = interned() ? 1 + w + 2 * n + w * (n + 1) : 1 + w * (2 * n + 2);
    return {block_ + head, block_size() - head};
  }
  bool names_interned() const { return block_ != nullptr && interned(); }

  Fingerprint fingerprint() const;
  // Go's model.LabelSet.String(): {a="b", c="d"} with Go-quoted values.
  std::string to_string() const;

  friend bool operator==(const LabelSet& a, const LabelSet& b);
  friend bool operator<(const LabelSet& a, const LabelSet& b);

 private:
  // Builds the block from pairs already sorted by name with unique names.
  void assign_sorted(const std::vector<ViewPair>& sorted);
  const unsigned char* bytes() const { return reinterpret_cast<const unsigned char*>(block_); }
  unsigned width() const { return bytes()[0] & 0x7f; }
  bool interned() const { return (bytes()[0] & 0x80) != 0; }
  // A little-endian integer of w bytes.
  static uint32_t read(const unsigned char* p, unsigned w) {
    if (w == 1) return p[0];
    if (w == 2) return static_cast<uint32_t>(p[0] | (p[1] << 8));
    return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
           (static_cast<uint32_t>(p[3]) << 24);
  }
  size_t block_size() const;
  void release();  // frees the block, if any

  char* block_ = nullptr;  // see the comment above the class
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

// labels.cpp: LabelSet (kept sorted by name), its Prometheus-compatible fingerprint and printing,
// and the label-name, UTF-8 and Go-quoting helpers shared by every module.
#include "core/labels.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "core/slab.hpp"
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

void append_hex(std::string& out, uint32_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) {
    out.push_back(kHex[(v >> (4 * i)) & 0xF]);
  }
}

}  // namespace

namespace detail {
std::string_view label_names[kMaxLabelNames];
}  // namespace detail

namespace {

// Names longer than this stay inline: the table is for the vocabulary, not for arbitrary strings.
constexpr size_t kMaxInternedName = 128;

struct NameTable {
  std::mutex mu;
  std::unordered_map<std::string_view, uint16_t> ids;  // keys view `storage`
  std::deque<std::string> storage;                     // stable addresses
};

// The name's id, or -1 when it is too long or the table is full (then it never gets one, so a given
// name is always stored the same way and equal label sets have equal blocks).
int intern_name(std::string_view name) {
  if (name.size() > kMaxInternedName) return -1;
  // First a small direct-mapped cache, by length and end bytes: an alert's few names (alertname,
  // instance, job...) are found with one comparison, where the map below hashes the whole name and
  // divides by its bucket count (2 % of the ingest CPU). Slots view the table's storage.
  struct Slot {
    const char* data = nullptr;
    uint16_t size = 0;
    uint16_t id = 0;
  };
  thread_local Slot recent[64];
  const size_t key = name.empty() ? 0
                                  : (name.size() * 7 + static_cast<unsigned char>(name.front()) * 3 +
                                     static_cast<unsigned char>(name.back())) & 63;
  Slot& slot = recent[key];
  if (slot.data != nullptr && slot.size == name.size() && std::memcmp(slot.data, name.data(), name.size()) == 0) {
    return slot.id;
  }
  // Each thread remembers the ids it has seen: the common case takes no lock. Keys view the table's
  // storage, which never moves or shrinks.
  thread_local std::unordered_map<std::string_view, uint16_t> seen;
  if (auto it = seen.find(name); it != seen.end()) {
    slot = {it->first.data(), static_cast<uint16_t>(name.size()), it->second};
    return it->second;
  }
  static NameTable* table = new NameTable;  // never destroyed: label sets may outlive statics
  std::lock_guard lock(table->mu);
  auto it = table->ids.find(name);
  if (it == table->ids.end()) {
    if (table->storage.size() >= detail::kMaxLabelNames) return -1;
    const std::string& stored = table->storage.emplace_back(name);
    const auto id = static_cast<uint16_t>(table->storage.size() - 1);
    detail::label_names[id] = stored;
    it = table->ids.emplace(std::string_view(stored), id).first;
  }
  seen.emplace(detail::label_names[it->second], it->second);
  return it->second;
}

// Sorts by name (stable) and keeps the last of each run of equal names, in place.
void canonicalize(std::vector<LabelSet::ViewPair>& v) {
  auto by_name = [](const LabelSet::ViewPair& a, const LabelSet::ViewPair& b) { return a.first < b.first; };
  if (v.size() <= 16) {
    // An alert's handful of labels: insertion sort (stable) spares stable_sort's temporary buffer.
    for (size_t i = 1; i < v.size(); ++i) {
      LabelSet::ViewPair p = v[i];
      size_t j = i;
      for (; j > 0 && by_name(p, v[j - 1]); --j) {
        v[j] = v[j - 1];
      }
      v[j] = p;
    }
  } else {
    std::stable_sort(v.begin(), v.end(), by_name);
  }
  size_t out = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i + 1 < v.size() && v[i + 1].first == v[i].first) {
      continue;
    }
    v[out++] = v[i];
  }
  v.resize(out);
}

std::vector<LabelSet::ViewPair> canonical(std::vector<LabelSet::ViewPair> v) {
  canonicalize(v);
  return v;
}

}  // namespace

LabelSet::LabelSet(std::initializer_list<Pair> pairs) : LabelSet(std::vector<Pair>(pairs)) {}

LabelSet::LabelSet(std::vector<Pair> pairs) {
  std::vector<ViewPair> views;
  views.reserve(pairs.size());
  for (const auto& [n, v] : pairs) {
    views.emplace_back(n, v);
  }
  assign_sorted(canonical(std::move(views)));
}

LabelSet::LabelSet(std::vector<ViewPair> pairs) { assign_sorted(canonical(std::move(pairs))); }

LabelSet LabelSet::from_views(std::vector<ViewPair>& pairs) {
  canonicalize(pairs);
  LabelSet out;
  out.assign_sorted(pairs);
  return out;
}

LabelSet::LabelSet(const LabelSet& o) {
  if (o.block_ != nullptr) {
    size_t n = o.block_size();
    block_ = static_cast<char*>(slab_alloc(n));
    std::memcpy(block_, o.block_, n);
  }
}

LabelSet& LabelSet::operator=(const LabelSet& o) {
  if (this != &o) {
    LabelSet copy(o);
    *this = std::move(copy);
  }
  return *this;
}

LabelSet& LabelSet::operator=(LabelSet&& o) noexcept {
  if (this != &o) {
    release();
    block_ = o.block_;
    o.block_ = nullptr;
  }
  return *this;
}

LabelSet::~LabelSet() { release(); }

void LabelSet::release() {
  if (block_ != nullptr) slab_free(block_, block_size());
  block_ = nullptr;
}

void LabelSet::assign_sorted(const std::vector<ViewPair>& sorted) {
  release();
  if (sorted.empty()) {
    return;
  }
  const size_t n = sorted.size();
  // Interned names when every name has an id.
  uint16_t ids_small[16];
  std::vector<uint16_t> ids_big;
  uint16_t* ids = n <= 16 ? ids_small : (ids_big.resize(n), ids_big.data());
  bool interned = true;
  for (size_t i = 0; i < n && interned; ++i) {
    const int id = intern_name(sorted[i].first);
    interned = id >= 0;
    ids[i] = static_cast<uint16_t>(id);
  }
  size_t chars = 0;
  for (const auto& [name, v] : sorted) chars += (interned ? 0 : name.size()) + v.size();
  const size_t biggest = std::max(chars, n);
  const unsigned w = biggest <= 0xff ? 1 : biggest <= 0xffff ? 2 : 4;
  const size_t head = interned ? 1 + w + 2 * n + w * (n + 1) : 1 + w * (2 * n + 2);
  block_ = static_cast<char*>(slab_alloc(head + chars));
  auto* p = reinterpret_cast<unsigned char*>(block_);
  *p++ = static_cast<unsigned char>(w | (interned ? 0x80 : 0));
  auto put = [&](size_t v) {
    for (unsigned k = 0; k < w; ++k) *p++ = static_cast<unsigned char>(v >> (8 * k));
  };
  put(n);
  char* out = block_ + head;
  size_t pos = 0;
  if (interned) {
    for (size_t i = 0; i < n; ++i) {
      *p++ = static_cast<unsigned char>(ids[i]);
      *p++ = static_cast<unsigned char>(ids[i] >> 8);
    }
    for (size_t i = 0; i < n; ++i) {
      put(pos);
      std::memcpy(out + pos, sorted[i].second.data(), sorted[i].second.size());
      pos += sorted[i].second.size();
    }
    put(pos);
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    put(pos);
    std::memcpy(out + pos, sorted[i].first.data(), sorted[i].first.size());
    pos += sorted[i].first.size();
    put(pos);
    std::memcpy(out + pos, sorted[i].second.data(), sorted[i].second.size());
    pos += sorted[i].second.size();
  }
  put(pos);
}

size_t LabelSet::block_size() const {
  const unsigned w = width();
  const unsigned char* p = bytes() + 1;
  const size_t n = read(p, w);
  if (interned()) return 1 + w + 2 * n + w * (n + 1) + read(p + w + 2 * n + w * n, w);
  return 1 + w * (2 * n + 2) + read(p + w * (2 * n + 1), w);
}

size_t LabelSet::heap_bytes() const { return block_ == nullptr ? 0 : block_size(); }

std::optional<std::string_view> LabelSet::get(std::string_view name) const {
  size_t lo = 0;
  size_t hi = size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    auto p = at(mid);
    if (p.first < name) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < size()) {
    auto p = at(lo);
    if (p.first == name) {
      return p.second;
    }
  }
  return std::nullopt;
}

std::string_view LabelSet::value(std::string_view name) const { return get(name).value_or(std::string_view()); }

void LabelSet::set(std::string_view name, std::string_view value) {
  std::vector<ViewPair> v(begin(), end());
  auto it = std::lower_bound(v.begin(), v.end(), name, [](const ViewPair& p, std::string_view n) { return p.first < n; });
  if (it != v.end() && it->first == name) {
    it->second = value;
  } else {
    v.insert(it, ViewPair{name, value});
  }
  // The views point into our block: build the new one before letting go of the old.
  LabelSet next;
  next.assign_sorted(v);
  *this = std::move(next);
}

void LabelSet::erase(std::string_view name) {
  if (!has(name)) {
    return;
  }
  std::vector<ViewPair> v;
  v.reserve(size());
  for (auto p : *this) {
    if (p.first != name) {
      v.push_back(p);
    }
  }
  LabelSet next;
  next.assign_sorted(v);
  *this = std::move(next);
}

std::vector<LabelSet::Pair> LabelSet::pairs() const {
  std::vector<Pair> out;
  out.reserve(size());
  for (auto [n, v] : *this) {
    out.emplace_back(std::string(n), std::string(v));
  }
  return out;
}

bool operator==(const LabelSet& a, const LabelSet& b) {
  size_t na = a.heap_bytes();
  return na == b.heap_bytes() && (na == 0 || std::memcmp(a.block_, b.block_, na) == 0);
}

bool operator<(const LabelSet& a, const LabelSet& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    auto pa = a.at(i);
    auto pb = b.at(i);
    if (pa != pb) {
      return pa < pb;
    }
  }
  return a.size() < b.size();
}

Fingerprint LabelSet::fingerprint() const {
  uint64_t h = fnv1a64("");
  for (auto [name, value] : *this) {
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
  parts.reserve(size());
  for (auto [name, value] : *this) {
    parts.push_back(std::string(name) + "=" + go_quote(value));
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
  // Label values and bodies are nearly always ASCII: skip 8 bytes at a time while no byte has its top
  // bit set, and decode rune by rune only from the first word that has one.
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if ((w & kHighBits) != 0) {
      break;
    }
  }
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) {
    ++i;
  }
  s.remove_prefix(i);
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

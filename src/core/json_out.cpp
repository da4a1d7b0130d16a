// json_out.cpp: Go-compatible JSON string escaping.
#include "core/json_out.hpp"

#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tocsin::json_out {

namespace {

// What a byte needs: 0 copied as it is; 1 an ASCII byte escaped (control characters, ", \, <, >, &);
// 2 the start of a non-ASCII sequence, checked for valid UTF-8 and U+2028/2029.
constexpr std::array<unsigned char, 256> kClass = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 0x20; ++c) {
    t[c] = 1;
  }
  for (unsigned char c : {'"', '\\', '<', '>', '&'}) {
    t[c] = 1;
  }
  for (int c = 0x80; c < 0x100; ++c) {
    t[c] = 2;
  }
  return t;
}();

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence at s[i], or 0 if invalid.
size_t utf8_len(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  }
  if (n == 2 && c < 0xc2) return 0;  // overlong
  if (n == 3) {
    const unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0)) return 0;  // overlong, surrogate
  }
  if (n == 4) {
    const unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xf0 && c1 < 0x90) || c > 0xf4 || (c == 0xf4 && c1 >= 0x90)) return 0;
  }
  return n;
}

// Length of the prefix of s[0, n) whose bytes are all copied as they are (class 0).
size_t plain_prefix(const char* s, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  // 16 bytes at a time: a signed compare below 0x20 catches both control characters and bytes >= 0x80.
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i lt = _mm_set1_epi8('<');
  const __m128i gt = _mm_set1_epi8('>');
  const __m128i amp = _mm_set1_epi8('&');
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    __m128i hit = _mm_cmplt_epi8(v, space);
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, quote));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, backslash));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, lt));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, gt));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, amp));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
    if (mask != 0) {
      return i + static_cast<size_t>(__builtin_ctz(mask));
    }
  }
#endif
  while (i < n && kClass[static_cast<unsigned char>(s[i])] == 0) {
    ++i;
  }
  return i;
}

char* put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

}  // namespace

char* write_string(char* p, std::string_view s) {
  *p++ = '"';
  const char* data = s.data();
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    // The run of bytes copied as they are, at once: most label values are nothing else.
    const size_t j = i + plain_prefix(data + i, n - i);
    std::memcpy(p, data + i, j - i);
    p += j - i;
    i = j;
    if (i == n) {
      break;
    }
    const unsigned char c = static_cast<unsigned char>(data[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': p = put(p, "\\\""); break;
        case '\\': p = put(p, "\\\\"); break;
        case '\n': p = put(p, "\\n"); break;
        case '\r': p = put(p, "\\r"); break;
        case '\t': p = put(p, "\\t"); break;
        default:
          p = put(p, "\\u00");
          *p++ = kHex[c >> 4];
          *p++ = kHex[c & 0xf];
      }
      ++i;
      continue;
    }
    const size_t len = utf8_len(s, i);
    if (len == 0) {
      p = put(p, "\\ufffd");
      ++i;
      continue;
    }
    if (len == 3 && c == 0xe2 && static_cast<unsigned char>(data[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(data[i + 2]) == 0xa8 || static_cast<unsigned char>(data[i + 2]) == 0xa9)) {
      p = put(p, static_cast<unsigned char>(data[i + 2]) == 0xa8 ? "\\u2028" : "\\u2029");
    } else {
      std::memcpy(p, data + i, len);
      p += len;
    }
    i += len;
  }
  *p++ = '"';
  return p;
}

size_t labels_bound(const LabelSet& ls) {
  size_t n = 2;
  for (const auto& [k, v] : ls) {
    n += string_bound(k) + string_bound(v) + 2;  // ':' and ','
  }
  return n;
}

char* write_labels(char* p, const LabelSet& ls) {
  *p++ = '{';
  const size_t n = ls.size();
  if (n == 0) {
    *p++ = '}';
    return p;
  }
  // A set's text lies back to back in one block (with interned names, only the values; the names,
  // a handful of short words, are checked one by one): when none of its bytes needs escaping (the
  // usual case), one scan of the block replaces a scan per string.
  const std::string_view text = ls.text();
  bool plain = plain_prefix(text.data(), text.size()) == text.size();
  if (plain && ls.names_interned()) {
    for (size_t i = 0; i < n && plain; ++i) {
      const std::string_view k = ls.at(i).first;
      plain = plain_prefix(k.data(), k.size()) == k.size();
    }
  }
  if (plain) {
    for (size_t i = 0; i < n; ++i) {
      if (i != 0) {
        *p++ = ',';
      }
      const auto [k, v] = ls.at(i);
      *p++ = '"';
      std::memcpy(p, k.data(), k.size());
      p += k.size();
      p = put(p, "\":\"");
      std::memcpy(p, v.data(), v.size());
      p += v.size();
      *p++ = '"';
    }
    *p++ = '}';
    return p;
  }
  for (size_t i = 0; i < n; ++i) {
    if (i != 0) {
      *p++ = ',';
    }
    const auto [k, v] = ls.at(i);
    p = write_string(p, k);
    *p++ = ':';
    p = write_string(p, v);
  }
  *p++ = '}';
  return p;
}

void append_string(std::string& out, std::string_view s) {
  // Short strings (nearly all) go through a stack buffer; long ones through the output itself, whose
  // zero-filled slack is trimmed afterwards.
  constexpr size_t kStack = 512;
  if (s.size() <= kStack) {
    char buf[6 * kStack + 2];
    out.append(buf, static_cast<size_t>(write_string(buf, s) - buf));
    return;
  }
  const size_t old = out.size();
  out.resize(old + string_bound(s));
  char* end = write_string(out.data() + old, s);
  out.resize(static_cast<size_t>(end - out.data()));
}

void append_labels(std::string& out, const LabelSet& ls) {
  const size_t old = out.size();
  out.resize(old + labels_bound(ls));
  char* end = write_labels(out.data() + old, ls);
  out.resize(static_cast<size_t>(end - out.data()));
}

}  // namespace tocsin::json_out

// utf8.cpp: UTF-8 decoding and the Unicode predicates (space, printable) that Go's quoting and the
// matcher lexer depend on.
#include "core/utf8.hpp"

namespace tocsin::utf8 {

namespace {

bool is_cont(unsigned char c) { return c >= 0x80 && c <= 0xBF; }

}  // namespace

Decoded decode(std::string_view s) {
  if (s.empty()) {
    return {kRuneError, 0};
  }
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) {
    return {b0, 1};
  }
  auto at = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (s.size() >= 2 && is_cont(at(1))) {
      return {static_cast<char32_t>(((b0 & 0x1F) << 6) | (at(1) & 0x3F)), 2};
    }
    return {kRuneError, 1};
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    // The second byte's range excludes overlong forms (E0) and surrogates (ED).
    unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
    unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;
    if (s.size() >= 3 && at(1) >= lo && at(1) <= hi && is_cont(at(2))) {
      return {static_cast<char32_t>(((b0 & 0x0F) << 12) | ((at(1) & 0x3F) << 6) | (at(2) & 0x3F)), 3};
    }
    return {kRuneError, 1};
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    // Excludes overlong forms (F0) and code points above U+10FFFF (F4).
    unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (s.size() >= 4 && at(1) >= lo && at(1) <= hi && is_cont(at(2)) && is_cont(at(3))) {
      return {static_cast<char32_t>(((b0 & 0x07) << 18) | ((at(1) & 0x3F) << 12) | ((at(2) & 0x3F) << 6) |
                                    (at(3) & 0x3F)),
              4};
    }
    return {kRuneError, 1};
  }
  return {kRuneError, 1};
}

void append(std::string& out, char32_t r) {
  if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) {
    r = kRuneError;
  }
  if (r < 0x80) {
    out.push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (r >> 6)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (r >> 12)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (r >> 18)));
    out.push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

bool is_space(char32_t r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

bool is_print(char32_t r) {
  if (r < 0x80) {
    return r >= 0x20 && r < 0x7F;
  }
  if (r < 0xA1) {
    return false;  // C1 controls and the no-break space
  }
  if (r == 0xAD) {
    return false;  // soft hyphen (a format character)
  }
  if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) {
    return false;
  }
  if (is_space(r)) {
    return false;
  }
  struct Range {
    char32_t lo, hi;
  };
  // Format characters, private use areas and the non-characters Go does not print.
  static constexpr Range kNotPrintable[] = {
      {0x0600, 0x0605}, {0x061C, 0x061C}, {0x06DD, 0x06DD}, {0x070F, 0x070F},   {0x0890, 0x0891},
      {0x08E2, 0x08E2}, {0x180E, 0x180E}, {0x200B, 0x200F}, {0x202A, 0x202E},   {0x2060, 0x2064},
      {0x2065, 0x206F}, {0xE000, 0xF8FF}, {0xFDD0, 0xFDEF}, {0xFEFF, 0xFEFF},   {0xFFF0, 0xFFFB},
      {0xFFFE, 0xFFFF}, {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3},
      {0x1D173, 0x1D17A}, {0xE0000, 0xE00FF}, {0xF0000, 0x10FFFF},
  };
  for (const auto& range : kNotPrintable) {
    if (r >= range.lo && r <= range.hi) {
      return false;
    }
  }
  // Each plane's last two code points are non-characters.
  return (r & 0xFFFE) != 0xFFFE;
}

}  // namespace tocsin::utf8

// utf8.hpp: the few UTF-8 and Unicode helpers core needs to behave like Go's unicode/utf8 and strconv
// (decoding that turns each bad byte into U+FFFD, Go's notion of white space and of printable runes).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tocsin::utf8 {

inline constexpr char32_t kRuneError = 0xFFFD;

struct Decoded {
  char32_t rune;
  size_t width;  // bytes consumed; 1 for an invalid byte, 0 only for empty input
};

// Decodes the first rune of `s` as Go's utf8.DecodeRuneInString does: an invalid or truncated
// sequence yields {U+FFFD, 1}.
Decoded decode(std::string_view s);
// Appends the UTF-8 encoding of `r` (invalid runes are written as U+FFFD).
void append(std::string& out, char32_t r);
// Go's unicode.IsSpace.
bool is_space(char32_t r);
// Go's strconv.IsPrint (Unicode 13 tables, as the Go release the reference is built with).
bool is_print(char32_t r);

}  // namespace tocsin::utf8

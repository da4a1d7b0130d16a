// go_compat.cpp: the reference's request parsing rules (strfmt date-times, json.Decoder's syntax
// errors, swag's booleans, url.ParseRequestURI, regexp's error wording), each written from the
// behaviour of Go 1.19 and the go-openapi packages Debian builds Alertmanager 0.25 with.
#include "silence/go_compat.hpp"

#include <re2/re2.h>

#include <array>
#include <cstdint>
#include <vector>

#include "core/matcher.hpp"

namespace tocsin::silence {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// time's quote(): bytes outside printable ASCII as \xNN, '"' and '\' escaped.
std::string time_quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x80) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += ch;
  }
  out += '"';
  return out;
}

// ---- time.Parse over the layouts of strfmt.DateTimeFormats ----

enum class El { kLit, kYear, kMonth, kDay, kHour, kMinute, kSecond, kFrac0, kFrac9, kTzColon, kTz };

struct Chunk {
  El el;
  std::string_view text;  // the literal, or the layout element's text for messages
  int digits = 0;         // kFrac0: digits after the point
};

struct Layout {
  std::string_view text;
  std::vector<Chunk> chunks;
};

const std::vector<Layout>& layouts() {
  auto date = [](std::vector<Chunk> rest) {
    std::vector<Chunk> v{{El::kYear, "2006"}, {El::kLit, "-"}, {El::kMonth, "01"}, {El::kLit, "-"}, {El::kDay, "02"}};
    v.insert(v.end(), rest.begin(), rest.end());
    return v;
  };
  const Chunk t{El::kLit, "T"}, colon{El::kLit, ":"};
  const Chunk hour{El::kHour, "15"}, minute{El::kMinute, "04"}, second{El::kSecond, "05"};
  const Chunk tzc{El::kTzColon, "Z07:00"}, tz{El::kTz, "Z0700"};
  const Chunk micro{El::kFrac0, ".000000", 6}, milli{El::kFrac0, ".000", 3}, nano{El::kFrac9, ".999999999"};
  static const std::vector<Layout> kLayouts = {
      {"2006-01-02T15:04:05.000000Z07:00", date({t, hour, colon, minute, colon, second, micro, tzc})},
      {"2006-01-02T15:04:05.000000Z0700", date({t, hour, colon, minute, colon, second, micro, tz})},
      {"2006-01-02T15:04:05.000Z07:00", date({t, hour, colon, minute, colon, second, milli, tzc})},
      {"2006-01-02T15:04:05.000Z0700", date({t, hour, colon, minute, colon, second, milli, tz})},
      {"2006-01-02T15:04:05Z07:00", date({t, hour, colon, minute, colon, second, tzc})},
      {"2006-01-02T15:04:05.999999999Z07:00", date({t, hour, colon, minute, colon, second, nano, tzc})},
      {"2006-01-02T15:04:05", date({t, hour, colon, minute, colon, second})},
      {"2006-01-02T15:04Z", date({t, hour, colon, minute, {El::kLit, "Z"}})},
      {"2006-01-02T15:04", date({t, hour, colon, minute})},
      {"2006-01-02 15:04:05", date({{El::kLit, " "}, hour, colon, minute, colon, second})},
  };
  return kLayouts;
}

// Go's atoi: an optional sign and decimal digits, all of s.
bool go_atoi(std::string_view s, int64_t& out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  out = neg ? -v : v;
  return true;
}

// time's getnum: one or two digits (exactly two when fixed).
bool getnum(std::string_view& v, bool fixed, int& out) {
  if (v.empty() || !is_digit(v[0])) return false;
  if (v.size() < 2 || !is_digit(v[1])) {
    if (fixed) return false;
    out = v[0] - '0';
    v.remove_prefix(1);
    return true;
  }
  out = (v[0] - '0') * 10 + (v[1] - '0');
  v.remove_prefix(2);
  return true;
}

// time's parseNanoseconds over value[0:nbytes] (a '.' or ',' then digits). `range` names a range error.
bool parse_nanos(std::string_view value, size_t nbytes, int64_t& ns, const char*& range) {
  if (value.empty() || (value[0] != '.' && value[0] != ',')) return false;
  if (nbytes > 10) nbytes = 10;
  if (!go_atoi(value.substr(1, nbytes - 1), ns)) return false;
  if (ns < 0) {
    range = "fractional second";
    return true;
  }
  for (size_t i = nbytes; i < 10; ++i) ns *= 10;
  return true;
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in(int month, int64_t year) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && is_leap(year)) return 29;
  return kDays[month - 1];
}
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// time.Parse(layout, value): the instant, or Go's error text.
Result<TimePoint> parse_layout(const Layout& layout, std::string_view value) {
  const std::string quoted = time_quote(value);
  auto cannot = [&](std::string_view rest, std::string_view elem) {
    return make_error("parsing time " + quoted + " as " + time_quote(layout.text) + ": cannot parse " +
                      time_quote(rest) + " as " + time_quote(elem));
  };
  auto out_of_range = [&](const std::string& what) {
    return make_error("parsing time " + quoted + ": " + what + " out of range");
  };
  std::string_view v = value;
  int64_t year = 0, nsec = 0, offset = 0;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0;
  const auto& chunks = layout.chunks;
  for (size_t ci = 0; ci < chunks.size(); ++ci) {
    const Chunk& c = chunks[ci];
    if (c.el == El::kLit) {
      // time's skip(): a space matches any run of spaces (or the end).
      if (c.text == " ") {
        if (!v.empty() && v[0] != ' ') return cannot(v, c.text);
        while (!v.empty() && v[0] == ' ') v.remove_prefix(1);
        continue;
      }
      if (v.empty() || v[0] != c.text[0]) return cannot(v, c.text);
      v.remove_prefix(1);
      continue;
    }
    const std::string_view hold = v;
    bool ok = true;
    const char* range = nullptr;
    switch (c.el) {
      case El::kYear:
        ok = v.size() >= 4 && go_atoi(v.substr(0, 4), year);
        if (v.size() >= 4) v.remove_prefix(4);
        break;
      case El::kMonth:
        ok = getnum(v, true, month);
        if (ok && (month <= 0 || month > 12)) range = "month";
        break;
      case El::kDay:
        ok = getnum(v, true, day);
        break;
      case El::kHour:
        ok = getnum(v, false, hour);
        if (hour < 0 || hour >= 24) range = "hour";
        break;
      case El::kMinute:
        ok = getnum(v, true, minute);
        if (minute < 0 || minute >= 60) range = "minute";
        break;
      case El::kSecond: {
        ok = getnum(v, true, second);
        if (second < 0 || second >= 60) {
          range = "second";
          break;
        }
        // A fraction the layout does not spell out is still read.
        if (v.size() >= 2 && (v[0] == '.' || v[0] == ',') && is_digit(v[1])) {
          const bool layout_has_frac =
              ci + 1 < chunks.size() && (chunks[ci + 1].el == El::kFrac0 || chunks[ci + 1].el == El::kFrac9);
          if (layout_has_frac) break;
          size_t n = 2;
          while (n < v.size() && is_digit(v[n])) ++n;
          ok = parse_nanos(v, n, nsec, range);
          v.remove_prefix(n);
        }
        break;
      }
      case El::kFrac0: {
        const size_t ndigit = 1 + static_cast<size_t>(c.digits);
        if (v.size() < ndigit) {
          ok = false;
          break;
        }
        ok = parse_nanos(v, ndigit, nsec, range);
        v.remove_prefix(ndigit);
        break;
      }
      case El::kFrac9: {
        if (v.size() < 2 || (v[0] != '.' && v[0] != ',') || !is_digit(v[1])) break;  // omitted
        size_t i = 0;
        while (i + 1 < v.size() && is_digit(v[i + 1])) ++i;
        ok = parse_nanos(v, 1 + i, nsec, range);
        v.remove_prefix(1 + i);
        break;
      }
      case El::kTzColon:
      case El::kTz: {
        if (!v.empty() && v[0] == 'Z') {
          v.remove_prefix(1);
          offset = 0;
          break;
        }
        std::string_view sign, hh, mm;
        if (c.el == El::kTzColon) {
          if (v.size() < 6 || v[3] != ':') {
            ok = false;
            break;
          }
          sign = v.substr(0, 1), hh = v.substr(1, 2), mm = v.substr(4, 2);
          v.remove_prefix(6);
        } else {
          if (v.size() < 5) {
            ok = false;
            break;
          }
          sign = v.substr(0, 1), hh = v.substr(1, 2), mm = v.substr(3, 2);
          v.remove_prefix(5);
        }
        int h = 0, m = 0;
        ok = getnum(hh, true, h) && getnum(mm, true, m) && (sign[0] == '+' || sign[0] == '-');
        offset = (h * 60 + m) * 60 * (sign[0] == '-' ? -1 : 1);
        break;
      }
      case El::kLit:
        break;
    }
    if (range) return out_of_range(range);
    if (!ok) return cannot(hold, c.text);
  }
  if (!v.empty()) return make_error("parsing time " + quoted + ": extra text: " + time_quote(v));
  if (day < 1 || day > days_in(month, year)) return out_of_range("day");
  // Year 1 is Go's zero time ("unset"); int64 nanoseconds reach from 1678 to 2261.
  if (year == 1) return kZeroTime;
  if (year < 1678 || year > 2261) {
    return make_error("parsing time " + quoted + ": year outside the supported range 1678-2261");
  }
  const int64_t secs = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  return TimePoint{Duration{secs * 1000000000LL + nsec}};
}

// ---- encoding/json's scanner ----

std::string quote_char(unsigned char c) {
  if (c == '\'') return "'\\''";
  if (c == '"') return "'\"'";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  switch (c) {
    case '\a': s = "\\a"; break;
    case '\b': s = "\\b"; break;
    case '\f': s = "\\f"; break;
    case '\n': s = "\\n"; break;
    case '\r': s = "\\r"; break;
    case '\t': s = "\\t"; break;
    case '\v': s = "\\v"; break;
    case '\\': s = "\\\\"; break;
    default:
      if (c < 0x20 || c == 0x7f) {
        s = std::string("\\x") + kHex[c >> 4] + kHex[c & 0xf];
      } else if (c < 0x7f) {
        s = std::string(1, static_cast<char>(c));
      } else if (c < 0xa0 || c == 0xad) {
        s = std::string("\\u00") + kHex[c >> 4] + kHex[c & 0xf];
      } else {  // Latin-1 as the rune U+00XX in UTF-8
        s += static_cast<char>(0xc0 | (c >> 6));
        s += static_cast<char>(0x80 | (c & 0x3f));
      }
  }
  return "'" + s + "'";
}

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

class Scanner {
 public:
  // Feeds one byte; returns false on a syntax error (message() then says which).
  enum class Step { kContinue, kEnd, kError };

  Step step(unsigned char c) { return (this->*state_)(c); }
  const std::string& message() const { return message_; }
  // After kEnd: whether the byte fed last (a closing bracket) belongs to the value.
  bool closed() const { return closed_; }

 private:
  enum Parse { kObjectKey, kObjectValue, kArrayValue };
  using State = Step (Scanner::*)(unsigned char);
  static constexpr size_t kMaxDepth = 10000;

  Step error(unsigned char c, const std::string& context) {
    message_ = "invalid character " + quote_char(c) + " " + context;
    state_ = &Scanner::dead;
    return Step::kError;
  }
  Step dead(unsigned char) { return Step::kError; }
  Step push(unsigned char c, Parse p) {
    stack_.push_back(p);
    if (stack_.size() > kMaxDepth) return error(c, "exceeded max depth");
    return Step::kContinue;
  }

  Step begin_value_or_empty(unsigned char c) {
    if (is_space(c)) return Step::kContinue;
    if (c == ']') return end_value(c);
    return begin_value(c);
  }
  Step begin_value(unsigned char c) {
    if (is_space(c)) return Step::kContinue;
    switch (c) {
      case '{':
        state_ = &Scanner::begin_string_or_empty;
        return push(c, kObjectKey);
      case '[':
        state_ = &Scanner::begin_value_or_empty;
        return push(c, kArrayValue);
      case '"': state_ = &Scanner::in_string; return Step::kContinue;
      case '-': state_ = &Scanner::neg; return Step::kContinue;
      case '0': state_ = &Scanner::zero; return Step::kContinue;
      case 't': return literal("rue", "true");
      case 'f': return literal("alse", "false");
      case 'n': return literal("ull", "null");
      default: break;
    }
    if (c >= '1' && c <= '9') {
      state_ = &Scanner::one;
      return Step::kContinue;
    }
    return error(c, "looking for beginning of value");
  }
  Step begin_string_or_empty(unsigned char c) {
    if (is_space(c)) return Step::kContinue;
    if (c == '}') {
      stack_.back() = kObjectValue;
      return end_value(c);
    }
    return begin_string(c);
  }
  Step begin_string(unsigned char c) {
    if (is_space(c)) return Step::kContinue;
    if (c == '"') {
      state_ = &Scanner::in_string;
      return Step::kContinue;
    }
    return error(c, "looking for beginning of object key string");
  }
  Step end_value(unsigned char c) {
    if (stack_.empty()) return Step::kEnd;  // the top-level value is complete; c is not part of it
    if (is_space(c)) {
      state_ = &Scanner::end_value;
      return Step::kContinue;
    }
    switch (stack_.back()) {
      case kObjectKey:
        if (c == ':') {
          stack_.back() = kObjectValue;
          state_ = &Scanner::begin_value;
          return Step::kContinue;
        }
        return error(c, "after object key");
      case kObjectValue:
        if (c == ',') {
          stack_.back() = kObjectKey;
          state_ = &Scanner::begin_string;
          return Step::kContinue;
        }
        if (c == '}') return pop();
        return error(c, "after object key:value pair");
      case kArrayValue:
        if (c == ',') {
          state_ = &Scanner::begin_value;
          return Step::kContinue;
        }
        if (c == ']') return pop();
        return error(c, "after array element");
    }
    return Step::kContinue;
  }
  Step pop() {
    stack_.pop_back();
    state_ = &Scanner::end_value;
    // A closing bracket at depth 0 ends the value at once (json.Decoder does not wait for more).
    closed_ = stack_.empty();
    return closed_ ? Step::kEnd : Step::kContinue;
  }
  Step in_string(unsigned char c) {
    if (c == '"') {
      state_ = &Scanner::end_value;
      return Step::kContinue;
    }
    if (c == '\\') {
      state_ = &Scanner::in_string_esc;
      return Step::kContinue;
    }
    if (c < 0x20) return error(c, "in string literal");
    return Step::kContinue;
  }
  Step in_string_esc(unsigned char c) {
    switch (c) {
      case 'b': case 'f': case 'n': case 'r': case 't': case '\\': case '/': case '"':
        state_ = &Scanner::in_string;
        return Step::kContinue;
      case 'u':
        hex_left_ = 4;
        state_ = &Scanner::in_string_esc_u;
        return Step::kContinue;
      default:
        return error(c, "in string escape code");
    }
  }
  Step in_string_esc_u(unsigned char c) {
    const bool hex = is_digit(static_cast<char>(c)) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return error(c, "in \\u hexadecimal character escape");
    if (--hex_left_ == 0) state_ = &Scanner::in_string;
    return Step::kContinue;
  }
  Step neg(unsigned char c) {
    if (c == '0') {
      state_ = &Scanner::zero;
      return Step::kContinue;
    }
    if (c >= '1' && c <= '9') {
      state_ = &Scanner::one;
      return Step::kContinue;
    }
    return error(c, "in numeric literal");
  }
  Step one(unsigned char c) {
    if (c >= '0' && c <= '9') return Step::kContinue;
    return zero(c);
  }
  Step zero(unsigned char c) {
    if (c == '.') {
      state_ = &Scanner::dot;
      return Step::kContinue;
    }
    if (c == 'e' || c == 'E') {
      state_ = &Scanner::exp;
      return Step::kContinue;
    }
    return end_value(c);
  }
  Step dot(unsigned char c) {
    if (c >= '0' && c <= '9') {
      state_ = &Scanner::dot0;
      return Step::kContinue;
    }
    return error(c, "after decimal point in numeric literal");
  }
  Step dot0(unsigned char c) {
    if (c >= '0' && c <= '9') return Step::kContinue;
    if (c == 'e' || c == 'E') {
      state_ = &Scanner::exp;
      return Step::kContinue;
    }
    return end_value(c);
  }
  Step exp(unsigned char c) {
    if (c == '+' || c == '-') {
      state_ = &Scanner::exp_sign;
      return Step::kContinue;
    }
    return exp_sign(c);
  }
  Step exp_sign(unsigned char c) {
    if (c >= '0' && c <= '9') {
      state_ = &Scanner::exp0;
      return Step::kContinue;
    }
    return error(c, "in exponent of numeric literal");
  }
  Step exp0(unsigned char c) {
    if (c >= '0' && c <= '9') return Step::kContinue;
    return end_value(c);
  }
  Step literal(const char* rest, const char* name) {
    lit_rest_ = rest;
    lit_name_ = name;
    state_ = &Scanner::in_literal;
    return Step::kContinue;
  }
  Step in_literal(unsigned char c) {
    if (c != static_cast<unsigned char>(*lit_rest_)) {
      return error(c, std::string("in literal ") + lit_name_ + " (expecting '" + *lit_rest_ + "')");
    }
    if (*++lit_rest_ == '\0') state_ = &Scanner::end_value;
    return Step::kContinue;
  }

  State state_ = &Scanner::begin_value;
  std::vector<Parse> stack_;
  std::string message_;
  int hex_left_ = 0;
  bool closed_ = false;
  const char* lit_rest_ = "";
  const char* lit_name_ = "";
};

// ---- net/url ----

bool is_alnum(unsigned char c) { return is_digit(static_cast<char>(c)) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int unhex(char c) { return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10; }

// url's shouldEscape for the host.
bool host_should_escape(unsigned char c) {
  if (is_alnum(c)) return false;
  switch (c) {
    case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',': case ';':
    case '=': case ':': case '[': case ']': case '<': case '>': case '"': case '-': case '_': case '.':
    case '~':
      return false;
    default:
      return true;
  }
}

// url's unescape(): false where it would fail. `host`: the host rules (no %00-%07 but %25, no
// character that must be escaped).
bool url_unescape_ok(std::string_view s, bool host) {
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
      if (host && unhex(s[i + 1]) < 8 && s.substr(i, 3) != "%25") return false;
      i += 3;
      continue;
    }
    if (host && static_cast<unsigned char>(s[i]) < 0x80 && host_should_escape(static_cast<unsigned char>(s[i]))) {
      return false;
    }
    ++i;
  }
  return true;
}

bool valid_optional_port(std::string_view port) {
  if (port.empty()) return true;
  if (port[0] != ':') return false;
  for (char c : port.substr(1)) {
    if (!is_digit(c)) return false;
  }
  return true;
}

bool parse_host_ok(std::string_view host) {
  if (!host.empty() && host[0] == '[') {
    const size_t i = host.rfind(']');
    if (i == std::string_view::npos) return false;
    if (!valid_optional_port(host.substr(i + 1))) return false;
    const size_t zone = host.substr(0, i).find("%25");
    if (zone != std::string_view::npos) {
      return url_unescape_ok(host.substr(0, zone), true) && url_unescape_ok(host.substr(zone, i - zone), false) &&
             url_unescape_ok(host.substr(i), true);
    }
  } else if (const size_t i = host.rfind(':'); i != std::string_view::npos) {
    if (!valid_optional_port(host.substr(i))) return false;
  }
  return url_unescape_ok(host, true);
}

bool valid_userinfo(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_alnum(c)) continue;
    switch (c) {
      case '-': case '.': case '_': case ':': case '~': case '!': case '$': case '&': case '\'': case '(':
      case ')': case '*': case '+': case ',': case ';': case '=': case '%': case '@':
        continue;
      default:
        return false;
    }
  }
  return true;
}

bool parse_authority_ok(std::string_view authority) {
  const size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return parse_host_ok(authority);
  if (!parse_host_ok(authority.substr(at + 1))) return false;
  const std::string_view userinfo = authority.substr(0, at);
  if (!valid_userinfo(userinfo)) return false;
  const size_t colon = userinfo.find(':');
  if (colon == std::string_view::npos) return url_unescape_ok(userinfo, false);
  return url_unescape_ok(userinfo.substr(0, colon), false) && url_unescape_ok(userinfo.substr(colon + 1), false);
}

}  // namespace

Result<TimePoint> parse_swagger_datetime(std::string_view s) {
  // strfmt's NewDateTime(): the Unix epoch, a set time. tocsin's zero time ("unset") is the epoch
  // itself, so one nanosecond past it stands for it (printed the same, at millisecond precision).
  if (s.empty()) return TimePoint{Duration{1}};
  Result<TimePoint> last = make_error("");
  for (const Layout& layout : layouts()) {
    last = parse_layout(layout, s);
    if (last) return last;
  }
  return last;
}

JsonScan scan_go_json(std::string_view body) {
  JsonScan out;
  Scanner scanner;
  size_t i = 0;
  while (i < body.size() && is_space(static_cast<unsigned char>(body[i]))) ++i;
  if (i == body.size()) {
    out.kind = JsonScan::kEmpty;
    return out;
  }
  for (; i < body.size(); ++i) {
    switch (scanner.step(static_cast<unsigned char>(body[i]))) {
      case Scanner::Step::kContinue:
        continue;
      case Scanner::Step::kEnd: {
        // A closing bracket is part of the value; a byte that ended a number or literal is not.
        out.end = scanner.closed() ? i + 1 : i;
        return out;
      }
      case Scanner::Step::kError:
        out.kind = JsonScan::kSyntax;
        out.message = scanner.message();
        return out;
    }
  }
  // At the end of the body, a value that a space would end is complete; anything else was cut short.
  if (scanner.step(' ') == Scanner::Step::kEnd) {
    out.end = body.size();
    return out;
  }
  out.kind = JsonScan::kSyntax;
  out.message = "unexpected EOF";
  return out;
}

std::string zero_json_numbers(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < json.size()) {
        out += json[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '-' || is_digit(c)) {
      while (i + 1 < json.size() && (is_digit(json[i + 1]) || json[i + 1] == '.' || json[i + 1] == 'e' ||
                                     json[i + 1] == 'E' || json[i + 1] == '+' || json[i + 1] == '-')) {
        ++i;
      }
      out += '0';
      continue;
    }
    in_string = c == '"';
    out += c;
  }
  return out;
}

bool go_swagger_bool(std::string_view s) {
  std::string lower;
  for (char c : s) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
  for (std::string_view t : {"true", "1", "yes", "ok", "y", "on", "selected", "checked", "t", "enabled"}) {
    if (lower == t) return true;
  }
  return false;
}

bool go_request_uri_ok(std::string_view raw) {
  for (char c : raw) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  if (raw.empty()) return false;
  if (raw == "*") return true;
  // getScheme: letters, then digits, '+', '-', '.' (not first); a ':' ends it.
  std::string_view scheme, rest = raw;
  for (size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
    if (is_digit(static_cast<char>(c)) || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') {
      if (i == 0) return false;  // missing protocol scheme
      scheme = raw.substr(0, i);
      rest = raw.substr(i + 1);
    }
    break;
  }
  if (!rest.empty() && rest.back() == '?' && rest.find('?') == rest.size() - 1) {
    rest.remove_suffix(1);
  } else if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    rest = rest.substr(0, q);
  }
  if (rest.empty() || rest[0] != '/') {
    return !scheme.empty();  // an opaque URI; a relative path is no request URI
  }
  if (!scheme.empty() && rest.substr(0, 2) == "//") {
    std::string_view authority = rest.substr(2);
    const size_t slash = authority.find('/');
    if (slash != std::string_view::npos) {
      rest = authority.substr(slash);
      authority = authority.substr(0, slash);
    } else {
      rest = {};
    }
    if (!parse_authority_ok(authority)) return false;
  }
  return url_unescape_ok(rest, false);
}

std::string go_regexp_error(const std::string& pattern) {
  if (std::string deep = tocsin::go_regexp_nesting_error(pattern); !deep.empty()) return deep;
  RE2::Options opts;
  opts.set_log_errors(false);
  RE2 re(pattern, opts);
  if (re.ok()) return {};
  return tocsin::go_regexp_error(re);
}

}  // namespace tocsin::silence

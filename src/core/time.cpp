// time.cpp: Prometheus and Go duration syntax both ways, and RFC 3339 parsing and printing with
// civil-date arithmetic (no timegm, no locale, no time zone database).
#include "core/time.hpp"

#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>

#include "core/labels.hpp"
#include "core/utf8.hpp"

namespace tocsin {

namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kDaySeconds = 86400;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Days since 1970-01-01 of a proleptic Gregorian date (era-based, valid for any int year).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t year;
  unsigned month, day;
};

Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Parses exactly `n` digits at s[pos..]; false if any is not a digit.
bool fixed_digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) {
    return false;
  }
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!is_digit(s[pos + i])) {
      return false;
    }
    out = out * 10 + (s[pos + i] - '0');
  }
  return true;
}

// Go's fmtFrac: writes the fraction of v/10^prec (trailing zeros dropped, no '.' if none) and returns
// the integer part.
uint64_t append_frac(std::string& out, uint64_t v, int prec) {
  std::string digits;
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    unsigned digit = v % 10;
    print = print || digit != 0;
    if (print) {
      digits.insert(digits.begin(), static_cast<char>('0' + digit));
    }
    v /= 10;
  }
  if (print) {
    out += '.';
    out += digits;
  }
  return v;
}

// "2006-01-02T15:04:05" of a UTC instant given in whole seconds since 1970.
// Writes n as exactly `width` digits (n >= 0).
char* put_digits(char* p, int64_t n, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + n % 10);
    n /= 10;
  }
  return p + width;
}

// "YYYY-MM-DDTHH:MM:SS" without printf: the API formats three times per alert listed.
std::string civil_string(int64_t secs) {
  int64_t days = secs / kDaySeconds;
  int64_t rem = secs % kDaySeconds;
  if (rem < 0) {
    rem += kDaySeconds;
    days -= 1;
  }
  Civil c = civil_from_days(days);
  if (c.year < 0 || c.year > 9999) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d", static_cast<long long>(c.year), c.month,
                  c.day, static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
    return buf;
  }
  char buf[19];
  char* p = put_digits(buf, c.year, 4);
  *p++ = '-';
  p = put_digits(p, c.month, 2);
  *p++ = '-';
  p = put_digits(p, c.day, 2);
  *p++ = 'T';
  p = put_digits(p, rem / 3600, 2);
  *p++ = ':';
  p = put_digits(p, rem / 60 % 60, 2);
  *p++ = ':';
  put_digits(p, rem % 60, 2);
  return std::string(buf, sizeof buf);
}

// Splits a time point into floor seconds and nanoseconds in [0, 1e9).
void split(TimePoint t, int64_t& secs, int64_t& nanos) {
  int64_t ns = t.time_since_epoch().count();
  secs = ns / kSecond;
  nanos = ns % kSecond;
  if (nanos < 0) {
    nanos += kSecond;
    secs -= 1;
  }
}

// Go's time package quotes with its own rule: bytes of control and non-ASCII runes as \xHH.
std::string time_quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  while (!s.empty()) {
    auto c = static_cast<unsigned char>(s[0]);
    if (c >= 0x80 || c < ' ') {
      size_t width = c < 0x80 ? 1 : utf8::decode(s).width;
      for (size_t j = 0; j < width; ++j) {
        auto b = static_cast<unsigned char>(s[j]);
        out += "\\x";
        out.push_back(kHex[b >> 4]);
        out.push_back(kHex[b & 0xF]);
      }
      s.remove_prefix(width);
      continue;
    }
    if (c == '"' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(static_cast<char>(c));
    s.remove_prefix(1);
  }
  out += "\"";
  return out;
}

Error go_duration_error(std::string_view s) { return make_error("time: invalid duration " + time_quote(s)); }

}  // namespace

Result<Duration> parse_duration(std::string_view s) {
  if (s == "0") {
    return Duration{0};
  }
  if (s.empty()) {
    return make_error("empty duration string");
  }
  // Units in the only order allowed, each with its length in milliseconds.
  struct Unit {
    std::string_view name;
    int64_t ms;
  };
  static constexpr Unit kUnits[] = {
      {"y", 365LL * 24 * 3600 * 1000}, {"w", 7LL * 24 * 3600 * 1000}, {"d", 24LL * 3600 * 1000},
      {"h", 3600LL * 1000},            {"m", 60LL * 1000},            {"s", 1000},
      {"ms", 1},
  };
  auto invalid = [&] { return make_error("not a valid duration string: " + go_quote(s)); };
  size_t pos = 0;
  size_t next_unit = 0;  // units before this index are used up
  int64_t total_ns = 0;
  bool overflow = false;
  while (pos < s.size()) {
    size_t start = pos;
    while (pos < s.size() && is_digit(s[pos])) {
      ++pos;
    }
    if (pos == start) {
      return invalid();
    }
    std::string_view digits = s.substr(start, pos - start);
    // "ms" must be tried before "m" so that "5ms" is not read as 5m followed by "s".
    size_t unit = std::size(kUnits);
    if (s.substr(pos, 2) == "ms") {
      unit = 6;
    } else if (pos < s.size()) {
      for (size_t u = 0; u < 6; ++u) {
        if (s[pos] == kUnits[u].name[0]) {
          unit = u;
          break;
        }
      }
    }
    if (unit == std::size(kUnits) || unit < next_unit) {
      return invalid();
    }
    pos += kUnits[unit].name.size();
    next_unit = unit + 1;
    // The count must fit in int64 nanoseconds once multiplied out.
    const int64_t limit = std::numeric_limits<int64_t>::max() / kUnits[unit].ms / kMs;
    int64_t n = 0;
    for (char c : digits) {
      if (n > (std::numeric_limits<int64_t>::max() - (c - '0')) / 10) {
        n = std::numeric_limits<int64_t>::max();
        break;
      }
      n = n * 10 + (c - '0');
    }
    if (n > limit) {
      overflow = true;
      continue;
    }
    int64_t add = n * kUnits[unit].ms * kMs;
    if (total_ns > std::numeric_limits<int64_t>::max() - add) {
      overflow = true;
      continue;
    }
    total_ns += add;
  }
  if (overflow) {
    return make_error("duration out of range");
  }
  return Duration{total_ns};
}

Result<Duration> parse_go_duration(std::string_view s) {
  std::string_view orig = s;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    return Duration{0};
  }
  if (s.empty()) {
    return go_duration_error(orig);
  }
  constexpr uint64_t kMaxAbs = uint64_t{1} << 63;
  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || is_digit(s[0]))) {
      return go_duration_error(orig);
    }
    // Integer part.
    uint64_t v = 0;
    size_t i = 0;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      if (v > (kMaxAbs - 1) / 10) {
        return go_duration_error(orig);
      }
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
      if (v > kMaxAbs) {
        return go_duration_error(orig);
      }
    }
    bool pre = i > 0;
    s.remove_prefix(i);
    // Fraction: digits beyond what fits are dropped, as Go does.
    uint64_t frac = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t j = 0;
      bool overflowed = false;
      for (; j < s.size() && is_digit(s[j]); ++j) {
        if (overflowed) {
          continue;
        }
        if (frac > (std::numeric_limits<uint64_t>::max() >> 1) / 10) {
          overflowed = true;
          continue;
        }
        uint64_t y = frac * 10 + static_cast<uint64_t>(s[j] - '0');
        if (y > kMaxAbs) {
          overflowed = true;
          continue;
        }
        frac = y;
        scale *= 10;
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) {
      return go_duration_error(orig);
    }
    // Unit: everything up to the next '.' or digit.
    size_t k = 0;
    while (k < s.size() && s[k] != '.' && !is_digit(s[k])) {
      ++k;
    }
    if (k == 0) {
      return make_error("time: missing unit in duration " + time_quote(orig));
    }
    std::string_view u = s.substr(0, k);
    s.remove_prefix(k);
    uint64_t unit = 0;
    if (u == "ns") {
      unit = 1;
    } else if (u == "us" || u == "\xC2\xB5s" || u == "\xCE\xBCs") {
      unit = 1000;
    } else if (u == "ms") {
      unit = 1000 * 1000;
    } else if (u == "s") {
      unit = kSecond;
    } else if (u == "m") {
      unit = 60 * kSecond;
    } else if (u == "h") {
      unit = 3600 * kSecond;
    } else {
      return make_error("time: unknown unit " + time_quote(u) + " in duration " + time_quote(orig));
    }
    if (v > kMaxAbs / unit) {
      return go_duration_error(orig);
    }
    v *= unit;
    if (frac > 0) {
      v += static_cast<uint64_t>(static_cast<double>(frac) * (static_cast<double>(unit) / scale));
      if (v > kMaxAbs) {
        return go_duration_error(orig);
      }
    }
    total += v;
    if (total > kMaxAbs) {
      return go_duration_error(orig);
    }
  }
  if (neg) {
    return Duration{static_cast<int64_t>(0 - total)};
  }
  if (total > kMaxAbs - 1) {
    return go_duration_error(orig);
  }
  return Duration{static_cast<int64_t>(total)};
}

std::string format_duration(Duration d) {
  int64_t ms = d.count() / kMs;
  if (ms == 0) {
    return "0s";
  }
  std::string out;
  // Years and weeks only when they divide the whole duration: "90d" reads better than "12w6d".
  auto part = [&](const char* unit, int64_t mult, bool exact) {
    if (exact && ms % mult != 0) {
      return;
    }
    int64_t v = ms / mult;
    if (v > 0) {
      out += std::to_string(v) + unit;
      ms -= v * mult;
    }
  };
  part("y", 365LL * 24 * 3600 * 1000, true);
  part("w", 7LL * 24 * 3600 * 1000, true);
  part("d", 24LL * 3600 * 1000, false);
  part("h", 3600LL * 1000, false);
  part("m", 60LL * 1000, false);
  part("s", 1000, false);
  part("ms", 1, false);
  return out;
}

std::string format_go_duration(Duration d) {
  int64_t n = d.count();
  if (n == 0) {
    return "0s";
  }
  bool neg = n < 0;
  uint64_t u = neg ? uint64_t{0} - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  std::string out;
  if (u < static_cast<uint64_t>(kSecond)) {
    // Below one second the unit shrinks so that the integer part is never zero: "1.5ms", "300µs".
    if (u < 1000) {
      out = std::to_string(u) + "ns";
    } else if (u < 1000 * 1000) {
      std::string frac;
      uint64_t whole = append_frac(frac, u, 3);
      out = std::to_string(whole) + frac + "\xC2\xB5s";
    } else {
      std::string frac;
      uint64_t whole = append_frac(frac, u, 6);
      out = std::to_string(whole) + frac + "ms";
    }
  } else {
    std::string frac;
    uint64_t secs = append_frac(frac, u, 9);
    out = std::to_string(secs % 60) + frac + "s";
    uint64_t mins = secs / 60;
    if (mins > 0) {
      out = std::to_string(mins % 60) + "m" + out;
      uint64_t hours = mins / 60;
      if (hours > 0) {
        out = std::to_string(hours) + "h" + out;
      }
    }
  }
  return neg ? "-" + out : out;
}

namespace {

// The form every client sends, "2006-01-02T15:04:05Z" with an optional fraction of 1-9 digits, in
// one straight pass; nullopt for anything else (an offset, an error, a year outside the range), which
// the general parser below then handles and words. Two timestamps per posted alert made the
// general path's per-element loop a visible cost.
std::optional<TimePoint> parse_rfc3339_utc(std::string_view s) {
  if (s.size() < 20 || s.back() != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':') {
    return std::nullopt;
  }
  int v[6];
  static constexpr size_t kAt[6] = {0, 5, 8, 11, 14, 17};
  for (int f = 0; f < 6; ++f) {
    const size_t width = f == 0 ? 4 : 2;
    if (!fixed_digits(s, kAt[f], width, v[f])) return std::nullopt;
  }
  const int year = v[0], month = v[1], day = v[2], hour = v[3], minute = v[4], second = v[5];
  if (year < 1678 || year > 2261 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 ||
      day < 1 || static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month))) {
    return std::nullopt;
  }
  int64_t nanos = 0;
  const size_t end = s.size() - 1;  // the 'Z'
  if (end > 19) {
    if (s[19] != '.' || end - 20 < 1 || end - 20 > 9) return std::nullopt;
    int64_t scale = kSecond;
    for (size_t i = 20; i < end; ++i) {
      if (!is_digit(s[i])) return std::nullopt;
      scale /= 10;
      nanos += (s[i] - '0') * scale;
    }
  }
  const int64_t secs = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * kDaySeconds +
                       hour * 3600 + minute * 60 + second;
  return TimePoint{Duration{secs * kSecond + nanos}};
}

}  // namespace

Result<TimePoint> parse_rfc3339(std::string_view s) {
  if (auto t = parse_rfc3339_utc(s)) {
    return *t;
  }
  // Built only on error: quoting the input on every call cost more than the parse itself.
  auto prefix = [&] { return "parsing time " + time_quote(s); };
  auto out_of_range = [&](const char* what) { return make_error(prefix() + ": " + what + " out of range"); };
  auto cannot_parse = [&](size_t at, const char* elem) {
    return make_error(prefix() + " as \"2006-01-02T15:04:05Z07:00\": cannot parse " +
                      time_quote(at < s.size() ? s.substr(at) : std::string_view()) + " as \"" + elem + "\"");
  };
  // The layout's elements in order: a digit field (width > 0) or a literal separator.
  struct Elem {
    size_t at;
    size_t digits;  // 0 for a literal
    const char* text;
  };
  static constexpr Elem kLayout[] = {{0, 4, "2006"}, {4, 0, "-"},  {5, 2, "01"},  {7, 0, "-"},
                                     {8, 2, "02"},   {10, 0, "T"}, {11, 2, "15"}, {13, 0, ":"},
                                     {14, 2, "04"},  {16, 0, ":"}, {17, 2, "05"}};
  // Go checks month, hour, minute and second as it reads each field, but the day only at the end.
  static constexpr struct {
    int max;
    const char* name;
  } kLimits[] = {{9999, ""}, {12, "month"}, {99, ""}, {23, "hour"}, {59, "minute"}, {59, "second"}};
  int fields[6] = {};
  size_t field = 0;
  for (const Elem& e : kLayout) {
    if (e.digits == 0) {
      if (e.at >= s.size() || s[e.at] != e.text[0]) {
        return cannot_parse(e.at, e.text);
      }
      continue;
    }
    if (!fixed_digits(s, e.at, e.digits, fields[field])) {
      return cannot_parse(e.at, e.text);
    }
    const int v = fields[field];
    if ((field == 1 && v < 1) || v > kLimits[field].max) {
      return out_of_range(kLimits[field].name);
    }
    ++field;
  }
  const int year = fields[0], month = fields[1], day = fields[2];
  const int hour = fields[3], minute = fields[4], second = fields[5];
  size_t pos = 19;
  int64_t nanos = 0;
  // Go also takes a comma before the fraction.
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    size_t start = pos;
    int64_t scale = kSecond;
    while (pos < s.size() && is_digit(s[pos])) {
      // Digits past the ninth are below a nanosecond and are dropped.
      if (scale > 1) {
        scale /= 10;
        nanos += (s[pos] - '0') * scale;
      }
      ++pos;
    }
    if (pos == start) {
      return cannot_parse(start - 1, "Z07:00");
    }
  }
  int64_t offset_secs = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!fixed_digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !fixed_digits(s, pos + 4, 2, om)) {
      return cannot_parse(pos, "Z07:00");
    }
    // Go 1.19, which the reference is built with, takes any two-digit hours and minutes here.
    offset_secs = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return cannot_parse(pos, "Z07:00");
  }
  if (pos != s.size()) {
    return make_error(prefix() + ": extra text: " + time_quote(s.substr(pos)));
  }
  if (day < 1 || static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month))) {
    return out_of_range("day");
  }
  // Year 1 is how Go writes its zero time ("unset"); it has no place in int64 nanoseconds.
  if (year == 1) {
    return kZeroTime;
  }
  if (year < 1678 || year > 2261) {
    return make_error(prefix() + ": year outside the supported range 1678-2261");
  }
  int64_t secs = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * kDaySeconds +
                 hour * 3600 + minute * 60 + second - offset_secs;
  return TimePoint{Duration{secs * kSecond + nanos}};
}

char* write_rfc3339(char* p, TimePoint t) {
  static constexpr std::string_view kZero = "0001-01-01T00:00:00.000Z";
  if (is_zero(t)) {
    std::memcpy(p, kZero.data(), kZero.size());
    return p + kZero.size();
  }
  int64_t secs = 0, nanos = 0;
  split(t, secs, nanos);
  int64_t days = secs / kDaySeconds;
  int64_t rem = secs % kDaySeconds;
  if (rem < 0) {
    rem += kDaySeconds;
    days -= 1;
  }
  // A listing writes thousands of times that fall on a few days: the date part is remembered per
  // thread. int64 nanoseconds span the years 1677-2262, so the year always has four digits.
  thread_local int64_t cached_days = std::numeric_limits<int64_t>::min();
  thread_local char cached_date[10];
  if (days != cached_days) {
    const Civil c = civil_from_days(days);
    char* d = put_digits(cached_date, c.year, 4);
    *d++ = '-';
    d = put_digits(d, c.month, 2);
    *d++ = '-';
    put_digits(d, c.day, 2);
    cached_days = days;
  }
  std::memcpy(p, cached_date, sizeof cached_date);
  p += sizeof cached_date;
  *p++ = 'T';
  p = put_digits(p, rem / 3600, 2);
  *p++ = ':';
  p = put_digits(p, rem / 60 % 60, 2);
  *p++ = ':';
  p = put_digits(p, rem % 60, 2);
  *p++ = '.';
  p = put_digits(p, nanos / kMs, 3);
  *p++ = 'Z';
  return p;
}

std::string format_rfc3339(TimePoint t) {
  char buf[kRfc3339Bytes];
  return std::string(buf, static_cast<size_t>(write_rfc3339(buf, t) - buf));
}

std::string format_rfc3339_nano(TimePoint t) {
  if (is_zero(t)) {
    return "0001-01-01T00:00:00Z";
  }
  int64_t secs = 0, nanos = 0;
  split(t, secs, nanos);
  std::string frac;
  append_frac(frac, static_cast<uint64_t>(nanos), 9);
  return civil_string(secs) + frac + "Z";
}

}  // namespace tocsin

// value.cpp: Value's Go-compatible printing, truthiness and type names, and Go's time and float formats.
#include "template/value.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace tocsin::tmpl {

namespace {

const std::string kEmptyString;
const List kEmptyList;
const Map kEmptyMap;

struct Civil {
  int64_t year;
  int month, day, hour, minute, second, nanos, weekday, yday;
};

// Howard Hinnant's days-to-civil conversion; the proleptic Gregorian calendar as Go uses.
Civil to_civil(const TimeValue& t) {
  int64_t ns = t.at.time_since_epoch().count();
  int64_t secs = t.go_zero ? -62135596800LL : ns / 1000000000;
  int64_t frac = t.go_zero ? 0 : ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    secs -= 1;
  }
  secs += t.offset_seconds;
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days -= 1;
  }
  Civil c{};
  c.weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = c.month <= 2 ? y + 1 : y;
  bool leap = (c.year % 4 == 0 && c.year % 100 != 0) || c.year % 400 == 0;
  static const int kCum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  c.yday = kCum[c.month - 1] + c.day + ((leap && c.month > 2) ? 1 : 0);
  c.hour = static_cast<int>(sod / 3600);
  c.minute = static_cast<int>(sod % 3600 / 60);
  c.second = static_cast<int>(sod % 60);
  c.nanos = static_cast<int>(frac);
  return c;
}

void append_int(std::string& out, int64_t v, int width, char pad = '0') {
  std::string s = std::to_string(v < 0 ? -v : v);
  if (v < 0) {
    out += '-';
  }
  for (int i = static_cast<int>(s.size()); i < width; ++i) {
    out += pad;
  }
  out += s;
}

const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                               "July",    "August",   "September", "October", "November", "December"};
const char* const kDays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

bool starts(std::string_view s, size_t i, std::string_view p) { return s.substr(i, p.size()) == p; }

void append_offset(std::string& out, int off, bool colon, bool seconds, bool hours_only, bool z) {
  if (z && off == 0) {
    out += 'Z';
    return;
  }
  out += off < 0 ? '-' : '+';
  int a = off < 0 ? -off : off;
  append_int(out, a / 3600, 2);
  if (hours_only) {
    return;
  }
  if (colon) {
    out += ':';
  }
  append_int(out, a % 3600 / 60, 2);
  if (seconds) {
    if (colon) {
      out += ':';
    }
    append_int(out, a % 60, 2);
  }
}

}  // namespace

const std::string& Value::as_string() const { return s_ ? *s_ : kEmptyString; }
const List& Value::as_list() const { return l_ ? *l_ : kEmptyList; }
const Map& Value::as_map() const { return m_ ? *m_ : kEmptyMap; }

bool Value::truthy() const {
  switch (kind_) {
    case Kind::Null:
      return false;
    case Kind::Bool:
    case Kind::Int:
    case Kind::Duration:
      return i_ != 0;
    case Kind::Double:
      return d_ != 0;
    case Kind::String:
      return !as_string().empty();
    case Kind::List:
      return type_ && type_->is_struct ? true : !as_list().empty();
    case Kind::Map:
      return type_ && type_->is_struct ? true : !as_map().empty();
    case Kind::Time:
      return true;
  }
  return false;
}

std::string Value::type_name() const {
  if (type_) {
    return type_->name;
  }
  switch (kind_) {
    case Kind::Null:
      return "<nil>";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
      return "int";
    case Kind::Double:
      return "float64";
    case Kind::String:
      return "string";
    case Kind::List:
      return "[]interface {}";
    case Kind::Map:
      return "map[string]interface {}";
    case Kind::Time:
      return "time.Time";
    case Kind::Duration:
      return "time.Duration";
  }
  return "?";
}

std::string Value::to_string() const {
  switch (kind_) {
    case Kind::Null:
      return "<nil>";
    case Kind::Bool:
      return i_ ? "true" : "false";
    case Kind::Int:
      if (type_ && !type_->int_names.empty()) {
        if (i_ >= 0 && static_cast<size_t>(i_) < type_->int_names.size() && !type_->int_names[i_].empty()) {
          return type_->int_names[static_cast<size_t>(i_)];
        }
        return "%!" + type_->name.substr(type_->name.find('.') + 1) + "(" + std::to_string(i_) + ")";
      }
      return std::to_string(i_);
    case Kind::Double:
      return go_float_string(d_);
    case Kind::String:
      return as_string();
    case Kind::Time:
      return go_time_string(*t_);
    case Kind::Duration:
      return go_duration_string(Duration(i_));
    case Kind::List: {
      std::string out = "[";
      bool first = true;
      for (const auto& e : as_list()) {
        if (!first) {
          out += ' ';
        }
        first = false;
        out += e.to_string();
      }
      return out + "]";
    }
    case Kind::Map: {
      if (type_ && type_->is_struct) {
        std::string out = "{";
        bool first = true;
        for (const auto& f : type_->field_order) {
          auto it = as_map().find(f);
          if (it == as_map().end()) {
            continue;
          }
          if (!first) {
            out += ' ';
          }
          first = false;
          out += it->second.to_string();
        }
        return out + "}";
      }
      std::string out = "map[";
      bool first = true;
      for (const auto& [k, v] : as_map()) {
        if (!first) {
          out += ' ';
        }
        first = false;
        out += k + ":" + v.to_string();
      }
      return out + "]";
    }
  }
  return "";
}

TimeValue utc_time(TimePoint at) { return TimeValue{at, 0, "UTC"}; }

std::string go_time_format(const TimeValue& t, std::string_view layout) {
  Civil c = to_civil(t);
  std::string out;
  size_t i = 0;
  while (i < layout.size()) {
    auto take = [&](std::string_view p) {
      if (starts(layout, i, p)) {
        i += p.size();
        return true;
      }
      return false;
    };
    if (take("January")) {
      out += kMonths[c.month - 1];
    } else if (take("Jan")) {
      out += std::string_view(kMonths[c.month - 1]).substr(0, 3);
    } else if (take("Monday")) {
      out += kDays[c.weekday];
    } else if (take("Mon")) {
      out += std::string_view(kDays[c.weekday]).substr(0, 3);
    } else if (take("MST")) {
      if (!t.zone.empty()) {
        out += t.zone;
      } else {
        append_offset(out, t.offset_seconds, false, false, false, false);
      }
    } else if (take("2006")) {
      append_int(out, c.year, 4);
    } else if (take("2")) {
      append_int(out, c.day, 0);
    } else if (take("01")) {
      append_int(out, c.month, 2);
    } else if (take("002")) {
      append_int(out, c.yday, 3);
    } else if (take("02")) {
      append_int(out, c.day, 2);
    } else if (take("06")) {
      append_int(out, c.year % 100, 2);
    } else if (take("_2")) {
      append_int(out, c.day, 2, ' ');
    } else if (take("15")) {
      append_int(out, c.hour, 2);
    } else if (take("1")) {
      append_int(out, c.month, 0);
    } else if (take("03")) {
      append_int(out, c.hour % 12 == 0 ? 12 : c.hour % 12, 2);
    } else if (take("3")) {
      append_int(out, c.hour % 12 == 0 ? 12 : c.hour % 12, 0);
    } else if (take("04")) {
      append_int(out, c.minute, 2);
    } else if (take("4")) {
      append_int(out, c.minute, 0);
    } else if (take("05")) {
      append_int(out, c.second, 2);
    } else if (take("5")) {
      append_int(out, c.second, 0);
    } else if (take("PM")) {
      out += c.hour >= 12 ? "PM" : "AM";
    } else if (take("pm")) {
      out += c.hour >= 12 ? "pm" : "am";
    } else if (take("Z07:00:00")) {
      append_offset(out, t.offset_seconds, true, true, false, true);
    } else if (take("-07:00:00")) {
      append_offset(out, t.offset_seconds, true, true, false, false);
    } else if (take("Z07:00")) {
      append_offset(out, t.offset_seconds, true, false, false, true);
    } else if (take("-07:00")) {
      append_offset(out, t.offset_seconds, true, false, false, false);
    } else if (take("Z070000")) {
      append_offset(out, t.offset_seconds, false, true, false, true);
    } else if (take("-070000")) {
      append_offset(out, t.offset_seconds, false, true, false, false);
    } else if (take("Z0700")) {
      append_offset(out, t.offset_seconds, false, false, false, true);
    } else if (take("-0700")) {
      append_offset(out, t.offset_seconds, false, false, false, false);
    } else if (take("Z07")) {
      append_offset(out, t.offset_seconds, false, false, true, true);
    } else if (take("-07")) {
      append_offset(out, t.offset_seconds, false, false, true, false);
    } else if ((layout[i] == '.' || layout[i] == ',') && i + 1 < layout.size() &&
               (layout[i + 1] == '0' || layout[i + 1] == '9')) {
      // A fractional second: .000 (fixed digits) or .999 (trailing zeros dropped), only when not
      // followed by another digit.
      char d = layout[i + 1];
      size_t j = i + 1;
      while (j < layout.size() && layout[j] == d) {
        ++j;
      }
      if (j < layout.size() && layout[j] >= '0' && layout[j] <= '9') {
        out += layout[i];
        ++i;
        continue;
      }
      size_t n = j - i - 1;
      char buf[16];
      std::snprintf(buf, sizeof buf, "%09d", c.nanos);
      std::string digits(buf, n > 9 ? 9 : n);
      if (d == '9') {
        while (!digits.empty() && digits.back() == '0') {
          digits.pop_back();
        }
        if (!digits.empty()) {
          out += layout[i];
          out += digits;
        }
      } else {
        out += layout[i];
        out += digits;
      }
      i = j;
    } else {
      out += layout[i];
      ++i;
    }
  }
  return out;
}

std::string go_time_string(const TimeValue& t) {
  std::string s = go_time_format(t, "2006-01-02 15:04:05.999999999 -0700 MST");
  if (t.mono_ns) {
    // Go's " m=±ddd.nnnnnnnnn".
    const int64_t m = *t.mono_ns;
    const uint64_t abs = m < 0 ? static_cast<uint64_t>(-(m + 1)) + 1 : static_cast<uint64_t>(m);
    char buf[48];
    std::snprintf(buf, sizeof buf, " m=%c%llu.%09llu", m < 0 ? '-' : '+',
                  static_cast<unsigned long long>(abs / 1000000000ULL),
                  static_cast<unsigned long long>(abs % 1000000000ULL));
    s += buf;
  }
  return s;
}

std::string go_duration_string(Duration d) {
  int64_t ns = d.count();
  if (ns == 0) {
    return "0s";
  }
  bool neg = ns < 0;
  uint64_t u = neg ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  std::string out;
  auto frac = [](uint64_t v, int prec, std::string& s) {
    // v has `prec` fractional digits; print them without trailing zeros.
    std::string digits;
    bool printed = false;
    for (int i = 0; i < prec; ++i) {
      int digit = static_cast<int>(v % 10);
      printed = printed || digit != 0;
      if (printed) {
        digits.insert(digits.begin(), static_cast<char>('0' + digit));
      }
      v /= 10;
    }
    if (!digits.empty()) {
      s = "." + digits;
    }
    return v;
  };
  if (u < 1000000000) {
    std::string f;
    const char* unit;
    uint64_t whole;
    if (u < 1000) {
      return (neg ? "-" : "") + std::to_string(u) + "ns";
    } else if (u < 1000000) {
      whole = frac(u, 3, f);
      unit = "µs";
    } else {
      whole = frac(u, 6, f);
      unit = "ms";
    }
    return (neg ? "-" : "") + std::to_string(whole) + f + unit;
  }
  std::string f;
  uint64_t secs = frac(u, 9, f);
  out = std::to_string(secs % 60) + f + "s";
  uint64_t mins = secs / 60;
  if (mins > 0) {
    out = std::to_string(mins % 60) + "m" + out;
    uint64_t hours = mins / 60;
    if (hours > 0) {
      out = std::to_string(hours) + "h" + out;
    }
  }
  return (neg ? "-" : "") + out;
}

std::string go_float_string(double d) {
  if (std::isnan(d)) {
    return "NaN";
  }
  if (std::isinf(d)) {
    return d > 0 ? "+Inf" : "-Inf";
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  // sci: [-]d[.ddd]e[+-]xx
  bool neg = sci[0] == '-';
  if (neg) {
    sci.erase(0, 1);
  }
  size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  int exp = std::stoi(sci.substr(e + 1));
  std::string digits;
  for (char ch : mant) {
    if (ch != '.') {
      digits += ch;
    }
  }
  std::string out;
  const int eprec = 6;  // strconv's shortest %g switches to an exponent from 1e+06 on
  if (exp < -4 || exp >= eprec) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) {
      out += "." + digits.substr(1);
    }
    out += 'e';
    out += exp < 0 ? '-' : '+';
    int a = exp < 0 ? -exp : exp;
    if (a < 10) {
      out += '0';
    }
    out += std::to_string(a);
  } else if (exp < 0) {
    out = "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  } else {
    if (static_cast<int>(digits.size()) <= exp + 1) {
      out = digits + std::string(static_cast<size_t>(exp + 1) - digits.size(), '0');
    } else {
      out = digits.substr(0, static_cast<size_t>(exp) + 1) + "." + digits.substr(static_cast<size_t>(exp) + 1);
    }
  }
  return neg ? "-" + out : out;
}

std::string go_quote_string(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace tocsin::tmpl

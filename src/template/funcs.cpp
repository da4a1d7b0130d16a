// funcs.cpp: Go's fmt printing (print, printf, println), the html/js/urlquery escapers, and the functions
// Alertmanager adds to templates (toUpper, title, join, match, reReplaceAll, date, tz, since, toJson ...).
#include "template/funcs.hpp"

#include "core/utf8.hpp"

#include <re2/re2.h>

#include <locale.h>
#include <wctype.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>

namespace tocsin::tmpl {

bool go_is_print(uint32_t cp);

namespace {

std::shared_ptr<const TypeInfo> string_list_type() {
  static auto t = [] {
    auto ti = std::make_shared<TypeInfo>();
    ti->name = "[]string";
    return ti;
  }();
  return t;
}

// ---- fmt ----

uint32_t next_rune(std::string_view s, size_t& i);
void put_rune(std::string& out, uint32_t cp);

// strconv.Quote (or QuoteToASCII): go_quote_string's escapes, plus non-ASCII runes that are invalid
// (\x..), not printable, or, with ascii_only, any (\u00e9, \U0001f600).
std::string quote_go(std::string_view s, bool ascii_only) {
  const std::string q = go_quote_string(s);
  std::string out;
  out.reserve(q.size());
  char buf[16];
  for (size_t i = 0; i < q.size();) {
    const auto u = static_cast<unsigned char>(q[i]);
    if (u < 0x80) {
      out += q[i++];
      continue;
    }
    const size_t start = i;
    const uint32_t cp = next_rune(q, i);
    const bool invalid = cp == 0xFFFD && i - start == 1;
    if (invalid) {
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
    } else if (ascii_only || !go_is_print(cp)) {
      std::snprintf(buf, sizeof buf, cp > 0xFFFF ? "\\U%08x" : "\\u%04x", static_cast<unsigned>(cp));
    } else {
      out.append(q, start, i - start);
      continue;
    }
    out += buf;
  }
  return out;
}

std::string bad_verb(char verb, const Value& v) {
  if (v.is_null()) {
    return std::string("%!") + verb + "(<nil>)";
  }
  // Go prints the operand without its String method here: a time.Duration or time.Month as a number.
  const bool stringer_int = v.kind() == Value::Kind::Duration || (v.is_int() && v.type() != nullptr);
  return std::string("%!") + verb + "(" + v.type_name() + "=" +
         (stringer_int ? std::to_string(v.as_int()) : v.to_string()) + ")";
}

struct Spec {
  bool minus = false, plus = false, sharp = false, zero = false, space = false;
  int width = -1, prec = -1;
};

// What widths may still add within the current go_sprintf call.
thread_local size_t padding_budget = SIZE_MAX;

std::string pad(std::string s, const Spec& sp, bool numeric) {
  // Width counts runes, as Go does.
  size_t runes = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) {
      ++runes;
    }
  }
  if (sp.width < 0 || runes >= static_cast<size_t>(sp.width)) {
    return s;
  }
  size_t n = static_cast<size_t>(sp.width) - runes;
  if (n > padding_budget) throw FormatTooLarge{};
  padding_budget -= n;
  if (sp.minus) {
    return s + std::string(n, ' ');
  }
  if (sp.zero && numeric) {
    size_t at = (!s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) ? 1 : 0;
    return s.insert(at, std::string(n, '0'));
  }
  if (sp.zero) {
    return std::string(n, '0') + s;  // Go 1.19 pads any operand with zeros under the 0 flag ("%08s")
  }
  return std::string(n, ' ') + s;
}

std::string fmt_int(int64_t v, char verb, const Spec& sp) {
  bool neg = v < 0;
  uint64_t u = neg ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  std::string digits;
  int base = verb == 'x' || verb == 'X' ? 16 : verb == 'o' || verb == 'O' ? 8 : verb == 'b' ? 2 : 10;
  const char* set = verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    digits.insert(digits.begin(), set[u % static_cast<uint64_t>(base)]);
    u /= static_cast<uint64_t>(base);
  } while (u > 0);
  if (sp.prec >= 0) {
    if (sp.prec == 0 && v == 0) {
      digits.clear();
    }
    if (digits.size() < static_cast<size_t>(sp.prec)) {
      digits.insert(0, static_cast<size_t>(sp.prec) - digits.size(), '0');  // at once: a precision may be 10^6
    }
  }
  if (sp.sharp) {
    if (base == 16) {
      digits = (verb == 'X' ? "0X" : "0x") + digits;
    } else if (base == 8 && digits[0] != '0') {
      digits = "0" + digits;
    } else if (base == 2) {
      digits = "0b" + digits;
    }
  }
  if (verb == 'O') {
    digits = "0o" + digits;
  }
  std::string sign = neg ? "-" : sp.plus ? "+" : sp.space ? " " : "";
  Spec p = sp;
  if (sp.prec >= 0) {
    p.zero = false;
  }
  return pad(sign + digits, p, true);
}

std::string fmt_float(double d, char verb, const Spec& sp) {
  std::string s;
  if (std::isinf(d) || std::isnan(d)) {
    s = std::isnan(d) ? "NaN" : d > 0 ? (sp.plus ? "+Inf" : "Inf") : "-Inf";
    Spec p = sp;
    p.zero = false;
    return pad(s, p, false);
  }
  char lower = static_cast<char>(verb == 'F' ? 'f' : verb);
  if (verb == 'v' && sp.prec >= 0) {
    lower = 'g';  // %.2v is %.2g, as Go's fmt does
  }
  if ((lower == 'g' || lower == 'G' || verb == 'v') && sp.prec < 0) {
    s = go_float_string(d);
    if (verb == 'G') {
      for (auto& c : s) {
        c = c == 'e' ? 'E' : c;
      }
    }
  } else {
    char fmt[16];
    int prec = sp.prec < 0 ? 6 : sp.prec;
    std::snprintf(fmt, sizeof fmt, "%%.%d%c", prec, lower);
    char buf[512];
    const int n = std::snprintf(buf, sizeof buf, fmt, d);
    if (n >= 0 && static_cast<size_t>(n) >= sizeof buf) {
      s.resize(static_cast<size_t>(n));  // a long precision (%.1000f): the whole of it, as Go prints it
      std::snprintf(s.data(), s.size() + 1, fmt, d);
    } else {
      s = buf;
    }
  }
  if (sp.plus && d >= 0) {
    s = "+" + s;
  } else if (sp.space && d >= 0) {
    s = " " + s;
  }
  return pad(s, sp, true);
}

std::string quote_rune(int64_t r) {
  if (r == '\'') {
    return "'\\''";
  }
  if (r == '\\') {
    return "'\\\\'";
  }
  std::string q = go_quote_string(std::string(1, static_cast<char>(r)));
  if (r >= 0x80) {
    std::string s;
    uint32_t cp = static_cast<uint32_t>(r);
    if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return "'" + s + "'";
  }
  return "'" + q.substr(1, q.size() - 2) + "'";
}

std::string fmt_value(const Value& v, char verb, const Spec& sp);

std::string fmt_container(const Value& v, char verb, const Spec& sp) {
  if (v.is_map() && v.type() != nullptr && v.type()->is_struct) {
    // A struct: its fields in declaration order, each formatted with the verb ({"a" "b"} for %q).
    std::string out = "{";
    bool first = true;
    for (const auto& f : v.type()->field_order) {
      auto it = v.as_map().find(f);
      if (it == v.as_map().end()) {
        continue;
      }
      if (!first) {
        out += ' ';
      }
      first = false;
      if (verb == 'v' && sp.plus) {
        out += f + ":";  // %+v names the fields
      }
      out += fmt_value(it->second, verb, sp);
    }
    return out + "}";
  }
  if (v.is_list()) {
    std::string out = "[";
    bool first = true;
    for (const auto& e : v.as_list()) {
      if (!first) {
        out += ' ';
      }
      first = false;
      out += fmt_value(e, verb, sp);
    }
    return out + "]";
  }
  std::string out = "map[";
  bool first = true;
  for (const auto& [k, e] : v.as_map()) {
    if (!first) {
      out += ' ';
    }
    first = false;
    out += fmt_value(Value(k), verb, sp) + ":" + fmt_value(e, verb, sp);
  }
  return out + "]";
}

// %#v: the value in Go syntax (template.KV{"a":"b"}, []string{"x"}, time.Date(...)).
std::string go_syntax(const Value& v) {
  static const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                        "July",    "August",   "September", "October", "November", "December"};
  switch (v.kind()) {
    case Value::Kind::Null:
      return "<nil>";
    case Value::Kind::Bool:
    case Value::Kind::Double:
      return v.to_string();
    case Value::Kind::Int:
    case Value::Kind::Duration:
      return std::to_string(v.as_int());
    case Value::Kind::String:
      return go_quote_string(v.as_string());
    case Value::Kind::Time: {
      const TimeValue& t = v.as_time();
      const int month = std::stoi(go_time_format(t, "1"));
      std::string loc = t.offset_seconds == 0 && (t.zone == "UTC" || t.zone.empty())
                            ? "time.UTC"
                            : "time.Location(" + go_quote_string(t.zone) + ")";
      const int64_t nanos = t.go_zero ? 0 : ((t.at.time_since_epoch().count() % 1000000000) + 1000000000) % 1000000000;
      return "time.Date(" + std::to_string(std::stoi(go_time_format(t, "2006"))) + ", time." + kMonths[month - 1] + ", " +
             go_time_format(t, "2") + ", " + std::to_string(std::stoi(go_time_format(t, "15"))) + ", " +
             go_time_format(t, "4") + ", " + go_time_format(t, "5") + ", " + std::to_string(nanos) + ", " + loc + ")";
    }
    case Value::Kind::List: {
      std::string out = v.type_name() + "{";
      bool first = true;
      for (const auto& e : v.as_list()) {
        out += first ? "" : ", ";
        first = false;
        out += go_syntax(e);
      }
      return out + "}";
    }
    case Value::Kind::Map: {
      std::string out = v.type_name() + "{";
      bool first = true;
      const TypeInfo* t = v.type();
      if (t != nullptr && t->is_struct) {
        for (const auto& f : t->field_order) {
          auto it = v.as_map().find(f);
          if (it == v.as_map().end()) {
            continue;
          }
          out += first ? "" : ", ";
          first = false;
          out += f + ":" + go_syntax(it->second);
        }
        return out + "}";
      }
      for (const auto& [k, e] : v.as_map()) {
        out += first ? "" : ", ";
        first = false;
        out += go_quote_string(k) + ":" + go_syntax(e);
      }
      return out + "}";
    }
  }
  return "";
}

std::string fmt_value(const Value& v, char verb, const Spec& sp) {
  if (verb == 'v' && sp.sharp) {
    return pad(go_syntax(v), sp, false);
  }
  switch (v.kind()) {
    case Value::Kind::Null:
      return verb == 'v' ? pad("<nil>", sp, false) : bad_verb(verb, v);
    case Value::Kind::Bool:
      if (verb == 'v' || verb == 't') {
        return pad(v.as_bool() ? "true" : "false", sp, false);
      }
      return bad_verb(verb, v);
    case Value::Kind::Int:
      if (v.type() != nullptr && !v.type()->int_names.empty() && (verb == 'x' || verb == 'X')) {
        return fmt_value(Value(v.to_string()), verb, sp);  // a Stringer: its string in hex
      }
      if (v.type() != nullptr && !v.type()->int_names.empty() && (verb == 'v' || verb == 's' || verb == 'q')) {
        // A Stringer (time.Month): %v, %s and %q print its name.
        return pad(verb == 'q' ? go_quote_string(v.to_string()) : v.to_string(), sp, false);
      }
      switch (verb) {
        case 'v':
        case 'd':
        case 'x':
        case 'X':
        case 'o':
        case 'O':
        case 'b':
          return fmt_int(v.as_int(), verb == 'v' ? 'd' : verb, sp);
        case 'c': {
          // The rune itself, unescaped; an invalid code point is U+FFFD.
          const int64_t r = v.as_int();
          const bool valid = r >= 0 && r <= 0x10FFFF && !(r >= 0xD800 && r <= 0xDFFF);
          std::string out;
          put_rune(out, valid ? static_cast<uint32_t>(r) : 0xFFFD);
          return pad(out, sp, false);
        }
        case 'q':
          return pad(quote_rune(v.as_int()), sp, false);
        case 'U': {
          // Go's Unicode format: "U+0041", at least four upper-case hex digits.
          char buf[32];
          std::snprintf(buf, sizeof buf, "U+%04llX", static_cast<unsigned long long>(v.as_int()));
          if (sp.sharp && v.as_int() >= 0 && v.as_int() <= 0x10FFFF && go_is_print(static_cast<uint32_t>(v.as_int()))) {
            return pad(std::string(buf) + " " + quote_rune(v.as_int()), sp, false);  // %#U: U+03BB 'λ'
          }
          return pad(buf, sp, false);
        }
        default:
          return bad_verb(verb, v);
      }
    case Value::Kind::Double:
      switch (verb) {
        case 'v':
        case 'f':
        case 'F':
        case 'e':
        case 'E':
        case 'g':
        case 'G':
          return fmt_float(v.as_double(), verb, sp);
        case 'x':
        case 'X': {
          // Hexadecimal float as strconv's 'x' format: C's %a with a two-digit exponent.
          const double d = v.as_double();
          if (std::isinf(d) || std::isnan(d)) {
            return fmt_float(d, 'g', sp);
          }
          char fmt[16];
          char buf[128];
          if (sp.prec >= 0) {
            std::snprintf(fmt, sizeof fmt, "%%%s.%d%c", sp.plus ? "+" : "", std::min(sp.prec, 60), verb == 'x' ? 'a' : 'A');
          } else {
            std::snprintf(fmt, sizeof fmt, "%%%s%c", sp.plus ? "+" : "", verb == 'x' ? 'a' : 'A');
          }
          std::snprintf(buf, sizeof buf, fmt, d);
          std::string out = buf;
          const size_t e = out.find_first_of("pP");
          if (e != std::string::npos && e + 2 < out.size() + 1) {
            const size_t digits = out.size() - (e + 2);
            if (digits == 1) {
              out.insert(e + 2, "0");
            }
          }
          return pad(out, sp, true);
        }
        default:
          return bad_verb(verb, v);
      }
    case Value::Kind::String: {
      const std::string& s = v.as_string();
      switch (verb) {
        case 'v':
        case 's': {
          if (sp.prec >= 0) {
            // Precision truncates to that many runes.
            size_t i = 0;
            int n = 0;
            while (i < s.size() && n < sp.prec) {
              ++i;
              while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) {
                ++i;
              }
              ++n;
            }
            return pad(s.substr(0, i), sp, false);
          }
          return pad(s, sp, false);
        }
        case 'q':
          if (sp.sharp && s.find('`') == std::string::npos) {
            return pad("`" + s + "`", sp, false);
          }
          return pad(quote_go(s, sp.plus), sp, false);
        case 'x':
        case 'X': {
          std::string out;
          char buf[4];
          const char* prefix = verb == 'x' ? "0x" : "0X";
          for (unsigned char c : s) {
            if (sp.space && !out.empty()) {
              out += ' ';  // "% x": the bytes apart
            }
            if (sp.sharp && (sp.space || out.empty())) {
              out += prefix;  // "%#x": 0x once, "% #x": 0x on every byte
            }
            std::snprintf(buf, sizeof buf, verb == 'x' ? "%02x" : "%02X", c);
            out += buf;
          }
          return pad(out, sp, false);
        }
        default:
          return bad_verb(verb, v);
      }
    }
    case Value::Kind::Duration:
      if (verb == 'd' || verb == 'o' || verb == 'b' || verb == 'c' || verb == 'U') {
        return fmt_value(Value(v.as_int()), verb, sp);
      }
      if (verb == 'x' || verb == 'X') {
        return fmt_value(Value(v.to_string()), verb, sp);  // a Stringer: its string in hex
      }
      if (verb == 'v' || verb == 's') {
        return pad(v.to_string(), sp, false);
      }
      if (verb == 'q') {
        return pad(go_quote_string(v.to_string()), sp, false);
      }
      return bad_verb(verb, v);
    case Value::Kind::Time:
      if (verb == 'v' || verb == 's') {
        return pad(v.to_string(), sp, false);
      }
      if (verb == 'x' || verb == 'X') {
        return fmt_value(Value(v.to_string()), verb, sp);  // a Stringer: its string in hex
      }
      if (verb == 'd' || verb == 'o' || verb == 'b') {
        // time.Time's fields with an integer verb: {wall ext loc}; without a monotonic reading wall is
        // the nanoseconds and ext the seconds since year 1 (loc prints as 0 for UTC).
        const TimeValue& t = v.as_time();
        const int64_t ns = t.at.time_since_epoch().count();
        const int64_t secs = t.go_zero ? 0 : ns / 1000000000 - (ns % 1000000000 < 0 ? 1 : 0) + 62135596800LL;
        const int64_t nanos = t.go_zero ? 0 : ((ns % 1000000000) + 1000000000) % 1000000000;
        return "{" + fmt_int(nanos, verb, sp) + " " + fmt_int(secs, verb, sp) + " " + fmt_int(0, verb, sp) + "}";
      }
      if (verb == 'q') {
        return pad(go_quote_string(v.to_string()), sp, false);
      }
      return bad_verb(verb, v);
    case Value::Kind::List:
    case Value::Kind::Map:
      return fmt_container(v, verb, sp);
  }
  return "";
}

// ---- JSON (toJson) ----

void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
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
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '<':
      case '>':
      case '&': {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
        break;
      }
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void to_json(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Null:
      out += "null";
      return;
    case Value::Kind::Bool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Value::Kind::Int:
    case Value::Kind::Duration:
      out += std::to_string(v.as_int());
      return;
    case Value::Kind::Double:
      out += go_float_string(v.as_double());
      return;
    case Value::Kind::String:
      json_string(out, v.as_string());
      return;
    case Value::Kind::Time:
      json_string(out, go_time_format(v.as_time(), "2006-01-02T15:04:05.999999999Z07:00"));
      return;
    case Value::Kind::List: {
      out += '[';
      bool first = true;
      for (const auto& e : v.as_list()) {
        if (!first) {
          out += ',';
        }
        first = false;
        to_json(out, e);
      }
      out += ']';
      return;
    }
    case Value::Kind::Map: {
      out += '{';
      bool first = true;
      const TypeInfo* t = v.type();
      auto emit = [&](const std::string& k, const Value& e) {
        if (!first) {
          out += ',';
        }
        first = false;
        std::string key = k;
        if (t != nullptr && t->is_struct && t->json_lower_first && !key.empty() && key[0] >= 'A' && key[0] <= 'Z') {
          key[0] = static_cast<char>(key[0] - 'A' + 'a');
        }
        json_string(out, key);
        out += ':';
        to_json(out, e);
      };
      if (t != nullptr && t->is_struct) {
        for (const auto& f : t->field_order) {
          auto it = v.as_map().find(f);
          if (it != v.as_map().end()) {
            emit(it->first, it->second);
          }
        }
      } else {
        for (const auto& [k, e] : v.as_map()) {
          emit(k, e);
        }
      }
      out += '}';
      return;
    }
  }
}

// Go's regexp/syntax wording for a pattern RE2 rejects: "error parsing regexp: missing closing ): `(`".
std::string go_regexp_error(const re2::RE2& re) {
  const char* code = "invalid or unsupported Perl syntax";
  switch (re.error_code()) {
    case re2::RE2::ErrorMissingParen:
      code = "missing closing )";
      break;
    case re2::RE2::ErrorUnexpectedParen:
      code = "unexpected )";
      break;
    case re2::RE2::ErrorMissingBracket:
      code = "missing closing ]";
      break;
    case re2::RE2::ErrorBadEscape:
      code = "invalid escape sequence";
      break;
    case re2::RE2::ErrorRepeatArgument:
      code = "missing argument to repetition operator";
      break;
    case re2::RE2::ErrorRepeatSize:
      code = "invalid repeat count";
      break;
    case re2::RE2::ErrorRepeatOp:
      code = "invalid nested repetition operator";
      break;
    case re2::RE2::ErrorBadCharRange:
      code = "invalid character class range";
      break;
    case re2::RE2::ErrorBadCharClass:
      code = "invalid character class";
      break;
    case re2::RE2::ErrorTrailingBackslash:
      code = "trailing backslash at end of expression";
      break;
    case re2::RE2::ErrorBadNamedCapture:
      code = "invalid named capture";
      break;
    case re2::RE2::ErrorBadUTF8:
      code = "invalid UTF-8";
      break;
    default:
      break;
  }
  return std::string("error parsing regexp: ") + code + ": `" + re.error_arg() + "`";
}

// ---- Go regexp replacement template expansion ($1, ${name}, $$) ----

std::string expand(const re2::RE2& re, std::string_view repl, const std::vector<re2::StringPiece>& groups) {
  std::string out;
  const auto& names = re.NamedCapturingGroups();
  for (size_t i = 0; i < repl.size(); ++i) {
    char c = repl[i];
    if (c != '$' || i + 1 >= repl.size()) {
      out += c;
      continue;
    }
    if (repl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string name;
    size_t j = i + 1;
    bool brace = repl[j] == '{';
    if (brace) {
      ++j;
    }
    size_t start = j;
    while (j < repl.size() && (std::isalnum(static_cast<unsigned char>(repl[j])) || repl[j] == '_')) {
      ++j;
    }
    name = std::string(repl.substr(start, j - start));
    if (name.empty() || (brace && (j >= repl.size() || repl[j] != '}'))) {
      out += c;  // not a valid reference: keep the '$'
      continue;
    }
    i = brace ? j : j - 1;
    int idx = -1;
    if (std::all_of(name.begin(), name.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      idx = name.size() > 9 ? -1 : std::stoi(name);
    } else if (auto it = names.find(name); it != names.end()) {
      idx = it->second;
    }
    if (idx >= 0 && static_cast<size_t>(idx) < groups.size() && groups[static_cast<size_t>(idx)].data() != nullptr) {
      out.append(groups[static_cast<size_t>(idx)].data(), groups[static_cast<size_t>(idx)].size());
    }
  }
  return out;
}

// RE2 accepts \C (any byte), which Go's regexp refuses: the only escape of RE2's syntax Go lacks.
std::optional<std::string> go_only_syntax_error(const std::string& pattern) {
  for (size_t i = 0; i + 1 < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      if (pattern[i + 1] == 'C') {
        return std::string("error parsing regexp: invalid escape sequence: `\\C`");
      }
      ++i;
    }
  }
  return std::nullopt;
}

Result<std::string> re_replace_all(const std::string& pattern, const std::string& repl, const std::string& text) {
  re2::RE2 re(pattern, re2::RE2::Quiet);
  if (!re.ok()) {
    return make_error("regexp: Compile(`" + pattern + "`): " + go_regexp_error(re));
  }
  if (auto e = go_only_syntax_error(pattern)) {
    return make_error("regexp: Compile(`" + pattern + "`): " + *e);
  }
  int n = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<size_t>(n));
  std::string out;
  size_t pos = 0;
  size_t last_match_end = std::string::npos;
  re2::StringPiece input(text);
  while (pos <= text.size()) {
    if (!re.Match(input, pos, text.size(), re2::RE2::UNANCHORED, groups.data(), n)) {
      break;
    }
    size_t ms = static_cast<size_t>(groups[0].data() - text.data());
    size_t me = ms + groups[0].size();
    // Go skips an empty match right after a previous match.
    if (groups[0].empty() && ms == last_match_end) {
      if (ms >= text.size()) {
        break;
      }
      size_t adv = 1;
      while (ms + adv < text.size() && (static_cast<unsigned char>(text[ms + adv]) & 0xC0) == 0x80) {
        ++adv;
      }
      out.append(text, pos, ms + adv - pos);
      pos = ms + adv;
      continue;
    }
    out.append(text, pos, ms - pos);
    out += expand(re, repl, groups);
    last_match_end = me;
    if (me == ms) {
      if (ms >= text.size()) {
        pos = text.size() + 1;
        break;
      }
      size_t adv = 1;
      while (ms + adv < text.size() && (static_cast<unsigned char>(text[ms + adv]) & 0xC0) == 0x80) {
        ++adv;
      }
      out.append(text, ms, adv);
      pos = ms + adv;
    } else {
      pos = me;
    }
  }
  if (pos < text.size()) {
    out.append(text, pos, std::string::npos);
  }
  return out;
}

// ---- strings ----

// strings.ToUpper/ToLower for ASCII and the Latin-1 letters (U+00C0..U+00FE), which covers the label
// values we meet; other scripts pass through unchanged.
// Unicode case mapping through glibc's built-in C.UTF-8 tables (simple case mapping, as Go's
// unicode.ToUpper/ToLower), without touching the process locale.
locale_t utf8_ctype() {
  static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

// Decodes the rune at s[i] and advances i; an invalid byte is U+FFFD of width 1, as Go's range does.
uint32_t next_rune(std::string_view s, size_t& i) {
  const utf8::Decoded d = utf8::decode(s.substr(i));
  i += d.width;
  return static_cast<uint32_t>(d.rune);
}

// Appends a rune's UTF-8 (an invalid one as U+FFFD, as Go's string(rune)).
void put_rune(std::string& out, uint32_t cp) { utf8::append(out, static_cast<char32_t>(cp)); }

uint32_t rune_case(uint32_t cp, bool upper) {
  if (cp < 0x80) {
    if (upper && cp >= 'a' && cp <= 'z') {
      return cp - 'a' + 'A';
    }
    if (!upper && cp >= 'A' && cp <= 'Z') {
      return cp - 'A' + 'a';
    }
    return cp;
  }
  const locale_t loc = utf8_ctype();
  if (loc == static_cast<locale_t>(nullptr)) {
    return cp;
  }
  return static_cast<uint32_t>(upper ? towupper_l(static_cast<wint_t>(cp), loc)
                                     : towlower_l(static_cast<wint_t>(cp), loc));
}

bool rune_is_letter(uint32_t cp) {
  if (cp < 0x80) {
    return std::isalpha(static_cast<int>(cp)) != 0;
  }
  const locale_t loc = utf8_ctype();
  return loc != static_cast<locale_t>(nullptr) && iswalpha_l(static_cast<wint_t>(cp), loc) != 0;
}

// Go's strings.ToUpper/ToLower: every rune mapped; invalid UTF-8 becomes U+FFFD unless the string is
// ASCII only.
std::string case_map(std::string s, bool upper) {
  if (std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    for (char& c : s) {
      c = static_cast<char>(rune_case(static_cast<unsigned char>(c), upper));
    }
    return s;
  }
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    put_rune(out, rune_case(next_rune(s, i), upper));
  }
  return out;
}

// Go's cases.Title(language.AmericanEnglish): each word's first letter upper case, the rest lower.
// Title case of a word's first letter: upper case but for the Latin digraphs (ǆ → ǅ) and the letters
// whose title case is two (ß → Ss, ﬁ → Fi), as Unicode's SpecialCasing.
void put_title(std::string& out, uint32_t c) {
  static const std::pair<uint32_t, const char*> kSpecial[] = {
      {0xDF, "Ss"},  {0xFB00, "Ff"}, {0xFB01, "Fi"}, {0xFB02, "Fl"}, {0xFB03, "Ffi"}, {0xFB04, "Ffl"},
      {0xFB05, "St"}, {0xFB06, "St"}, {0x149, "\xCA\xBCN"}, {0x1F0, "J\xCC\x8C"}};
  for (const auto& [cp, title] : kSpecial) {
    if (c == cp) {
      out += title;
      return;
    }
  }
  uint32_t up = rune_case(c, true);
  for (uint32_t first : {0x1C4u, 0x1C7u, 0x1CAu, 0x1F1u}) {
    if (up == first) {
      up = first + 1;
    }
  }
  put_rune(out, up);
}

// Go's cases.Title(language.AmericanEnglish): each word's first letter in title case, the rest lower
// case (a final capital sigma as ς); words broken as Unicode's UAX #29.
std::string title_case(const std::string& s) {
  std::vector<uint32_t> orig;
  for (size_t i = 0; i < s.size();) {
    orig.push_back(next_rune(s, i));
  }
  const locale_t loc = utf8_ctype();
  auto wordish = [&](uint32_t cp) {
    if (cp < 0x80) {
      return std::isalnum(static_cast<int>(cp)) != 0 || cp == '_';
    }
    if (loc == static_cast<locale_t>(nullptr)) {
      return true;
    }
    return iswspace_l(static_cast<wint_t>(cp), loc) == 0 && iswpunct_l(static_cast<wint_t>(cp), loc) == 0;
  };
  auto digit_at = [&](size_t j) { return orig[j] < 0x80 && std::isdigit(static_cast<int>(orig[j])) != 0; };
  // UAX #29's MidNumLet join letters and digits, MidLetter letters only, MidNum digits only.
  auto mid_num_let = [](uint32_t c) {
    return c == '.' || c == '\'' || c == 0x2018 || c == 0x2019 || c == 0x2024 || c == 0xFE52 || c == 0xFF07 ||
           c == 0xFF0E;
  };
  auto mid_letter = [](uint32_t c) {
    return c == ':' || c == 0xB7 || c == 0x387 || c == 0x5F4 || c == 0x2027 || c == 0xFE13 || c == 0xFE55 ||
           c == 0xFF1A;
  };
  auto mid_num = [](uint32_t c) {
    return c == ',' || c == ';' || c == 0x37E || c == 0x589 || c == 0x60C || c == 0x60D || c == 0x66C ||
           c == 0x7F8 || c == 0x2044 || c == 0xFE10 || c == 0xFE14 || c == 0xFE50 || c == 0xFE54 || c == 0xFF0C ||
           c == 0xFF1B;
  };
  std::string out;
  bool in_word = false;
  bool cased = false;
  for (size_t i = 0; i < orig.size(); ++i) {
    const uint32_t c = orig[i];
    bool word = wordish(c);
    if (mid_num_let(c) || mid_letter(c) || mid_num(c)) {
      word = false;
      if (in_word && i > 0 && i + 1 < orig.size()) {
        const bool letters = rune_is_letter(orig[i - 1]) && rune_is_letter(orig[i + 1]);
        const bool digits = digit_at(i - 1) && digit_at(i + 1);
        word = (letters && !mid_num(c)) || (digits && !mid_letter(c));
      }
    }
    if (!word) {
      in_word = false;
      cased = false;
      put_rune(out, rune_case(c, false));
      continue;
    }
    if (!in_word) {
      in_word = true;
      cased = false;
    }
    if (rune_is_letter(c) && !cased) {
      cased = true;
      put_title(out, c);
      continue;
    }
    uint32_t lower = rune_case(c, false);
    if (c == 0x3A3) {
      // Final sigma: after a letter and not before one.
      const bool before = i > 0 && rune_is_letter(orig[i - 1]);
      const bool after = i + 1 < orig.size() && rune_is_letter(orig[i + 1]);
      if (before && !after) {
        lower = 0x3C2;
      }
    }
    put_rune(out, lower);
  }
  return out;
}

std::string trim_space(const std::string& s) {
  size_t b = 0;
  size_t e = s.size();
  auto sp = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  while (b < e && sp(s[b])) {
    ++b;
  }
  while (e > b && sp(s[e - 1])) {
    --e;
  }
  return s.substr(b, e - b);
}

Result<std::string> url_unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
        std::string bad = s.substr(i, std::min<size_t>(3, s.size() - i));
        return make_error("invalid URL escape " + go_quote_string(bad));
      }
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Prometheus' humanizeDuration: "1d 2h 3m 4s", "1.5s", "250ms".
std::string humanize_duration(double v) {
  char buf[64];
  if (std::isnan(v) || std::isinf(v)) {
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return std::isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
  }
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    auto d = static_cast<int64_t>(v);
    int64_t seconds = d % 60;
    int64_t minutes = (d / 60) % 60;
    int64_t hours = (d / 3600) % 24;
    int64_t days = d / 86400;
    if (days != 0) {
      std::snprintf(buf, sizeof buf, "%s%lldd %lldh %lldm %llds", sign.c_str(), static_cast<long long>(days),
                    static_cast<long long>(hours), static_cast<long long>(minutes), static_cast<long long>(seconds));
    } else if (hours != 0) {
      std::snprintf(buf, sizeof buf, "%s%lldh %lldm %llds", sign.c_str(), static_cast<long long>(hours),
                    static_cast<long long>(minutes), static_cast<long long>(seconds));
    } else if (minutes != 0) {
      std::snprintf(buf, sizeof buf, "%s%lldm %llds", sign.c_str(), static_cast<long long>(minutes),
                    static_cast<long long>(seconds));
    } else {
      std::snprintf(buf, sizeof buf, "%s%.4gs", sign.c_str(), v);
    }
    return buf;
  }
  const char* prefix = "";
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) {
      break;
    }
    prefix = p;
    v *= 1000;
  }
  std::snprintf(buf, sizeof buf, "%.4g%ss", v, prefix);
  return buf;
}

Result<double> to_float(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Int:
      return static_cast<double>(v.as_int());
    case Value::Kind::Double:
      return v.as_double();
    case Value::Kind::Duration:
      return static_cast<double>(v.as_int()) / 1e9;
    case Value::Kind::String: {
      const std::string& s = v.as_string();
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (s.empty() || *end != '\0') {
        return make_error("strconv.ParseFloat: parsing " + go_quote_string(s) + ": invalid syntax");
      }
      return d;
    }
    default:
      return make_error("can't convert " + v.type_name() + " to float");
  }
}

// ---- time zones from TZif files ----

struct Zone {
  std::vector<int64_t> transitions;
  std::vector<uint8_t> idx;
  std::vector<std::pair<int32_t, std::string>> types;  // offset, abbreviation
};

uint64_t be(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) {
    v = (v << 8) | p[i];
  }
  return v;
}

Result<Zone> load_zone(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    return make_error("missing");
  }
  std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t size = data.size();
  auto header = [&](size_t at, uint64_t c[6]) {
    if (at + 44 > size || std::memcmp(p + at, "TZif", 4) != 0) {
      return false;
    }
    for (int i = 0; i < 6; ++i) {
      c[i] = be(p + at + 20 + 4 * i, 4);
    }
    return true;
  };
  uint64_t c[6];  // isutcnt isstdcnt leapcnt timecnt typecnt charcnt
  if (!header(0, c)) {
    return make_error("bad tzfile");
  }
  size_t at = 44;
  int tsize = 4;
  if (data[4] >= '2') {
    at += c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    if (!header(at, c)) {
      return make_error("bad tzfile");
    }
    at += 44;
    tsize = 8;
  }
  size_t need = c[3] * static_cast<uint64_t>(tsize) + c[3] + c[4] * 6 + c[5];
  if (at + need > size) {
    return make_error("bad tzfile");
  }
  Zone z;
  for (uint64_t i = 0; i < c[3]; ++i) {
    uint64_t raw = be(p + at + i * static_cast<uint64_t>(tsize), tsize);
    z.transitions.push_back(tsize == 8 ? static_cast<int64_t>(raw) : static_cast<int32_t>(raw));
  }
  at += c[3] * static_cast<uint64_t>(tsize);
  for (uint64_t i = 0; i < c[3]; ++i) {
    z.idx.push_back(p[at + i]);
  }
  at += c[3];
  size_t chars = at + c[4] * 6;
  for (uint64_t i = 0; i < c[4]; ++i) {
    auto off = static_cast<int32_t>(be(p + at + i * 6, 4));
    size_t ai = p[at + i * 6 + 5];
    std::string abbr;
    for (size_t k = chars + ai; k < chars + c[5] && p[k] != 0; ++k) {
      abbr += static_cast<char>(p[k]);
    }
    z.types.emplace_back(off, abbr);
  }
  if (z.types.empty()) {
    return make_error("bad tzfile");
  }
  return z;
}

}  // namespace

Value string_list(std::vector<std::string> items) {
  List l;
  l.reserve(items.size());
  for (auto& s : items) {
    l.emplace_back(std::move(s));
  }
  return Value(std::move(l)).with_type(string_list_type());
}

Result<TimeValue> time_in_zone(const TimeValue& t, std::string_view zone) {
  if (zone.empty() || zone == "UTC") {
    return utc_time(t.at);
  }
  std::string name(zone);
  std::string path = "/usr/share/zoneinfo/" + name;
  if (name == "Local") {
    // Go's local zone: $TZ when set (":" prefix dropped; an absolute path, or a zone name; "" or "UTC" or an
    // unknown one is UTC), else /etc/localtime.
    const char* tz = std::getenv("TZ");
    std::string zone_env = tz != nullptr ? tz : "";
    if (!zone_env.empty() && zone_env[0] == ':') {
      zone_env.erase(0, 1);
    }
    if (tz == nullptr) {
      path = "/etc/localtime";
    } else if (zone_env.empty() || zone_env == "UTC" || zone_env.find("..") != std::string::npos) {
      return utc_time(t.at);
    } else {
      path = zone_env[0] == '/' ? zone_env : "/usr/share/zoneinfo/" + zone_env;
    }
  }
  bool bad_name = name.find("..") != std::string::npos || name[0] == '/' || name[0] == '\\';
  static std::mutex mu;
  static std::map<std::string, Zone> cache;
  Zone z;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(path);
    if (it != cache.end()) {
      z = it->second;
    } else {
      auto r = bad_name ? Result<Zone>(make_error("bad")) : load_zone(path);
      if (!r.ok()) {
        if (name == "Local") {
          return utc_time(t.at);
        }
        return make_error("unknown time zone " + name);
      }
      cache[path] = *r;
      z = *r;
    }
  }
  int64_t secs = std::chrono::duration_cast<std::chrono::seconds>(t.at.time_since_epoch()).count();
  if (t.at.time_since_epoch().count() < 0 && t.at.time_since_epoch().count() % 1000000000 != 0) {
    --secs;
  }
  size_t type = 0;
  // Before the first transition Go uses the first standard-time type; approximate with type 0.
  auto it = std::upper_bound(z.transitions.begin(), z.transitions.end(), secs);
  if (it != z.transitions.begin()) {
    type = z.idx[static_cast<size_t>(it - z.transitions.begin()) - 1];
  }
  if (type >= z.types.size()) {
    type = 0;
  }
  TimeValue r{t.at, z.types[type].first, z.types[type].second};
  if (name == "Local" && r.offset_seconds == 0 && r.zone == "UTC") {
    r.zone = "UTC";
  }
  return r;
}

std::string go_sprint(const std::vector<Value>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0 && !args[i].is_string() && !args[i - 1].is_string()) {
      out += ' ';
    }
    out += args[i].to_string();
  }
  return out;
}

std::string go_sprintln(const std::vector<Value>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) {
      out += ' ';
    }
    out += args[i].to_string();
  }
  return out + "\n";
}

std::string go_sprintf(std::string_view f, const std::vector<Value>& args, size_t max_padding) {
  struct Budget {
    size_t saved = padding_budget;
    ~Budget() { padding_budget = saved; }
  } restore;
  padding_budget = std::min(padding_budget, max_padding);
  std::string out;
  size_t argi = 0;
  size_t i = 0;
  bool reordered = false;  // an explicit index [n] was used: no %!(EXTRA ...) at the end, as Go
  while (i < f.size()) {
    char c = f[i];
    if (c != '%') {
      out += c;
      ++i;
      continue;
    }
    ++i;
    Spec sp;
    for (; i < f.size(); ++i) {
      char fl = f[i];
      if (fl == '-') {
        sp.minus = true;
        sp.zero = false;
      } else if (fl == '+') {
        sp.plus = true;
      } else if (fl == '#') {
        sp.sharp = true;
      } else if (fl == '0') {
        sp.zero = !sp.minus;
      } else if (fl == ' ') {
        sp.space = true;
      } else {
        break;
      }
    }
    bool good_arg = true;
    bool after_index = false;
    // Go's argNumber: "[n]" selects argument n (1-based) for what follows.
    auto arg_number = [&]() {
      after_index = false;
      if (i >= f.size() || f[i] != '[') {
        return;
      }
      reordered = true;
      size_t close = f.find(']', i + 1);
      if (f.size() - i < 3 || close == std::string_view::npos) {
        good_arg = false;
        i += 1;
        return;
      }
      std::string_view digits = f.substr(i + 1, close - i - 1);
      bool ok = !digits.empty() && digits.size() <= 7 &&
                std::all_of(digits.begin(), digits.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
      i = close + 1;
      if (!ok) {
        good_arg = false;
        return;
      }
      const long n = std::stol(std::string(digits)) - 1;
      if (n >= 0 && static_cast<size_t>(n) < args.size()) {
        argi = static_cast<size_t>(n);
        after_index = true;
        return;
      }
      good_arg = false;
      after_index = true;
    };
    auto number = [&](int& dst) {
      if (i < f.size() && f[i] == '*') {
        ++i;
        if (argi < args.size() && args[argi].is_int()) {
          dst = static_cast<int>(args[argi].as_int());
          if (dst < 0 && &dst == &sp.width) {
            sp.minus = true;
            dst = -dst;
          }
        } else {
          out += "%!(BADWIDTH)";
        }
        ++argi;
        return;
      }
      // Go's parsenum: a number past 1e6 ends the format there ("%!(NOVERB)"), no overflow.
      int num = 0;
      bool isnum = false;
      while (i < f.size() && f[i] >= '0' && f[i] <= '9') {
        if (num > 1'000'000) {
          i = f.size();
          return;
        }
        num = num * 10 + (f[i] - '0');
        isnum = true;
        ++i;
      }
      if (isnum) {
        dst = num;
      }
    };
    arg_number();
    if (after_index && i < f.size() && f[i] >= '0' && f[i] <= '9') {
      good_arg = false;  // "%[3]2d"
    }
    number(sp.width);
    if (i < f.size() && f[i] == '.') {
      ++i;
      if (after_index) {
        good_arg = false;  // "%[3].2d"
      }
      arg_number();
      sp.prec = 0;
      number(sp.prec);
    }
    if (!after_index) {
      arg_number();
    }
    if (i >= f.size()) {
      out += "%!(NOVERB)";
      break;
    }
    char verb = f[i++];
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (!good_arg) {
      out += std::string("%!") + verb + "(BADINDEX)";
      continue;
    }
    if (argi >= args.size()) {
      out += std::string("%!") + verb + "(MISSING)";
      continue;
    }
    const Value& v = args[argi++];
    if (verb == 'T') {
      out += pad(v.is_null() ? "<nil>" : v.type_name(), sp, false);
      continue;
    }
    out += fmt_value(v, verb, sp);
  }
  if (!reordered && argi < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = argi; k < args.size(); ++k) {
      if (k > argi) {
        out += ", ";
      }
      out += args[k].is_null() ? "<nil>" : args[k].type_name() + "=" + args[k].to_string();
    }
    out += ")";
  }
  return out;
}

namespace {

// Go's html.EscapeString (text/template's html, and html/template's with '+' too): runs of bytes that
// need nothing are copied whole, so a long value costs one scan.
std::string escape_html_chars(std::string_view s, bool plus) {
  static constexpr std::string_view kSpecial("<>&'\"\0+", 7);
  const std::string_view special = plus ? kSpecial : kSpecial.substr(0, 6);
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const size_t j = s.find_first_of(special, i);
    if (j == std::string_view::npos) {
      out.append(s.substr(i));
      break;
    }
    out.append(s.substr(i, j - i));
    switch (s[j]) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '\'': out += "&#39;"; break;
      case '"': out += "&#34;"; break;
      case '+': out += "&#43;"; break;
      default: out += "\xEF\xBF\xBD"; break;  // NUL
    }
    i = j + 1;
  }
  return out;
}

}  // namespace

std::string html_escape(std::string_view s) { return escape_html_chars(s, false); }

std::string go_json(const Value& v) {
  std::string out;
  to_json(out, v);
  return out;
}

std::string html_template_escape(std::string_view s) { return escape_html_chars(s, true); }

// Go's unicode.IsPrint for a non-ASCII rune: letters, marks, numbers, punctuation and symbols; no spaces,
// controls, format characters, private use or unassigned code points.
bool go_is_print(uint32_t cp) {
  static constexpr std::pair<uint32_t, uint32_t> kFormat[] = {
      {0xA0, 0xA0},       {0xAD, 0xAD},       {0x600, 0x605},     {0x61C, 0x61C},   {0x6DD, 0x6DD},
      {0x70F, 0x70F},     {0x8E2, 0x8E2},     {0x180E, 0x180E},   {0x2007, 0x2007}, {0x200B, 0x200F},
      {0x202A, 0x202F},   {0x2060, 0x206F},   {0xE000, 0xF8FF},   {0xFEFF, 0xFEFF}, {0xFFF9, 0xFFFB},
      {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x1D173, 0x1D17A}, {0xE0001, 0xE007F}, {0xF0000, 0x10FFFF}};
  for (const auto& [lo, hi] : kFormat) {
    if (cp >= lo && cp <= hi) {
      return false;
    }
  }
  const locale_t loc = utf8_ctype();
  if (loc == static_cast<locale_t>(nullptr)) {
    return cp >= 0xA0;
  }
  return iswprint_l(static_cast<wint_t>(cp), loc) != 0 && iswspace_l(static_cast<wint_t>(cp), loc) == 0;
}

std::string js_escape(std::string_view s) {
  std::string out;
  char buf[16];
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      // Go's JSEscape: a printable rune (or an invalid byte) as is, any other as \uXXXX.
      const size_t start = i;
      const uint32_t cp = next_rune(s, i);
      if (cp == 0xFFFD || go_is_print(cp)) {
        out.append(s.substr(start, i - start));
      } else {
        std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(cp));
        out += buf;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '"':
        out += "\\\"";
        break;
      case '<':
        out += "\\u003C";
        break;
      case '>':
        out += "\\u003E";
        break;
      case '&':
        out += "\\u0026";
        break;
      case '=':
        out += "\\u003D";
        break;
      default:
        if (u < 0x20) {
          std::snprintf(buf, sizeof buf, "\\u%04X", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string url_query_escape(std::string_view s) {
  std::string out;
  char buf[4];
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      std::snprintf(buf, sizeof buf, "%%%02X", u);
      out += buf;
    }
  }
  return out;
}

const std::map<std::string, FuncSpec, std::less<>>& alertmanager_funcs() {
  using A = ArgType;
  using Args = const std::vector<Value>&;
  using Ctx = const FuncContext&;
  static const std::map<std::string, FuncSpec, std::less<>> funcs = {
      {"toUpper", {{A::String}, false, [](Ctx, Args a) -> Result<Value> { return Value(case_map(a[0].as_string(), true)); }}},
      {"toLower", {{A::String}, false, [](Ctx, Args a) -> Result<Value> { return Value(case_map(a[0].as_string(), false)); }}},
      {"title", {{A::String}, false, [](Ctx, Args a) -> Result<Value> { return Value(title_case(a[0].as_string())); }}},
      {"trimSpace", {{A::String}, false, [](Ctx, Args a) -> Result<Value> { return Value(trim_space(a[0].as_string())); }}},
      {"join",
       {{A::String, A::StringList}, false,
        [](Ctx, Args a) -> Result<Value> {
          std::string out;
          bool first = true;
          for (const auto& e : a[1].as_list()) {
            if (!first) {
              out += a[0].as_string();
            }
            first = false;
            out += e.as_string();
          }
          return Value(out);
        }}},
      {"match",
       {{A::String, A::String}, false,
        [](Ctx, Args a) -> Result<Value> {
          re2::RE2 re(a[0].as_string(), re2::RE2::Quiet);
          if (!re.ok()) {
            return make_error(go_regexp_error(re));
          }
          if (auto e = go_only_syntax_error(a[0].as_string())) {
            return make_error(*e);
          }
          return Value(re2::RE2::PartialMatch(a[1].as_string(), re));
        }}},
      {"reReplaceAll",
       {{A::String, A::String, A::String}, false,
        [](Ctx, Args a) -> Result<Value> {
          auto r = re_replace_all(a[0].as_string(), a[1].as_string(), a[2].as_string());
          if (!r.ok()) {
            return make_error(r.error());
          }
          return Value(*r);
        }}},
      {"safeHtml", {{A::String}, false, [](Ctx, Args a) -> Result<Value> { return Value::safe_html(a[0].as_string()); }}},
      {"safeUrl", {{A::String}, false, [](Ctx, Args a) -> Result<Value> { return Value(a[0].as_string()); }}},
      {"urlUnescape",
       {{A::String}, false,
        [](Ctx, Args a) -> Result<Value> {
          auto r = url_unescape(a[0].as_string());
          if (!r.ok()) {
            return make_error(r.error());
          }
          return Value(*r);
        }}},
      {"stringSlice",
       {{A::String}, true,
        [](Ctx, Args a) -> Result<Value> {
          std::vector<std::string> s;
          for (const auto& v : a) {
            s.push_back(v.as_string());
          }
          return string_list(std::move(s));
        }}},
      {"date",
       {{A::String, A::Time}, false,
        [](Ctx, Args a) -> Result<Value> { return Value(go_time_format(a[1].as_time(), a[0].as_string())); }}},
      {"tz",
       {{A::String, A::Time}, false,
        [](Ctx, Args a) -> Result<Value> {
          auto r = time_in_zone(a[1].as_time(), a[0].as_string());
          if (!r.ok()) {
            return make_error(r.error());
          }
          return Value(*r);
        }}},
      {"since",
       {{A::Time}, false,
        [](Ctx ctx, Args a) -> Result<Value> {
          TimePoint now = ctx.now ? ctx.now() : TimePoint(std::chrono::system_clock::now().time_since_epoch());
          return Value::duration(now - a[0].as_time().at);
        }}},
      {"humanizeDuration",
       {{A::Any}, false,
        [](Ctx, Args a) -> Result<Value> {
          auto f = to_float(a[0]);
          if (!f.ok()) {
            return make_error(f.error());
          }
          return Value(humanize_duration(*f));
        }}},
      {"toJson",
       {{A::Any}, false,
        [](Ctx, Args a) -> Result<Value> {
          std::string out;
          to_json(out, a[0]);
          return Value(out);
        }}},
  };
  return funcs;
}

}  // namespace tocsin::tmpl

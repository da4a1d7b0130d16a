// log.cpp: the logfmt/JSON line writer behind log.hpp.
#include "core/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <algorithm>
#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

namespace tocsin::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<int> g_format{static_cast<int>(Format::kLogfmt)};
std::atomic<void (*)(const std::string&)> g_sink{nullptr};
std::mutex g_mu;

const char* level_name(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
    case Level::kNone: return "";
  }
  return "info";
}

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

// One UTF-8 sequence at v[i]: its length, or 0 when the bytes there are not valid UTF-8 (Go's
// utf8.RuneError, which both encoders print as U+FFFD).
size_t utf8_len(std::string_view v, size_t i) {
  const auto c = static_cast<unsigned char>(v[i]);
  size_t n = 0;
  uint32_t cp = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > v.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(v[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  const bool overlong = (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// go-logfmt quotes a value holding a byte <= ' ', '=', '"' or U+FFFD (written or decoded from bad
// UTF-8), and the literal string null; an empty value stays bare (key=).
bool logfmt_needs_quote(std::string_view v) {
  if (v == "null") return true;
  for (size_t i = 0; i < v.size();) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (c <= ' ' || c == '=' || c == '"') return true;
    const size_t n = utf8_len(v, i);
    if (n == 0) return true;
    if (n == 3 && v.substr(i, 3) == "\xEF\xBF\xBD") return true;
    i += n;
  }
  return false;
}

// The escapes of go-logfmt's quoted strings and of Go's encoding/json (SetEscapeHTML(false)): \\, \",
// \n, \r, \t, other control bytes as \u00XX, bad UTF-8 as \ufffd; JSON also escapes U+2028/U+2029.
void append_escaped(std::string& out, std::string_view v, bool json) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < v.size();) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    const size_t n = utf8_len(v, i);
    // go-logfmt also writes a literal U+FFFD as the escape (it cannot tell it from a bad byte).
    if (n == 0 || (!json && n == 3 && v.substr(i, 3) == "\xEF\xBF\xBD")) {
      out += "\\ufffd";
      i += n == 0 ? 1 : n;
      continue;
    }
    if (json && n == 3 && (v.substr(i, 3) == "\xE2\x80\xA8" || v.substr(i, 3) == "\xE2\x80\xA9")) {
      out += v[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
    } else {
      out.append(v.substr(i, n));
    }
    i += n;
  }
}

void append_logfmt(std::string& out, std::string_view k, const Field& f, bool first) {
  if (!first) out += ' ';
  out += k;
  out += '=';
  if (f.kind == Field::Kind::kText && logfmt_needs_quote(f.value)) {
    out += '"';
    append_escaped(out, f.value, false);
    out += '"';
  } else {
    out += f.value;
  }
}

void append_json(std::string& out, std::string_view k, const Field& f, bool first) {
  if (!first) out += ',';
  out += '"';
  append_escaped(out, k, true);
  out += "\":";
  if (f.kind == Field::Kind::kText) {
    out += '"';
    append_escaped(out, f.value, true);
    out += '"';
  } else {
    out += f.value;
  }
}

}  // namespace

bool set_level(std::string_view name) {
  if (name == "debug") set_level(Level::kDebug);
  else if (name == "info") set_level(Level::kInfo);
  else if (name == "warn") set_level(Level::kWarn);
  else if (name == "error") set_level(Level::kError);
  else return false;
  return true;
}

bool set_format(std::string_view name) {
  if (name == "logfmt") g_format = static_cast<int>(Format::kLogfmt);
  else if (name == "json") g_format = static_cast<int>(Format::kJson);
  else return false;
  return true;
}

void set_level(Level l) { g_level = static_cast<int>(l); }
bool enabled(Level l) { return static_cast<int>(l) >= g_level.load(std::memory_order_relaxed); }
void set_sink(void (*sink)(const std::string&)) { g_sink = sink; }

std::string format(Level level, std::string_view caller, std::string_view ts, std::span<const Field> fields,
                   Format fmt) {
  std::string line;
  line.reserve(192);
  const Field head_all[] = {{"ts", ts}, {"caller", caller}, {"level", level_name(level)}};
  const std::span<const Field> head(head_all, level == Level::kNone ? 2 : 3);
  if (fmt == Format::kLogfmt) {
    bool first = true;
    for (const auto& f : head) {
      append_logfmt(line, f.key, f, first);
      first = false;
    }
    for (const auto& f : fields) append_logfmt(line, f.key, f, false);
  } else {
    // Go's encoder writes a map: keys sorted, a repeated key once (its last value).
    std::vector<const Field*> all;
    all.reserve(fields.size() + 3);
    for (const auto& f : head) all.push_back(&f);
    for (const auto& f : fields) all.push_back(&f);
    std::stable_sort(all.begin(), all.end(), [](const Field* a, const Field* b) { return a->key < b->key; });
    line += '{';
    bool first = true;
    for (size_t i = 0; i < all.size(); ++i) {
      if (i + 1 < all.size() && all[i + 1]->key == all[i]->key) continue;
      append_json(line, all[i]->key, *all[i], first);
      first = false;
    }
    line += '}';
  }
  line += '\n';
  return line;
}

void write(Level level, std::string_view caller, std::initializer_list<Field> fields) {
  write(level, caller, std::span<const Field>(fields.begin(), fields.size()));
}

void write(Level level, std::string_view caller, std::span<const Field> fields) {
  const auto fmt = static_cast<Format>(g_format.load());
  const std::string line = format(level, caller, timestamp(), fields, fmt);
  if (auto sink = g_sink.load()) {
    sink(line);
    return;
  }
  std::lock_guard lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace tocsin::log

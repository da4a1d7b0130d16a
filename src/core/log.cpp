// log.cpp: the logfmt/JSON line writer behind log.hpp.
#include "core/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

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
  }
  return "info";
}

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

bool needs_quote(std::string_view v) {
  if (v.empty()) return true;
  for (unsigned char c : v) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

void append_escaped(std::string& out, std::string_view v, bool json) {
  for (unsigned char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, json ? "\\u%04x" : "\\x%02x", c);
          out += b;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

void append_pair(std::string& out, std::string_view k, std::string_view v, bool json, bool first) {
  if (json) {
    out += first ? "" : ",";
    out += '"';
    append_escaped(out, k, true);
    out += "\":\"";
    append_escaped(out, v, true);
    out += '"';
    return;
  }
  if (!first) out += ' ';
  out += k;
  out += '=';
  if (needs_quote(v)) {
    out += '"';
    append_escaped(out, v, false);
    out += '"';
  } else {
    out += v;
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

void write(Level level, std::string_view caller, std::initializer_list<Field> fields) {
  const bool json = g_format.load() == static_cast<int>(Format::kJson);
  std::string line;
  line.reserve(160);
  if (json) line += '{';
  append_pair(line, "ts", timestamp(), json, true);
  append_pair(line, "caller", caller, json, false);
  append_pair(line, "level", level_name(level), json, false);
  for (const auto& [k, v] : fields) append_pair(line, k, v, json, false);
  if (json) line += '}';
  line += '\n';
  if (auto sink = g_sink.load()) {
    sink(line);
    return;
  }
  std::lock_guard lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace tocsin::log

// log.hpp: structured logging, one line an event: logfmt by default, JSON on request, with the
// reference's keys (ts, caller, level, msg, component, ...). Thread-safe; writes to stderr.
#pragma once

#include <concepts>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace tocsin::log {

// kNone: a line without a level key, which no --log.level filters out (as go-kit's level filter
// lets such lines through; the reference writes one when a loaded config cannot be applied).
enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kNone = 4 };
enum class Format { kLogfmt, kJson };

// Returns false on an unknown name.
bool set_level(std::string_view name);
bool set_format(std::string_view name);
void set_level(Level l);
bool enabled(Level l);

// One key and its value. Text is quoted as go-kit's encoders quote a Go string; an integer is written
// bare in both formats (a JSON number, as the reference's ints), a bool as true/false.
struct Field {
  enum class Kind { kText, kNumber, kBool };
  std::string_view key;
  std::string value;
  Kind kind = Kind::kText;

  Field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  template <std::integral T>
    requires(!std::is_same_v<T, bool> && !std::is_same_v<T, char>)
  Field(std::string_view k, T v) : key(k), value(std::to_string(v)), kind(Kind::kNumber) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), kind(Kind::kBool) {}
};

// log::write(Level::kInfo, "main.go:123", {{"msg", "Starting"}, {"version", v}, {"attempts", 2}});
// logfmt keeps the fields in the order given, after ts, caller and level (the reference's order);
// JSON sorts the keys, as Go's encoder sorts a map's.
void write(Level level, std::string_view caller, std::initializer_list<Field> fields);
// The same for fields assembled at run time.
void write(Level level, std::string_view caller, std::span<const Field> fields);

// The line write() would produce for these fields at this time (tests).
std::string format(Level level, std::string_view caller, std::string_view ts, std::span<const Field> fields,
                   Format fmt);

// Redirect output (tests); nullptr restores stderr.
void set_sink(void (*sink)(const std::string& line));

}  // namespace tocsin::log

#define TOCSIN_LOG_CALLER_STR2(x) #x
#define TOCSIN_LOG_CALLER_STR(x) TOCSIN_LOG_CALLER_STR2(x)
#define TOCSIN_CALLER (::tocsin::log::basename_of(__FILE__ ":" TOCSIN_LOG_CALLER_STR(__LINE__)))
#define LOG_DEBUG(...) \
  do { if (::tocsin::log::enabled(::tocsin::log::Level::kDebug)) ::tocsin::log::write(::tocsin::log::Level::kDebug, TOCSIN_CALLER, {__VA_ARGS__}); } while (0)
#define LOG_INFO(...) \
  do { if (::tocsin::log::enabled(::tocsin::log::Level::kInfo)) ::tocsin::log::write(::tocsin::log::Level::kInfo, TOCSIN_CALLER, {__VA_ARGS__}); } while (0)
#define LOG_WARN(...) \
  do { if (::tocsin::log::enabled(::tocsin::log::Level::kWarn)) ::tocsin::log::write(::tocsin::log::Level::kWarn, TOCSIN_CALLER, {__VA_ARGS__}); } while (0)
#define LOG_ERROR(...) \
  do { if (::tocsin::log::enabled(::tocsin::log::Level::kError)) ::tocsin::log::write(::tocsin::log::Level::kError, TOCSIN_CALLER, {__VA_ARGS__}); } while (0)

namespace tocsin::log {
constexpr std::string_view basename_of(std::string_view path) {
  auto pos = path.rfind('/');
  return pos == std::string_view::npos ? path : path.substr(pos + 1);
}
}  // namespace tocsin::log

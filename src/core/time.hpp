// time.hpp: the time types every module shares, Go/Prometheus duration syntax, RFC 3339.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tocsin {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::nanoseconds>;

// The zero time (Go's time.Time{}): "unset". Prometheus sends 0001-01-01T00:00:00Z for unset times;
// parse_rfc3339 maps that to this value too.
inline constexpr TimePoint kZeroTime{};
inline bool is_zero(TimePoint t) { return t == kZeroTime; }

// Prometheus model.Duration syntax: "1h30m", "5m", "1d", "1w", "1y", "500ms", "0". Units y,w,d,h,m,s,ms,
// each at most once and in that order. Errors say what is wrong.
Result<Duration> parse_duration(std::string_view s);
// Go's time.ParseDuration syntax ("1.5h", "300ms", "-2h45m", "1h0m0s").
Result<Duration> parse_go_duration(std::string_view s);
// Prometheus model.Duration.String(): "5m", "1h30m", "1d", "0s".
std::string format_duration(Duration d);
// Go's time.Duration.String(): "5m0s", "1h30m0s", "1.5s", "0s".
std::string format_go_duration(Duration d);

// RFC 3339 with optional fractional seconds and a Z or ±hh:mm offset.
Result<TimePoint> parse_rfc3339(std::string_view s);
// RFC 3339 in UTC with millisecond precision, as the reference's API writes times:
// "2024-01-02T03:04:05.123Z". The zero time is "0001-01-01T00:00:00.000Z".
std::string format_rfc3339(TimePoint t);
// The same written at p (kRfc3339Bytes bytes, always); returns the end.
inline constexpr size_t kRfc3339Bytes = 24;
char* write_rfc3339(char* p, TimePoint t);
// Go's time.RFC3339Nano in UTC (trailing zeros of the fraction removed), as the webhook payload writes times.
std::string format_rfc3339_nano(TimePoint t);

}  // namespace tocsin

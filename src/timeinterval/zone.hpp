// zone.hpp: time zones read from the system tz database (TZif files and their POSIX TZ footer), a
// thread-safe cache of them by name, and the UTC -> local civil time conversion time intervals use.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"

namespace tocsin::timeinterval {

// A POSIX TZ rule string such as "CET-1CEST,M3.5.0,M10.5.0/3" (the TZif footer), offsets in seconds
// east of UTC (the opposite sign of the string's).
struct PosixTz {
  // When a daylight-saving period starts or ends: a day of the year and a local time of that day.
  struct Rule {
    enum class Kind { kJulian1, kJulian0, kMonthWeekDay };  // "Jn" (no Feb 29), "n" (0-based), "Mm.w.d"
    Kind kind = Kind::kMonthWeekDay;
    int day = 0, week = 0, month = 0;
    int32_t time = 7200;  // seconds after local midnight, may be negative or past 24h (TZif v3)
  };
  int32_t std_offset = 0;
  bool has_dst = false;
  int32_t dst_offset = 0;
  Rule start, end;
};

// Parses a POSIX TZ string; nullopt when malformed.
std::optional<PosixTz> parse_posix_tz(std::string_view s);
// The UTC offset (seconds east) the rule gives at `unix_seconds`.
int32_t posix_offset_at(const PosixTz& tz, int64_t unix_seconds);

// One zone: its transitions and the rule for times past the last one.
class Zone {
 public:
  // Parses the bytes of a TZif file (versions 1 to 4; the 64-bit block when present).
  static Result<Zone> from_tzif(std::string_view bytes, std::string name);
  // A zone with a fixed offset and no transitions (UTC is utc_offset 0).
  static Zone fixed(std::string name, int32_t utc_offset);

  // The UTC offset (seconds east) in effect at `unix_seconds`.
  int32_t offset_at(int64_t unix_seconds) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::vector<int64_t> transitions_;   // ascending, unix seconds
  std::vector<uint8_t> type_of_;       // per transition, index into offsets_
  std::vector<int32_t> offsets_;       // per local time type
  std::optional<PosixTz> footer_;      // for instants at or after the last transition
};

// The zone named `name` ("UTC", "" and IANA names; "Local" is the process's zone), loaded once and
// cached. nullptr when the name is invalid or no readable TZif file has it. Thread-safe.
std::shared_ptr<const Zone> find_zone(const std::string& name);
// The process's local zone as Go resolves it from a TZ value: nullptr (unset) = /etc/localtime,
// "" = UTC, ":x" = x, "/path" = that file, otherwise a zone name; UTC when it cannot be loaded.
std::shared_ptr<const Zone> load_local_zone(const char* tz_env);
// Reads the TZif file for an IANA name from $ZONEINFO (a directory) then the system directories.
Result<Zone> load_zone_file(const std::string& name);

// A civil (wall clock) time in some zone.
struct CivilTime {
  int year = 1970, month = 1, day = 1;
  int weekday = 4;        // 0 = sunday .. 6 = saturday
  int minute_of_day = 0;  // 0 .. 1439
  int second = 0;         // 0 .. 59
  int32_t utc_offset = 0;
};

// `t` as seen on a wall clock in `zone` (UTC when zone is null).
CivilTime civil_time(TimePoint t, const Zone* zone);
// Days in month `month` (1..12) of `year`, by the calendar (not by elapsed hours).
int days_in_month(int year, int month);

}  // namespace tocsin::timeinterval

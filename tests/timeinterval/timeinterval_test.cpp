// timeinterval_test.cpp: contains() and Intervals::muted on fixed instants, with the reference's
// semantics (end-exclusive times, inclusive ranges, negative days of month, location conversion).
#include <doctest/doctest.h>

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "core/time.hpp"
#include "timeinterval/timeinterval.hpp"

using namespace tocsin;
using tocsin::config::InclusiveRange;
using tocsin::config::TimeInterval;
using tocsin::config::TimeRange;
using tocsin::timeinterval::contains;
using tocsin::timeinterval::Intervals;

namespace {

TimePoint at(const char* rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  REQUIRE_MESSAGE(t.ok(), rfc3339);
  return *t;
}

std::vector<InclusiveRange> ranges(std::initializer_list<std::pair<int, int>> rs) {
  std::vector<InclusiveRange> out;
  for (auto [b, e] : rs) out.push_back(InclusiveRange{b, e});
  return out;
}

// Monday to Friday, 09:00 to 17:00 in `location`.
TimeInterval business_hours(std::optional<std::string> location) {
  TimeInterval ti;
  ti.times = {TimeRange{9 * 60, 17 * 60}};
  ti.weekdays = ranges({{1, 5}});
  ti.location = std::move(location);
  return ti;
}

TimeInterval days_of_month(std::initializer_list<std::pair<int, int>> rs, std::optional<std::string> loc = {}) {
  TimeInterval ti;
  ti.days_of_month = ranges(rs);
  ti.location = std::move(loc);
  return ti;
}

}  // namespace

TEST_CASE("an empty interval contains every instant") {
  CHECK(contains(TimeInterval{}, at("2024-01-01T00:00:00Z")));
  CHECK(contains(TimeInterval{}, at("1999-12-31T23:59:59Z")));
}

TEST_CASE("times are end exclusive, and 00:00-24:00 is the whole day") {
  TimeInterval ti;
  ti.times = {TimeRange{9 * 60, 17 * 60}};
  CHECK_FALSE(contains(ti, at("2024-05-06T08:59:59Z")));
  CHECK(contains(ti, at("2024-05-06T09:00:00Z")));
  CHECK(contains(ti, at("2024-05-06T16:59:59.999Z")));
  CHECK_FALSE(contains(ti, at("2024-05-06T17:00:00Z")));

  TimeInterval day;
  day.times = {TimeRange{0, 1440}};
  CHECK(contains(day, at("2024-05-06T00:00:00Z")));
  CHECK(contains(day, at("2024-05-06T23:59:59.999Z")));

  TimeInterval split;  // several ranges: any one will do
  split.times = {TimeRange{0, 60}, TimeRange{23 * 60, 1440}};
  CHECK(contains(split, at("2024-05-06T00:30:00Z")));
  CHECK(contains(split, at("2024-05-06T23:00:00Z")));
  CHECK_FALSE(contains(split, at("2024-05-06T01:00:00Z")));
  CHECK_FALSE(contains(split, at("2024-05-06T22:59:59Z")));
}

TEST_CASE("business hours in Europe/Berlin across the 2024 changes") {
  TimeInterval ti = business_hours("Europe/Berlin");
  // Friday 2024-03-29, CET (+1).
  CHECK_FALSE(contains(ti, at("2024-03-29T07:59:59Z")));
  CHECK(contains(ti, at("2024-03-29T08:00:00Z")));
  CHECK(contains(ti, at("2024-03-29T15:59:59Z")));
  CHECK_FALSE(contains(ti, at("2024-03-29T16:00:00Z")));
  // Sunday 2024-03-31, the spring change: a weekend day.
  CHECK_FALSE(contains(ti, at("2024-03-31T10:00:00Z")));
  // Monday 2024-04-01, CEST (+2).
  CHECK_FALSE(contains(ti, at("2024-04-01T06:59:59Z")));
  CHECK(contains(ti, at("2024-04-01T07:00:00Z")));
  CHECK(contains(ti, at("2024-04-01T14:59:59Z")));
  CHECK_FALSE(contains(ti, at("2024-04-01T15:00:00Z")));
  // Friday 2024-10-25, CEST; Monday 2024-10-28, CET again.
  CHECK(contains(ti, at("2024-10-25T07:00:00Z")));
  CHECK_FALSE(contains(ti, at("2024-10-25T15:00:00Z")));
  CHECK_FALSE(contains(ti, at("2024-10-28T07:59:59Z")));
  CHECK(contains(ti, at("2024-10-28T08:00:00Z")));
  CHECK_FALSE(contains(ti, at("2024-10-28T16:00:00Z")));
  // Without a location the same hours are UTC.
  TimeInterval utc = business_hours(std::nullopt);
  CHECK_FALSE(contains(utc, at("2024-04-01T08:59:59Z")));
  CHECK(contains(utc, at("2024-04-01T09:00:00Z")));
  CHECK(contains(utc, at("2024-04-01T16:59:59Z")));
  TimeInterval explicit_utc = business_hours("UTC");
  CHECK(contains(explicit_utc, at("2024-04-01T16:59:59Z")));
  CHECK_FALSE(contains(explicit_utc, at("2024-04-01T17:00:00Z")));
}

TEST_CASE("the skipped and the repeated hour in Berlin") {
  TimeInterval two_to_three;
  two_to_three.times = {TimeRange{2 * 60, 3 * 60}};
  two_to_three.location = "Europe/Berlin";
  // 2024-03-31: 01:59:59 CET is followed by 03:00 CEST; 02:xx never shows on the clock.
  CHECK_FALSE(contains(two_to_three, at("2024-03-31T00:59:59Z")));
  CHECK_FALSE(contains(two_to_three, at("2024-03-31T01:00:00Z")));
  // 2024-10-27: 02:xx shows twice, first in CEST then in CET.
  CHECK_FALSE(contains(two_to_three, at("2024-10-26T23:59:59Z")));
  CHECK(contains(two_to_three, at("2024-10-27T00:00:00Z")));
  CHECK(contains(two_to_three, at("2024-10-27T00:59:59Z")));
  CHECK(contains(two_to_three, at("2024-10-27T01:00:00Z")));
  CHECK(contains(two_to_three, at("2024-10-27T01:59:59Z")));
  CHECK_FALSE(contains(two_to_three, at("2024-10-27T02:00:00Z")));
}

TEST_CASE("business hours in America/New_York across the 2024 changes") {
  TimeInterval ti = business_hours("America/New_York");
  // Friday 2024-03-08, EST (-5).
  CHECK_FALSE(contains(ti, at("2024-03-08T13:59:59Z")));
  CHECK(contains(ti, at("2024-03-08T14:00:00Z")));
  CHECK(contains(ti, at("2024-03-08T21:59:59Z")));
  CHECK_FALSE(contains(ti, at("2024-03-08T22:00:00Z")));
  // Monday 2024-03-11, EDT (-4).
  CHECK_FALSE(contains(ti, at("2024-03-11T12:59:59Z")));
  CHECK(contains(ti, at("2024-03-11T13:00:00Z")));
  CHECK(contains(ti, at("2024-03-11T20:59:59Z")));
  CHECK_FALSE(contains(ti, at("2024-03-11T21:00:00Z")));
  // Friday 2024-11-01, EDT; Monday 2024-11-04, EST.
  CHECK(contains(ti, at("2024-11-01T13:00:00Z")));
  CHECK_FALSE(contains(ti, at("2024-11-01T21:00:00Z")));
  CHECK_FALSE(contains(ti, at("2024-11-04T13:59:59Z")));
  CHECK(contains(ti, at("2024-11-04T14:00:00Z")));
  CHECK(contains(ti, at("2024-11-04T21:59:59Z")));
  CHECK_FALSE(contains(ti, at("2024-11-04T22:00:00Z")));
  // Friday evening in New York is already Saturday in UTC.
  CHECK_FALSE(contains(business_hours(std::nullopt), at("2024-11-02T01:00:00Z")));
  TimeInterval evening = business_hours("America/New_York");
  evening.times = {TimeRange{20 * 60, 22 * 60}};
  CHECK(contains(evening, at("2024-11-02T01:00:00Z")));
}

TEST_CASE("the repeated hour in New York, 2024-11-03") {
  TimeInterval one_to_two;
  one_to_two.times = {TimeRange{60, 120}};
  one_to_two.location = "America/New_York";
  CHECK_FALSE(contains(one_to_two, at("2024-11-03T04:59:59Z")));
  CHECK(contains(one_to_two, at("2024-11-03T05:30:00Z")));  // 01:30 EDT
  CHECK(contains(one_to_two, at("2024-11-03T06:30:00Z")));  // 01:30 EST
  CHECK_FALSE(contains(one_to_two, at("2024-11-03T07:00:00Z")));
}

TEST_CASE("negative days of month count from the month's end") {
  TimeInterval last = days_of_month({{-1, -1}});
  CHECK(contains(last, at("2024-02-29T12:00:00Z")));  // leap year
  CHECK_FALSE(contains(last, at("2024-02-28T12:00:00Z")));
  CHECK(contains(last, at("2023-02-28T12:00:00Z")));
  CHECK_FALSE(contains(last, at("2023-02-27T12:00:00Z")));
  CHECK(contains(last, at("2024-04-30T00:00:00Z")));
  CHECK(contains(last, at("2024-12-31T23:59:59Z")));
  CHECK_FALSE(contains(last, at("2025-01-01T00:00:00Z")));

  TimeInterval last_three = days_of_month({{-3, -1}});
  CHECK(contains(last_three, at("2024-02-27T00:00:00Z")));
  CHECK_FALSE(contains(last_three, at("2024-02-26T23:59:59Z")));
  CHECK(contains(last_three, at("2023-02-26T00:00:00Z")));
  CHECK_FALSE(contains(last_three, at("2023-02-25T00:00:00Z")));

  TimeInterval whole = days_of_month({{1, -1}});
  CHECK(contains(whole, at("2024-02-01T00:00:00Z")));
  CHECK(contains(whole, at("2024-02-29T00:00:00Z")));

  TimeInterval mid_to_second_last = days_of_month({{15, -2}});
  CHECK(contains(mid_to_second_last, at("2024-02-28T00:00:00Z")));
  CHECK_FALSE(contains(mid_to_second_last, at("2024-02-29T00:00:00Z")));
  CHECK_FALSE(contains(mid_to_second_last, at("2024-02-14T00:00:00Z")));
}

TEST_CASE("days past the end of a short month") {
  // Starts past February's end: skipped rather than clamped.
  TimeInterval thirtieth = days_of_month({{30, 31}});
  CHECK_FALSE(contains(thirtieth, at("2024-02-29T00:00:00Z")));
  CHECK(contains(thirtieth, at("2024-03-31T00:00:00Z")));
  CHECK(contains(thirtieth, at("2024-04-30T00:00:00Z")));
  // Ends past it: the end is clamped to the last day.
  TimeInterval from_28 = days_of_month({{28, 31}});
  CHECK(contains(from_28, at("2023-02-28T00:00:00Z")));
  CHECK(contains(from_28, at("2024-02-29T00:00:00Z")));
  CHECK_FALSE(contains(from_28, at("2024-02-27T00:00:00Z")));
  // Counting back further than the month is long clamps to its first day.
  TimeInterval far_back = days_of_month({{-31, 2}});
  CHECK(contains(far_back, at("2023-02-01T00:00:00Z")));
  CHECK(contains(far_back, at("2023-02-02T00:00:00Z")));
  CHECK_FALSE(contains(far_back, at("2023-02-03T00:00:00Z")));
}

TEST_CASE("negative days of month in a zone, in months with a clock change") {
  // The day is the zone's: 22:30 UTC on Jan 31 is Jan 31 in Berlin, 23:30 UTC is Feb 1.
  TimeInterval last = days_of_month({{-1, -1}}, "Europe/Berlin");
  CHECK(contains(last, at("2024-01-31T22:30:00Z")));
  CHECK_FALSE(contains(last, at("2024-01-31T23:30:00Z")));
  // March 2024 has 31 calendar days in Berlin even though the clocks skip an hour (0.25 counted 30:
  // see timeinterval.cpp).
  CHECK(contains(last, at("2024-03-31T12:00:00Z")));
  CHECK_FALSE(contains(last, at("2024-03-30T12:00:00Z")));
  CHECK(contains(last, at("2024-10-31T12:00:00Z")));
  TimeInterval ny_last = days_of_month({{-1, -1}}, "America/New_York");
  CHECK(contains(ny_last, at("2024-03-31T12:00:00Z")));
  CHECK(contains(ny_last, at("2024-11-30T12:00:00Z")));
  CHECK(contains(ny_last, at("2024-12-01T04:59:59Z")));  // still Nov 30 in New York
  CHECK_FALSE(contains(ny_last, at("2024-12-01T05:00:00Z")));
}

TEST_CASE("weekday, month and year ranges are inclusive") {
  TimeInterval weekend;
  weekend.weekdays = ranges({{0, 0}, {6, 6}});
  CHECK(contains(weekend, at("2024-06-01T12:00:00Z")));   // saturday
  CHECK(contains(weekend, at("2024-06-02T12:00:00Z")));   // sunday
  CHECK_FALSE(contains(weekend, at("2024-06-03T12:00:00Z")));
  CHECK_FALSE(contains(weekend, at("2024-05-31T23:59:59Z")));

  TimeInterval tue_thu;
  tue_thu.weekdays = ranges({{2, 4}});
  CHECK_FALSE(contains(tue_thu, at("2024-06-03T12:00:00Z")));  // monday
  CHECK(contains(tue_thu, at("2024-06-04T00:00:00Z")));
  CHECK(contains(tue_thu, at("2024-06-06T23:59:59Z")));
  CHECK_FALSE(contains(tue_thu, at("2024-06-07T00:00:00Z")));

  TimeInterval spring;
  spring.months = ranges({{3, 5}});
  CHECK_FALSE(contains(spring, at("2024-02-29T23:59:59Z")));
  CHECK(contains(spring, at("2024-03-01T00:00:00Z")));
  CHECK(contains(spring, at("2024-05-31T23:59:59Z")));
  CHECK_FALSE(contains(spring, at("2024-06-01T00:00:00Z")));

  TimeInterval dec_jan;
  dec_jan.months = ranges({{12, 12}, {1, 1}});
  CHECK(contains(dec_jan, at("2024-12-15T00:00:00Z")));
  CHECK(contains(dec_jan, at("2025-01-15T00:00:00Z")));
  CHECK_FALSE(contains(dec_jan, at("2025-02-15T00:00:00Z")));

  TimeInterval years;
  years.years = ranges({{2023, 2024}, {2030, 2030}});
  CHECK_FALSE(contains(years, at("2022-12-31T23:59:59Z")));
  CHECK(contains(years, at("2023-01-01T00:00:00Z")));
  CHECK(contains(years, at("2024-12-31T23:59:59Z")));
  CHECK_FALSE(contains(years, at("2025-01-01T00:00:00Z")));
  CHECK(contains(years, at("2030-06-01T00:00:00Z")));
  // New Year's Eve 23:30 UTC is already the next year in Berlin.
  years.location = "Europe/Berlin";
  CHECK(contains(years, at("2022-12-31T23:30:00Z")));
  CHECK_FALSE(contains(years, at("2024-12-31T23:30:00Z")));
}

TEST_CASE("every given field must match") {
  TimeInterval ti;
  ti.times = {TimeRange{9 * 60, 17 * 60}};
  ti.weekdays = ranges({{1, 5}});
  ti.days_of_month = ranges({{1, 7}});
  ti.months = ranges({{6, 6}});
  ti.years = ranges({{2024, 2024}});
  CHECK(contains(ti, at("2024-06-03T10:00:00Z")));           // monday June 3rd
  CHECK_FALSE(contains(ti, at("2024-06-03T18:00:00Z")));     // time
  CHECK_FALSE(contains(ti, at("2024-06-01T10:00:00Z")));     // saturday
  CHECK_FALSE(contains(ti, at("2024-06-10T10:00:00Z")));     // day of month
  CHECK_FALSE(contains(ti, at("2024-07-01T10:00:00Z")));     // month
  CHECK_FALSE(contains(ti, at("2025-06-02T10:00:00Z")));     // year
}

TEST_CASE("Local and unknown locations") {
  // Local is the process's zone; whatever it is, it must evaluate without failing.
  TimeInterval local;
  local.location = "Local";
  CHECK(contains(local, at("2024-06-03T10:00:00Z")));
  // An unknown zone (the config check refuses it; tzdata may change after) is evaluated in UTC.
  TimeInterval unknown = business_hours("Mars/Olympus_Mons");
  CHECK(contains(unknown, at("2024-06-03T09:00:00Z")));
  CHECK_FALSE(contains(unknown, at("2024-06-03T17:00:00Z")));
  TimeInterval traversal = business_hours("../../../etc/passwd");
  CHECK(contains(traversal, at("2024-06-03T09:00:00Z")));
  CHECK_FALSE(contains(traversal, at("2024-06-03T08:59:59Z")));
}

TEST_CASE("Intervals::any_contains and muted") {
  std::map<std::string, std::vector<TimeInterval>> defs;
  defs["business"] = {business_hours("Europe/Berlin")};
  TimeInterval weekend;
  weekend.weekdays = ranges({{0, 0}, {6, 6}});
  TimeInterval night;
  night.times = {TimeRange{0, 6 * 60}};
  defs["off"] = {weekend, night};  // either one
  defs["never"] = {};
  Intervals iv(std::move(defs));

  const TimePoint monday_work = at("2024-06-03T10:00:00Z");   // 12:00 in Berlin
  const TimePoint monday_night = at("2024-06-03T02:00:00Z");  // 04:00 in Berlin
  const TimePoint saturday = at("2024-06-01T12:00:00Z");

  CHECK(iv.any_contains({"business"}, monday_work));
  CHECK_FALSE(iv.any_contains({"business"}, monday_night));
  CHECK(iv.any_contains({"off"}, monday_night));
  CHECK(iv.any_contains({"off"}, saturday));
  CHECK(iv.any_contains({"missing", "off"}, saturday));
  CHECK_FALSE(iv.any_contains({"missing"}, saturday));
  CHECK_FALSE(iv.any_contains({"never"}, saturday));
  CHECK_FALSE(iv.any_contains({}, saturday));

  // Neither list: never muted.
  CHECK_FALSE(iv.muted({}, {}, monday_work));
  // Mute intervals only.
  CHECK(iv.muted({"off"}, {}, saturday));
  CHECK_FALSE(iv.muted({"off"}, {}, monday_work));
  // Active intervals only: muted outside them.
  CHECK_FALSE(iv.muted({}, {"business"}, monday_work));
  CHECK(iv.muted({}, {"business"}, saturday));
  CHECK(iv.muted({}, {"never"}, monday_work));
  CHECK(iv.muted({}, {"missing"}, monday_work));
  // Both: a mute interval wins over an active one.
  CHECK(iv.muted({"business"}, {"business"}, monday_work));
  CHECK_FALSE(iv.muted({"off"}, {"business"}, monday_work));
  CHECK(iv.muted({"off"}, {"business"}, monday_night));
  CHECK(iv.muted({"never"}, {"off"}, monday_work));
  CHECK_FALSE(iv.muted({"never"}, {"off"}, saturday));
  CHECK_FALSE(iv.muted({"missing"}, {}, saturday));
}

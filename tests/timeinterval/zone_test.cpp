// zone_test.cpp: the TZif reader, POSIX TZ footers, the zone cache and civil time conversion,
// against the system tz database on fixed instants.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "core/time.hpp"
#include "timeinterval/zone.hpp"

using namespace tocsin;
using namespace tocsin::timeinterval;

namespace {

TimePoint at(const char* rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  REQUIRE_MESSAGE(t.ok(), rfc3339);
  return *t;
}

int64_t unix_of(const char* rfc3339) {
  return std::chrono::duration_cast<std::chrono::seconds>(at(rfc3339).time_since_epoch()).count();
}

void put32(std::string& s, uint32_t v) {
  for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
}
void put64(std::string& s, int64_t v) {
  for (int k = 7; k >= 0; --k) s.push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * k)) & 0xff));
}
void header(std::string& s, char version, uint32_t timecnt, uint32_t typecnt, uint32_t charcnt) {
  s += "TZif";
  s.push_back(version);
  s.append(15, '\0');
  put32(s, 0);  // isutcnt
  put32(s, 0);  // isstdcnt
  put32(s, 0);  // leapcnt
  put32(s, timecnt);
  put32(s, typecnt);
  put32(s, charcnt);
}

}  // namespace

TEST_CASE("Europe/Berlin offsets around the 2024 changes") {
  auto z = find_zone("Europe/Berlin");
  REQUIRE(z != nullptr);
  CHECK(z->offset_at(unix_of("2024-03-31T00:59:59Z")) == 3600);
  CHECK(z->offset_at(unix_of("2024-03-31T01:00:00Z")) == 7200);
  CHECK(z->offset_at(unix_of("2024-10-27T00:59:59Z")) == 7200);
  CHECK(z->offset_at(unix_of("2024-10-27T01:00:00Z")) == 3600);
  // Past the fat file's last transition (2037): the POSIX footer decides.
  CHECK(z->offset_at(unix_of("2100-07-01T12:00:00Z")) == 7200);
  CHECK(z->offset_at(unix_of("2100-01-01T12:00:00Z")) == 3600);
  CHECK(z->offset_at(unix_of("2100-03-28T00:59:59Z")) == 3600);
  CHECK(z->offset_at(unix_of("2100-03-28T01:00:00Z")) == 7200);
  // Before 1893 Berlin used local mean time (+0:53:28).
  CHECK(z->offset_at(unix_of("1880-01-01T00:00:00Z")) == 3208);
}

TEST_CASE("America/New_York offsets around the 2024 changes") {
  auto z = find_zone("America/New_York");
  REQUIRE(z != nullptr);
  CHECK(z->offset_at(unix_of("2024-03-10T06:59:59Z")) == -5 * 3600);
  CHECK(z->offset_at(unix_of("2024-03-10T07:00:00Z")) == -4 * 3600);
  CHECK(z->offset_at(unix_of("2024-11-03T05:59:59Z")) == -4 * 3600);
  CHECK(z->offset_at(unix_of("2024-11-03T06:00:00Z")) == -5 * 3600);
  CHECK(z->offset_at(unix_of("2099-07-04T12:00:00Z")) == -4 * 3600);
}

TEST_CASE("southern hemisphere and zones without daylight saving") {
  auto syd = find_zone("Australia/Sydney");
  REQUIRE(syd != nullptr);
  CHECK(syd->offset_at(unix_of("2024-01-15T00:00:00Z")) == 11 * 3600);
  CHECK(syd->offset_at(unix_of("2024-07-15T00:00:00Z")) == 10 * 3600);
  CHECK(syd->offset_at(unix_of("2100-01-15T00:00:00Z")) == 11 * 3600);
  CHECK(syd->offset_at(unix_of("2100-07-15T00:00:00Z")) == 10 * 3600);
  auto kolkata = find_zone("Asia/Kolkata");
  REQUIRE(kolkata != nullptr);
  CHECK(kolkata->offset_at(unix_of("2024-06-01T00:00:00Z")) == 19800);
  CHECK(kolkata->offset_at(unix_of("2200-06-01T00:00:00Z")) == 19800);
}

TEST_CASE("civil time in a zone") {
  auto berlin = find_zone("Europe/Berlin");
  REQUIRE(berlin != nullptr);
  CivilTime ct = civil_time(at("2024-03-31T01:00:00Z"), berlin.get());
  CHECK(ct.year == 2024);
  CHECK(ct.month == 3);
  CHECK(ct.day == 31);
  CHECK(ct.weekday == 0);
  CHECK(ct.minute_of_day == 3 * 60);
  CHECK(ct.utc_offset == 7200);

  // The same instant is the next day, month and year in Berlin.
  ct = civil_time(at("2023-12-31T23:30:00Z"), berlin.get());
  CHECK(ct.year == 2024);
  CHECK(ct.month == 1);
  CHECK(ct.day == 1);
  CHECK(ct.weekday == 1);
  CHECK(ct.minute_of_day == 30);

  ct = civil_time(at("2024-02-29T12:34:56.999Z"), nullptr);
  CHECK(ct.day == 29);
  CHECK(ct.weekday == 4);
  CHECK(ct.minute_of_day == 12 * 60 + 34);
  CHECK(ct.second == 56);

  // Before the epoch rounds toward the past, not toward zero.
  ct = civil_time(at("1969-12-31T23:59:59.5Z"), nullptr);
  CHECK(ct.year == 1969);
  CHECK(ct.day == 31);
  CHECK(ct.minute_of_day == 1439);
  CHECK(ct.second == 59);
}

TEST_CASE("days_in_month follows the calendar") {
  CHECK(days_in_month(2024, 2) == 29);
  CHECK(days_in_month(2023, 2) == 28);
  CHECK(days_in_month(1900, 2) == 28);
  CHECK(days_in_month(2000, 2) == 29);
  CHECK(days_in_month(2024, 3) == 31);
  CHECK(days_in_month(2024, 4) == 30);
  CHECK(days_in_month(2024, 12) == 31);
}

TEST_CASE("POSIX TZ strings") {
  auto cet = parse_posix_tz("CET-1CEST,M3.5.0,M10.5.0/3");
  REQUIRE(cet);
  CHECK(cet->std_offset == 3600);
  CHECK(cet->dst_offset == 7200);
  CHECK(cet->end.time == 3 * 3600);
  CHECK(posix_offset_at(*cet, unix_of("2024-03-31T00:59:59Z")) == 3600);
  CHECK(posix_offset_at(*cet, unix_of("2024-03-31T01:00:00Z")) == 7200);
  CHECK(posix_offset_at(*cet, unix_of("2024-10-27T00:59:59Z")) == 7200);
  CHECK(posix_offset_at(*cet, unix_of("2024-10-27T01:00:00Z")) == 3600);

  auto fixed = parse_posix_tz("<+0330>-3:30");
  REQUIRE(fixed);
  CHECK_FALSE(fixed->has_dst);
  CHECK(posix_offset_at(*fixed, 0) == 3 * 3600 + 1800);

  // No rule: the US rules.
  auto est = parse_posix_tz("EST5EDT");
  REQUIRE(est);
  CHECK(posix_offset_at(*est, unix_of("2024-03-10T06:59:59Z")) == -5 * 3600);
  CHECK(posix_offset_at(*est, unix_of("2024-03-10T07:00:00Z")) == -4 * 3600);
  CHECK(posix_offset_at(*est, unix_of("2024-11-03T06:00:00Z")) == -5 * 3600);

  auto aest = parse_posix_tz("AEST-10AEDT,M10.1.0,M4.1.0/3");
  REQUIRE(aest);
  CHECK(posix_offset_at(*aest, unix_of("2024-01-01T00:00:00Z")) == 11 * 3600);
  CHECK(posix_offset_at(*aest, unix_of("2024-06-01T00:00:00Z")) == 10 * 3600);
  CHECK(posix_offset_at(*aest, unix_of("2024-12-01T00:00:00Z")) == 11 * 3600);

  // Julian days, with and without Feb 29; daylight time all year (TZif v3 hours past 24).
  auto j = parse_posix_tz("XXX0YYY,J60/0,300/0");
  REQUIRE(j);
  CHECK(posix_offset_at(*j, unix_of("2024-02-29T23:59:59Z")) == 0);
  CHECK(posix_offset_at(*j, unix_of("2024-03-01T00:00:00Z")) == 3600);
  auto always = parse_posix_tz("EST5EDT,0/0,J365/25");
  REQUIRE(always);
  CHECK(posix_offset_at(*always, unix_of("2024-01-01T02:00:00Z")) == -4 * 3600);
  CHECK(posix_offset_at(*always, unix_of("2024-07-01T02:00:00Z")) == -4 * 3600);
  CHECK(posix_offset_at(*always, unix_of("2024-12-31T23:00:00Z")) == -4 * 3600);

  for (const char* bad : {"", "C", "CET", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0",
                          "CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,J0,J10", "CET-1CEST,M3.5.0,M10.5.0/x", "<abc-1",
                          "CET-1x"}) {
    CHECK_MESSAGE(!parse_posix_tz(bad), bad);
  }
}

TEST_CASE("a slim TZif file: no transitions, only the footer") {
  std::string v1;
  header(v1, '2', 0, 1, 4);
  put32(v1, 3600);
  v1 += std::string("\0\0CET\0", 6);
  std::string b = v1;
  header(b, '2', 0, 1, 4);
  put32(b, 3600);
  b += std::string("\0\0CET\0", 6);
  b += "\nCET-1CEST,M3.5.0,M10.5.0/3\n";
  auto z = Zone::from_tzif(b, "Slim/Berlin");
  REQUIRE(z.ok());
  CHECK(z->offset_at(unix_of("2024-07-01T00:00:00Z")) == 7200);
  CHECK(z->offset_at(unix_of("2024-12-01T00:00:00Z")) == 3600);
}

TEST_CASE("a version 1 TZif file and a v2 file without footer") {
  std::string b;
  header(b, '\0', 1, 2, 8);
  put32(b, static_cast<uint32_t>(1000));  // one transition at t=1000
  b.push_back('\1');
  put32(b, 0);
  b += std::string("\0\0", 2);
  put32(b, static_cast<uint32_t>(-7200));
  b += std::string("\1\4", 2);
  b += std::string("AAA\0BBB\0", 8);
  auto z = Zone::from_tzif(b, "V1");
  REQUIRE(z.ok());
  CHECK(z->offset_at(999) == 0);
  CHECK(z->offset_at(1000) == -7200);
  CHECK(z->offset_at(4000000000) == -7200);

  std::string v2;
  header(v2, '2', 0, 1, 4);
  put32(v2, 0);
  v2 += std::string("\0\0UTC\0", 6);
  header(v2, '2', 1, 2, 8);
  put64(v2, 5000000000);
  v2.push_back('\1');
  put32(v2, 0);
  v2 += std::string("\0\0", 2);
  put32(v2, 3600);
  v2 += std::string("\0\4", 2);
  v2 += std::string("AAA\0BBB\0", 8);
  v2 += "\n\n";
  auto z2 = Zone::from_tzif(v2, "V2");
  REQUIRE(z2.ok());
  CHECK(z2->offset_at(4999999999) == 0);
  CHECK(z2->offset_at(5000000000) == 3600);
}

TEST_CASE("malformed TZif input is refused") {
  CHECK_FALSE(Zone::from_tzif("", "x").ok());
  CHECK_FALSE(Zone::from_tzif("TZif2", "x").ok());
  CHECK_FALSE(Zone::from_tzif(std::string(100, 'x'), "x").ok());
  std::string b;
  header(b, '\0', 1, 1, 0);
  put32(b, 0);
  b.push_back('\5');  // type index past the type count
  put32(b, 0);
  b += std::string("\0\0", 2);
  CHECK_FALSE(Zone::from_tzif(b, "x").ok());
  std::string t;
  header(t, '\0', 1000, 1, 0);  // counts larger than the data
  CHECK_FALSE(Zone::from_tzif(t, "x").ok());
  std::string none;
  header(none, '\0', 0, 0, 0);
  CHECK_FALSE(Zone::from_tzif(none, "x").ok());
}

TEST_CASE("zone names: UTC, unknown and unsafe names") {
  auto utc = find_zone("UTC");
  REQUIRE(utc != nullptr);
  CHECK(utc->offset_at(unix_of("2024-07-01T00:00:00Z")) == 0);
  CHECK(find_zone("") == utc);
  CHECK(find_zone("Mars/Olympus_Mons") == nullptr);
  CHECK(find_zone("Mars/Olympus_Mons") == nullptr);  // cached miss
  CHECK(find_zone("../../etc/passwd") == nullptr);
  CHECK(find_zone("/etc/localtime") == nullptr);
  CHECK(find_zone("Europe") == nullptr);  // a directory
  CHECK(find_zone("Europe/Berlin") == find_zone("Europe/Berlin"));  // cached
  CHECK(find_zone("Local") != nullptr);
}

TEST_CASE("the local zone from a TZ value") {
  auto probe = unix_of("2024-07-01T00:00:00Z");
  CHECK(load_local_zone("")->offset_at(probe) == 0);
  CHECK(load_local_zone("UTC")->offset_at(probe) == 0);
  CHECK(load_local_zone("Europe/Berlin")->offset_at(probe) == 7200);
  CHECK(load_local_zone(":America/New_York")->offset_at(probe) == -4 * 3600);
  CHECK(load_local_zone("/usr/share/zoneinfo/Asia/Tokyo")->offset_at(probe) == 9 * 3600);
  CHECK(load_local_zone("No/Such_Zone")->offset_at(probe) == 0);
  CHECK(load_local_zone("/nonexistent/file")->offset_at(probe) == 0);
  CHECK(load_local_zone(nullptr) != nullptr);
}

TEST_CASE("the cache is safe from many threads") {
  const std::vector<std::string> names = {"Europe/Paris", "Asia/Tokyo", "America/Chicago", "Africa/Cairo", "Nope/Nope"};
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int round = 0; round < 200; ++round) {
        for (const auto& n : names) {
          auto z = find_zone(n);
          if ((z != nullptr) == (n != "Nope/Nope")) ++ok[k];
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int k = 0; k < 4; ++k) CHECK(ok[k] == 200 * 5);
}

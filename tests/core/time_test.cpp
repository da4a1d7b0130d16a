// time_test.cpp: durations (Prometheus and Go syntax) and RFC 3339 both ways, against values printed
// by the reference's Go libraries.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <tuple>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/time.hpp"

using namespace tocsin;
using namespace std::chrono_literals;

namespace {

struct DurationCase {
  const char* input;
  int64_t ns;
  const char* error;  // nullptr: must parse
};

TimePoint at_ns(int64_t ns) { return TimePoint{Duration{ns}}; }

}  // namespace

TEST_CASE("parse_duration follows Prometheus model.ParseDuration") {
  const DurationCase cases[] = {
      {"0", 0, nullptr},
      {"1h30m", 5400000000000, nullptr},
      {"5m", 300000000000, nullptr},
      {"1d", 86400000000000, nullptr},
      {"1w", 604800000000000, nullptr},
      {"1y", 31536000000000000, nullptr},
      {"1500ms", 1500000000, nullptr},
      {"5ms", 5000000, nullptr},
      {"2w1d", 1296000000000000, nullptr},
      {"1y2w3d4h5m6s7ms", 33019506007000000, nullptr},
      {"0s", 0, nullptr},
      {"", 0, "empty duration string"},
      {"1m1h", 0, "not a valid duration string: \"1m1h\""},
      {"1h1h", 0, "not a valid duration string: \"1h1h\""},
      {"-1s", 0, "not a valid duration string: \"-1s\""},
      {"1.5h", 0, "not a valid duration string: \"1.5h\""},
      {"1hh", 0, "not a valid duration string: \"1hh\""},
      {"d", 0, "not a valid duration string: \"d\""},
      {"10", 0, "not a valid duration string: \"10\""},
      {"1 h", 0, "not a valid duration string: \"1 h\""},
      {"300y", 0, "duration out of range"},
      {"100000000000000000000y", 0, "duration out of range"},
  };
  for (const auto& c : cases) {
    const std::string input = c.input;
    CAPTURE(input);
    auto r = parse_duration(c.input);
    if (c.error) {
      REQUIRE_FALSE(r.ok());
      CHECK(r.error() == std::string(c.error));
    } else {
      REQUIRE(r.ok());
      CHECK(r->count() == c.ns);
    }
  }
}

TEST_CASE("format_duration follows Prometheus model.Duration.String") {
  const std::pair<int64_t, const char*> cases[] = {
      {0, "0s"},
      {1, "0s"},
      {1000000, "1ms"},
      {1500000, "1ms"},
      {300000000, "300ms"},
      {1500000000, "1s500ms"},
      {60000000000, "1m"},
      {5400000000000, "1h30m"},
      {3600000000000, "1h"},
      {86400000000000, "1d"},
      {604800000000000, "1w"},
      {31536000000000000, "1y"},
      {7776000000000000, "90d"},
      {1296000000000000, "15d"},
      {33019506007000000, "382d4h5m6s7ms"},
      {86400000000000 * 400, "400d"},
      {INT64_MAX, "106751d23h47m16s854ms"},
      {-1500000000, ""},
  };
  for (const auto& c_ : cases) {
    const auto& ns = std::get<0>(c_);
    const auto& want = std::get<1>(c_);
    CAPTURE(ns);
    CHECK(format_duration(Duration{ns}) == std::string(want));
  }
}

TEST_CASE("parse_go_duration follows Go time.ParseDuration") {
  const DurationCase cases[] = {
      {"0", 0, nullptr},
      {"-0", 0, nullptr},
      {"1.5h", 5400000000000, nullptr},
      {"-2h45m", -9900000000000, nullptr},
      {"1h0m0s", 3600000000000, nullptr},
      {"300ms", 300000000, nullptr},
      {"1us", 1000, nullptr},
      {"1\xC2\xB5s", 1000, nullptr},
      {"1\xCE\xBCs", 1000, nullptr},
      {"2ns", 2, nullptr},
      {".5s", 500000000, nullptr},
      {"5.s", 5000000000, nullptr},
      {"+3m", 180000000000, nullptr},
      {"9223372036854775807ns", INT64_MAX, nullptr},
      {"-9223372036854775808ns", INT64_MIN, nullptr},
      {"2562047h47m16.854775807s", INT64_MAX, nullptr},
      {"1.0000000000000000000001s", 1000000000, nullptr},
      {"0.333333333333333333333h", 1200000000000, nullptr},
      {"", 0, "time: invalid duration \"\""},
      {".s", 0, "time: invalid duration \".s\""},
      {"1", 0, "time: missing unit in duration \"1\""},
      {"1x", 0, "time: unknown unit \"x\" in duration \"1x\""},
      {"9223372036854775808ns", 0, "time: invalid duration \"9223372036854775808ns\""},
      {"\xC2\xB5", 0, "time: invalid duration \"\\xc2\\xb5\""},
  };
  for (const auto& c : cases) {
    const std::string input = c.input;
    CAPTURE(input);
    auto r = parse_go_duration(c.input);
    if (c.error) {
      REQUIRE_FALSE(r.ok());
      CHECK(r.error() == std::string(c.error));
    } else {
      REQUIRE(r.ok());
      CHECK(r->count() == c.ns);
    }
  }
}

TEST_CASE("format_go_duration follows Go time.Duration.String") {
  const std::pair<int64_t, const char*> cases[] = {
      {0, "0s"},
      {1, "1ns"},
      {999, "999ns"},
      {1000, "1\xC2\xB5s"},
      {1500, "1.5\xC2\xB5s"},
      {1000000, "1ms"},
      {1500000, "1.5ms"},
      {300000000, "300ms"},
      {1500000000, "1.5s"},
      {60000000000, "1m0s"},
      {300000000000, "5m0s"},
      {5400000000000, "1h30m0s"},
      {3600000000000, "1h0m0s"},
      {-1500000000, "-1.5s"},
      {86400000000000 * 400, "9600h0m0s"},
      {INT64_MAX, "2562047h47m16.854775807s"},
      {INT64_MIN, "-2562047h47m16.854775808s"},
  };
  for (const auto& c_ : cases) {
    const auto& ns = std::get<0>(c_);
    const auto& want = std::get<1>(c_);
    CAPTURE(ns);
    CHECK(format_go_duration(Duration{ns}) == std::string(want));
  }
}

TEST_CASE("parse_rfc3339 accepts Go's RFC3339 layout") {
  const std::pair<const char*, int64_t> good[] = {
      {"2024-01-02T03:04:05Z", 1704164645000000000},
      {"2024-01-02T03:04:05.123456789Z", 1704164645123456789},
      {"2024-01-02T03:04:05.1234567891Z", 1704164645123456789},
      {"2024-01-02T03:04:05+02:00", 1704157445000000000},
      {"2024-01-02T03:04:05.5-07:30", 1704191645500000000},
      {"2024-02-29T23:59:59Z", 1709251199000000000},
      {"1969-12-31T23:59:59.999Z", -1000000},
      {"2024-01-02T03:04:05,5Z", 1704164645500000000},     // Go takes a comma too
      {"2024-01-02T03:04:05+24:00", 1704078245000000000},  // and any two-digit offset (Go 1.19)
  };
  for (const auto& c_ : good) {
    const auto& s = std::get<0>(c_);
    const auto& ns = std::get<1>(c_);
    CAPTURE(s);
    auto r = parse_rfc3339(s);
    REQUIRE(r.ok());
    CHECK(r->time_since_epoch().count() == ns);
  }
  CHECK(parse_rfc3339("0001-01-01T00:00:00Z").value() == kZeroTime);

  const std::pair<const char*, const char*> bad[] = {
      {"2024-02-30T00:00:00Z", "parsing time \"2024-02-30T00:00:00Z\": day out of range"},
      {"2023-02-29T00:00:00Z", "parsing time \"2023-02-29T00:00:00Z\": day out of range"},
      {"2024-01-02T24:00:00Z", "parsing time \"2024-01-02T24:00:00Z\": hour out of range"},
      // The day is checked last, the other fields as they are read.
      {"2024-01-32T03:04:60Z", "parsing time \"2024-01-32T03:04:60Z\": second out of range"},
      {"2024-01-32T03:04:05", "parsing time \"2024-01-32T03:04:05\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as "
                              "\"Z07:00\""},
      {"2024-13-01T03:04:05Z", "parsing time \"2024-13-01T03:04:05Z\": month out of range"},
      {"2024-01-02T03:04:05Zx", "parsing time \"2024-01-02T03:04:05Zx\": extra text: \"x\""},
      {"2024-01-02 03:04:05Z",
       "parsing time \"2024-01-02 03:04:05Z\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \" 03:04:05Z\" as \"T\""},
      {"2024-01-02T03:04:05",
       "parsing time \"2024-01-02T03:04:05\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as \"Z07:00\""},
      {"2024-01-02T03:04:05.Z",
       "parsing time \"2024-01-02T03:04:05.Z\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \".Z\" as \"Z07:00\""},
      {"2024-01-02t03:04:05z",
       "parsing time \"2024-01-02t03:04:05z\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"t03:04:05z\" as \"T\""},
  };
  for (const auto& c_ : bad) {
    const auto& s = std::get<0>(c_);
    const auto& msg = std::get<1>(c_);
    CAPTURE(s);
    auto r = parse_rfc3339(s);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == std::string(msg));
  }
  CHECK_FALSE(parse_rfc3339("1500-01-01T00:00:00Z").ok());
  CHECK_FALSE(parse_rfc3339("2300-01-01T00:00:00Z").ok());
  CHECK_FALSE(parse_rfc3339("2024-01-02T03:04:05Zjunk").ok());
  CHECK_FALSE(parse_rfc3339("2024-01-02T03:04:05+0200").ok());
}

TEST_CASE("parse_rfc3339: the UTC fast path agrees with the general parser (the same instant written +00:00)") {
  // "...Z" takes the fast path, "...+00:00" the general one.
  std::vector<std::string> stamps;
  for (int year : {1678, 1679, 1970, 2000, 2023, 2024, 2100, 2260, 2261}) {
    for (const char* md : {"01-01", "02-28", "02-29", "03-01", "06-30", "12-31"}) {
      for (const char* hms : {"00:00:00", "23:59:59", "12:34:56"}) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%04d-%sT%s", year, md, hms);
        stamps.emplace_back(buf);
      }
    }
  }
  for (const std::string& base : stamps) {
    for (const char* frac : {"", ".1", ".12", ".123", ".123456", ".123456789", ".1234567891", ",5", "."}) {
      const std::string z = base + frac + "Z";
      const std::string offset = base + frac + "+00:00";
      CAPTURE(z);
      auto a = parse_rfc3339(z);
      auto b = parse_rfc3339(offset);
      REQUIRE(a.ok() == b.ok());
      if (a.ok()) {
        CHECK(*a == *b);
      } else {
        // The same words as the general path gives for the Z form.
        CHECK(a.error().find("parsing time \"" + z + "\"") == 0);
      }
    }
  }
  CHECK(parse_rfc3339("2024-02-30T00:00:00Z").error() == "parsing time \"2024-02-30T00:00:00Z\": day out of range");
  CHECK(parse_rfc3339("1677-12-31T23:59:59Z").error() ==
        "parsing time \"1677-12-31T23:59:59Z\": year outside the supported range 1678-2261");
  CHECK_FALSE(parse_rfc3339("2024-01-02T03:04:0xZ").ok());
  CHECK_FALSE(parse_rfc3339("2024-01-02T03:04:05.1x3Z").ok());
}

TEST_CASE("format_rfc3339 writes UTC with milliseconds, format_rfc3339_nano trims the fraction") {
  const std::tuple<int64_t, const char*, const char*> cases[] = {
      {1704164645000000000, "2024-01-02T03:04:05.000Z", "2024-01-02T03:04:05Z"},
      {1704164645123456789, "2024-01-02T03:04:05.123Z", "2024-01-02T03:04:05.123456789Z"},
      {1704191645500000000, "2024-01-02T10:34:05.500Z", "2024-01-02T10:34:05.5Z"},
      {1709251199000000000, "2024-02-29T23:59:59.000Z", "2024-02-29T23:59:59Z"},
      {-1000000, "1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"},
  };
  for (const auto& c_ : cases) {
    const auto& ns = std::get<0>(c_);
    const auto& milli = std::get<1>(c_);
    const auto& nano = std::get<2>(c_);
    CAPTURE(ns);
    CHECK(format_rfc3339(at_ns(ns)) == std::string(milli));
    CHECK(format_rfc3339_nano(at_ns(ns)) == std::string(nano));
  }
  CHECK(format_rfc3339(kZeroTime) == "0001-01-01T00:00:00.000Z");
  CHECK(format_rfc3339_nano(kZeroTime) == "0001-01-01T00:00:00Z");
}

TEST_CASE("write_rfc3339 agrees with the civil-date path across days, back and forth (its date cache)") {
  // format_rfc3339_nano does not use the cached date: its first 19 characters are the reference.
  const int64_t day = 86400LL * 1000000000LL;
  const int64_t starts[] = {1709251199999000000, -1, -day, 0, 4102444800000000000, 1709251199999000000,
                            1709251200000000000, 1709251199999000000};
  for (int64_t base : starts) {
    for (int64_t step : {int64_t{0}, int64_t{1000000}, day - 1, day, 37 * day + 12345678901}) {
      const TimePoint t = at_ns(base + step);
      CAPTURE(base + step);
      char buf[kRfc3339Bytes + 8];
      char* end = write_rfc3339(buf, t);
      REQUIRE(end - buf == static_cast<std::ptrdiff_t>(kRfc3339Bytes));
      const std::string got(buf, kRfc3339Bytes);
      CHECK(got.substr(0, 19) == format_rfc3339_nano(t).substr(0, 19));
      CHECK(got == format_rfc3339(t));
      const int64_t ms = (((base + step) % 1000000000 + 1000000000) % 1000000000) / 1000000;
      char frac[8];
      std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms));
      CHECK(got.substr(19) == std::string(frac));
    }
  }
  char buf[kRfc3339Bytes];
  CHECK(std::string(buf, write_rfc3339(buf, kZeroTime)) == "0001-01-01T00:00:00.000Z");
}

TEST_CASE("rfc3339 round trip") {
  for (const char* s : {"2024-01-02T03:04:05.123456789Z", "1999-12-31T23:59:59Z", "2000-02-29T12:00:00.5Z",
                        "2261-12-31T23:59:59.999999999Z", "1678-01-01T00:00:00Z"}) {
    CAPTURE(s);
    auto r = parse_rfc3339(s);
    REQUIRE(r.ok());
    CHECK(format_rfc3339_nano(*r) == std::string(s));
  }
}

TEST_CASE("clocks") {
  SystemClock sys;
  CHECK(sys.now() > parse_rfc3339("2020-01-01T00:00:00Z").value());
  FakeClock fake(at_ns(1000));
  fake.advance(5s);
  CHECK(fake.now() == at_ns(1000 + 5000000000));
  fake.set(at_ns(7));
  CHECK(fake.now() == at_ns(7));
}

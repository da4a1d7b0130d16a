// Protocol buffer sizes against encodings worked out by hand from the wire format.
#include <doctest/doctest.h>

#include "core/proto_size.hpp"

using namespace tocsin;

TEST_CASE("varints take 7 bits a byte") {
  CHECK(proto_size::varint(0) == 1);
  CHECK(proto_size::varint(127) == 1);
  CHECK(proto_size::varint(128) == 2);
  CHECK(proto_size::varint(1'700'000'000) == 5);
  CHECK(proto_size::varint(~0ULL) == 10);
}

TEST_CASE("proto3 fields: empty strings and zeros are left out, a message field always has a tag and length") {
  CHECK(proto_size::string_field("") == 0);
  CHECK(proto_size::string_field("hook") == 6);
  CHECK(proto_size::varint_field(0) == 0);
  CHECK(proto_size::varint_field(1) == 2);
  CHECK(proto_size::delimited_field(0) == 2);
  CHECK(proto_size::delimited_field(200) == 203);
}

TEST_CASE("timestamps: seconds and nanoseconds, each left out when zero") {
  using std::chrono::nanoseconds;
  CHECK(proto_size::timestamp(TimePoint{}) == 0);
  CHECK(proto_size::timestamp(TimePoint{nanoseconds(1'700'000'000'000'000'123)}) == 8);  // 1+5, 1+1
  CHECK(proto_size::timestamp(TimePoint{nanoseconds(1'700'000'000'000'000'000)}) == 6);
  CHECK(proto_size::timestamp_field(TimePoint{nanoseconds(1'700'000'000'000'000'000)}) == 8);
  // Before 1970: negative seconds take ten bytes; the nanoseconds stay positive.
  CHECK(proto_size::timestamp(TimePoint{nanoseconds(-1'000'000'000)}) == 11);
  CHECK(proto_size::timestamp(TimePoint{nanoseconds(-1)}) == 11 + 1 + 5);
}

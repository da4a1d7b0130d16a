// proto_size.hpp: sizes of protocol buffer encodings, computed without encoding. The reference
// reports the bytes of its silence and notification-log snapshots (length-delimited protobuf
// messages); tocsin writes no snapshot but reports what the reference's would weigh.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/time.hpp"

namespace tocsin::proto_size {

inline size_t varint(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// A field of field number below 16 (a one-byte tag) holding `len` bytes: tag, length, bytes.
inline size_t delimited_field(size_t len) { return 1 + varint(len) + len; }
// A proto3 string or bytes field: absent when empty.
inline size_t string_field(std::string_view s) { return s.empty() ? 0 : delimited_field(s.size()); }
// A proto3 varint field (enum, uint32, int64 >= 0): absent when zero.
inline size_t varint_field(uint64_t v) { return v == 0 ? 0 : 1 + varint(v); }

// google.protobuf.Timestamp of `t` (seconds and nanos, proto3 rules), without its own tag.
inline size_t timestamp(TimePoint t) {
  const int64_t ns = t.time_since_epoch().count();
  int64_t secs = ns / 1'000'000'000;
  int64_t nanos = ns % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    secs -= 1;
  }
  // Negative int64 varints take ten bytes.
  const size_t s = secs == 0 ? 0 : 1 + (secs < 0 ? 10 : varint(static_cast<uint64_t>(secs)));
  return s + varint_field(static_cast<uint64_t>(nanos));
}
// A non-nullable (gogoproto) timestamp field: always present.
inline size_t timestamp_field(TimePoint t) { return delimited_field(timestamp(t)); }

}  // namespace tocsin::proto_size

// fuzz_time.cpp: RFC 3339 timestamps and both duration syntaxes (Prometheus model.Duration, Go's
// time.ParseDuration). What parses must format and parse back to the same value.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/time.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto t = tocsin::parse_rfc3339(in)) {
    (void)tocsin::format_rfc3339(*t);
    (void)tocsin::format_rfc3339_nano(*t);
  }
  if (auto d = tocsin::parse_duration(in)) {
    auto back = tocsin::parse_duration(tocsin::format_duration(*d));
    if (!back || *back != *d) std::abort();
  }
  if (auto d = tocsin::parse_go_duration(in)) {
    auto back = tocsin::parse_go_duration(tocsin::format_go_duration(*d));
    if (!back || *back != *d) std::abort();
  }
  return 0;
}

// fuzz_silence.cpp: the POST /api/v2/silences body decoder and the store's row decoder; what parses is
// encoded back (GettableSilence and the row), and the row must decode again. Also the Go-compatible
// readers the API shares (json.Decoder's scanner, strfmt date-times, request URIs, booleans).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "silence/codec.hpp"
#include "silence/go_compat.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  tocsin::silence::PostableError err;
  if (auto s = tocsin::silence::parse_postable_silence(in, &err)) {
    (void)tocsin::silence::gettable_silence_json(*s, tocsin::TimePoint{});
    if (!tocsin::silence::parse_storage_json(tocsin::silence::storage_json(*s))) std::abort();
  } else if (err.http_status < 400 || err.http_status > 499) {
    std::abort();
  }
  if (auto s = tocsin::silence::parse_storage_json(in)) (void)tocsin::silence::storage_json(*s);
  const auto scan = tocsin::silence::scan_go_json(in);
  if (scan.kind == tocsin::silence::JsonScan::kValue && (scan.end == 0 || scan.end > in.size())) std::abort();
  if (scan.kind == tocsin::silence::JsonScan::kSyntax && scan.message.empty()) std::abort();
  if (auto t = tocsin::silence::parse_swagger_datetime(in); !t && t.error().empty()) std::abort();
  (void)tocsin::silence::go_request_uri_ok(in);
  (void)tocsin::silence::go_swagger_bool(in);
  return 0;
}

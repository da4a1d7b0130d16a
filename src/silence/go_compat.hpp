// go_compat.hpp: how the reference's HTTP layer (Go's encoding/json, go-openapi's strfmt and swag,
// net/url, regexp) reads a request, reproduced for the API codecs: what it accepts and, where it
// refuses, the words it uses. Shared by the silence codec and the API handlers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/time.hpp"

namespace tocsin::silence {

// strfmt.ParseDateTime: RFC 3339 with a 3- or 6-digit fraction and a ±hhmm offset, RFC 3339 (any
// fraction), and the zone-less forms "2006-01-02T15:04:05", "2006-01-02T15:04Z", "2006-01-02T15:04" and
// "2006-01-02 15:04:05" (taken as UTC). "" is the Unix epoch (one nanosecond past it: tocsin's zero time is the epoch). The error is Go's time.Parse error for
// the last layout, "2006-01-02 15:04:05", as the reference reports it.
Result<TimePoint> parse_swagger_datetime(std::string_view s);

// What json.Decoder.Decode makes of the first JSON value of `body`.
struct JsonScan {
  enum Kind { kValue, kEmpty, kSyntax } kind = kValue;
  size_t end = 0;       // kValue: the value's end; bytes after it are never read
  std::string message;  // kSyntax: "invalid character 'x' looking for beginning of value", "unexpected EOF"
};
JsonScan scan_go_json(std::string_view body);

// `json` (syntactically valid) with every number replaced by 0: for the bodies whose numbers are all
// type errors anyway, so that one too large for a double (1e999) reads like any other number.
std::string zero_json_numbers(std::string_view json);

// swag.ConvertBool: "true", "1", "yes", "ok", "y", "on", "selected", "checked", "t", "enabled" (any
// case) are true, anything else false.
bool go_swagger_bool(std::string_view s);

// url.ParseRequestURI(s) succeeds: the check behind go-swagger's "uri" format (generatorURL).
bool go_request_uri_ok(std::string_view s);

// Compiles "^(?:" + pattern + ")$"-style patterns as Go's regexp does; "" when it compiles, else Go's
// message: "error parsing regexp: missing closing ): `(`".
std::string go_regexp_error(const std::string& pattern);

}  // namespace tocsin::silence

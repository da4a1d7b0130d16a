// codec.hpp: JSON of silences: the API v2 PostableSilence / GettableSilence shapes (as the reference's
// OpenAPI spec and go-swagger produce them) and the row format kept in the store.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "silence/silences.hpp"

namespace tocsin::silence {

// How the reference rejects a body it cannot take, before any silence rule is checked.
struct PostableError {
  int http_status = 400;  // 400: not JSON or a wrong type, or an invalid regex; 422: a required field missing
  // go-swagger's code for swagger_error_body(): 400, 602 (required), 612 (min items). 0: the error comes
  // from the silence rules (an uncompilable regex) and the answer is json_string_body(message).
  int code = 400;
};

// Parses a POST /api/v2/silences body. Unknown fields are ignored (as go-swagger does); isEqual
// defaults to true; isRegex, name, value, matchers, startsAt, endsAt, createdBy, comment are required
// (present, may be empty strings). On error the message is the reference's and `err` (if given) says
// how to answer: status and swagger_error_body(code, message).
Result<Silence> parse_postable_silence(std::string_view json, PostableError* err = nullptr);

// {"code":602,"message":"..."}: go-swagger's error body.
std::string swagger_error_body(int code, std::string_view message);
// "\"...\"": the JSON string body the reference's handlers answer errors with.
std::string json_string_body(std::string_view message);
// {"silenceID":"..."}: the body of a successful POST.
std::string post_silence_response(std::string_view id);

// One GettableSilence, keys in the reference's order:
// {"id","status":{"state"},"updatedAt","comment","createdBy","endsAt","matchers":[{"isEqual","isRegex",
// "name","value"}],"startsAt"}; times with millisecond precision in UTC.
std::string gettable_silence_json(const Silence& s, TimePoint now);
// A JSON array of GettableSilences in the given order (see sort_silences).
std::string gettable_silences_json(const std::vector<Silence>& sils, TimePoint now);

// The store row of a silence (nanosecond times) and back.
std::string storage_json(const Silence& s);
Result<Silence> parse_storage_json(std::string_view json);

}  // namespace tocsin::silence

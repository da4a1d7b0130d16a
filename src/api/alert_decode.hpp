// alert_decode.hpp: the fast path of POST /api/v2/alerts: a single-pass decoder from the JSON body
// straight to Alerts, with no JSON tree in between. It accepts only well-formed bodies of the usual
// shape; anything else (a syntax error, a wrong type, a missing field, invalid UTF-8) returns nullopt and
// the caller decodes again with the general path, which words the error as the reference does.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/alert.hpp"

namespace tocsin::api {

std::optional<std::vector<Alert>> decode_alerts_fast(std::string_view body);

}  // namespace tocsin::api

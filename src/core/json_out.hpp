// json_out.hpp: appending JSON text straight into an output buffer, escaped as Go's encoding/json
// escapes it (<, >, & and U+2028/2029 as \u sequences), for the hot API paths that would otherwise
// build and then serialise a JSON tree.
#pragma once

#include <string>
#include <string_view>

#include "core/labels.hpp"

namespace tocsin::json_out {

// Appends "s" with quotes. Invalid UTF-8 bytes become U+FFFD, as Go writes them.
void append_string(std::string& out, std::string_view s);
// Appends {"name":"value",...} in the set's (sorted) order.
void append_labels(std::string& out, const LabelSet& ls);

}  // namespace tocsin::json_out

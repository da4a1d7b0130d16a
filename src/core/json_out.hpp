// json_out.hpp: appending JSON text straight into an output buffer, escaped as Go's encoding/json
// escapes it (<, >, & and U+2028/2029 as \u sequences), for the hot API paths that would otherwise
// build and then serialise a JSON tree.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/labels.hpp"

namespace tocsin::json_out {

// Appends "s" with quotes. Invalid UTF-8 bytes become U+FFFD, as Go writes them.
void append_string(std::string& out, std::string_view s);
// Appends {"name":"value",...} in the set's (sorted) order.
void append_labels(std::string& out, const LabelSet& ls);

// The same written through a raw pointer, for callers that write a whole record into a buffer sized
// beforehand (no capacity check per piece). Each returns the end of what it wrote; the buffer must
// hold at least the matching *_bound() bytes.
char* write_string(char* p, std::string_view s);
char* write_labels(char* p, const LabelSet& ls);
// At most 6 bytes per input byte (a control character becomes \u00XX) plus the quotes.
inline size_t string_bound(std::string_view s) { return 6 * s.size() + 2; }
size_t labels_bound(const LabelSet& ls);

}  // namespace tocsin::json_out

// json_body.hpp: how the integrations write a JSON request body as the reference's Go code does:
// fields in the order of its structs, omitempty strings, json.Encoder's text. Include it only where a
// body is built: nlohmann costs ~2 s of compile time a file.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "receivers/notify_util.hpp"

namespace tocsin::receivers {

// Fields in the order they are set, as a Go struct's fields are written.
using Json = nlohmann::ordered_json;

// Sets `key` unless `v` is empty: a string field tagged `json:",omitempty"`.
inline void set_nonempty(Json& j, const char* key, std::string v) {
  if (!v.empty()) {
    j[key] = std::move(v);
  }
}

// The body as json.Encoder writes `j` (see go_json_text), invalid UTF-8 replaced by U+FFFD as Go
// does. Also takes a nlohmann::json, whose keys are sorted as Go writes a map.
template <class J>
std::string go_json(const J& j) {
  return go_json_text(j.dump(-1, ' ', false, J::error_handler_t::replace));
}

}  // namespace tocsin::receivers

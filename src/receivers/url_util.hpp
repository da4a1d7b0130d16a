// url_util.hpp: the bits of Go's net/url and strings that the OpsGenie, VictorOps, Pushover and
// Telegram integrations lean on to build the reference's exact request URLs and secrets.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tocsin::receivers::gourl {

// Go's url.QueryEscape: letters, digits and -_.~ kept, a space as '+', every other byte %XX.
std::string query_escape(std::string_view s);

// Go's escaping of a URL path (url.URL.EscapedPath on a modified path): letters, digits, -_.~ and
// $&+,/:;=@ kept, every other byte (among them '?', '%' and a space) %XX.
std::string path_escape(std::string_view s);

// Go's url.Values.Encode: pairs sorted by key (stable for one key's values), each side QueryEscape'd.
std::string encode_query(std::vector<std::pair<std::string, std::string>> pairs);

// Go's strings.TrimSpace: Unicode white space (unicode.IsSpace) cut at both ends.
std::string trim_space(std::string_view s);

// Appends `path_suffix` (already escaped) to the path of `url` (before its query and fragment). When
// `query_set` has a key, the query is re-encoded as Go's u.Query(); q.Set(k, v); u.RawQuery = q.Encode()
// does: existing pairs decoded, the key replaced, sorted by key.
std::string append_path(std::string_view url, std::string_view path_suffix,
                            const std::pair<std::string, std::string>* query_set = nullptr);

}  // namespace tocsin::receivers::gourl

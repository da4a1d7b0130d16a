// go_text.hpp: bits of Go's standard library that the newer integrations (Rocket.Chat, Jira) lean on:
// url.URL.JoinPath on a URL held as text (their endpoints are built from api_url that way), path.Clean,
// and strconv.Quote (the %q of their error texts).
#pragma once

#include <string>
#include <string_view>

namespace tocsin::receivers::gourl {

// Go's path.Clean: one slash between elements, "." dropped, ".." applied, no trailing slash (but "/").
std::string clean_path(std::string_view p);

// The URL with `elem` joined to its (escaped) path as url.JoinPath does: path.Join of the two, a trailing
// slash of `elem` kept, the query and fragment left as they were.
std::string join_path(std::string_view url, std::string_view elem);

// The URL's host and port (url.URL.Host: the authority without user info).
std::string url_host(std::string_view url);

// The URL's path as written (still escaped), "" for none.
std::string url_path(std::string_view url);

// Go's strconv.Quote (fmt's %q of a string): double quotes, \a \b \f \n \r \t \v \\ \" escaped, other
// control bytes and invalid UTF-8 as \xNN, DEL and the C1 controls as \u00NN, the rest as it is.
std::string quote(std::string_view s);

// The syntax error Go's encoding/json reports for `text` ("unexpected end of JSON input", "invalid
// character 'x' looking for beginning of value", ...), or "" when it is one valid JSON value.
std::string json_syntax_error(std::string_view text);

}  // namespace tocsin::receivers::gourl

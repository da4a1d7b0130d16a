// external_url.hpp: --web.external-url and --web.route-prefix read as the reference reads them: the URL
// parsed by the rules of Go's net/url (its errors in its words), the path's trailing slashes cut, the
// route prefix defaulting to the URL's decoded path.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tocsin::app {

struct ExternalUrl {
  std::string url;           // as url.URL.String() prints it: the templates' .ExternalURL
  std::string route_prefix;  // "/" or "/a/b": decoded, no trailing slash
};

// `external` empty: http://<hostname>:<port of listen>/. `route_prefix` empty: the URL's path.
Result<ExternalUrl> resolve_external_url(std::string external, std::string_view listen, std::string route_prefix);

}  // namespace tocsin::app

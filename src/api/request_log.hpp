// request_log.hpp: the reference's API v2 log lines (component=api version=v2 path=... method=...) for
// the requests it logs: refused alerts and silences, bad filters, unknown silences.
#pragma once

#include <string>

#include "net/http.hpp"

namespace tocsin::api {

// Wraps the API handler: after each answer that the reference would have logged, writes its line.
// The line is derived from the request and the answer (whose error texts are the reference's), so
// the handlers stay free of logging.
net::HttpHandler with_request_log(net::HttpHandler inner, std::string route_prefix);

}  // namespace tocsin::api

// http_metrics.hpp: the reference's HTTP metrics around the API handler (request duration and response
// size by handler and method, GET requests in flight), and the metrics of its gossip and snapshot
// machinery that tocsin has no counterpart for, kept at their idle values for dashboards.
#pragma once

#include <string>

#include "net/http.hpp"

namespace tocsin::app {

// Wraps `inner` (the API, inside any authentication): each request to one of the reference's
// router paths (/metrics, /-/healthy, /-/ready, /-/reload, /, /api/v1/...) is observed under that
// path without `route_prefix` as `handler` and its lower-cased method; every GET counts in flight.
// At most `get_limit` GET requests are served at once, as the reference's --web.get-concurrency: one
// more is answered 503 ("Limit of concurrent GET requests reached (N), try again later.") and counted in
// alertmanager_http_concurrency_limit_exceeded_total{method="get"}. `get_limit` < 1: the larger of the
// CPU count and 8, the reference's default.
net::HttpHandler with_http_metrics(net::HttpHandler inner, std::string route_prefix, int get_limit = 0);

// The label the reference's router gives `path` (already without the route prefix) for `method`;
// empty when the router does not serve it (API v2 and unknown paths are not instrumented).
std::string http_handler_label(const std::string& method, const std::string& path);

// Registers the metrics of the reference's snapshots and gossip at their idle values (tocsin writes
// every change through to SQLite and does not gossip), and the cluster's when `cluster_enabled`.
void register_idle_metrics(bool cluster_enabled);

}  // namespace tocsin::app

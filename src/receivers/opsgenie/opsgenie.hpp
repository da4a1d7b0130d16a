// opsgenie.hpp: the OpsGenie integration (Alert API v2): a firing group creates an alert whose alias
// is the SHA-256 of the group key (and, with update_alerts, rewrites its message and description);
// a resolved group closes the alert by that alias. Authorization: GenieKey <api_key>.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "net/http.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers {

struct OpsGenieRequest {
  std::string method;  // POST (create, close) or PUT (update message / description)
  std::string url;
  std::string body;  // JSON, as the reference's encoder writes it
};

struct OpsGenieRequests {
  std::vector<OpsGenieRequest> requests;  // sent in this order; the first failure stops the rest
  std::string api_key;                    // rendered (the reference templates the key too)
};

// Renders every field and builds the requests of one flush (exposed for tests). `api_key` is the key
// from the config or its file, before templating.
Result<OpsGenieRequests> opsgenie_requests(const config::OpsGenieConfig& cfg, const std::string& api_key,
                                           const tmpl::Templates& templates, const NotifyContext& ctx,
                                           const AlertList& alerts);

// The reference's rule: 2xx ok; 5xx and 429 retried; other codes not, the answer's body in the error.
NotifyResult opsgenie_check_response(const net::ClientResponse& resp, const std::string& method,
                                     const std::string& url);

}  // namespace tocsin::receivers

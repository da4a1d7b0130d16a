// victorops.hpp: the VictorOps (Splunk On-Call) integration: one event a flush, POSTed as JSON to
// {api_url}{api_key}/{routing_key}; the entity id is the SHA-256 of the group key, a resolved group
// sends message_type RECOVERY.
#pragma once

#include <string>

#include "config/config.hpp"
#include "net/http.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers {

// The request URL: api_url, the API key and the rendered routing key (path-escaped as Go does).
Result<std::string> victorops_url(const config::VictorOpsConfig& cfg, const std::string& api_key,
                                  const tmpl::Templates& templates, const NotifyContext& ctx,
                                  const AlertList& alerts);

// The JSON body (exposed for tests): a flat object in key order, custom fields included.
Result<std::string> victorops_payload(const config::VictorOpsConfig& cfg, const tmpl::Templates& templates,
                                      const NotifyContext& ctx, const AlertList& alerts);

}  // namespace tocsin::receivers

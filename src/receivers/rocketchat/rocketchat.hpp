// rocketchat.hpp: Rocket.Chat (Alertmanager 0.28+): one chat.postMessage a flush, carrying a single
// Slack-like attachment (title, link, text, colour, fields, buttons), authenticated by the X-Auth-Token
// and X-User-Id headers of a personal access token.
#pragma once

#include <string>

#include "config/config.hpp"
#include "net/http.hpp"
#include "receivers/notifier.hpp"
#include "template/template.hpp"

namespace tocsin::receivers {

struct RocketchatMessage {
  std::string channel;  // rendered, for the error texts
  std::string body;     // JSON, as json.Encoder writes it
};

// Renders every templated field and builds the body (exposed for tests).
Result<RocketchatMessage> rocketchat_message(const config::RocketchatConfig& cfg, const tmpl::Templates& templates,
                                             const NotifyContext& ctx, const AlertList& alerts);

// The endpoint: api_url joined with api/v1/chat.postMessage as url.JoinPath joins them.
std::string rocketchat_post_url(const std::string& api_url);

// Non-2xx: 5xx retried, the rest not; a 2xx answer must be JSON with "success": true, and one with
// success false is not retried while one that is no JSON is. Errors name the channel as the reference's.
NotifyResult rocketchat_check_response(const net::ClientResponse& resp, const std::string& channel);

}  // namespace tocsin::receivers

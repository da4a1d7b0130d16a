// slack.hpp: the Slack integration: one message with one attachment, posted to an incoming webhook
// (api_url / api_url_file) or to chat.postMessage with a bot token (http_config.authorization).
#pragma once

#include <memory>

#include "config/config.hpp"
#include "net/http.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers {

class SlackNotifier final : public Notifier {
 public:
  SlackNotifier(config::SlackConfig cfg, std::shared_ptr<const tmpl::Templates> templates);
  NotifyResult notify(const NotifyContext& ctx, const AlertList& alerts) override;

 private:
  config::SlackConfig cfg_;
  std::shared_ptr<const tmpl::Templates> templates_;
};

struct SlackPayload {
  std::string channel;  // rendered, for error messages
  std::string body;     // the JSON text, byte for byte as the reference's encoder writes it
};

// Renders every field and encodes the request body (exposed for golden tests).
Result<SlackPayload> slack_payload(const config::SlackConfig& cfg, const tmpl::Templates& templates,
                                   const NotifyContext& ctx, const AlertList& alerts);

// Classifies Slack's answer: 2xx succeeds unless it is a Web API JSON answer with "ok": false (an
// error, not retried); 5xx and transport errors are retried; other codes are errors not retried.
NotifyResult slack_check_response(const net::ClientResponse& resp, const std::string& channel);

}  // namespace tocsin::receivers

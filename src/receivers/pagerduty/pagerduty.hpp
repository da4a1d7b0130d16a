// pagerduty.hpp: the PagerDuty integration: Events API v2 (routing_key) or the v1 generic events API
// (service_key), one event a group flush, deduplicated by the SHA-256 of the group key.
#pragma once

#include <memory>

#include "config/config.hpp"
#include "net/http.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers {

// Where the v1 API lives; the reference fixes it (tests point it elsewhere).
inline constexpr const char* kPagerdutyV1Url = "https://events.pagerduty.com/generic/2010-04-15/create_event.json";

class PagerdutyNotifier final : public Notifier {
 public:
  PagerdutyNotifier(config::PagerdutyConfig cfg, std::shared_ptr<const tmpl::Templates> templates,
                    std::string v1_url = kPagerdutyV1Url);
  NotifyResult notify(const NotifyContext& ctx, const AlertList& alerts) override;

 private:
  config::PagerdutyConfig cfg_;
  std::shared_ptr<const tmpl::Templates> templates_;
  std::string v1_url_;
};

// True when the config speaks the v1 API (a service key is set).
bool pagerduty_is_v1(const config::PagerdutyConfig& cfg);

// The JSON body of the event (exposed for golden tests); `key` is the routing or service key read
// from the config or its file (it is itself templated, as the reference does).
Result<std::string> pagerduty_payload(const config::PagerdutyConfig& cfg, const std::string& key,
                                      const tmpl::Templates& templates, const NotifyContext& ctx,
                                      const AlertList& alerts);

// The reference's retry rule: 2xx ok; 5xx retried, and 429 (v2) or 403 (v1, rate limited); other codes
// not. A 400's answer adds PagerDuty's message and errors to the error text.
NotifyResult pagerduty_check_response(const net::ClientResponse& resp, bool v1);

}  // namespace tocsin::receivers

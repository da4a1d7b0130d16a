// pushover.hpp: the Pushover integration: one message a flush, every field (token and user key
// included) in the query string of a POST to the messages API with an empty text/plain body, as the
// reference 0.25 sends it. Title, message and URL are cut to Pushover's documented limits.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "net/http.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers {

// Where the messages API lives; the reference fixes it (tests reach it through a proxy).
inline constexpr const char* kPushoverApiUrl = "https://api.pushover.net/1/messages.json";

class PushoverNotifier final : public Notifier {
 public:
  PushoverNotifier(config::PushoverConfig cfg, std::shared_ptr<const tmpl::Templates> templates,
                   std::string api_url = kPushoverApiUrl);
  NotifyResult notify(const NotifyContext& ctx, const AlertList& alerts) override;

 private:
  config::PushoverConfig cfg_;
  std::shared_ptr<const tmpl::Templates> templates_;
  std::string api_url_;
};

// The encoded parameters (exposed for tests): key=value pairs sorted by key, Go's query escaping.
// `token` and `user_key` come from the config or their files; both are rendered as templates.
Result<std::string> pushover_query(const config::PushoverConfig& cfg, const std::string& token,
                                   const std::string& user_key, const tmpl::Templates& templates,
                                   const NotifyContext& ctx, const AlertList& alerts);

}  // namespace tocsin::receivers

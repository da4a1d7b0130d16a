// registry.cpp: the explicit list of integrations tocsin implements. A receiver that uses another
// kind fails here with a message naming it (config loading already validated its fields).
#include "config/config.hpp"
#include "receivers/notifier.hpp"
#include "receivers/webhook/webhook.hpp"

namespace tocsin::receivers {

Result<std::vector<Integration>> build_integrations(const config::Receiver& r, const config::Config& cfg,
                                                    std::shared_ptr<const tmpl::Templates> templates) {
  std::vector<Integration> out;
  auto unsupported = r.unsupported_integrations();
  if (!unsupported.empty()) {
    std::string names;
    for (const auto& u : unsupported) names += (names.empty() ? "" : ", ") + u;
    return Error{"receiver \"" + r.name + "\" uses " + names + ", which tocsin does not implement yet"};
  }
  int i = 0;
  for (const auto& w : r.webhook_configs) {
    out.push_back({"webhook", i++, w.send_resolved, std::make_shared<WebhookNotifier>(w)});
  }
  if (!r.slack_configs.empty() || !r.email_configs.empty() || !r.pagerduty_configs.empty()) {
    return Error{"receiver \"" + r.name + "\": slack, email and pagerduty are not implemented in this build"};
  }
  return out;
}

}  // namespace tocsin::receivers

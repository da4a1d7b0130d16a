// registry.cpp: the explicit list of integrations tocsin implements. A receiver that uses another
// kind fails here with a message naming it (config loading already validated its fields).
#include "config/config.hpp"
#include "receivers/email/email.hpp"
#include "receivers/notifier.hpp"
#include "receivers/notify_util.hpp"
#include "receivers/pagerduty/pagerduty.hpp"
#include "receivers/slack/slack.hpp"
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
    templates = templates_or_defaults(std::move(templates));
  }
  i = 0;
  for (const auto& e : r.email_configs) {
    out.push_back({"email", i++, e.send_resolved, std::make_shared<EmailNotifier>(e, templates)});
  }
  i = 0;
  for (const auto& p : r.pagerduty_configs) {
    out.push_back({"pagerduty", i++, p.send_resolved, std::make_shared<PagerdutyNotifier>(p, templates)});
  }
  i = 0;
  for (const auto& s : r.slack_configs) {
    out.push_back({"slack", i++, s.send_resolved, std::make_shared<SlackNotifier>(s, templates)});
  }
  return out;
}

}  // namespace tocsin::receivers

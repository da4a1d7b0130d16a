// registry.cpp: the explicit list of integrations tocsin implements. A receiver that uses another
// kind fails here with a message naming it (config loading already validated its fields).
#include "config/config.hpp"
#include "receivers/email/email.hpp"
#include "receivers/integrations.hpp"
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
  if (r.integration_count() > r.webhook_configs.size()) templates = templates_or_defaults(std::move(templates));
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
  // The other integrations, in the order the reference builds them.
  auto add = [&](const char* name, const auto& configs, auto make) -> Result<bool> {
    int k = 0;
    for (const auto& c : configs) {
      auto n = make(c, templates);
      if (!n) return Error{std::string("receiver \"") + r.name + "\": " + name + " is not available"};
      out.push_back({name, k++, c.send_resolved, std::move(n)});
    }
    return true;
  };
  for (auto res : {add("opsgenie", r.opsgenie_configs, make_opsgenie), add("wechat", r.wechat_configs, make_wechat),
                   add("pushover", r.pushover_configs, make_pushover),
                   add("victorops", r.victorops_configs, make_victorops), add("sns", r.sns_configs, make_sns),
                   add("telegram", r.telegram_configs, make_telegram), add("discord", r.discord_configs, make_discord),
                   add("webex", r.webex_configs, make_webex), add("msteams", r.msteams_configs, make_msteams),
                   add("msteamsv2", r.msteamsv2_configs, make_msteamsv2),
                   add("jira", r.jira_configs, make_jira),
                   add("rocketchat", r.rocketchat_configs, make_rocketchat),
                   add("incidentio", r.incidentio_configs, make_incidentio)}) {
    if (!res) return Error{res.error()};
  }
  return out;
}

}  // namespace tocsin::receivers

// integrations.hpp: one factory per integration beyond webhook, Slack, email and PagerDuty. Each
// lives in its own folder (src/receivers/<kind>/); registry.cpp calls them for a receiver's configs.
#pragma once

#include <memory>

#include "config/config.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers {

using TemplatesPtr = std::shared_ptr<const tmpl::Templates>;

std::shared_ptr<Notifier> make_opsgenie(const config::OpsGenieConfig& c, TemplatesPtr t);
std::shared_ptr<Notifier> make_victorops(const config::VictorOpsConfig& c, TemplatesPtr t);
std::shared_ptr<Notifier> make_pushover(const config::PushoverConfig& c, TemplatesPtr t);
std::shared_ptr<Notifier> make_telegram(const config::TelegramConfig& c, TemplatesPtr t);
std::shared_ptr<Notifier> make_discord(const config::DiscordConfig& c, TemplatesPtr t);
std::shared_ptr<Notifier> make_webex(const config::WebexConfig& c, TemplatesPtr t);
std::shared_ptr<Notifier> make_wechat(const config::WechatConfig& c, TemplatesPtr t);
std::shared_ptr<Notifier> make_sns(const config::SnsConfig& c, TemplatesPtr t);
std::shared_ptr<Notifier> make_msteams(const config::MsTeamsConfig& c, TemplatesPtr t);
std::shared_ptr<Notifier> make_msteamsv2(const config::MsTeamsV2Config& c, TemplatesPtr t);
std::shared_ptr<Notifier> make_jira(const config::JiraConfig& c, TemplatesPtr t);
std::shared_ptr<Notifier> make_rocketchat(const config::RocketchatConfig& c, TemplatesPtr t);
std::shared_ptr<Notifier> make_incidentio(const config::IncidentioConfig& c, TemplatesPtr t);

}  // namespace tocsin::receivers

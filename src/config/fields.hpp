// fields.hpp: the field table of every config struct, written once as a visit() function and walked
// both by the YAML reader (load.cpp) and by the writer (to_yaml.cpp). Key order is the reference's
// struct order, so to_yaml prints keys where Go's yaml.v2 would. Private to src/config.
#pragma once

#include "config/config.hpp"

namespace tocsin::config::fields {

// Whether the writer drops a field holding its zero value (Go's `omitempty`).
enum class Omit { kNever, kEmpty };
inline constexpr Omit kKeep = Omit::kNever;
inline constexpr Omit kOmit = Omit::kEmpty;

template <class V>
void visit(V& v, TlsConfig& c) {
  v.str("ca", c.ca, kOmit);
  v.str("ca_file", c.ca_file, kOmit);
  v.str("cert", c.cert, kOmit);
  v.str("cert_file", c.cert_file, kOmit);
  v.secret("key", c.key, kOmit);
  v.str("key_file", c.key_file, kOmit);
  v.str("server_name", c.server_name, kOmit);
  v.boolean("insecure_skip_verify", c.insecure_skip_verify, kKeep);
  v.str("min_version", c.min_version, kOmit);
  v.str("max_version", c.max_version, kOmit);
}

template <class V>
void visit(V& v, BasicAuth& c) {
  v.str("username", c.username, kKeep);
  v.secret("password", c.password, kOmit);
  v.str("password_file", c.password_file, kOmit);
}

template <class V>
void visit(V& v, Authorization& c) {
  v.str("type", c.type, kOmit);
  v.secret("credentials", c.credentials, kOmit);
  v.str("credentials_file", c.credentials_file, kOmit);
}

template <class V>
void visit(V& v, OAuth2& c) {
  v.str("client_id", c.client_id, kKeep);
  v.secret("client_secret", c.client_secret, kKeep);
  v.str("client_secret_file", c.client_secret_file, kKeep);
  v.string_list("scopes", c.scopes, kOmit);
  v.str("token_url", c.token_url, kKeep);
  v.string_map("endpoint_params", c.endpoint_params, kOmit);
  v.tls("tls_config", c.tls_config, kOmit);
  v.str("proxy_url", c.proxy_url, kOmit);
}

template <class V>
void visit(V& v, HttpClientConfig& c) {
  v.opt_object("basic_auth", c.basic_auth);
  v.opt_object("authorization", c.authorization);
  v.opt_object("oauth2", c.oauth2);
  v.secret("bearer_token", c.bearer_token, kOmit);
  v.str("bearer_token_file", c.bearer_token_file, kOmit);
  v.str("proxy_url", c.proxy_url, kOmit);
  v.str("no_proxy", c.no_proxy, kOmit);
  v.boolean("proxy_from_environment", c.proxy_from_environment, kOmit);
  v.header_map("proxy_connect_header", c.proxy_connect_header);
  v.tls("tls_config", c.tls_config, kOmit);
  v.boolean("follow_redirects", c.follow_redirects, kKeep);
  v.boolean("enable_http2", c.enable_http2, kKeep);
}

template <class V>
void visit(V& v, Global& c) {
  v.duration("resolve_timeout", c.resolve_timeout, kKeep);
  bool http_set = true;
  v.http("http_config", c.http_config, http_set);
  v.url("jira_api_url", c.jira_api_url, kOmit);
  v.str("smtp_from", c.smtp_from, kOmit);
  v.str("smtp_hello", c.smtp_hello, kOmit);
  v.hostport("smtp_smarthost", c.smtp_smarthost, kOmit);
  v.str("smtp_auth_username", c.smtp_auth_username, kOmit);
  v.secret("smtp_auth_password", c.smtp_auth_password, kOmit);
  v.str("smtp_auth_password_file", c.smtp_auth_password_file, kOmit);
  v.secret("smtp_auth_secret", c.smtp_auth_secret, kOmit);
  v.str("smtp_auth_secret_file", c.smtp_auth_secret_file, kOmit);
  v.str("smtp_auth_identity", c.smtp_auth_identity, kOmit);
  v.boolean("smtp_require_tls", c.smtp_require_tls, kKeep);
  v.tls("smtp_tls_config", c.smtp_tls_config, kOmit);
  v.secret_url("slack_api_url", c.slack_api_url, kOmit);
  v.str("slack_api_url_file", c.slack_api_url_file, kOmit);
  v.url("pagerduty_url", c.pagerduty_url, kOmit);
  v.url("opsgenie_api_url", c.opsgenie_api_url, kOmit);
  v.secret("opsgenie_api_key", c.opsgenie_api_key, kOmit);
  v.str("opsgenie_api_key_file", c.opsgenie_api_key_file, kOmit);
  v.url("wechat_api_url", c.wechat_api_url, kOmit);
  v.secret("wechat_api_secret", c.wechat_api_secret, kOmit);
  v.str("wechat_api_corp_id", c.wechat_api_corp_id, kOmit);
  v.url("victorops_api_url", c.victorops_api_url, kOmit);
  v.secret("victorops_api_key", c.victorops_api_key, kOmit);
  v.str("victorops_api_key_file", c.victorops_api_key_file, kOmit);
  v.url("telegram_api_url", c.telegram_api_url, kOmit);
  v.url("webex_api_url", c.webex_api_url, kOmit);
  // Newer than 0.25: printed only when not the default, so 0.25-era configs print as 0.25 prints them.
  v.url_unless("rocketchat_api_url", c.rocketchat_api_url, "https://open.rocket.chat/");
  v.secret("rocketchat_token", c.rocketchat_token, kOmit);
  v.str("rocketchat_token_file", c.rocketchat_token_file, kOmit);
  v.secret("rocketchat_token_id", c.rocketchat_token_id, kOmit);
  v.str("rocketchat_token_id_file", c.rocketchat_token_id_file, kOmit);
}

template <class V>
void visit_base(V& v, NotifierBase& c, bool with_http = true) {
  v.boolean("send_resolved", c.send_resolved, kKeep);
  if (with_http) v.http("http_config", c.http_config, c.http_config_set);
}

template <class V>
void visit(V& v, WebhookConfig& c) {
  visit_base(v, c);
  // Printed in clear, as 0.25 prints it (0.28+ print "<secret>"); url_file and timeout (0.28+) only when set.
  v.plain_secret_url("url", c.url, kOmit);
  v.str("url_file", c.url_file, kOmit);
  v.uint64("max_alerts", c.max_alerts, kKeep);
  v.go_duration("timeout", c.timeout, kOmit);
}

template <class V>
void visit(V& v, SlackConfirmationField& c) {
  v.str("text", c.text, kOmit);
  v.str("title", c.title, kOmit);
  v.str("ok_text", c.ok_text, kOmit);
  v.str("dismiss_text", c.dismiss_text, kOmit);
}

template <class V>
void visit(V& v, SlackAction& c) {
  v.str("type", c.type, kOmit);
  v.str("text", c.text, kOmit);
  v.str("url", c.url, kOmit);
  v.str("style", c.style, kOmit);
  v.str("name", c.name, kOmit);
  v.str("value", c.value, kOmit);
  v.opt_object("confirm", c.confirm);
}

template <class V>
void visit(V& v, SlackField& c) {
  v.str("title", c.title, kOmit);
  v.str("value", c.value, kOmit);
  v.opt_bool("short", c.short_);
}

template <class V>
void visit(V& v, SlackConfig& c) {
  visit_base(v, c);
  v.secret_url("api_url", c.api_url, kOmit);
  v.str("api_url_file", c.api_url_file, kOmit);
  v.str("channel", c.channel, kOmit);
  v.str("username", c.username, kOmit);
  v.str("color", c.color, kOmit);
  v.str("title", c.title, kOmit);
  v.str("title_link", c.title_link, kOmit);
  v.str("pretext", c.pretext, kOmit);
  v.str("text", c.text, kOmit);
  v.list("fields", c.fields, kOmit);
  v.boolean("short_fields", c.short_fields, kKeep);
  v.str("footer", c.footer, kOmit);
  v.str("fallback", c.fallback, kOmit);
  v.str("callback_id", c.callback_id, kOmit);
  v.str("icon_emoji", c.icon_emoji, kOmit);
  v.str("icon_url", c.icon_url, kOmit);
  v.str("image_url", c.image_url, kOmit);
  v.str("thumb_url", c.thumb_url, kOmit);
  v.boolean("link_names", c.link_names, kKeep);
  v.string_list("mrkdwn_in", c.mrkdwn_in, kOmit);
  v.list("actions", c.actions, kOmit);
}

template <class V>
void visit(V& v, EmailConfig& c) {
  visit_base(v, c, false);
  v.str("to", c.to, kOmit);
  v.str("from", c.from, kOmit);
  v.str("hello", c.hello, kOmit);
  v.hostport("smarthost", c.smarthost, kOmit);
  v.str("auth_username", c.auth_username, kOmit);
  v.secret("auth_password", c.auth_password, kOmit);
  v.str("auth_password_file", c.auth_password_file, kOmit);
  v.secret("auth_secret", c.auth_secret, kOmit);
  v.str("auth_secret_file", c.auth_secret_file, kOmit);
  v.str("auth_identity", c.auth_identity, kOmit);
  v.string_map("headers", c.headers, kOmit);
  v.str("html", c.html, kOmit);
  v.str("text", c.text, kOmit);
  v.bool_set("require_tls", c.require_tls, c.require_tls_set);
  v.tls_set("tls_config", c.tls_config, c.tls_config_set);
}

template <class V>
void visit(V& v, PagerdutyImage& c) {
  v.str("src", c.src, kOmit);
  v.str("alt", c.alt, kOmit);
  v.str("href", c.href, kOmit);
}

template <class V>
void visit(V& v, PagerdutyLink& c) {
  v.str("href", c.href, kOmit);
  v.str("text", c.text, kOmit);
}

template <class V>
void visit(V& v, PagerdutyConfig& c) {
  visit_base(v, c);
  v.secret("service_key", c.service_key, kOmit);
  v.str("service_key_file", c.service_key_file, kOmit);
  v.secret("routing_key", c.routing_key, kOmit);
  v.str("routing_key_file", c.routing_key_file, kOmit);
  v.url("url", c.url, kOmit);
  v.str("client", c.client, kOmit);
  v.str("client_url", c.client_url, kOmit);
  v.str("description", c.description, kOmit);
  v.string_map("details", c.details, kOmit);
  v.list("images", c.images, kOmit);
  v.list("links", c.links, kOmit);
  v.str("source", c.source, kOmit);
  v.str("severity", c.severity, kOmit);
  v.str("class", c.class_, kOmit);
  v.str("component", c.component, kOmit);
  v.str("group", c.group, kOmit);
}

template <class V>
void visit(V& v, OpsGenieResponder& c) {
  v.str("id", c.id, kOmit);
  v.str("name", c.name, kOmit);
  v.str("username", c.username, kOmit);
  v.str("type", c.type, kOmit);
}

template <class V>
void visit(V& v, OpsGenieConfig& c) {
  visit_base(v, c);
  v.secret("api_key", c.api_key, kOmit);
  v.str("api_key_file", c.api_key_file, kOmit);
  v.url("api_url", c.api_url, kOmit);
  v.str("message", c.message, kOmit);
  v.str("description", c.description, kOmit);
  v.str("source", c.source, kOmit);
  v.string_map("details", c.details, kOmit);
  v.str("entity", c.entity, kOmit);
  v.list("responders", c.responders, kOmit);
  v.str("actions", c.actions, kOmit);
  v.str("tags", c.tags, kOmit);
  v.str("note", c.note, kOmit);
  v.str("priority", c.priority, kOmit);
  v.boolean("update_alerts", c.update_alerts, kOmit);
}

template <class V>
void visit(V& v, WechatConfig& c) {
  visit_base(v, c);
  v.secret("api_secret", c.api_secret, kOmit);
  v.str("corp_id", c.corp_id, kOmit);
  v.str("message", c.message, kOmit);
  v.url("api_url", c.api_url, kOmit);
  v.str("to_user", c.to_user, kOmit);
  v.str("to_party", c.to_party, kOmit);
  v.str("to_tag", c.to_tag, kOmit);
  v.str("agent_id", c.agent_id, kOmit);
  v.str("message_type", c.message_type, kOmit);
}

template <class V>
void visit(V& v, VictorOpsConfig& c) {
  visit_base(v, c);
  v.secret("api_key", c.api_key, kOmit);
  v.str("api_key_file", c.api_key_file, kOmit);
  v.url("api_url", c.api_url, kKeep);
  v.str("routing_key", c.routing_key, kKeep);
  v.str("message_type", c.message_type, kKeep);
  v.str("state_message", c.state_message, kKeep);
  v.str("entity_display_name", c.entity_display_name, kKeep);
  v.str("monitoring_tool", c.monitoring_tool, kKeep);
  v.string_map("custom_fields", c.custom_fields, kOmit);
}

template <class V>
void visit(V& v, PushoverConfig& c) {
  visit_base(v, c);
  v.secret("user_key", c.user_key, kOmit);
  v.str("user_key_file", c.user_key_file, kOmit);
  v.secret("token", c.token, kOmit);
  v.str("token_file", c.token_file, kOmit);
  v.str("title", c.title, kOmit);
  v.str("message", c.message, kOmit);
  v.str("url", c.url, kOmit);
  v.str("url_title", c.url_title, kOmit);
  v.str("device", c.device, kOmit);
  v.str("sound", c.sound, kOmit);
  v.str("priority", c.priority, kOmit);
  v.go_duration("retry", c.retry, kOmit);
  v.go_duration("expire", c.expire, kOmit);
  v.go_duration("ttl", c.ttl, kOmit);
  v.boolean("html", c.html, kKeep);  // no omitempty in 0.25
  v.boolean("monospace", c.monospace, kOmit);
}

template <class V>
void visit(V& v, SigV4Config& c) {
  v.str("region", c.region, kOmit);
  v.str("access_key", c.access_key, kOmit);
  v.secret("secret_key", c.secret_key, kOmit);
  v.str("profile", c.profile, kOmit);
  v.str("role_arn", c.role_arn, kOmit);
}

template <class V>
void visit(V& v, SnsConfig& c) {
  visit_base(v, c);
  v.str("api_url", c.api_url, kOmit);
  v.object("sigv4", c.sigv4, kKeep);
  v.str("topic_arn", c.topic_arn, kOmit);
  v.str("phone_number", c.phone_number, kOmit);
  v.str("target_arn", c.target_arn, kOmit);
  v.str("subject", c.subject, kOmit);
  v.str("message", c.message, kOmit);
  v.string_map("attributes", c.attributes, kOmit);
}

template <class V>
void visit(V& v, TelegramConfig& c) {
  visit_base(v, c);
  v.url("api_url", c.api_url, kKeep);
  v.secret("bot_token", c.bot_token, kOmit);
  v.str("bot_token_file", c.bot_token_file, kOmit);
  v.int64("chat_id", c.chat_id, kOmit);
  v.int64("message_thread_id", c.message_thread_id, kOmit);
  v.str("message", c.message, kOmit);
  v.boolean("disable_notifications", c.disable_notifications, kOmit);
  v.str("parse_mode", c.parse_mode, kOmit);
}

template <class V>
void visit(V& v, WebexConfig& c) {
  visit_base(v, c);
  v.url("api_url", c.api_url, kOmit);
  v.str("message", c.message, kOmit);
  v.str("room_id", c.room_id, kKeep);
}

template <class V>
void visit(V& v, DiscordConfig& c) {
  visit_base(v, c);
  v.secret_url("webhook_url", c.webhook_url, kOmit);
  v.str("webhook_url_file", c.webhook_url_file, kOmit);
  v.str("content", c.content, kOmit);
  v.str("title", c.title, kOmit);
  v.str("message", c.message, kOmit);
  v.str("username", c.username, kOmit);
  v.str("avatar_url", c.avatar_url, kOmit);
}

template <class V>
void visit(V& v, MsTeamsConfig& c) {
  visit_base(v, c);
  v.secret_url("webhook_url", c.webhook_url, kOmit);
  v.str("webhook_url_file", c.webhook_url_file, kOmit);
  v.str("title", c.title, kOmit);
  v.str("summary", c.summary, kOmit);
  v.str("text", c.text, kOmit);
}

template <class V>
void visit(V& v, MsTeamsV2Config& c) {
  visit_base(v, c);
  v.secret_url("webhook_url", c.webhook_url, kOmit);
  v.str("webhook_url_file", c.webhook_url_file, kOmit);
  v.str("title", c.title, kOmit);
  v.str("text", c.text, kOmit);
}

template <class V>
void visit(V& v, JiraConfig& c) {
  visit_base(v, c);
  v.url("api_url", c.api_url, kOmit);
  v.str("api_type", c.api_type, kOmit);
  v.str("project", c.project, kOmit);
  v.str("summary", c.summary, kOmit);
  v.str("description", c.description, kOmit);
  v.string_list("labels", c.labels, kOmit);
  v.str("priority", c.priority, kOmit);
  v.str("issue_type", c.issue_type, kOmit);
  v.str("reopen_transition", c.reopen_transition, kOmit);
  v.str("resolve_transition", c.resolve_transition, kOmit);
  v.str("wont_fix_resolution", c.wont_fix_resolution, kOmit);
  v.duration("reopen_duration", c.reopen_duration, kOmit);
  v.any_map("fields", c.fields);
}

template <class V>
void visit(V& v, RocketchatField& c) {
  v.opt_bool("short", c.short_);
  v.str("title", c.title, kOmit);
  v.str("value", c.value, kOmit);
}

template <class V>
void visit(V& v, RocketchatAction& c) {
  v.str("type", c.type, kOmit);
  v.str("text", c.text, kOmit);
  v.str("url", c.url, kOmit);
  v.str("msg", c.msg, kOmit);
}

template <class V>
void visit(V& v, RocketchatConfig& c) {
  visit_base(v, c);
  v.url("api_url", c.api_url, kOmit);
  v.secret("token_id", c.token_id, kOmit);
  v.str("token_id_file", c.token_id_file, kOmit);
  v.secret("token", c.token, kOmit);
  v.str("token_file", c.token_file, kOmit);
  v.str("channel", c.channel, kOmit);
  v.str("color", c.color, kOmit);
  v.str("title", c.title, kOmit);
  v.str("title_link", c.title_link, kOmit);
  v.str("text", c.text, kOmit);
  v.list("fields", c.fields, kOmit);
  v.boolean("short_fields", c.short_fields, kKeep);
  v.str("emoji", c.emoji, kOmit);
  v.str("icon_url", c.icon_url, kOmit);
  v.str("image_url", c.image_url, kOmit);
  v.str("thumb_url", c.thumb_url, kOmit);
  v.boolean("link_names", c.link_names, kKeep);
  v.list("actions", c.actions, kOmit);
}

template <class V>
void visit(V& v, IncidentioConfig& c) {
  visit_base(v, c);
  v.secret_url("url", c.url, kOmit);
  v.str("url_file", c.url_file, kOmit);
  v.secret("alert_source_token", c.alert_source_token, kOmit);
  v.str("alert_source_token_file", c.alert_source_token_file, kOmit);
  v.uint64("max_alerts", c.max_alerts, kKeep);
  v.go_duration("timeout", c.timeout, kKeep);
}

template <class V>
void visit(V& v, Receiver& c) {
  v.str("name", c.name, kKeep);
  v.list("discord_configs", c.discord_configs, kOmit);
  v.list("email_configs", c.email_configs, kOmit);
  v.list("incidentio_configs", c.incidentio_configs, kOmit);
  v.list("pagerduty_configs", c.pagerduty_configs, kOmit);
  v.list("slack_configs", c.slack_configs, kOmit);
  v.list("webhook_configs", c.webhook_configs, kOmit);
  v.list("opsgenie_configs", c.opsgenie_configs, kOmit);
  v.list("wechat_configs", c.wechat_configs, kOmit);
  v.list("pushover_configs", c.pushover_configs, kOmit);
  v.list("victorops_configs", c.victorops_configs, kOmit);
  v.list("sns_configs", c.sns_configs, kOmit);
  v.list("telegram_configs", c.telegram_configs, kOmit);
  v.list("webex_configs", c.webex_configs, kOmit);
  v.list("msteams_configs", c.msteams_configs, kOmit);
  v.list("msteamsv2_configs", c.msteamsv2_configs, kOmit);
  v.list("jira_configs", c.jira_configs, kOmit);
  v.list("rocketchat_configs", c.rocketchat_configs, kOmit);
}

}  // namespace tocsin::config::fields

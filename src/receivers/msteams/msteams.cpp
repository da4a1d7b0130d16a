// msteams.cpp: the two Microsoft Teams integrations. Both render their texts with the flush's template
// data, colour the card by the group's status (firing, resolved, or neither for an empty group), post
// JSON to the webhook URL (or webhook_url_file's content, trimmed) and retry on 5xx.
#include "receivers/msteams/msteams.hpp"

#include "receivers/http_options.hpp"
#include "receivers/integrations.hpp"
#include "receivers/json_body.hpp"
#include "receivers/notify_util.hpp"
#include "receivers/secret_file.hpp"

namespace tocsin::receivers {

namespace {

enum class GroupStatus { kFiring, kResolved, kNone };

GroupStatus group_status(const NotifyContext& ctx, const AlertList& alerts) {
  if (alerts.empty()) return GroupStatus::kNone;
  for (const auto& a : alerts) {
    if (!a->resolved_at(ctx.now)) return GroupStatus::kFiring;
  }
  return GroupStatus::kResolved;
}

template <class Config>
using BuildBody =
    Result<std::string> (*)(const Config&, const tmpl::Templates&, const NotifyContext&, const AlertList&);

// One notification of either integration: the body `build` makes, posted to the webhook URL.
template <class Config, BuildBody<Config> build>
NotifyResult send_teams(const Config& cfg, const tmpl::Templates& templates, const NotifyContext& ctx,
                        const AlertList& alerts) {
  auto body = build(cfg, templates, ctx, alerts);
  if (!body) return NotifyResult::failure(body.error(), false);
  // The URL, or webhook_url_file's content with the white space around it cut.
  auto url = url_or_file(cfg.webhook_url, cfg.webhook_url_file, "webhook_url_file", &read_trimmed_file);
  if (!url) return NotifyResult::failure(url.error(), false);
  auto req = post_request(cfg.http_config, ctx, std::move(*url), std::move(*body));
  if (!req) return NotifyResult::failure(req.error(), false);
  // Only a 5xx or a failed connection is worth another try (the reference's plain Retrier; Teams'
  // 429 for a connector that posts too often is not retried there either).
  return check_post_response("msteams", net::http_send(*req));
}

}  // namespace

Result<std::string> msteams_payload(const config::MsTeamsConfig& cfg, const tmpl::Templates& templates,
                                    const NotifyContext& ctx, const AlertList& alerts) {
  tmpl::Value data = template_data(ctx, alerts);
  TextRenderer text(templates, data);
  // A MessageCard: the theme colour is a hex RGB string.
  const auto status = group_status(ctx, alerts);
  Json j = Json::object();
  j["@context"] = "http://schema.org/extensions";
  j["type"] = "MessageCard";
  j["title"] = text(cfg.title);
  j["summary"] = text(cfg.summary);
  j["text"] = text(cfg.text);
  j["themeColor"] = status == GroupStatus::kFiring ? "8C1A1A" : status == GroupStatus::kResolved ? "2DC72D" : "808080";
  if (text.failed()) return Error{text.error()};
  return go_json(j);
}

Result<std::string> msteamsv2_payload(const config::MsTeamsV2Config& cfg, const tmpl::Templates& templates,
                                      const NotifyContext& ctx, const AlertList& alerts) {
  tmpl::Value data = template_data(ctx, alerts);
  TextRenderer text(templates, data);
  // Adaptive Cards name colours by role rather than by value.
  const auto status = group_status(ctx, alerts);
  Json heading = Json::object();
  heading["type"] = "TextBlock";
  heading["text"] = text(cfg.title);
  heading["weight"] = "Bolder";
  heading["size"] = "Medium";
  heading["wrap"] = true;
  heading["style"] = "heading";
  heading["color"] = status == GroupStatus::kFiring ? "Attention" : status == GroupStatus::kResolved ? "Good" : "Warning";
  Json body_text = Json::object();
  body_text["type"] = "TextBlock";
  body_text["text"] = text(cfg.text);
  body_text["wrap"] = true;
  Json content = Json::object();
  content["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json";
  content["type"] = "AdaptiveCard";
  content["version"] = "1.2";
  content["body"] = Json::array({std::move(heading), std::move(body_text)});
  content["msteams"] = Json{{"width", "full"}};
  Json attachment = Json::object();
  attachment["contentType"] = "application/vnd.microsoft.card.adaptive";
  attachment["contentUrl"] = nullptr;
  attachment["content"] = std::move(content);
  Json j = Json::object();
  j["type"] = "message";
  j["attachments"] = Json::array({std::move(attachment)});
  if (text.failed()) return Error{text.error()};
  return go_json(j);
}

std::shared_ptr<Notifier> make_msteams(const config::MsTeamsConfig& c, TemplatesPtr t) {
  return make_stateless_notifier(c, std::move(t), &send_teams<config::MsTeamsConfig, &msteams_payload>);
}

std::shared_ptr<Notifier> make_msteamsv2(const config::MsTeamsV2Config& c, TemplatesPtr t) {
  return make_stateless_notifier(c, std::move(t), &send_teams<config::MsTeamsV2Config, &msteamsv2_payload>);
}

}  // namespace tocsin::receivers

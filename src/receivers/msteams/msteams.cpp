// msteams.cpp: the two Microsoft Teams integrations. Both render their texts with the flush's template
// data, colour the card by the group's status (firing, resolved, or neither for an empty group), post
// JSON to the webhook URL (or webhook_url_file's content, trimmed) and retry on 5xx.
#include "receivers/msteams/msteams.hpp"

#include <nlohmann/json.hpp>

#include "receivers/http_options.hpp"
#include "receivers/integrations.hpp"
#include "receivers/notify_util.hpp"
#include "receivers/secret_file.hpp"

namespace tocsin::receivers {

namespace {

using Json = nlohmann::ordered_json;

enum class GroupStatus { kFiring, kResolved, kNone };

GroupStatus group_status(const NotifyContext& ctx, const AlertList& alerts) {
  if (alerts.empty()) return GroupStatus::kNone;
  for (const auto& a : alerts) {
    if (!a->resolved_at(ctx.now)) return GroupStatus::kFiring;
  }
  return GroupStatus::kResolved;
}

std::string encode(const Json& j) { return go_json_text(j.dump(-1, ' ', false, Json::error_handler_t::replace)); }

// Only a 5xx or a failed connection is worth another try (the reference's plain Retrier; Teams' 429
// for a connector that posts too often is not retried there either).
NotifyResult teams_check(const net::ClientResponse& resp) {
  if (resp.status == 0) return NotifyResult::failure("Post \"<redacted>\": " + resp.error, true);
  return check_status("msteams", resp);
}

// The URL, or webhook_url_file's content with the white space around it cut.
template <class Config>
Result<std::string> webhook_url(const Config& cfg) {
  if (!cfg.webhook_url.empty()) return cfg.webhook_url.value();
  auto u = read_trimmed_file(cfg.webhook_url_file);
  if (!u) return Error{"read webhook_url_file: " + u.error()};
  return *u;
}

template <class Config>
class TeamsNotifier final : public Notifier {
 public:
  using Build = Result<std::string> (*)(const Config&, const tmpl::Templates&, const NotifyContext&, const AlertList&);
  TeamsNotifier(Config cfg, TemplatesPtr t, Build build)
      : cfg_(std::move(cfg)), templates_(templates_or_defaults(std::move(t))), build_(build) {}

  NotifyResult notify(const NotifyContext& ctx, const AlertList& alerts) override {
    auto body = build_(cfg_, *templates_, ctx, alerts);
    if (!body) return NotifyResult::failure(body.error(), false);
    auto url = webhook_url(cfg_);
    if (!url) return NotifyResult::failure(url.error(), false);
    net::OutgoingRequest req;
    req.method = "POST";
    req.url = *url;
    auto opts = client_options(cfg_.http_config);
    if (!opts) return NotifyResult::failure(opts.error(), false);
    req.options = std::move(*opts);
    req.options.timeout = request_timeout(ctx);
    req.headers.set("Content-Type", "application/json");
    req.body = std::move(*body);
    return teams_check(net::http_send(req));
  }

 private:
  Config cfg_;
  TemplatesPtr templates_;
  Build build_;
};

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
  return encode(j);
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
  return encode(j);
}

std::shared_ptr<Notifier> make_msteams(const config::MsTeamsConfig& c, TemplatesPtr t) {
  return std::make_shared<TeamsNotifier<config::MsTeamsConfig>>(c, std::move(t), &msteams_payload);
}

std::shared_ptr<Notifier> make_msteamsv2(const config::MsTeamsV2Config& c, TemplatesPtr t) {
  return std::make_shared<TeamsNotifier<config::MsTeamsV2Config>>(c, std::move(t), &msteamsv2_payload);
}

}  // namespace tocsin::receivers

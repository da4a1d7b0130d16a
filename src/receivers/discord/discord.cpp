// discord.cpp: builds the reference's Discord webhook body ({"content", "embeds": [{title, description,
// color}]}) and posts it; 2xx succeeds, 5xx and transport errors are retried, other codes are not.
#include "receivers/discord/discord.hpp"

#include "core/log.hpp"
#include "receivers/http_options.hpp"
#include "receivers/integrations.hpp"
#include "receivers/json_body.hpp"
#include "receivers/notify_util.hpp"

namespace tocsin::receivers {

namespace {

// The embed colours the reference picks: red while any alert fires, green once all are resolved.
constexpr int kColorFiring = 0x992D22;
constexpr int kColorResolved = 0x2ECC71;

// Discord's documented limits (embed title 256, embed description 4096, content 2000 characters).
// The reference 0.25 sends longer texts as they are and Discord answers 400; later releases cut
// them, which is what we do: a notification that would be refused goes out shortened, with a warning.
constexpr size_t kMaxTitleRunes = 256;
constexpr size_t kMaxDescriptionRunes = 4096;
constexpr size_t kMaxContentRunes = 2000;

std::string cut(std::string s, size_t max, const char* what, const NotifyContext& ctx) {
  bool truncated = false;
  std::string out = truncate_in_runes(s, max, &truncated);
  if (truncated) {
    LOG_WARN({"integration", "discord"}, {"msg", std::string("Truncated ") + what}, {"key", ctx.group_key},
             {"max_runes", max});
  }
  return out;
}

NotifyResult send_discord(const config::DiscordConfig& cfg, const tmpl::Templates& templates,
                          const NotifyContext& ctx, const AlertList& alerts) {
  auto body = discord_payload(cfg, templates, ctx, alerts);
  if (!body) {
    return NotifyResult::failure(body.error(), false);
  }
  auto url = url_or_file(cfg.webhook_url, cfg.webhook_url_file, "webhook_url_file");
  if (!url) {
    return NotifyResult::failure(url.error(), false);
  }
  auto req = post_request(cfg.http_config, ctx, std::move(*url), std::move(*body));
  if (!req) {
    return NotifyResult::failure(req.error(), false);
  }
  return check_post_response("discord", net::http_send(*req));
}

}  // namespace

Result<std::string> discord_payload(const config::DiscordConfig& cfg, const tmpl::Templates& templates,
                                    const NotifyContext& ctx, const AlertList& alerts) {
  tmpl::Value data = template_data(ctx, alerts);
  TextRenderer text(templates, data);
  std::string title = text(cfg.title);
  std::string description = text(cfg.message);
  std::string content = text(cfg.content);
  if (text.failed()) {
    return Error{text.error()};
  }
  const bool firing = !all_resolved(ctx, alerts);
  Json embed = Json::object();
  embed["title"] = cut(std::move(title), kMaxTitleRunes, "title", ctx);
  embed["description"] = cut(std::move(description), kMaxDescriptionRunes, "message", ctx);
  embed["color"] = firing ? kColorFiring : kColorResolved;
  Json msg = Json::object();
  msg["content"] = cut(std::move(content), kMaxContentRunes, "content", ctx);
  msg["embeds"] = Json::array({std::move(embed)});
  // Fields of later releases, absent from 0.25's body unless set.
  if (!cfg.username.empty()) {
    msg["username"] = cfg.username;
  }
  if (!cfg.avatar_url.empty()) {
    msg["avatar_url"] = cfg.avatar_url;
  }
  return go_json(msg);
}

std::shared_ptr<Notifier> make_discord(const config::DiscordConfig& c, TemplatesPtr t) {
  return make_stateless_notifier(c, std::move(t), &send_discord);
}

}  // namespace tocsin::receivers

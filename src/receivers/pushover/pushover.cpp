// pushover.cpp: builds the reference's Pushover parameters (limits, truncation warnings, the
// "(no details)" stand-in for an empty message) and posts them; 5xx and transport errors are retried.
#include "receivers/pushover/pushover.hpp"

#include <chrono>
#include <utility>
#include <vector>

#include "core/log.hpp"
#include "receivers/http_options.hpp"
#include "receivers/integrations.hpp"
#include "receivers/notify_util.hpp"
#include "receivers/url_util.hpp"

namespace tocsin::receivers {

namespace {

// Pushover's documented limits, in characters.
constexpr size_t kMaxTitleRunes = 250;
constexpr size_t kMaxMessageRunes = 1024;
constexpr size_t kMaxUrlRunes = 512;

std::string cut(std::string s, size_t n, const char* what, const std::string& key) {
  bool truncated = false;
  s = truncate_in_runes(s, n, &truncated);
  if (truncated) {
    LOG_WARN({"integration", "pushover"}, {"msg", std::string("Truncated ") + what}, {"incident", key},
             {"max_runes", n});
  }
  return s;
}

std::string whole_seconds(Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

}  // namespace

Result<std::string> pushover_query(const config::PushoverConfig& cfg, const std::string& token,
                                   const std::string& user_key, const tmpl::Templates& templates,
                                   const NotifyContext& ctx, const AlertList& alerts) {
  tmpl::Value data = template_data(ctx, alerts);
  TextRenderer text(templates, data);
  std::vector<std::pair<std::string, std::string>> p;
  p.emplace_back("token", text(token));
  p.emplace_back("user", text(user_key));
  p.emplace_back("title", cut(text(cfg.title), kMaxTitleRunes, "title", ctx.group_key));
  std::string message;
  if (cfg.html) {
    p.emplace_back("html", "1");
    message = text.html(cfg.message);
  } else {
    message = text(cfg.message);
  }
  if (cfg.monospace) {
    p.emplace_back("monospace", "1");  // later Alertmanager versions; never set in a 0.25 config
  }
  message = gourl::trim_space(cut(std::move(message), kMaxMessageRunes, "message", ctx.group_key));
  if (message.empty()) {
    message = "(no details)";  // Pushover refuses an empty message
  }
  p.emplace_back("message", std::move(message));
  p.emplace_back("url", cut(text(cfg.url), kMaxUrlRunes, "URL", ctx.group_key));
  p.emplace_back("url_title", text(cfg.url_title));
  if (!cfg.device.empty()) {
    p.emplace_back("device", text(cfg.device));  // later versions, as ttl: only when configured
  }
  p.emplace_back("priority", text(cfg.priority));
  p.emplace_back("retry", whole_seconds(cfg.retry));
  p.emplace_back("expire", whole_seconds(cfg.expire));
  if (cfg.ttl.count() > 0) {
    p.emplace_back("ttl", whole_seconds(cfg.ttl));
  }
  p.emplace_back("sound", text(cfg.sound));
  if (text.failed()) {
    return Error{text.error()};
  }
  return gourl::encode_query(std::move(p));
}

namespace {

// Where the messages API lives; the reference fixes it (tests reach it through a proxy).
constexpr const char* kPushoverApiUrl = "https://api.pushover.net/1/messages.json";

NotifyResult send_pushover(const config::PushoverConfig& cfg, const tmpl::Templates& templates,
                           const NotifyContext& ctx, const AlertList& alerts) {
  auto token = secret_or_file(cfg.token, cfg.token_file, "failed to read token from file: ");
  if (!token) {
    return NotifyResult::failure(token.error(), false);
  }
  auto user_key = secret_or_file(cfg.user_key, cfg.user_key_file, "failed to read user key from file: ");
  if (!user_key) {
    return NotifyResult::failure(user_key.error(), false);
  }
  auto query = pushover_query(cfg, *token, *user_key, templates, ctx, alerts);
  if (!query) {
    return NotifyResult::failure(query.error(), false);
  }
  // The URL carries the token and user key: it never reaches a log line. The body is empty.
  auto req = post_request(cfg.http_config, ctx, std::string(kPushoverApiUrl) + "?" + *query, "", "text/plain");
  if (!req) {
    return NotifyResult::failure(req.error(), false);
  }
  return check_post_response("pushover", net::http_send(*req));
}

}  // namespace

std::shared_ptr<Notifier> make_pushover(const config::PushoverConfig& c, TemplatesPtr t) {
  return make_stateless_notifier(c, std::move(t), &send_pushover);
}

}  // namespace tocsin::receivers

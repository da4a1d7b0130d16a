// telegram.cpp: builds the reference's sendMessage request and reads the Bot API's answer.
#include "receivers/telegram/telegram.hpp"

#include <map>
#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "receivers/http_options.hpp"
#include "receivers/integrations.hpp"
#include "receivers/notify_util.hpp"
#include "receivers/url_util.hpp"

namespace tocsin::receivers {

namespace {

// Telegram's limit for a message's text, in characters.
constexpr size_t kMaxMessageRunes = 4096;

// The reference's Telegram client sets no User-Agent, so Go's default goes out.
constexpr const char* kGoUserAgent = "Go-http-client/1.1";

}  // namespace

Result<std::string> telegram_payload(const config::TelegramConfig& cfg, const tmpl::Templates& templates,
                                     const NotifyContext& ctx, const AlertList& alerts) {
  tmpl::Value data = template_data(ctx, alerts);
  TextRenderer text(templates, data);
  std::string message = cfg.parse_mode == "HTML" ? text.html(cfg.message) : text(cfg.message);
  // The reference goes on to send an empty text here; a template error is reported instead.
  if (text.failed()) {
    return Error{"templating error: " + text.error()};
  }
  bool truncated = false;
  message = truncate_in_runes(message, kMaxMessageRunes, &truncated);
  if (truncated) {
    LOG_WARN({"integration", "telegram"}, {"msg", "Truncated message"}, {"alert", ctx.group_key},
             {"max_runes", std::to_string(kMaxMessageRunes)});
  }
  // A Go map[string]string: keys in byte order, every value a string.
  std::map<std::string, std::string> params;
  params["chat_id"] = std::to_string(cfg.chat_id);
  params["text"] = std::move(message);
  params["disable_web_page_preview"] = "true";
  if (cfg.disable_notifications) {
    params["disable_notification"] = "true";
  }
  if (!cfg.parse_mode.empty()) {
    params["parse_mode"] = cfg.parse_mode;
  }
  if (cfg.message_thread_id != 0) {
    params["message_thread_id"] = std::to_string(cfg.message_thread_id);  // later versions' field
  }
  nlohmann::json j = params;
  return go_json_text(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

NotifyResult telegram_check_response(const net::ClientResponse& resp) {
  if (resp.status == 0) {
    // Never the URL: it carries the bot token.
    return NotifyResult::failure("telebot: Post \"<redacted>\": " + resp.error, true);
  }
  nlohmann::json j = nlohmann::json::parse(resp.body, nullptr, false);
  if (j.is_discarded()) {
    return NotifyResult::failure("telebot: answer is not JSON (HTTP " + std::to_string(resp.status) + ")", true);
  }
  // An "ok" that is missing or false is a failure; one of another type is not looked at (the
  // reference's client fails to decode it and goes on).
  if (j.is_object() && (!j.contains("ok") || (j["ok"].is_boolean() && !j["ok"].get<bool>()))) {
    std::string desc = j.contains("description") && j["description"].is_string() ? j["description"].get<std::string>()
                                                                                    : "";
    long long code = j.contains("error_code") && j["error_code"].is_number() ? j["error_code"].get<long long>() : 0;
    return NotifyResult::failure("telegram: " + desc + " (" + std::to_string(code) + ")", true);
  }
  if (!j.is_object()) {
    return NotifyResult::failure("telebot: answer is not a JSON object", true);
  }
  if (j.contains("result") && !j["result"].is_object() && !j["result"].is_null()) {
    return NotifyResult::failure(j["result"].is_boolean() && j["result"].get<bool>()
                                     ? std::string("telebot: result is True")
                                     : std::string("telebot: result is not a message"),
                                 true);
  }
  return NotifyResult::success();
}

TelegramNotifier::TelegramNotifier(config::TelegramConfig cfg, std::shared_ptr<const tmpl::Templates> templates)
    : cfg_(std::move(cfg)), templates_(templates_or_defaults(std::move(templates))) {}

NotifyResult TelegramNotifier::notify(const NotifyContext& ctx, const AlertList& alerts) {
  std::string token = cfg_.bot_token.value();
  if (token.empty()) {
    auto t = read_secret_file(cfg_.bot_token_file);
    if (!t) {
      return NotifyResult::failure("failed to read bot token from file: " + t.error(), false);
    }
    token = gourl::trim_space(*t);
  }
  auto body = telegram_payload(cfg_, *templates_, ctx, alerts);
  if (!body) {
    return NotifyResult::failure(body.error(), false);
  }
  auto opts = client_options(cfg_.http_config);
  if (!opts) {
    return NotifyResult::failure(opts.error(), false);
  }
  net::OutgoingRequest req;
  req.method = "POST";
  req.url = cfg_.api_url + "/bot" + token + "/sendMessage";
  req.options = std::move(*opts);
  req.options.timeout = request_timeout(ctx);
  req.headers.set("Content-Type", "application/json");
  req.headers.set("User-Agent", kGoUserAgent);
  req.body = std::move(*body);
  return telegram_check_response(net::http_send(req));
}

std::shared_ptr<Notifier> make_telegram(const config::TelegramConfig& c, TemplatesPtr t) {
  return std::make_shared<TelegramNotifier>(c, std::move(t));
}

}  // namespace tocsin::receivers

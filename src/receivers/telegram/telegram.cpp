// telegram.cpp: builds the reference's sendMessage request and reads the Bot API's answer.
#include "receivers/telegram/telegram.hpp"

#include <map>
#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "receivers/http_options.hpp"
#include "receivers/integrations.hpp"
#include "receivers/json_body.hpp"
#include "receivers/notify_util.hpp"

namespace tocsin::receivers {

namespace {

// Telegram's limit for a message's text, in characters.
constexpr size_t kMaxMessageRunes = 4096;

// The reference's Telegram client sets no User-Agent, so Go's default goes out.
constexpr const char* kGoUserAgent = "Go-http-client/1.1";

// The Bot API errors the reference's client knows by their description: it reports those with its
// own code and short text. Telegram's wording, listed as data.
struct KnownError {
  int code;
  const char* description;
  const char* message;  // "" : the part after "Bad Request: " / "Forbidden: "
};
constexpr KnownError kKnownErrors[] = {
    {400, "Request Entity Too Large", ""},
    {401, "Unauthorized", ""},
    {404, "Not Found", ""},
    {500, "Internal Server Error", ""},
    {400, "Bad Request: BUTTON_DATA_INVALID", ""},
    {400, "Bad Request: expected an Array of String as options", ""},
    {400, "Bad Request: failed to get HTTP URL content", ""},
    {400, "Bad Request: message can't be edited", ""},
    {400, "Bad Request: can't remove chat owner", ""},
    {400, "Bad Request: can't upload file by URL", ""},
    {400, "Bad Request: can't use the media of the specified type in the album", ""},
    {400, "Bad Request: chat description is not modified", ""},
    {400, "Bad Request: chat not found", ""},
    {400, "Bad Request: chat_id is empty", ""},
    {400, "Bad Request: message must be non-empty", ""},
    {400, "Bad Request: text is empty", ""},
    {400, "Bad Request: IMAGE_PROCESS_FAILED", "Image process failed"},
    {400, "Bad Request: group chat was upgraded to a supergroup chat", ""},
    {400, "Bad Request: message is not modified", ""},
    {400, "Bad Request: message can't be deleted", ""},
    {400, "Bad Request: not enough rights to restrict/unrestrict chat member", ""},
    {400, "Bad Request: have no rights to send a message", ""},
    {400, "Bad Request: CHAT_SEND_GIFS_FORBIDDEN", "sending GIFS is not allowed in this chat"},
    {400, "Bad Request: not enough rights to send photos to the chat", ""},
    {400, "Bad Request: not enough rights to send stickers to the chat", ""},
    {400, "Bad Request: message to delete not found", ""},
    {400, "Bad Request: message to forward not found", ""},
    {400, "Bad Request: reply message not found", ""},
    {400, "Bad Request: query is too old and response timeout expired or query ID is invalid", ""},
    {400,
     "Bad Request: message is not modified: specified new message content and reply markup are exactly the "
     "same as a current content and reply markup of the message",
     ""},
    {400, "Bad Request: invalid sticker emojis", ""},
    {400, "Bad Request: STICKERSET_INVALID", "Stickerset is invalid"},
    {400, "Bad Request: invalid sticker set name is specified", ""},
    {400, "Bad Request: sticker set name is already occupied", ""},
    {400, "Bad Request: reply markup is too long", ""},
    {400, "Bad Request: message is too long", ""},
    {400, "Bad Request: user is an administrator of the chat", ""},
    {400, "Bad Request: wrong file identifier/HTTP URL specified", ""},
    {400, "Bad Request: wrong remote file id specified: Wrong character in the string", ""},
    {400, "Bad Request: wrong remote file id specified: Wrong string length", ""},
    {400, "Bad Request: wrong remote file id specified: Wrong padding in the string", ""},
    {400, "Bad Request: wrong remote file id specified: can't unserialize it. Wrong last symbol", ""},
    {400, "Bad Request: wrong type of the web page content", ""},
    {400, "Bad Request: wrong HTTP URL specified", ""},
    {400, "Bad Request: administrators of the chat restricted message forwarding", ""},
    {403, "Forbidden: bot was blocked by the user", ""},
    {403, "Forbidden: bot was kicked from the group chat", ""},
    {403, "Forbidden: bot was kicked from the supergroup chat", ""},
    {403, "Forbidden: bot can't initiate conversation with a user", ""},
    {403, "Forbidden: user is deactivated", ""},
};

// The text after the "Xxx: " prefix when the description has exactly one ": ", else all of it.
std::string short_text(const std::string& d) {
  size_t a = d.find(": ");
  if (a == std::string::npos || d.find(": ", a + 2) != std::string::npos) {
    return d;
  }
  return d.substr(a + 2);
}

// The reference's error text for an answer with "ok": false.
std::string api_error_text(const std::string& description, long long code) {
  for (const auto& k : kKnownErrors) {
    if (description == k.description) {
      std::string m = *k.message != '\0' ? std::string(k.message) : short_text(description);
      return "telegram: " + m + " (" + std::to_string(k.code) + ")";
    }
  }
  if (code == 429) {
    return "telegram: " + short_text(description) + " (429)";
  }
  return "telegram: " + description + " (" + std::to_string(code) + ")";
}

// Go's encoding/json words for an answer that is not JSON, in the two common cases (an empty body, a
// body that does not start a JSON value: "ok", an HTML error page); other malformed JSON is summed up.
std::string json_syntax_error(const std::string& body) {
  size_t i = body.find_first_not_of(" \t\r\n");
  if (i == std::string::npos) {
    return "unexpected end of JSON input";
  }
  const char c = body[i];
  if (std::string_view("{[\"-0123456789tfn").find(c) == std::string_view::npos) {
    // Go quotes the byte as the rune of the same value: printable as itself, else \xNN or \u00NN.
    auto u = static_cast<unsigned char>(c);
    static constexpr const char* kHex = "0123456789abcdef";
    std::string q;
    if (c == '\'') {
      q = "'\\''";
    } else if (u >= 0x20 && u < 0x7f) {
      q = std::string("'") + c + "'";
    } else if (u < 0x80) {
      q = std::string("'\\x") + kHex[u >> 4] + kHex[u & 15] + "'";
    } else if (u >= 0xA0 && u != 0xAD) {
      q = std::string("'") + static_cast<char>(0xC0 | (u >> 6)) + static_cast<char>(0x80 | (u & 0x3F)) + "'";
    } else {
      q = std::string("'\\u00") + kHex[u >> 4] + kHex[u & 15] + "'";
    }
    return "invalid character " + q + " looking for beginning of value";
  }
  return "the answer is not valid JSON";
}

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
             {"max_runes", kMaxMessageRunes});
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
  return go_json(j);
}

NotifyResult telegram_check_response(const net::ClientResponse& resp) {
  if (resp.status == 0) {
    // Never the URL: it carries the bot token.
    return NotifyResult::failure("telebot: " + post_error(resp), true);
  }
  nlohmann::json j = nlohmann::json::parse(resp.body, nullptr, false);
  if (j.is_discarded()) {
    return NotifyResult::failure("telebot: " + json_syntax_error(resp.body), true);
  }
  // An "ok" that is missing or false is a failure; one of another type is not looked at (the
  // reference's client fails to decode it and goes on).
  if (j.is_object() && (!j.contains("ok") || (j["ok"].is_boolean() && !j["ok"].get<bool>()))) {
    std::string desc = j.contains("description") && j["description"].is_string() ? j["description"].get<std::string>()
                                                                                    : "";
    long long code = j.contains("error_code") && j["error_code"].is_number() ? j["error_code"].get<long long>() : 0;
    return NotifyResult::failure(api_error_text(desc, code), true);
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

namespace {

NotifyResult send_telegram(const config::TelegramConfig& cfg, const tmpl::Templates& templates,
                           const NotifyContext& ctx, const AlertList& alerts) {
  auto token = secret_or_file(cfg.bot_token, cfg.bot_token_file, "failed to read bot token from file: ");
  if (!token) {
    return NotifyResult::failure(token.error(), false);
  }
  auto body = telegram_payload(cfg, templates, ctx, alerts);
  if (!body) {
    return NotifyResult::failure(body.error(), false);
  }
  auto req = post_request(cfg.http_config, ctx, cfg.api_url + "/bot" + *token + "/sendMessage", std::move(*body));
  if (!req) {
    return NotifyResult::failure(req.error(), false);
  }
  req->headers.set("User-Agent", kGoUserAgent);
  return telegram_check_response(net::http_send(*req));
}

}  // namespace

std::shared_ptr<Notifier> make_telegram(const config::TelegramConfig& c, TemplatesPtr t) {
  return make_stateless_notifier(c, std::move(t), &send_telegram);
}

}  // namespace tocsin::receivers

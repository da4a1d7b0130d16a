// rocketchat.cpp: the Rocket.Chat integration: builds the reference's PostMessage body (its Go structs'
// field order and omitempty rules) and posts it to {api_url}/api/v1/chat.postMessage.
#include "receivers/rocketchat/rocketchat.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "receivers/go_text.hpp"
#include "receivers/http_options.hpp"
#include "receivers/integrations.hpp"
#include "receivers/json_body.hpp"
#include "receivers/notify_util.hpp"
#include "receivers/secret_file.hpp"

namespace tocsin::receivers {

namespace {

// Rocket.Chat shows no more of a title; the reference cuts it there.
constexpr size_t kMaxTitleRunes = 1024;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

const char* go_kind(const nlohmann::json& v) {
  if (v.is_string()) return "string";
  if (v.is_number()) return "number";
  if (v.is_boolean()) return "bool";
  if (v.is_array()) return "array";
  return "object";
}

// The secret inline or from its file, the file's error worded as the reference's.
Result<std::string> secret(const config::Secret& inline_value, const std::string& file) {
  if (file.empty()) return inline_value.value();
  auto s = read_trimmed_file(file);
  if (!s) return Error{"could not read " + file + ": " + s.error()};
  return *s;
}

NotifyResult send_rocketchat(const config::RocketchatConfig& cfg, const tmpl::Templates& templates,
                             const NotifyContext& ctx, const AlertList& alerts) {
  auto token = secret(cfg.token, cfg.token_file);
  if (!token) return NotifyResult::failure(token.error(), false);
  auto token_id = secret(cfg.token_id, cfg.token_id_file);
  if (!token_id) return NotifyResult::failure(token_id.error(), false);
  auto msg = rocketchat_message(cfg, templates, ctx, alerts);
  if (!msg) return NotifyResult::failure(msg.error(), false);
  auto req = post_request(cfg.http_config, ctx, rocketchat_post_url(cfg.api_url), std::move(msg->body));
  if (!req) return NotifyResult::failure(req.error(), false);
  req->headers.set("X-Auth-Token", *token);
  req->headers.set("X-User-Id", *token_id);
  auto resp = net::http_send(*req);
  if (resp.status == 0) return NotifyResult::failure(post_error(resp), true);
  return rocketchat_check_response(resp, msg->channel);
}

}  // namespace

Result<RocketchatMessage> rocketchat_message(const config::RocketchatConfig& cfg, const tmpl::Templates& templates,
                                             const NotifyContext& ctx, const AlertList& alerts) {
  tmpl::Value data = template_data(ctx, alerts);
  TextRenderer text(templates, data);
  bool truncated = false;
  std::string title = truncate_in_runes(text(cfg.title), kMaxTitleRunes, &truncated);
  if (truncated) {
    LOG_WARN({"integration", "rocketchat"}, {"msg", "Truncated title"}, {"group_key", ctx.group_key},
             {"max_runes", kMaxTitleRunes});
  }
  Json att = Json::object();
  set_nonempty(att, "title", std::move(title));
  set_nonempty(att, "title_link", text(cfg.title_link));
  set_nonempty(att, "text", text(cfg.text));
  set_nonempty(att, "image_url", text(cfg.image_url));
  set_nonempty(att, "thumb_url", text(cfg.thumb_url));
  set_nonempty(att, "color", text(cfg.color));
  if (!cfg.fields.empty()) {
    Json fields = Json::array();
    for (const auto& f : cfg.fields) {
      // A field without its own `short` takes short_fields; either way the key is always written.
      Json jf = Json::object();
      jf["short"] = f.short_.value_or(cfg.short_fields);
      set_nonempty(jf, "title", text(f.title));
      set_nonempty(jf, "value", text(f.value));
      fields.push_back(std::move(jf));
    }
    att["fields"] = std::move(fields);
  }
  if (!cfg.actions.empty()) {
    Json actions = Json::array();
    for (const auto& a : cfg.actions) {
      // Buttons are the only kind of action; the two booleans have no omitempty upstream.
      Json ja = Json::object();
      ja["type"] = "button";
      set_nonempty(ja, "text", text(a.text));
      set_nonempty(ja, "url", text(a.url));
      ja["is_webview"] = false;
      set_nonempty(ja, "msg", text(a.msg));
      ja["msg_in_chat_window"] = false;
      actions.push_back(std::move(ja));
    }
    att["actions"] = std::move(actions);
  }
  RocketchatMessage out;
  out.channel = text(cfg.channel);
  Json body = Json::object();
  set_nonempty(body, "channel", out.channel);
  set_nonempty(body, "emoji", text(cfg.emoji));
  set_nonempty(body, "avatar", text(cfg.icon_url));
  body["attachments"] = Json::array({std::move(att)});
  if (text.failed()) return Error{text.error()};
  out.body = go_json(body);
  return out;
}

std::string rocketchat_post_url(const std::string& api_url) {
  return gourl::join_path(api_url, "api/v1/chat.postMessage");
}

NotifyResult rocketchat_check_response(const net::ClientResponse& resp, const std::string& channel) {
  const std::string prefix = "channel " + gourl::quote(channel) + ": ";
  if (resp.status == 0) return NotifyResult::failure(resp.error, true);
  if (resp.status / 100 != 2) {
    std::string msg = prefix + "unexpected status code " + std::to_string(resp.status);
    if (!resp.body.empty()) msg += ": " + resp.body;
    return NotifyResult::failure(msg, resp.status / 100 == 5);
  }
  // Rocket.Chat reports some failures in a 200 answer.
  auto unreadable = [&](const std::string& why) {
    return NotifyResult::failure(prefix + "could not unmarshal JSON response " + gourl::quote(resp.body) + ": " + why,
                                 true);
  };
  if (std::string syntax = gourl::json_syntax_error(resp.body); !syntax.empty()) return unreadable(syntax);
  auto j = nlohmann::json::parse(resp.body, nullptr, false);
  if (!j.is_object() && !j.is_null()) {
    return unreadable(std::string("json: cannot unmarshal ") + go_kind(j) + " into Go value of type rocketchat.response");
  }
  bool success = false;
  std::string error;
  std::string type_error;
  if (j.is_object()) {
    for (const auto& [key, v] : j.items()) {
      const std::string k = lower(key);
      if ((k != "success" && k != "error") || v.is_null()) continue;
      if (k == "success" && v.is_boolean()) {
        success = v.get<bool>();
      } else if (k == "error" && v.is_string()) {
        error = v.get<std::string>();
      } else if (type_error.empty()) {
        // Go goes on decoding after a value of the wrong type and reports the first one at the end.
        type_error = std::string("json: cannot unmarshal ") + go_kind(v) + " into Go struct field response." + k +
                     " of type " + (k == "success" ? "bool" : "string");
      }
    }
  }
  if (!type_error.empty()) return unreadable(type_error);
  if (!success) return NotifyResult::failure(prefix + "error response from Rocketchat: " + error, false);
  return NotifyResult::success();
}

std::shared_ptr<Notifier> make_rocketchat(const config::RocketchatConfig& c, TemplatesPtr t) {
  return make_stateless_notifier(c, std::move(t), &send_rocketchat);
}

}  // namespace tocsin::receivers

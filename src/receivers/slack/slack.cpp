// slack.cpp: builds the reference's Slack request (field order and omitempty rules of its Go structs)
// and classifies Slack's answers for the retry stage.
#include "receivers/slack/slack.hpp"

#include "receivers/http_options.hpp"
#include "receivers/json_body.hpp"
#include "receivers/notify_util.hpp"

namespace tocsin::receivers {

namespace {

// Slack documents 1024 characters for a legacy attachment title.
constexpr size_t kMaxTitleRunes = 1024;

}  // namespace

Result<SlackPayload> slack_payload(const config::SlackConfig& cfg, const tmpl::Templates& templates,
                                   const NotifyContext& ctx, const AlertList& alerts) {
  tmpl::Value data = template_data(ctx, alerts);
  TextRenderer text(templates, data);

  Json att = Json::object();
  set_nonempty(att, "title", truncate_in_runes(text(cfg.title), kMaxTitleRunes));
  set_nonempty(att, "title_link", text(cfg.title_link));
  set_nonempty(att, "pretext", text(cfg.pretext));
  att["text"] = text(cfg.text);
  att["fallback"] = text(cfg.fallback);
  att["callback_id"] = text(cfg.callback_id);
  if (!cfg.fields.empty()) {
    Json fields = Json::array();
    for (const auto& f : cfg.fields) {
      Json jf = Json::object();
      set_nonempty(jf, "title", text(f.title));
      set_nonempty(jf, "value", text(f.value));
      jf["short"] = f.short_.value_or(cfg.short_fields);
      fields.push_back(std::move(jf));
    }
    att["fields"] = std::move(fields);
  }
  if (!cfg.actions.empty()) {
    Json actions = Json::array();
    for (const auto& a : cfg.actions) {
      Json ja = Json::object();
      set_nonempty(ja, "type", text(a.type));
      set_nonempty(ja, "text", text(a.text));
      set_nonempty(ja, "url", text(a.url));
      set_nonempty(ja, "style", text(a.style));
      set_nonempty(ja, "name", text(a.name));
      set_nonempty(ja, "value", text(a.value));
      if (a.confirm) {
        Json jc = Json::object();
        set_nonempty(jc, "text", text(a.confirm->text));
        set_nonempty(jc, "title", text(a.confirm->title));
        set_nonempty(jc, "ok_text", text(a.confirm->ok_text));
        set_nonempty(jc, "dismiss_text", text(a.confirm->dismiss_text));
        ja["confirm"] = std::move(jc);
      }
      actions.push_back(std::move(ja));
    }
    att["actions"] = std::move(actions);
  }
  set_nonempty(att, "image_url", text(cfg.image_url));
  set_nonempty(att, "thumb_url", text(cfg.thumb_url));
  att["footer"] = text(cfg.footer);
  set_nonempty(att, "color", text(cfg.color));
  att["mrkdwn_in"] = cfg.mrkdwn_in.empty() ? std::vector<std::string>{"fallback", "pretext", "text"} : cfg.mrkdwn_in;

  SlackPayload out;
  Json req = Json::object();
  out.channel = text(cfg.channel);
  set_nonempty(req, "channel", out.channel);
  set_nonempty(req, "username", text(cfg.username));
  set_nonempty(req, "icon_emoji", text(cfg.icon_emoji));
  set_nonempty(req, "icon_url", text(cfg.icon_url));
  if (cfg.link_names) {
    req["link_names"] = true;
  }
  req["attachments"] = Json::array({std::move(att)});
  if (text.failed()) {
    return Error{text.error()};
  }
  out.body = go_json(req);
  return out;
}

NotifyResult slack_check_response(const net::ClientResponse& resp, const std::string& channel) {
  const std::string where = "channel \"" + channel + "\": ";
  if (resp.status == 0) {
    // Never the URL: an incoming webhook's URL is its secret.
    return NotifyResult::failure(where + post_error(resp), true);
  }
  if (resp.status / 100 != 2) {
    auto r = check_status("slack", resp);
    r.error = where + r.error;
    return r;
  }
  // The Web API (chat.postMessage) answers errors with 200 and {"ok": false, "error": "..."}; the
  // reference 0.25 took them for success, later versions report them, not retried. An answer that
  // is not such JSON (an incoming webhook's "ok", a compatible server's own JSON) is a success.
  const std::string* ct = resp.headers.get("Content-Type");
  if (ct != nullptr && ct->rfind("application/json", 0) == 0) {
    Json j = Json::parse(resp.body, nullptr, false);
    if (j.is_object() && j.contains("ok") && j["ok"].is_boolean() && !j["ok"].get<bool>()) {
      std::string e = j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>() : "";
      return NotifyResult::failure(where + "error response from Slack: " + e, false);
    }
  }
  return NotifyResult::success();
}

SlackNotifier::SlackNotifier(config::SlackConfig cfg, std::shared_ptr<const tmpl::Templates> templates)
    : cfg_(std::move(cfg)), templates_(templates_or_defaults(std::move(templates))) {}

NotifyResult SlackNotifier::notify(const NotifyContext& ctx, const AlertList& alerts) {
  auto payload = slack_payload(cfg_, *templates_, ctx, alerts);
  if (!payload) {
    return NotifyResult::failure(payload.error(), false);
  }
  auto url = url_or_file(cfg_.api_url, cfg_.api_url_file, "api_url_file");
  if (!url) {
    return NotifyResult::failure(url.error(), false);
  }
  auto req = post_request(cfg_.http_config, ctx, std::move(*url), std::move(payload->body));
  if (!req) {
    return NotifyResult::failure(req.error(), false);
  }
  return slack_check_response(net::http_send(*req), payload->channel);
}

}  // namespace tocsin::receivers

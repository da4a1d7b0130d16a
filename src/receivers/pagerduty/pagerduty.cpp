// pagerduty.cpp: builds the reference's PagerDuty events (its Go struct's field order and omitempty
// rules, its truncation and size limits) and classifies PagerDuty's answers.
#include "receivers/pagerduty/pagerduty.hpp"

#include "receivers/http_options.hpp"
#include "receivers/json_body.hpp"
#include "receivers/notify_util.hpp"
#include "receivers/pagerduty/sha256.hpp"

namespace tocsin::receivers {

namespace {

// PagerDuty documents 1024 characters for a v1 description and a v2 summary, and 512 KB for an event.
constexpr size_t kMaxDescriptionRunes = 1024;
constexpr size_t kMaxEventBytes = 512000;
constexpr const char* kDetailsRemoved =
    "Custom details have been removed because the original event exceeds the maximum size of 512KB";

}  // namespace

bool pagerduty_is_v1(const config::PagerdutyConfig& cfg) {
  return !cfg.service_key.empty() || !cfg.service_key_file.empty();
}

Result<std::string> pagerduty_payload(const config::PagerdutyConfig& cfg, const std::string& key,
                                      const tmpl::Templates& templates, const NotifyContext& ctx,
                                      const AlertList& alerts) {
  tmpl::Value data = template_data(ctx, alerts);
  const std::string event = all_resolved(ctx, alerts) ? "resolve" : "trigger";
  const std::string dedup = sha256_hex(ctx.group_key);

  // Details first, each failure naming its key, as the reference renders them before the event.
  Json details = Json::object();
  for (const auto& [k, v] : cfg.details) {
    auto r = templates.execute_text(v, data);
    if (!r) {
      return Error{"\"" + k + "\": failed to template \"" + v + "\": " + r.error()};
    }
    details[k] = std::move(*r);
  }

  TextRenderer text(templates, data);
  Json msg = Json::object();
  if (pagerduty_is_v1(cfg)) {
    set_nonempty(msg, "service_key", text(key));
    msg["incident_key"] = dedup;
    msg["event_type"] = event;
    set_nonempty(msg, "description", truncate_in_runes(text(cfg.description), kMaxDescriptionRunes));
    // The reference's shared struct writes these two even for v1.
    msg["event_action"] = "";
    msg["payload"] = nullptr;
    if (event == "trigger") {
      set_nonempty(msg, "client", text(cfg.client));
      set_nonempty(msg, "client_url", text(cfg.client_url));
    }
    if (!details.empty()) {
      msg["details"] = details;
    }
    if (text.failed()) {
      return Error{"failed to template PagerDuty v1 message: " + text.error()};
    }
    if (!msg.contains("service_key")) {
      return Error{"service key cannot be empty"};
    }
    std::string body = go_json(msg);
    if (body.size() > kMaxEventBytes) {
      msg["details"] = Json{{"error", kDetailsRemoved}};
      body = go_json(msg);
    }
    return body;
  }

  std::string routing_key = text(key);
  set_nonempty(msg, "routing_key", routing_key);
  msg["dedup_key"] = dedup;
  msg["event_action"] = event;
  Json payload = Json::object();
  payload["summary"] = truncate_in_runes(text(cfg.description), kMaxDescriptionRunes);
  payload["source"] = text(cfg.source);
  payload["severity"] = text(cfg.severity.empty() ? std::string("error") : cfg.severity);
  set_nonempty(payload, "class", text(cfg.class_));
  set_nonempty(payload, "component", text(cfg.component));
  set_nonempty(payload, "group", text(cfg.group));
  if (!details.empty()) {
    payload["custom_details"] = details;
  }
  // client and client_url are rendered before the payload in the reference; the order matters only
  // for which template error is reported first.
  std::string client = text(cfg.client);
  std::string client_url = text(cfg.client_url);
  Json images = Json::array();
  for (const auto& i : cfg.images) {
    Json ji = Json::object();
    ji["src"] = text(i.src);
    ji["alt"] = text(i.alt);
    ji["href"] = text(i.href);
    if (!ji["src"].get<std::string>().empty()) {
      images.push_back(std::move(ji));
    }
  }
  Json links = Json::array();
  for (const auto& l : cfg.links) {
    Json jl = Json::object();
    jl["href"] = text(l.href);
    jl["text"] = text(l.text);
    if (!jl["href"].get<std::string>().empty()) {
      links.push_back(std::move(jl));
    }
  }
  if (text.failed()) {
    return Error{"failed to template PagerDuty v2 message: " + text.error()};
  }
  if (routing_key.empty()) {
    return Error{"routing key cannot be empty"};
  }
  msg["payload"] = std::move(payload);
  set_nonempty(msg, "client", client);
  set_nonempty(msg, "client_url", client_url);
  if (!images.empty()) {
    msg["images"] = std::move(images);
  }
  if (!links.empty()) {
    msg["links"] = std::move(links);
  }
  std::string body = go_json(msg);
  if (body.size() > kMaxEventBytes) {
    msg["payload"]["custom_details"] = Json{{"error", kDetailsRemoved}};
    body = go_json(msg);
  }
  return body;
}

NotifyResult pagerduty_check_response(const net::ClientResponse& resp, bool v1) {
  if (resp.status == 0) {
    return NotifyResult::failure("failed to post message to PagerDuty: " + resp.error, true);
  }
  if (resp.status / 100 == 2) {
    return NotifyResult::success();
  }
  const bool retry = resp.status / 100 == 5 || resp.status == (v1 ? 403 : 429);
  std::string msg = "unexpected status code " + std::to_string(resp.status);
  // Only a 400 carries details worth showing: {"status", "message", "errors": [...]}.
  if (resp.status == 400) {
    Json j = Json::parse(resp.body, nullptr, false);
    if (j.is_object()) {
      std::string m = j.contains("message") && j["message"].is_string() ? j["message"].get<std::string>() : "";
      std::string errs;
      if (j.contains("errors") && j["errors"].is_array()) {
        for (const auto& e : j["errors"]) {
          if (e.is_string()) {
            errs += (errs.empty() ? "" : ",") + e.get<std::string>();
          }
        }
      }
      msg += ": " + m + ": " + errs;
    }
  }
  return NotifyResult::failure(msg, retry);
}

PagerdutyNotifier::PagerdutyNotifier(config::PagerdutyConfig cfg, std::shared_ptr<const tmpl::Templates> templates,
                                     std::string v1_url)
    : cfg_(std::move(cfg)), templates_(templates_or_defaults(std::move(templates))), v1_url_(std::move(v1_url)) {}

NotifyResult PagerdutyNotifier::notify(const NotifyContext& ctx, const AlertList& alerts) {
  const bool v1 = pagerduty_is_v1(cfg_);
  std::string key = v1 ? cfg_.service_key.value() : cfg_.routing_key.value();
  const std::string& key_file = v1 ? cfg_.service_key_file : cfg_.routing_key_file;
  if (key.empty() && !key_file.empty()) {
    auto k = read_secret_file(key_file);
    if (!k) {
      return NotifyResult::failure(std::string("failed to read ") + (v1 ? "service" : "routing") +
                                       " key from file: " + k.error(),
                                   false);
    }
    key = *k;
  }
  auto body = pagerduty_payload(cfg_, key, *templates_, ctx, alerts);
  if (!body) {
    return NotifyResult::failure(body.error(), false);
  }
  auto req = post_request(cfg_.http_config, ctx, v1 ? v1_url_ : cfg_.url, std::move(*body));
  if (!req) {
    return NotifyResult::failure(req.error(), false);
  }
  return pagerduty_check_response(net::http_send(*req), v1);
}

}  // namespace tocsin::receivers

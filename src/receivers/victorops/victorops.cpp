// victorops.cpp: builds the reference's VictorOps event (a Go map[string]string, so its keys sorted)
// and posts it; only 5xx answers and transport errors are retried.
#include "receivers/victorops/victorops.hpp"

#include <map>
#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "receivers/http_options.hpp"
#include "receivers/integrations.hpp"
#include "receivers/notify_util.hpp"
#include "receivers/pagerduty/sha256.hpp"
#include "receivers/url_util.hpp"

namespace tocsin::receivers {

namespace {

// VictorOps documents 20,480 characters for state_message.
constexpr size_t kMaxStateMessageRunes = 20480;

bool all_resolved(const NotifyContext& ctx, const AlertList& alerts) {
  for (const auto& a : alerts) {
    if (!a->resolved_at(ctx.now)) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<std::string> victorops_url(const config::VictorOpsConfig& cfg, const std::string& api_key,
                                  const tmpl::Templates& templates, const NotifyContext& ctx,
                                  const AlertList& alerts) {
  tmpl::Value data = template_data(ctx, alerts);
  TextRenderer text(templates, data);
  std::string routing_key = text(cfg.routing_key);
  if (text.failed()) {
    return Error{"templating error: " + text.error()};
  }
  return gourl::append_path(cfg.api_url, gourl::path_escape(api_key + "/" + routing_key));
}

Result<std::string> victorops_payload(const config::VictorOpsConfig& cfg, const tmpl::Templates& templates,
                                      const NotifyContext& ctx, const AlertList& alerts) {
  tmpl::Value data = template_data(ctx, alerts);
  TextRenderer text(templates, data);
  std::string message_type = text(cfg.message_type);
  std::string state_message = text(cfg.state_message);
  if (all_resolved(ctx, alerts)) {
    message_type = "RECOVERY";
  } else if (message_type != "INFO" && message_type != "WARNING" && message_type != "CRITICAL") {
    message_type = "CRITICAL";  // VictorOps accepts only these three for a firing event
  }
  bool truncated = false;
  state_message = truncate_in_runes(state_message, kMaxStateMessageRunes, &truncated);
  if (truncated) {
    LOG_WARN({"integration", "victorops"}, {"msg", "Truncated state_message"}, {"incident", ctx.group_key},
             {"max_runes", kMaxStateMessageRunes});
  }
  std::map<std::string, std::string> msg;
  msg["message_type"] = message_type;
  msg["entity_id"] = sha256_hex(ctx.group_key);
  msg["entity_display_name"] = text(cfg.entity_display_name);
  msg["state_message"] = state_message;
  msg["monitoring_tool"] = text(cfg.monitoring_tool);
  for (const auto& [k, v] : cfg.custom_fields) {
    msg[k] = text(v);
  }
  if (text.failed()) {
    return Error{"templating error: " + text.error()};
  }
  nlohmann::json j = msg;  // std::map: keys in byte order, as Go writes a map
  return go_json_text(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

VictorOpsNotifier::VictorOpsNotifier(config::VictorOpsConfig cfg, std::shared_ptr<const tmpl::Templates> templates)
    : cfg_(std::move(cfg)), templates_(templates_or_defaults(std::move(templates))) {}

NotifyResult VictorOpsNotifier::notify(const NotifyContext& ctx, const AlertList& alerts) {
  std::string key = cfg_.api_key.value();
  if (key.empty()) {
    auto k = read_secret_file(cfg_.api_key_file);
    if (!k) {
      return NotifyResult::failure("failed to read API key from file: " + k.error(), false);
    }
    key = gourl::trim_space(*k);
  }
  auto url = victorops_url(cfg_, key, *templates_, ctx, alerts);
  if (!url) {
    return NotifyResult::failure(url.error(), false);
  }
  auto body = victorops_payload(cfg_, *templates_, ctx, alerts);
  if (!body) {
    // The reference retries a failure to build the event (unlike one in the routing key).
    return NotifyResult::failure(body.error(), true);
  }
  auto opts = client_options(cfg_.http_config);
  if (!opts) {
    return NotifyResult::failure(opts.error(), false);
  }
  net::OutgoingRequest req;
  req.method = "POST";
  req.url = std::move(*url);
  req.options = std::move(*opts);
  req.options.timeout = request_timeout(ctx);
  req.headers.set("Content-Type", "application/json");
  req.body = std::move(*body);
  net::ClientResponse resp = net::http_send(req);
  if (resp.status == 0) {
    // Never the URL: it carries the API key.
    return NotifyResult::failure("Post \"<redacted>\": " + resp.error, true);
  }
  return check_status("victorops", resp);
}

std::shared_ptr<Notifier> make_victorops(const config::VictorOpsConfig& c, TemplatesPtr t) {
  return std::make_shared<VictorOpsNotifier>(c, std::move(t));
}

}  // namespace tocsin::receivers

// victorops.cpp: builds the reference's VictorOps event (a Go map[string]string, so its keys sorted)
// and posts it; only 5xx answers and transport errors are retried.
#include "receivers/victorops/victorops.hpp"

#include <map>
#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "receivers/http_options.hpp"
#include "receivers/integrations.hpp"
#include "receivers/json_body.hpp"
#include "receivers/notify_util.hpp"
#include "receivers/pagerduty/sha256.hpp"
#include "receivers/url_util.hpp"

namespace tocsin::receivers {

namespace {

// VictorOps documents 20,480 characters for state_message.
constexpr size_t kMaxStateMessageRunes = 20480;

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
  return go_json(j);
}

namespace {

NotifyResult send_victorops(const config::VictorOpsConfig& cfg, const tmpl::Templates& templates,
                            const NotifyContext& ctx, const AlertList& alerts) {
  auto key = secret_or_file(cfg.api_key, cfg.api_key_file, "failed to read API key from file: ");
  if (!key) {
    return NotifyResult::failure(key.error(), false);
  }
  auto url = victorops_url(cfg, *key, templates, ctx, alerts);
  if (!url) {
    return NotifyResult::failure(url.error(), false);
  }
  auto body = victorops_payload(cfg, templates, ctx, alerts);
  if (!body) {
    // The reference retries a failure to build the event (unlike one in the routing key).
    return NotifyResult::failure(body.error(), true);
  }
  auto req = post_request(cfg.http_config, ctx, std::move(*url), std::move(*body));
  if (!req) {
    return NotifyResult::failure(req.error(), false);
  }
  // The URL carries the API key: check_post_response never shows it.
  return check_post_response("victorops", net::http_send(*req));
}

}  // namespace

std::shared_ptr<Notifier> make_victorops(const config::VictorOpsConfig& c, TemplatesPtr t) {
  return make_stateless_notifier(c, std::move(t), &send_victorops);
}

}  // namespace tocsin::receivers

// webhook.cpp: posts the version 4 JSON payload, shaped field for field as the reference's.
#include "receivers/webhook/webhook.hpp"

#include "receivers/http_options.hpp"
#include "receivers/json_body.hpp"
#include "receivers/notify_util.hpp"

namespace tocsin::receivers {

namespace {

Json kv(const LabelSet& ls) {
  Json j = Json::object();
  for (const auto& [k, v] : ls) j[k] = v;
  return j;
}

}  // namespace

std::string webhook_payload(const NotifyContext& ctx, const AlertList& all, uint64_t max_alerts,
                            std::string_view version, size_t listed) {
  AlertList alerts = all;
  uint64_t truncated = 0;
  if (max_alerts > 0 && alerts.size() > max_alerts) {
    truncated = alerts.size() - max_alerts;
    alerts.resize(max_alerts);
  }
  bool any_firing = false;
  Json arr = Json::array();
  for (const auto& a : alerts) {
    const bool resolved = a->resolved_at(ctx.now);
    any_firing |= !resolved;
    if (arr.size() >= listed) continue;
    Json ja;
    ja["status"] = resolved ? "resolved" : "firing";
    ja["labels"] = kv(a->labels);
    ja["annotations"] = kv(a->annotations);
    ja["startsAt"] = format_rfc3339_nano(a->starts_at);
    ja["endsAt"] = format_rfc3339_nano(a->ends_at);
    ja["generatorURL"] = a->generator_url.str();
    ja["fingerprint"] = fingerprint_hex(a->fingerprint);
    arr.push_back(std::move(ja));
  }
  // The status and the common labels and annotations are those of the alerts sent: the reference
  // truncates to max_alerts before it builds the template data.
  Json j;
  j["receiver"] = quote_meta(ctx.receiver);
  j["status"] = any_firing ? "firing" : "resolved";
  j["alerts"] = std::move(arr);
  // Newer releases (0.32+) say why this notification went out.
  j["notification_reason"] = ctx.notification_reason;
  j["groupLabels"] = kv(ctx.group_labels);
  j["commonLabels"] = kv(common_labels(alerts, false));
  j["commonAnnotations"] = kv(common_labels(alerts, true));
  j["externalURL"] = ctx.external_url;
  j["version"] = std::string(version);
  j["groupKey"] = ctx.group_key;
  j["truncatedAlerts"] = truncated;
  // As encoding/json's Encoder writes it: <, > and & escaped, a final newline; invalid UTF-8 replaced.
  return go_json(j);
}

NotifyResult WebhookNotifier::notify(const NotifyContext& ctx, const AlertList& alerts) {
  auto url = url_or_file(cfg_.url, cfg_.url_file, "url_file");
  if (!url) return NotifyResult::failure(url.error(), false);
  auto req = post_request(cfg_.http_config, ctx, std::move(*url), webhook_payload(ctx, alerts, cfg_.max_alerts));
  if (!req) return NotifyResult::failure(req.error(), false);
  // Each attempt ends at the configured timeout, and never later than the flush's deadline, so a
  // receiver that hangs cannot hold a worker past the next flush (a retry gets what is left).
  auto left = is_zero(ctx.deadline) || ctx.deadline <= ctx.now ? std::chrono::milliseconds(10000)
                                                                : request_timeout(ctx);
  req->options.timeout = left;
  if (cfg_.timeout > Duration::zero()) {
    req->options.timeout = std::min(left, std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.timeout));
  }
  // Never log the URL itself: it may carry a token.
  return check_post_response("webhook", net::http_send(*req));
}

}  // namespace tocsin::receivers

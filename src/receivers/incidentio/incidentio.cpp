// incidentio.cpp: the incident.io integration. One POST a flush to the alert source's URL (or url_file's
// content), authorized by the alert source token, which takes the place of any http_config credentials.
#include "receivers/incidentio/incidentio.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "receivers/http_options.hpp"
#include "receivers/integrations.hpp"
#include "receivers/notify_util.hpp"
#include "receivers/secret_file.hpp"
#include "receivers/webhook/webhook.hpp"

namespace tocsin::receivers {

namespace {

// The reference's error details: "message", "error" and "errors" of a JSON answer, in that order.
// Go matches field names case-insensitively and fails the whole decode on a value of another type.
std::string error_details(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !(j.is_object() || j.is_null())) return {};
  std::string message, error;
  std::vector<std::string> errors;
  if (j.is_object()) {
    for (const auto& [key, v] : j.items()) {
      std::string k = key;
      std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (k != "message" && k != "error" && k != "errors") continue;
      if (v.is_null()) continue;  // null leaves a Go field as it was
      if (k == "errors") {
        if (!v.is_array()) return {};
        errors.clear();
        for (const auto& e : v) {
          if (e.is_null()) {
            errors.emplace_back();
            continue;
          }
          if (!e.is_string()) return {};
          errors.push_back(e.get<std::string>());
        }
        continue;
      }
      if (!v.is_string()) return {};
      (k == "message" ? message : error) = v.get<std::string>();
    }
  }
  std::vector<std::string> parts;
  if (!message.empty()) parts.push_back(message);
  if (!error.empty()) parts.push_back(error);
  if (!errors.empty()) {
    std::string joined;
    for (size_t i = 0; i < errors.size(); ++i) joined += (i ? ", " : "") + errors[i];
    parts.push_back(joined);
  }
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ": " : "") + parts[i];
  return out;
}

class IncidentioNotifier final : public Notifier {
 public:
  explicit IncidentioNotifier(config::IncidentioConfig cfg) : cfg_(std::move(cfg)) {}

  NotifyResult notify(const NotifyContext& ctx, const AlertList& alerts) override {
    std::string body = incidentio_payload(ctx, alerts, cfg_.max_alerts);
    auto url = url_or_file(cfg_.url, cfg_.url_file, "url_file", &read_trimmed_file);
    if (!url) return NotifyResult::failure(url.error(), false);
    auto req = post_request(cfg_.http_config, ctx, std::move(*url), std::move(body));
    if (!req) return NotifyResult::failure(req.error(), false);
    // The alert source token replaces whatever credentials http_config carries.
    std::string token = cfg_.alert_source_token.value();
    if (!cfg_.alert_source_token_file.empty()) {
      auto t = read_trimmed_file(cfg_.alert_source_token_file);
      if (!t) return NotifyResult::failure("failed to read alert_source_token_file: " + t.error(), false);
      token = *t;
    }
    if (!token.empty()) {
      req->options.bearer_token.clear();
      req->options.authorization_type = "Bearer";
      req->options.authorization_credentials = token;
    }
    bool configured_bound = false;
    if (cfg_.timeout > Duration::zero()) {
      auto t = std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.timeout);
      if (req->options.timeout.count() == 0 || t < req->options.timeout) {
        req->options.timeout = t;
        configured_bound = true;
      }
    }
    auto resp = net::http_send(*req);
    if (resp.status == 0) {
      // The URL carries the alert source's identity: never in an error.
      std::string err = post_error(resp);
      if (configured_bound && resp.error.find("imeout") != std::string::npos) {
        err += ": configured incident.io timeout reached (" + format_go_duration(cfg_.timeout) + ")";
      }
      return NotifyResult::failure(err, true);
    }
    return incidentio_check_response(resp);
  }

 private:
  config::IncidentioConfig cfg_;
};

}  // namespace

std::string incidentio_payload(const NotifyContext& ctx, const AlertList& all, uint64_t max_alerts) {
  // The reference embeds its template data (receiver … externalURL), then adds version, groupKey and
  // truncatedAlerts: the webhook's message with version 1.
  std::string out = webhook_payload(ctx, all, max_alerts, "1");
  const size_t sent = max_alerts > 0 ? std::min<uint64_t>(all.size(), max_alerts) : all.size();
  if (out.size() <= kIncidentioMaxPayloadBytes || sent <= 1) {
    return out;
  }
  // One alert is what incident.io needs to open an incident; the status and the common labels stay
  // those of the whole group, as the reference cuts only the list.
  const size_t original = out.size();
  out = webhook_payload(ctx, all, max_alerts, "1", 1);
  if (out.size() <= kIncidentioMaxPayloadBytes) {
    LOG_WARN({"integration", "incidentio"}, {"msg", "Truncated alert content due to incident.io payload size limit"},
             {"original_size", original}, {"final_size", out.size()}, {"max_size", kIncidentioMaxPayloadBytes});
  } else {
    LOG_ERROR({"integration", "incidentio"},
              {"msg", "Truncated alert content due to incident.io payload size limit, but still exceeds limit"},
              {"original_size", original}, {"final_size", out.size()}, {"max_size", kIncidentioMaxPayloadBytes});
  }
  return out;
}

NotifyResult incidentio_check_response(const net::ClientResponse& resp) {
  if (resp.status == 0) return NotifyResult::failure(resp.error, true);
  if (resp.status / 100 == 2) return NotifyResult::success();
  std::string msg = "unexpected status code " + std::to_string(resp.status);
  std::string details = error_details(resp.body);
  if (!details.empty()) msg += ": " + details;
  return NotifyResult::failure(msg, resp.status / 100 == 5 || resp.status == 429);
}

std::shared_ptr<Notifier> make_incidentio(const config::IncidentioConfig& c, TemplatesPtr) {
  return std::make_shared<IncidentioNotifier>(c);
}

}  // namespace tocsin::receivers

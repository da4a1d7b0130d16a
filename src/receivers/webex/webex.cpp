// webex.cpp: builds the reference's Webex message ({"markdown", "roomId"}, the markdown cut to the
// 7439 bytes Webex accepts) and posts it; 2xx succeeds, 5xx and transport errors are retried.
#include "receivers/webex/webex.hpp"

#include "core/log.hpp"
#include "receivers/http_options.hpp"
#include "receivers/integrations.hpp"
#include "receivers/json_body.hpp"
#include "receivers/notify_util.hpp"

namespace tocsin::receivers {

namespace {

// Webex's limit on a message's markdown, in bytes.
constexpr size_t kMaxMessageBytes = 7439;

NotifyResult send_webex(const config::WebexConfig& cfg, const tmpl::Templates& templates,
                        const NotifyContext& ctx, const AlertList& alerts) {
  auto body = webex_payload(cfg, templates, ctx, alerts);
  if (!body) {
    return NotifyResult::failure(body.error(), false);
  }
  auto req = post_request(cfg.http_config, ctx, cfg.api_url, std::move(*body));
  if (!req) {
    return NotifyResult::failure(req.error(), false);
  }
  return check_post_response("webex", net::http_send(*req));
}

}  // namespace

std::string truncate_in_bytes(std::string_view s, size_t n, bool* truncated) {
  if (truncated != nullptr) {
    *truncated = s.size() > n;
  }
  if (s.size() <= n) {
    return std::string(s);
  }
  if (n <= 3) {
    return n == 3 ? std::string("\xE2\x80\xA6") : std::string(n, '.');
  }
  // Whole runes only, leaving room for the 3-byte marker.
  size_t end = 0;
  while (end < s.size()) {
    size_t next = end + utf8_len(static_cast<unsigned char>(s[end]));
    if (next > n - 3) {
      break;
    }
    end = next;
  }
  return std::string(s.substr(0, end)) + "\xE2\x80\xA6";
}

Result<std::string> webex_payload(const config::WebexConfig& cfg, const tmpl::Templates& templates,
                                  const NotifyContext& ctx, const AlertList& alerts) {
  tmpl::Value data = template_data(ctx, alerts);
  TextRenderer text(templates, data);
  std::string message = text(cfg.message);
  if (text.failed()) {
    return Error{text.error()};
  }
  bool truncated = false;
  message = truncate_in_bytes(message, kMaxMessageBytes, &truncated);
  if (truncated) {
    LOG_DEBUG({"integration", "webex"}, {"msg", "message truncated to Webex's maximum length"},
              {"key", ctx.group_key}, {"max_bytes", kMaxMessageBytes});
  }
  Json msg = Json::object();
  msg["markdown"] = std::move(message);
  if (!cfg.room_id.empty()) {
    msg["roomId"] = cfg.room_id;
  }
  return go_json(msg);
}

std::shared_ptr<Notifier> make_webex(const config::WebexConfig& c, TemplatesPtr t) {
  return make_stateless_notifier(c, std::move(t), &send_webex);
}

}  // namespace tocsin::receivers

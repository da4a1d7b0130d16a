// webex.cpp: builds the reference's Webex message ({"markdown", "roomId"}, the markdown cut to the
// 7439 bytes Webex accepts) and posts it; 2xx succeeds, 5xx and transport errors are retried.
#include "receivers/webex/webex.hpp"

#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "receivers/http_options.hpp"
#include "receivers/integrations.hpp"
#include "receivers/notify_util.hpp"

namespace tocsin::receivers {

namespace {

using Json = nlohmann::ordered_json;

// Webex's limit on a message's markdown, in bytes.
constexpr size_t kMaxMessageBytes = 7439;

size_t rune_len(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c >> 5) == 0x6) return 2;
  if ((c >> 4) == 0xE) return 3;
  if ((c >> 3) == 0x1E) return 4;
  return 1;
}

class WebexNotifier final : public Notifier {
 public:
  WebexNotifier(config::WebexConfig cfg, TemplatesPtr templates)
      : cfg_(std::move(cfg)), templates_(templates_or_defaults(std::move(templates))) {}

  NotifyResult notify(const NotifyContext& ctx, const AlertList& alerts) override {
    auto body = webex_payload(cfg_, *templates_, ctx, alerts);
    if (!body) {
      return NotifyResult::failure(body.error(), false);
    }
    net::OutgoingRequest req;
    req.method = "POST";
    req.url = cfg_.api_url;
    auto opts = client_options(cfg_.http_config);
    if (!opts) {
      return NotifyResult::failure(opts.error(), false);
    }
    req.options = std::move(*opts);
    req.options.timeout = request_timeout(ctx);
    req.headers.set("Content-Type", "application/json");
    req.body = std::move(*body);
    auto resp = net::http_send(req);
    if (resp.status == 0) {
      return NotifyResult::failure("Post \"<redacted>\": " + resp.error, true);
    }
    return check_status("webex", resp);
  }

 private:
  config::WebexConfig cfg_;
  TemplatesPtr templates_;
};

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
    size_t next = end + rune_len(static_cast<unsigned char>(s[end]));
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
  return go_json_text(msg.dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::shared_ptr<Notifier> make_webex(const config::WebexConfig& c, TemplatesPtr t) {
  return std::make_shared<WebexNotifier>(c, std::move(t));
}

}  // namespace tocsin::receivers

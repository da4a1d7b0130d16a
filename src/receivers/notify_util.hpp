// notify_util.hpp: what the templated integrations (Slack, email, PagerDuty) share: the template data
// of one flush, a renderer that keeps the first template error as the reference's TmplText does, rune
// truncation, and Go's encoding/json escaping of a JSON text.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "receivers/notifier.hpp"
#include "template/template.hpp"
#include "template/value.hpp"

namespace tocsin::receivers {

// The reference's template.Data of one flush: the receiver QuoteMeta'd, the group labels, each alert's
// status at ctx.now, the group status and the common labels and annotations.
tmpl::Value template_data(const NotifyContext& ctx, const AlertList& alerts);

// Whether every alert of the flush is resolved at ctx.now (true for none): the reference's
// types.Alerts(...).Status() == "resolved", which picks a resolve event, a recovery or a colour.
bool all_resolved(const NotifyContext& ctx, const AlertList& alerts);

// Renders config fields against one notification's data. After the first failure every call returns
// "" and error() keeps that first message, so a payload is built in straight-line code and checked once.
class TextRenderer {
 public:
  TextRenderer(const tmpl::Templates& templates, const tmpl::Value& data) : templates_(templates), data_(data) {}
  std::string operator()(std::string_view text);
  std::string html(std::string_view text);
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  const tmpl::Templates& templates_;
  const tmpl::Value& data_;
  std::string error_;
};

// The length of the UTF-8 sequence that starts with byte `lead` (1 for a stray continuation or an
// invalid byte, which Go counts as one rune each).
size_t utf8_len(unsigned char lead);

// The reference's TruncateInRunes: at most n code points, the last one replaced by "…" when cut.
std::string truncate_in_runes(std::string_view s, size_t n, bool* truncated = nullptr);

// Rewrites a compact JSON text as Go's json.Encoder writes it: '<', '>', '&', U+2028 and U+2029 escaped
// as \u003c, \u003e, \u0026, \u2028, \u2029, \b and \f as \u0008 and \u000c (Go 1.19), and a trailing
// newline. These characters appear only inside strings, so a byte scan is exact.
std::string go_json_text(std::string_view dumped);

// The longest one request may take: the flush's whole budget (deadline - now), as the reference's
// context deadline bounds each request; 0 (no limit beyond the connect timeout) without a deadline.
std::chrono::milliseconds request_timeout(const NotifyContext& ctx);

// The templates an integration renders with: `t`, or the default set when the caller passed none.
std::shared_ptr<const tmpl::Templates> templates_or_defaults(std::shared_ptr<const tmpl::Templates> t);

// The notifier of an integration that keeps nothing between flushes: each notification is
// send(cfg, templates, ctx, alerts), rendered with the default templates when the receiver has none.
template <class Config>
class StatelessNotifier final : public Notifier {
 public:
  using Send = NotifyResult (*)(const Config&, const tmpl::Templates&, const NotifyContext&, const AlertList&);
  StatelessNotifier(Config cfg, std::shared_ptr<const tmpl::Templates> templates, Send send)
      : cfg_(std::move(cfg)), templates_(templates_or_defaults(std::move(templates))), send_(send) {}
  NotifyResult notify(const NotifyContext& ctx, const AlertList& alerts) override {
    return send_(cfg_, *templates_, ctx, alerts);
  }

 private:
  Config cfg_;
  std::shared_ptr<const tmpl::Templates> templates_;
  Send send_;
};

template <class Config>
std::shared_ptr<Notifier> make_stateless_notifier(const Config& cfg, std::shared_ptr<const tmpl::Templates> templates,
                                                  typename StatelessNotifier<Config>::Send send) {
  return std::make_shared<StatelessNotifier<Config>>(cfg, std::move(templates), send);
}

}  // namespace tocsin::receivers

// notify_util.cpp: helpers of the templated integrations (see notify_util.hpp).
#include "receivers/notify_util.hpp"

#include <algorithm>

#include "template/data.hpp"

namespace tocsin::receivers {

tmpl::Value template_data(const NotifyContext& ctx, const AlertList& alerts) {
  std::vector<tmpl::AlertData> as;
  as.reserve(alerts.size());
  for (const auto& a : alerts) {
    tmpl::AlertData d;
    d.status = a->status_at(ctx.now);
    d.labels = a->labels;
    d.annotations = a->annotations;
    d.starts_at = a->starts_at;
    d.ends_at = a->ends_at;
    d.generator_url = a->generator_url;
    d.fingerprint = fingerprint_hex(a->fingerprint);
    as.push_back(std::move(d));
  }
  return tmpl::make_data(tmpl::build_data(ctx.receiver, ctx.group_labels, std::move(as), ctx.external_url));
}

bool all_resolved(const NotifyContext& ctx, const AlertList& alerts) {
  for (const auto& a : alerts) {
    if (!a->resolved_at(ctx.now)) {
      return false;
    }
  }
  return true;
}

std::string TextRenderer::operator()(std::string_view text) {
  if (failed()) {
    return {};
  }
  auto r = templates_.execute_text(text, data_);
  if (!r) {
    error_ = r.error();
    return {};
  }
  return std::move(*r);
}

std::string TextRenderer::html(std::string_view text) {
  if (failed()) {
    return {};
  }
  auto r = templates_.execute_html(text, data_);
  if (!r) {
    error_ = r.error();
    return {};
  }
  return std::move(*r);
}

size_t utf8_len(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

std::string truncate_in_runes(std::string_view s, size_t n, bool* truncated) {
  std::vector<size_t> starts;  // byte offset of each rune
  for (size_t i = 0; i < s.size(); i += utf8_len(static_cast<unsigned char>(s[i]))) {
    starts.push_back(i);
  }
  if (truncated != nullptr) {
    *truncated = starts.size() > n;
  }
  if (starts.size() <= n) {
    return std::string(s);
  }
  if (n <= 3) {
    return std::string(s.substr(0, starts[n]));
  }
  return std::string(s.substr(0, starts[n - 1])) + "\xE2\x80\xA6";
}

std::string go_json_text(std::string_view dumped) {
  std::string out;
  out.reserve(dumped.size() + 16);
  for (size_t i = 0; i < dumped.size(); ++i) {
    char c = dumped[i];
    if (c == '\\' && i + 1 < dumped.size()) {
      // An escape is a pair (or \uXXXX, whose tail copies through); Go writes \b and \f as \u00XX.
      char e = dumped[++i];
      out += e == 'b' ? "\\u0008" : e == 'f' ? "\\u000c" : std::string{'\\', e};
    } else if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xE2' && i + 2 < dumped.size() && dumped[i + 1] == '\x80' &&
               (dumped[i + 2] == '\xA8' || dumped[i + 2] == '\xA9')) {
      out += dumped[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  out += '\n';
  return out;
}

std::chrono::milliseconds request_timeout(const NotifyContext& ctx) {
  if (is_zero(ctx.deadline) || ctx.deadline <= ctx.now) {
    return std::chrono::milliseconds(0);
  }
  // What is left of the flush's budget when this attempt starts (a retry gets less than the first).
  const TimePoint start = is_zero(ctx.attempt_at) ? ctx.now : ctx.attempt_at;
  return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(ctx.deadline - start),
                  std::chrono::milliseconds(1));
}

std::shared_ptr<const tmpl::Templates> templates_or_defaults(std::shared_ptr<const tmpl::Templates> t) {
  if (t) {
    return t;
  }
  auto d = tmpl::Templates::with_defaults();
  if (!d) {
    return std::make_shared<const tmpl::Templates>();
  }
  return std::make_shared<const tmpl::Templates>(std::move(*d));
}

}  // namespace tocsin::receivers

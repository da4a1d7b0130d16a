// webex.hpp: the Webex integration: one markdown message posted to a room through the Messages API
// (api_url), authorised by http_config.authorization (the bot's token).
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers {

// The reference's TruncateInBytes: at most n bytes, cut at a rune boundary and ended by "…" when cut
// (n <= 3: "…" or n dots).
std::string truncate_in_bytes(std::string_view s, size_t n, bool* truncated = nullptr);

// Renders the message and encodes the request body as the reference's encoder writes it.
Result<std::string> webex_payload(const config::WebexConfig& cfg, const tmpl::Templates& templates,
                                  const NotifyContext& ctx, const AlertList& alerts);

}  // namespace tocsin::receivers

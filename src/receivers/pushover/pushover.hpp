// pushover.hpp: the Pushover integration: one message a flush, every field (token and user key
// included) in the query string of a POST to the messages API with an empty text/plain body, as the
// reference 0.25 sends it. Title, message and URL are cut to Pushover's documented limits.
#pragma once

#include <string>

#include "config/config.hpp"
#include "net/http.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers {

// The encoded parameters (exposed for tests): key=value pairs sorted by key, Go's query escaping.
// `token` and `user_key` come from the config or their files; both are rendered as templates.
Result<std::string> pushover_query(const config::PushoverConfig& cfg, const std::string& token,
                                   const std::string& user_key, const tmpl::Templates& templates,
                                   const NotifyContext& ctx, const AlertList& alerts);

}  // namespace tocsin::receivers

// wechat.hpp: the WeChat Work integration: an access token fetched with corp_id and api_secret
// (gettoken) and cached for two hours, then one text or markdown message posted to message/send.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers {

// Go's url.QueryEscape: unreserved bytes kept, space as '+', every other byte %XX (upper case).
std::string go_query_escape(std::string_view s);

// The message/send body (exposed for unit tests): the reference's struct, field order and omitempty
// rules (its "text" and "markdown" objects are always written, the unused one with an empty content).
Result<std::string> wechat_message(const config::WechatConfig& cfg, const tmpl::Templates& templates,
                                   const NotifyContext& ctx, const AlertList& alerts);

}  // namespace tocsin::receivers

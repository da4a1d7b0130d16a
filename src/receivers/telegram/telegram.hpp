// telegram.hpp: the Telegram integration: one Bot API sendMessage call a flush, POSTed as JSON to
// {api_url}/bot{token}/sendMessage, the message rendered as HTML-escaped text when parse_mode is HTML.
#pragma once

#include <string>

#include "config/config.hpp"
#include "net/http.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers {

// The JSON body of sendMessage (exposed for tests): every value a string, keys in order, as the
// reference's Telegram client writes it.
Result<std::string> telegram_payload(const config::TelegramConfig& cfg, const tmpl::Templates& templates,
                                     const NotifyContext& ctx, const AlertList& alerts);

// Classifies the Bot API's answer as the reference's client does: the HTTP status is not looked at;
// success is a JSON answer with "ok": true and a message as its result. Every failure is retried.
NotifyResult telegram_check_response(const net::ClientResponse& resp);

}  // namespace tocsin::receivers

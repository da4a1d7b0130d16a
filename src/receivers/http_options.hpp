// http_options.hpp: the HTTP plumbing the integrations share: config::HttpClientConfig ->
// net::ClientOptions (reading *_file secrets), a URL kept in a file, the request of one POST and the
// common rule for its answer.
#pragma once

#include "config/config.hpp"
#include "net/http.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers {

Result<net::ClientOptions> client_options(const config::HttpClientConfig& c);
// Reads a secret file, trimming one trailing newline (as the reference does for url_file).
Result<std::string> read_secret_file(const std::string& path);
// A key of 0.25's integrations (Telegram, Pushover, VictorOps): `value`, or when it is empty the
// content of `file` with the white space around it cut; "<error_prefix><why>" when the file cannot be read.
Result<std::string> secret_or_file(const config::Secret& value, const std::string& file,
                                   const std::string& error_prefix);
// The reference's retry rule: 2xx ok; 5xx retried; other codes (4xx) are not.
NotifyResult check_status(const std::string& integration, const net::ClientResponse& resp);

// How a secret file is read: read_secret_file (0.25's integrations) or read_trimmed_file (newer ones).
using SecretFileReader = Result<std::string> (*)(const std::string& path);

// An integration's URL that may live in a file (url_file, webhook_url_file, api_url_file): the file's
// content when `file` is set, else `url` (the config accepts exactly one of the two). A file that
// cannot be read fails as "read <file_key>: <why>", not to be retried.
Result<std::string> url_or_file(const config::Secret& url, const std::string& file, const std::string& file_key,
                                SecretFileReader read = &read_secret_file);

// One POST as the reference's notify.PostJSON sends it: http_config's client options, a timeout of
// what is left of the flush's budget (request_timeout) and `content_type`. Fails, not to be retried,
// only when one of http_config's secret files cannot be read.
Result<net::OutgoingRequest> post_request(const config::HttpClientConfig& http, const NotifyContext& ctx,
                                          std::string url, std::string body,
                                          const std::string& content_type = "application/json");

// The error of a POST that got no answer, as Go's client words it with the URL redacted (the
// reference's notify.RedactURL): URLs of these integrations carry their tokens.
std::string post_error(const net::ClientResponse& resp);

// check_status behind a POST to a secret URL: no answer is retried with post_error's text.
NotifyResult check_post_response(const std::string& integration, const net::ClientResponse& resp);

}  // namespace tocsin::receivers

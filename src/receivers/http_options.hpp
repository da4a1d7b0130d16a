// http_options.hpp: config::HttpClientConfig -> net::ClientOptions, reading *_file secrets.
#pragma once

#include "config/config.hpp"
#include "net/http.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers {

Result<net::ClientOptions> client_options(const config::HttpClientConfig& c);
// Reads a secret file, trimming one trailing newline (as the reference does for url_file).
Result<std::string> read_secret_file(const std::string& path);
// The reference's retry rule: 2xx ok; 5xx retried; other codes (4xx) are not.
NotifyResult check_status(const std::string& integration, const net::ClientResponse& resp);

}  // namespace tocsin::receivers

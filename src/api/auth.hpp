// auth.hpp: the wrappers that --web.config.file puts around the whole HTTP surface, as the reference's
// exporter-toolkit does: HTTP basic auth against bcrypt hashes, and the configured response headers.
// Every path is covered (the toolkit exempts none, not even /-/healthy).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "net/http.hpp"

namespace tocsin::api {

// With no users, returns inner unchanged. Otherwise a request reaches inner only with
// `Authorization: Basic` naming a configured user and a password matching its bcrypt hash
// ($2a$, $2b$, $2y$); any other gets 401, `WWW-Authenticate: Basic`, body "Unauthorized\n".
// Verifications are cached by (user, SHA-256 of the password), bounded; an unknown user still costs
// one bcrypt so that response times do not tell which users exist; bcrypt runs one at a time, so a
// flood of wrong passwords holds at most one core.
net::HttpHandler with_basic_auth(net::HttpHandler inner, std::map<std::string, std::string> users);

// Adds each header to every response of inner (including 401s when it wraps with_basic_auth); a header
// that inner set itself is kept.
net::HttpHandler with_response_headers(net::HttpHandler inner, std::map<std::string, std::string> headers);

// --web.timeout, as Go's http.TimeoutHandler around the reference's whole mux: a request whose answer
// is not ready `timeout` after it reached the handler gets 503 with "Exceeded configured timeout of
// <Go duration>.\n" (text/plain) in place of that answer; what the handler did stands. timeout <= 0:
// returns inner unchanged. `now` reads a monotonic clock (injected by tests).
net::HttpHandler with_timeout(net::HttpHandler inner, std::chrono::nanoseconds timeout,
                              std::function<std::chrono::nanoseconds()> now = {});

// One bcrypt check (libxcrypt's crypt_r), compared in constant time. Exposed for tests.
bool bcrypt_matches(const std::string& password, const std::string& hash);

}  // namespace tocsin::api

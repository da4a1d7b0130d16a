// sigv4.hpp: AWS Signature Version 4 for one HTTP request (header-based, signed payload), as the AWS
// SDK for Go v1 signs SNS's Publish: HMAC-SHA256 on the SHA-256 of pagerduty/sha256.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.hpp"

namespace tocsin::receivers::sigv4 {

std::string hmac_sha256(std::string_view key, std::string_view data);
std::string hex(std::string_view bytes);

struct Credentials {
  std::string access_key, secret_key, session_token;
};

struct Request {
  std::string method;  // "POST"
  std::string host;    // the Host header's value (no default port)
  std::string path;    // the URL's path as sent ("/" when empty)
  std::string query;   // the raw query string, "" for none
  // Headers to sign besides host (and X-Amz-Date / X-Amz-Security-Token, which sign() adds), names
  // in any case; Content-Length belongs here when the request has a body.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct Signed {
  std::string amz_date;       // X-Amz-Date: 20150830T123600Z
  std::string authorization;  // Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...
  std::string canonical_request, string_to_sign;  // for tests and debug logs
};

Signed sign(const Request& req, const Credentials& creds, std::string_view region, std::string_view service,
            TimePoint at);

}  // namespace tocsin::receivers::sigv4

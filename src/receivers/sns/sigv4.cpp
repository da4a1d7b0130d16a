// sigv4.cpp: the canonical request, string to sign and signing key of AWS Signature Version 4.
#include "receivers/sns/sigv4.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include "receivers/pagerduty/sha256.hpp"

namespace tocsin::receivers::sigv4 {

namespace {

constexpr size_t kBlock = 64;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// The SDK's EscapePath(path, false): unreserved bytes and '/' kept, everything else %XX (so an
// already escaped path is escaped once more, as SigV4 asks for every service but S3).
std::string escape_path(std::string_view p) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : p) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

// The query re-encoded sorted by key then value, spaces as %20.
std::string canonical_query(std::string_view q) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos < q.size()) {
    size_t amp = q.find('&', pos);
    std::string part(q.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos));
    if (!part.empty()) {
      if (part.find('=') == std::string::npos) part += '=';
      std::string fixed;
      for (char c : part) fixed += c == '+' ? std::string("%20") : std::string(1, c);
      parts.push_back(fixed);
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "&") + p;
  return out;
}

}  // namespace

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string k = key.size() > kBlock ? sha256(key) : std::string(key);
  k.resize(kBlock, '\0');
  std::string ipad(kBlock, '\0'), opad(kBlock, '\0');
  for (size_t i = 0; i < kBlock; ++i) {
    ipad[i] = static_cast<char>(k[i] ^ 0x36);
    opad[i] = static_cast<char>(k[i] ^ 0x5c);
  }
  return sha256(opad + sha256(ipad + std::string(data)));
}

Signed sign(const Request& req, const Credentials& creds, std::string_view region, std::string_view service,
            TimePoint at) {
  Signed out;
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(at));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  out.amz_date = buf;
  const std::string date = out.amz_date.substr(0, 8);

  // Lower-cased names, sorted; the values of a repeated name joined by ','.
  std::map<std::string, std::string> headers;
  headers["host"] = req.host;
  for (const auto& [k, v] : req.headers) {
    std::string name = lower(k);
    if (name == "authorization" || name == "user-agent" || name == "x-amzn-trace-id") continue;
    auto [it, fresh] = headers.emplace(name, trim(v));
    if (!fresh) it->second += "," + trim(v);
  }
  headers["x-amz-date"] = out.amz_date;
  if (!creds.session_token.empty()) headers["x-amz-security-token"] = creds.session_token;
  std::string canonical_headers, signed_headers;
  for (const auto& [k, v] : headers) {
    canonical_headers += k + ":" + v + "\n";
    signed_headers += (signed_headers.empty() ? "" : ";") + k;
  }

  out.canonical_request = req.method + "\n" + escape_path(req.path.empty() ? "/" : req.path) + "\n" +
                          canonical_query(req.query) + "\n" + canonical_headers + "\n" + signed_headers + "\n" +
                          hex(sha256(req.body));
  const std::string scope = date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  out.string_to_sign = "AWS4-HMAC-SHA256\n" + out.amz_date + "\n" + scope + "\n" + hex(sha256(out.canonical_request));
  std::string key = hmac_sha256("AWS4" + creds.secret_key, date);
  key = hmac_sha256(key, region);
  key = hmac_sha256(key, service);
  key = hmac_sha256(key, "aws4_request");
  out.authorization = "AWS4-HMAC-SHA256 Credential=" + creds.access_key + "/" + scope +
                      ", SignedHeaders=" + signed_headers + ", Signature=" + hex(hmac_sha256(key, out.string_to_sign));
  return out;
}

}  // namespace tocsin::receivers::sigv4

// web_config.hpp: the file behind --web.config.file, in the Prometheus exporter-toolkit format the
// reference reads: TLS for the listener, HTTP response headers, and basic-auth users with bcrypt hashes.
// Parsed once at start into a validated struct; app turns it into net::TlsServerConfig and api's
// basic-auth wrapper. Unknown keys are rejected; every error names the file, the field and the reason.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace tocsin::config {

// tls_server_config. Relative file paths are resolved against the web config file's directory.
struct WebTlsConfig {
  std::string cert_file, key_file;
  std::string client_auth_type;  // canonical name ("RequireClientCert" is read as "RequireAnyClientCert")
  std::string client_ca_file;
  std::string min_version = "TLS12";  // TLS10..TLS13
  std::string max_version = "TLS13";
  std::vector<std::string> cipher_suites;      // Go names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  std::vector<std::string> curve_preferences;  // CurveP256, CurveP384, CurveP521, X25519
  bool prefer_server_cipher_suites = true;

  // Whether the listener speaks TLS: as exporter-toolkit, any of the four file/auth fields turns it on.
  bool enabled() const {
    return !cert_file.empty() || !key_file.empty() || !client_auth_type.empty() || !client_ca_file.empty();
  }
};

// http_server_config.
struct WebHttpConfig {
  bool http2 = true;
  std::map<std::string, std::string> headers;  // added to every response (a fixed set of security headers)
};

struct WebConfig {
  WebTlsConfig tls;
  WebHttpConfig http;
  std::map<std::string, std::string> basic_auth_users;  // username → bcrypt hash ($2a$/$2b$/$2y$)
};

// Reads and validates the file. Errors read "<field>: <reason> (<file>:<line>)".
Result<WebConfig> load_web_config(const std::string& path);

// The same from text; `path` names the file in errors and anchors relative paths (its directory).
// File existence is checked only by load_web_config.
Result<WebConfig> load_web_config_string(std::string_view yaml, const std::string& path);

}  // namespace tocsin::config

// http_options.cpp: shared HTTP plumbing for integrations.
#include "receivers/http_options.hpp"

#include <fstream>
#include <sstream>

namespace tocsin::receivers {

Result<std::string> read_secret_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"unable to read file " + path};
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

Result<net::ClientOptions> client_options(const config::HttpClientConfig& c) {
  net::ClientOptions o;
  if (c.basic_auth) {
    o.basic_auth_user = c.basic_auth->username;
    o.basic_auth_password = c.basic_auth->password.value();
    if (!c.basic_auth->password_file.empty()) {
      auto p = read_secret_file(c.basic_auth->password_file);
      if (!p) return Error{p.error()};
      o.basic_auth_password = *p;
    }
  }
  if (c.authorization) {
    o.authorization_type = c.authorization->type.empty() ? "Bearer" : c.authorization->type;
    o.authorization_credentials = c.authorization->credentials.value();
    if (!c.authorization->credentials_file.empty()) {
      auto p = read_secret_file(c.authorization->credentials_file);
      if (!p) return Error{p.error()};
      o.authorization_credentials = *p;
    }
  } else if (!c.bearer_token.empty() || !c.bearer_token_file.empty()) {
    o.bearer_token = c.bearer_token.value();
    if (!c.bearer_token_file.empty()) {
      auto p = read_secret_file(c.bearer_token_file);
      if (!p) return Error{p.error()};
      o.bearer_token = *p;
    }
  }
  o.tls.ca_file = c.tls_config.ca_file;
  o.tls.cert_file = c.tls_config.cert_file;
  o.tls.key_file = c.tls_config.key_file;
  o.tls.server_name = c.tls_config.server_name;
  o.tls.insecure_skip_verify = c.tls_config.insecure_skip_verify;
  o.tls.min_version = c.tls_config.min_version;
  o.proxy_url = c.proxy_url;
  o.no_proxy = c.no_proxy;
  o.follow_redirects = c.follow_redirects;
  return o;
}

NotifyResult check_status(const std::string& integration, const net::ClientResponse& resp) {
  if (resp.status == 0) return NotifyResult::failure(resp.error, true);
  if (resp.status / 100 == 2) return NotifyResult::success();
  std::string msg = "unexpected status code " + std::to_string(resp.status);
  if (!resp.body.empty()) msg += ": " + resp.body.substr(0, 1024);
  return NotifyResult::failure(msg, resp.status / 100 == 5);
}

}  // namespace tocsin::receivers

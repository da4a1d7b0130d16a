// http_options.cpp: shared HTTP plumbing for integrations (see http_options.hpp).
#include "receivers/http_options.hpp"

#include <fstream>
#include <sstream>

#include "receivers/notify_util.hpp"
#include "receivers/url_util.hpp"

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

Result<std::string> secret_or_file(const config::Secret& value, const std::string& file,
                                   const std::string& error_prefix) {
  if (!value.empty()) return value.value();
  auto s = read_secret_file(file);
  if (!s) return Error{error_prefix + s.error()};
  return gourl::trim_space(*s);
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

Result<std::string> url_or_file(const config::Secret& url, const std::string& file, const std::string& file_key,
                                SecretFileReader read) {
  if (file.empty()) return url.value();
  auto u = read(file);
  if (!u) return Error{"read " + file_key + ": " + u.error()};
  return *u;
}

Result<net::OutgoingRequest> post_request(const config::HttpClientConfig& http, const NotifyContext& ctx,
                                          std::string url, std::string body, const std::string& content_type) {
  auto opts = client_options(http);
  if (!opts) return Error{opts.error()};
  net::OutgoingRequest req;
  req.method = "POST";
  req.url = std::move(url);
  req.options = std::move(*opts);
  req.options.timeout = request_timeout(ctx);
  req.headers.set("Content-Type", content_type);
  req.body = std::move(body);
  return req;
}

std::string post_error(const net::ClientResponse& resp) { return "Post \"<redacted>\": " + resp.error; }

NotifyResult check_post_response(const std::string& integration, const net::ClientResponse& resp) {
  if (resp.status == 0) return NotifyResult::failure(post_error(resp), true);
  return check_status(integration, resp);
}

}  // namespace tocsin::receivers

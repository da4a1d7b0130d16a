// http.hpp: the plain structs that the rest of tocsin uses to serve and send HTTP. No Boost, no curl
// here: the Beast server lives in http_server.cpp and the libcurl client in http_client.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace tocsin::net {

// Header names compare case-insensitively.
struct Headers {
  std::vector<std::pair<std::string, std::string>> items;
  const std::string* get(std::string_view name) const;
  void set(std::string name, std::string value);
};

struct HttpResponse;

// A handler's way to answer after it has returned, e.g. once a group commit that several requests
// share has reached the database. See HttpRequest::defer.
struct Responder {
  // Sends the answer: exactly once, from any thread.
  std::function<void(HttpResponse)> send;
  // Runs `fn` on the connection's server thread after the requests that thread has already read:
  // work that several deferred answers share (one commit for the silences of several connections).
  std::function<void(std::function<void()>)> post;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ... as received; a HEAD reaches the handler as "HEAD" and the
                       // server sends the answer's headers and Content-Length without its body
  std::string target;  // path plus query as received, e.g. "/api/v2/alerts?active=true"
  std::string path;    // the target's path, percent-decoded
  std::string raw_path;  // the target's path as received, still percent-encoded (an absolute-form
                         // target's "http://host/a/b" gives "/a/b")
  std::string query;   // the raw query string without '?'
  Headers headers;
  std::string body;
  std::string remote_addr;  // "ip:port", "[ip6]:port"
  // Set by a server that can answer later; empty otherwise. A handler that calls it returns an
  // HttpResponse with `deferred` set and answers through the Responder. Mutable so that a middleware
  // can wrap it for the call it makes (with_response_headers) without copying the request.
  mutable std::function<Responder()> defer;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  Headers headers;  // extra headers (WWW-Authenticate, Retry-After, Location …)
  bool deferred = false;  // the answer comes through the Responder of HttpRequest::defer
  bool gzip_if_accepted = false;  // sent gzip-compressed (Content-Encoding: gzip) to a request whose
                                  // Accept-Encoding lists gzip, as promhttp sends /metrics
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct ServerLimits {
  size_t max_body_bytes = 32 << 20;    // 413 beyond
  size_t max_header_bytes = (1 << 20) + 4096;  // 431 beyond: Go's default (request line and header fields)
  size_t max_connections = 4096;       // 503 with Retry-After beyond
  std::chrono::milliseconds read_timeout{30000};   // whole request, headers and body
  std::chrono::milliseconds idle_timeout{120000};  // keep-alive connection with no request
};

struct TlsServerConfig {
  std::string cert_file, key_file, client_ca_file;
  std::string client_auth_type;  // NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert
  std::string min_version;       // TLS10..TLS13
  std::string max_version;       // TLS10..TLS13; empty: TLS13
  std::vector<std::string> cipher_suites;
  std::vector<std::string> curve_preferences;  // Go names: CurveP256, CurveP384, CurveP521, X25519
};

// An HTTP/1.1 server on a few threads. The handler runs on a server thread: it must not block long.
class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // Binds and starts serving; returns the bound port (useful with port 0).
  virtual Result<int> start() = 0;
  // Stops accepting, closes connections, joins threads (a handler still running after a 2 s grace is
  // waited for). Idempotent; call it from outside the server's threads, never from a handler.
  virtual void stop() = 0;
};

// listen_address: "host:port", ":port" (all interfaces), "[::1]:port". tls may be null.
std::unique_ptr<HttpServer> make_http_server(std::string listen_address, HttpHandler handler,
                                             ServerLimits limits, int threads,
                                             const TlsServerConfig* tls = nullptr);

// ---- client ----

struct TlsClientConfig {
  std::string ca_file, cert_file, key_file, server_name;
  bool insecure_skip_verify = false;
  std::string min_version;  // TLS10..TLS13, "" = library default
};

// Everything of Prometheus common's HTTPClientConfig that shapes one request.
struct ClientOptions {
  std::string basic_auth_user, basic_auth_password;
  std::string bearer_token;                   // Authorization: Bearer <token>
  std::string authorization_type, authorization_credentials;  // Authorization: <type> <credentials>
  TlsClientConfig tls;
  std::string proxy_url;
  std::string no_proxy;
  bool follow_redirects = true;
  std::chrono::milliseconds timeout{0};  // 0: no per-request timeout beyond the connect timeout
};

struct OutgoingRequest {
  std::string method = "POST";
  std::string url;
  Headers headers;
  std::string body;
  ClientOptions options;
};

struct ClientResponse {
  int status = 0;  // 0: no HTTP answer (see error)
  std::string body;
  Headers headers;
  std::string error;  // transport error (connect refused, timeout, TLS …), empty when an answer came
  std::string body_error;  // the answer came but its body broke off (closed, timed out): `body` is the
                           // part read; the status stands, as with Go's client
};

// Synchronous; safe to call from many threads at once. Never throws.
ClientResponse http_send(const OutgoingRequest& req);

}  // namespace tocsin::net

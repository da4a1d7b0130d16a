// http_client.cpp: http_send, the synchronous libcurl HTTP client that receivers use. One easy handle a
// thread keeps connections alive between calls; every call has a connect timeout and a body cap.
#include <cctype>
#include <cerrno>
#include <cstring>

#include "net/curl_common.hpp"
#include "net/http.hpp"

namespace tocsin::net {
namespace {

constexpr size_t kMaxResponseBody = 1 << 20;  // bytes kept; the rest is read and dropped
constexpr long kConnectTimeoutMs = 30000;     // Go's default dialer timeout
constexpr const char* kUserAgent = "Alertmanager/0.25.0";

size_t on_body(char* data, size_t size, size_t nmemb, void* user) {
  auto* res = static_cast<ClientResponse*>(user);
  size_t n = size * nmemb;
  if (res->body.size() < kMaxResponseBody) {
    res->body.append(data, std::min(n, kMaxResponseBody - res->body.size()));
  }
  return n;
}

std::string trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) {
    ++b;
  }
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) {
    --e;
  }
  return std::string(s.substr(b, e - b));
}

// What on_header fills: the answer's headers, and whether the last answer's header section ended (curl
// takes a header cut short by the peer closing as a complete answer; Go's client fails it).
struct HeaderSink {
  ClientResponse* res;
  bool complete = false;
};

// Header lines of the last response only: a status line (after a redirect or 100 Continue) starts over.
size_t on_header(char* data, size_t size, size_t nmemb, void* user) {
  auto* sink = static_cast<HeaderSink*>(user);
  auto* res = sink->res;
  size_t n = size * nmemb;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    res->headers.items.clear();
    sink->complete = false;
    return n;
  }
  if (line == "\r\n" || line == "\n") {
    sink->complete = true;
    return n;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    res->headers.items.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return n;
}

// With tls.server_name set, connect to the URL's host but present server_name for SNI and verification,
// as Go does: the URL's host becomes server_name, CURLOPT_CONNECT_TO sends the connection to the real
// host and the Host header keeps the original value. Returns the URL to request.
std::string apply_server_name(CURL* h, const OutgoingRequest& req, detail::SList& headers, detail::SList& connect_to) {
  const std::string& name = req.options.tls.server_name;
  if (name.empty()) {
    return req.url;
  }
  CURLU* u = curl_url();
  std::string url = req.url;
  char* host = nullptr;
  char* port = nullptr;
  char* explicit_port = nullptr;
  char* rewritten = nullptr;
  if (curl_url_set(u, CURLUPART_URL, req.url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK && name != host) {
    bool has_port = curl_url_get(u, CURLUPART_PORT, &explicit_port, 0) == CURLUE_OK;
    if (curl_url_set(u, CURLUPART_HOST, name.c_str(), 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &rewritten, 0) == CURLUE_OK) {
      url = rewritten;
      connect_to.append(name + ":" + port + ":" + host + ":" + port);
      curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to.get());
      if (req.headers.get("Host") == nullptr) {
        headers.append(std::string("Host: ") + host + (has_port ? std::string(":") + explicit_port : ""));
      }
    }
  }
  curl_free(host);
  curl_free(port);
  curl_free(explicit_port);
  curl_free(rewritten);
  curl_url_cleanup(u);
  return url;
}

// The error Go's http.Client reports for the failures a receiver commonly meets, which the
// reference's logs carry after 'Post "<url>": ': a refused or unreachable connection, a failed
// lookup, and the flush's deadline (the only total timeout set here, as the reference's context).
// Other failures keep libcurl's words.
std::string go_error_text(CURL* h, CURLcode code, const char* errbuf, const std::string& url) {
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return "context deadline exceeded";
  }
  std::string host;
  std::string port;
  if (CURLU* u = curl_url()) {
    char* hp = nullptr;
    char* pp = nullptr;
    if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
      if (curl_url_get(u, CURLUPART_HOST, &hp, 0) == CURLUE_OK) host = hp;
      if (curl_url_get(u, CURLUPART_PORT, &pp, CURLU_DEFAULT_PORT) == CURLUE_OK) port = pp;
    }
    curl_free(hp);
    curl_free(pp);
    curl_url_cleanup(u);
  }
  if (code == CURLE_COULDNT_RESOLVE_HOST && !host.empty()) {
    return "dial tcp: lookup " + host + ": no such host";
  }
  if (code == CURLE_COULDNT_CONNECT) {
    long os_errno = 0;
    curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
    const char* why = os_errno == ECONNREFUSED    ? "connection refused"
                      : os_errno == EHOSTUNREACH  ? "no route to host"
                      : os_errno == ENETUNREACH   ? "network is unreachable"
                                                  : nullptr;
    char* ip = nullptr;
    long ip_port = 0;
    std::string addr;
    if (curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip != nullptr && ip[0] != '\0' &&
        curl_easy_getinfo(h, CURLINFO_PRIMARY_PORT, &ip_port) == CURLE_OK && ip_port > 0) {
      const bool v6 = std::strchr(ip, ':') != nullptr;
      if (v6) addr += '[';
      addr += ip;
      if (v6) addr += ']';
      addr += ':';
      addr += std::to_string(ip_port);
    } else if (!host.empty()) {
      addr = host + ":" + port;
    }
    if (why != nullptr && !addr.empty()) {
      return "dial tcp " + addr + ": connect: " + why;
    }
  }
  return detail::curl_error_text(code, errbuf);
}

ClientResponse send_with(CURL* h, const OutgoingRequest& req) {
  ClientResponse res;
  char errbuf[CURL_ERROR_SIZE];
  errbuf[0] = '\0';
  const ClientOptions& opt = req.options;
  detail::SList headers;
  detail::SList connect_to;

  std::string url = apply_server_name(h, req, headers, connect_to);
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &res);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  HeaderSink header_sink{&res};
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &header_sink);
  curl_easy_setopt(h, CURLOPT_USERAGENT, kUserAgent);
  // No Accept-Encoding: Prometheus' round tripper disables compression, so the reference's requests
  // carry neither Accept nor Accept-Encoding; receivers answer small bodies anyway.
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);

  long connect_ms = kConnectTimeoutMs;
  if (opt.timeout.count() > 0) {
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(opt.timeout.count()));
    connect_ms = std::min<long>(connect_ms, static_cast<long>(opt.timeout.count()));
  }
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);

  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, opt.follow_redirects ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
  // An empty proxy disables the *_proxy environment variables: like Prometheus, a proxy is explicit.
  curl_easy_setopt(h, CURLOPT_PROXY, opt.proxy_url.c_str());
  if (!opt.no_proxy.empty()) {
    curl_easy_setopt(h, CURLOPT_NOPROXY, opt.no_proxy.c_str());
  }
  detail::apply_tls_options(h, opt.tls);

  // Method and body.
  if (req.method == "GET" && req.body.empty()) {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (req.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    if (req.method != "POST") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }
  }

  // Authorization, unless the request already carries one (as Prometheus' round trippers do).
  bool has_auth = req.headers.get("Authorization") != nullptr;
  if (!has_auth && !opt.basic_auth_user.empty()) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERNAME, opt.basic_auth_user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, opt.basic_auth_password.c_str());
  } else if (!has_auth && !opt.bearer_token.empty()) {
    headers.append("Authorization: Bearer " + opt.bearer_token);
  } else if (!has_auth && !opt.authorization_credentials.empty()) {
    std::string type = opt.authorization_type.empty() ? "Bearer" : opt.authorization_type;
    headers.append("Authorization: " + type + " " + opt.authorization_credentials);
  }
  for (const auto& [k, v] : req.headers.items) {
    // "Name;" is curl's spelling of a header with an empty value; "Name:" would remove it.
    headers.append(v.empty() ? k + ";" : k + ": " + v);
  }
  if (req.headers.get("Expect") == nullptr) {
    headers.append("Expect:");  // no 100-continue round trip for bodies
  }
  if (req.headers.get("Accept") == nullptr) {
    headers.append("Accept:");  // curl's default "Accept: */*", which Go's client does not send
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());

  CURLcode code = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  const bool body_failed = code == CURLE_PARTIAL_FILE || code == CURLE_RECV_ERROR || code == CURLE_OPERATION_TIMEDOUT;
  if (code == CURLE_OK && !header_sink.complete) {
    // The peer closed inside the header: no answer, as Go's transport sees it.
    res.status = 0;
    res.error = "net/http: HTTP/1.x transport connection broken: unexpected EOF";
    res.body.clear();
    res.headers.items.clear();
  } else if (code != CURLE_OK && body_failed && header_sink.complete && status >= 200 && !(status >= 300 && status < 400)) {
    // The answer's status and header came, its body broke off: Go's client returns the answer and
    // only a reader of the body sees the error, so a 2xx whose body is cut short still counts as sent.
    res.status = static_cast<int>(status);
    res.body_error = go_error_text(h, code, errbuf, req.url);
  } else if (code != CURLE_OK) {
    res.status = 0;
    res.error = go_error_text(h, code, errbuf, req.url);
    res.body.clear();
    res.headers.items.clear();
  } else {
    res.status = static_cast<int>(status);
  }
  // The handle outlives this call: drop pointers to our stack before returning.
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(h, CURLOPT_CONNECT_TO, nullptr);
  return res;
}

}  // namespace

ClientResponse http_send(const OutgoingRequest& req) {
  try {
    CURL* h = detail::thread_easy_handle();
    if (h == nullptr) {
      ClientResponse res;
      res.error = "curl_easy_init failed";
      return res;
    }
    return send_with(h, req);
  } catch (const std::exception& e) {
    ClientResponse res;
    res.error = std::string("http_send: ") + e.what();
    return res;
  } catch (...) {
    ClientResponse res;
    res.error = "http_send: unknown error";
    return res;
  }
}

}  // namespace tocsin::net

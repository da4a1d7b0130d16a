// http_client_test.cpp: http_send's options (auth, redirects, headers, timeouts, errors) against our
// own server on 127.0.0.1.
#include <doctest/doctest.h>

#include <thread>

#include "net/http.hpp"
#include "net_test_util.hpp"

using namespace tocsin::net;
using namespace tocsin::net::test;
using namespace std::chrono_literals;

namespace {

HttpResponse reflect(const HttpRequest& req) {
  HttpResponse res;
  res.content_type = "text/plain";
  if (req.path == "/redirect") {
    res.status = 302;
    res.headers.set("Location", "/target");
    return res;
  }
  if (req.path == "/slow") {
    std::this_thread::sleep_for(1500ms);
  }
  if (req.path == "/big") {
    res.body = std::string(3 << 20, 'x');
    return res;
  }
  const std::string* auth = req.headers.get("Authorization");
  const std::string* ua = req.headers.get("User-Agent");
  res.body = req.path + "|" + (auth ? *auth : "-") + "|" + (ua ? *ua : "-");
  res.headers.set("X-Reply", "yes");
  return res;
}

}  // namespace

TEST_CASE("client: default User-Agent, overridable") {
  auto s = start_server(reflect);
  REQUIRE(s);
  auto r = http_send(request("GET", s->base() + "/ua"));
  CHECK(r.body == "/ua|-|Alertmanager/0.25.0");
  auto req = request("GET", s->base() + "/ua");
  req.headers.set("User-Agent", "custom/1");
  CHECK(http_send(req).body == "/ua|-|custom/1");
  REQUIRE(r.headers.get("x-reply"));
  CHECK(*r.headers.get("x-reply") == "yes");
}

TEST_CASE("client: basic auth, bearer token, authorization") {
  auto s = start_server(reflect);
  REQUIRE(s);
  auto req = request("GET", s->base() + "/a");
  req.options.basic_auth_user = "user";
  req.options.basic_auth_password = "pass";
  CHECK(http_send(req).body == "/a|Basic dXNlcjpwYXNz|Alertmanager/0.25.0");

  req = request("GET", s->base() + "/a");
  req.options.bearer_token = "tok";
  CHECK(http_send(req).body == "/a|Bearer tok|Alertmanager/0.25.0");

  req = request("GET", s->base() + "/a");
  req.options.authorization_type = "Token";
  req.options.authorization_credentials = "abc";
  CHECK(http_send(req).body == "/a|Token abc|Alertmanager/0.25.0");

  // A header set by the receiver wins over the configured credentials.
  req.headers.set("Authorization", "Mine x");
  CHECK(http_send(req).body == "/a|Mine x|Alertmanager/0.25.0");
}

TEST_CASE("client: redirects followed or not") {
  auto s = start_server(reflect);
  REQUIRE(s);
  auto req = request("GET", s->base() + "/redirect");
  auto r = http_send(req);
  CHECK(r.status == 200);
  CHECK(r.body.rfind("/target|", 0) == 0);
  req.options.follow_redirects = false;
  r = http_send(req);
  CHECK(r.status == 302);
  REQUIRE(r.headers.get("Location"));
  CHECK(*r.headers.get("Location") == "/target");
}

TEST_CASE("client: response body capped at 1 MiB") {
  auto s = start_server(reflect);
  REQUIRE(s);
  auto r = http_send(request("GET", s->base() + "/big"));
  CHECK(r.status == 200);
  CHECK(r.body.size() == (1u << 20));
}

TEST_CASE("client: a closed port is a transport error") {
  int port = 0;
  {
    auto s = start_server(reflect);
    REQUIRE(s);
    port = s->port;
  }
  auto r = http_send(request("GET", "http://127.0.0.1:" + std::to_string(port) + "/"));
  CHECK(r.status == 0);
  CHECK_FALSE(r.error.empty());
  MESSAGE("closed port: " << r.error);
}

TEST_CASE("client: timeout is honoured") {
  auto s = start_server(reflect);
  REQUIRE(s);
  auto req = request("GET", s->base() + "/slow");
  req.options.timeout = 200ms;
  auto t0 = std::chrono::steady_clock::now();
  auto r = http_send(req);
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(r.status == 0);
  CHECK_FALSE(r.error.empty());
  CHECK(took < 1000ms);
  MESSAGE("timeout: " << r.error);
}

TEST_CASE("client: proxy_url sends the request through the proxy") {
  // Our own server plays the proxy: a proxied request carries the absolute URL as its target.
  std::string seen_target;
  auto proxy = start_server([&](const HttpRequest& req) {
    seen_target = req.target;
    HttpResponse res;
    res.body = "via proxy";
    return res;
  });
  REQUIRE(proxy);
  auto req = request("GET", "http://example.invalid/p?q=1");
  req.options.proxy_url = proxy->base();
  auto r = http_send(req);
  CHECK(r.status == 200);
  CHECK(r.body == "via proxy");
  CHECK(seen_target == "http://example.invalid/p?q=1");
  // no_proxy bypasses it (and so fails to resolve the invalid host).
  req.options.no_proxy = "example.invalid";
  r = http_send(req);
  CHECK(r.status == 0);
}

TEST_CASE("client: bad URL is an error, not an exception") {
  auto r = http_send(request("GET", "not a url"));
  CHECK(r.status == 0);
  CHECK_FALSE(r.error.empty());
  r = http_send(request("GET", "ftp://127.0.0.1/x"));
  CHECK(r.status == 0);
  CHECK_FALSE(r.error.empty());
}

namespace {

// A one-shot raw server on 127.0.0.1: reads the request's header, writes `answer`, closes. Returns the port.
int serve_once(std::string answer, std::thread& t) {
  int ls = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(ls, 1);
  socklen_t len = sizeof a;
  ::getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len);
  t = std::thread([ls, answer = std::move(answer)] {
    int c = ::accept(ls, nullptr, nullptr);
    char buf[4096];
    std::string got;
    while (got.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    (void)::send(c, answer.data(), answer.size(), 0);
    ::shutdown(c, SHUT_RDWR);
    ::close(c);
    ::close(ls);
  });
  return ntohs(a.sin_port);
}

}  // namespace

TEST_CASE("client: an answer cut short, as Go's client takes it") {
  std::thread t;
  // Closed inside the header: no answer (curl alone would take it for a complete 200).
  int port = serve_once("HTTP/1.1 200 OK\r\nContent-Len", t);
  auto r = http_send(request("POST", "http://127.0.0.1:" + std::to_string(port) + "/", "x"));
  t.join();
  CHECK(r.status == 0);
  CHECK(r.error.find("unexpected EOF") != std::string::npos);
  // Closed inside the body of a 200: the answer stands, the body's error is reported apart.
  port = serve_once("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", t);
  r = http_send(request("POST", "http://127.0.0.1:" + std::to_string(port) + "/", "x"));
  t.join();
  CHECK(r.status == 200);
  CHECK(r.error.empty());
  CHECK(r.body == "0123456789");
  CHECK(!r.body_error.empty());
}

// http_server_test.cpp: the Beast server through the curl client on 127.0.0.1: routing data, limits,
// keep-alive, HEAD, timeouts, overload and shutdown.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "net/http.hpp"
#include "net_test_util.hpp"

using namespace tocsin::net;
using namespace tocsin::net::test;
using namespace std::chrono_literals;

namespace {

HttpResponse echo(const HttpRequest& req) {
  HttpResponse res;
  if (req.path == "/missing") {
    res.status = 404;
    res.content_type = "text/plain";
    res.body = "not found";
    return res;
  }
  if (req.path == "/throw") {
    throw std::runtime_error("boom");
  }
  if (req.path == "/slow") {
    std::this_thread::sleep_for(1s);
  }
  const std::string* h = req.headers.get("x-test");
  res.content_type = "text/plain";
  res.body = req.method + "|" + req.path + "|" + req.query + "|" + (h ? *h : "-") + "|" + req.body;
  res.headers.set("X-Remote", req.remote_addr);
  return res;
}

}  // namespace

TEST_CASE("GET and POST carry method, path, query, headers and body") {
  auto s = start_server(echo);
  REQUIRE(s);
  CHECK(s->port > 0);

  auto get = request("GET", s->base() + "/api/v2/status?active=true&x=%20");
  get.headers.set("X-Test", "hello");
  auto r = http_send(get);
  CHECK(r.error == "");
  CHECK(r.status == 200);
  CHECK(r.body == "GET|/api/v2/status|active=true&x=%20|hello|");
  REQUIRE(r.headers.get("content-type"));
  CHECK(*r.headers.get("content-type") == "text/plain");

  auto post = request("POST", s->base() + "/a%20b/c%2Fd+e", R"({"k":"v"})");
  post.headers.set("Content-Type", "application/json");
  r = http_send(post);
  CHECK(r.status == 200);
  CHECK(r.body == R"(POST|/a b/c/d+e||-|{"k":"v"})");

  r = http_send(request("DELETE", s->base() + "/x", "gone"));
  CHECK(r.body == "DELETE|/x||-|gone");
}

TEST_CASE("handler status codes and exceptions") {
  auto s = start_server(echo);
  REQUIRE(s);
  auto r = http_send(request("GET", s->base() + "/missing"));
  CHECK(r.status == 404);
  CHECK(r.body == "not found");
  r = http_send(request("GET", s->base() + "/throw"));
  CHECK(r.status == 500);
  // The server survives the exception.
  r = http_send(request("GET", s->base() + "/ok"));
  CHECK(r.status == 200);
}

TEST_CASE("request limits: 413 on a large body, 431 on large headers") {
  ServerLimits limits;
  limits.max_body_bytes = 1024;
  limits.max_header_bytes = 2048;
  auto s = start_server(echo, limits);
  REQUIRE(s);
  auto r = http_send(request("POST", s->base() + "/", std::string(1024, 'a')));
  CHECK(r.status == 200);
  r = http_send(request("POST", s->base() + "/", std::string(4096, 'a')));
  CHECK(r.error == "");
  CHECK(r.status == 413);
  CHECK(r.body.find("too large") != std::string::npos);
  // A large body sent without a Content-Length (chunked) is cut at the limit too.
  auto chunked = request("POST", s->base() + "/", std::string(200000, 'b'));
  chunked.headers.set("Transfer-Encoding", "chunked");
  r = http_send(chunked);
  CHECK(r.status == 413);

  auto big = request("GET", s->base() + "/");
  big.headers.set("X-Big", std::string(4096, 'h'));
  r = http_send(big);
  CHECK(r.status == 431);
  // Still serving afterwards.
  CHECK(http_send(request("GET", s->base() + "/")).status == 200);
}

TEST_CASE("keep-alive: consecutive requests from one thread reuse one connection") {
  auto s = start_server(echo);
  REQUIRE(s);
  auto a = http_send(request("GET", s->base() + "/1"));
  auto b = http_send(request("POST", s->base() + "/2", "x"));
  auto c = http_send(request("GET", s->base() + "/3"));
  REQUIRE(a.headers.get("X-Remote"));
  REQUIRE(c.headers.get("X-Remote"));
  CHECK(*a.headers.get("X-Remote") == *b.headers.get("X-Remote"));
  CHECK(*a.headers.get("X-Remote") == *c.headers.get("X-Remote"));
}

TEST_CASE("Connection: close is honoured") {
  auto s = start_server(echo);
  REQUIRE(s);
  int fd = connect_raw(s->port);
  REQUIRE(fd >= 0);
  std::string req = "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
  bool eof = false;
  std::string got = read_until_close(fd, 3s, eof);
  ::close(fd);
  CHECK(eof);
  CHECK(got.find("HTTP/1.1 200") == 0);
  CHECK(got.find("Connection: close") != std::string::npos);
  CHECK(got.find("GET|/c|") != std::string::npos);
}

TEST_CASE("pipelined requests on one connection are answered in order") {
  auto s = start_server(echo);
  REQUIRE(s);
  int fd = connect_raw(s->port);
  REQUIRE(fd >= 0);
  std::string req = "GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /p2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
  bool eof = false;
  std::string got = read_until_close(fd, 3s, eof);
  ::close(fd);
  CHECK(eof);
  auto p1 = got.find("GET|/p1|");
  auto p2 = got.find("GET|/p2|");
  CHECK(p1 != std::string::npos);
  CHECK(p2 != std::string::npos);
  CHECK(p1 < p2);
}

TEST_CASE("a deferred answer: sent later from another thread, in order with pipelined requests") {
  std::mutex mu;
  std::vector<std::thread> senders;
  std::atomic<int> posted{0};
  std::thread::id server_thread;
  auto handler = [&](const HttpRequest& req) -> HttpResponse {
    if (req.path != "/defer") return echo(req);
    REQUIRE(req.defer);
    Responder r = req.defer();
    std::lock_guard lock(mu);
    server_thread = std::this_thread::get_id();
    // Work posted to the server thread runs there, after this handler has returned.
    r.post([&posted, &mu, &server_thread] {
      std::lock_guard l(mu);
      CHECK(std::this_thread::get_id() == server_thread);
      ++posted;
    });
    senders.emplace_back([send = std::move(r.send), body = req.body] {
      std::this_thread::sleep_for(50ms);
      HttpResponse res;
      res.status = 201;
      res.content_type = "text/plain";
      res.body = "later|" + body;
      send(std::move(res));
    });
    HttpResponse res;
    res.deferred = true;
    res.body = "must not be sent";
    return res;
  };
  auto s = start_server(handler, {}, 1);
  REQUIRE(s);

  auto r = http_send(request("POST", s->base() + "/defer", "x"));
  CHECK(r.status == 201);
  CHECK(r.body == "later|x");

  // A request pipelined behind a deferred one waits for it: the answers keep the requests' order.
  int fd = connect_raw(s->port);
  REQUIRE(fd >= 0);
  std::string req =
      "POST /defer HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nyGET /after HTTP/1.1\r\nHost: x\r\n"
      "Connection: close\r\n\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
  bool eof = false;
  std::string got = read_until_close(fd, 3s, eof);
  ::close(fd);
  CHECK(eof);
  auto first = got.find("later|y");
  auto second = got.find("GET|/after|");
  CHECK(first != std::string::npos);
  CHECK(second != std::string::npos);
  CHECK(first < second);
  CHECK(got.find("must not be sent") == std::string::npos);
  for (auto& t : senders) t.join();
  CHECK(posted == 2);
}

TEST_CASE("a handler that takes a Responder and then throws: one answer, the 500") {
  std::mutex mu;
  std::vector<std::thread> late;
  auto handler = [&](const HttpRequest& req) -> HttpResponse {
    if (req.path != "/throw-after-defer") return echo(req);
    Responder r = req.defer();
    std::lock_guard lock(mu);
    late.emplace_back([send = std::move(r.send)] {
      std::this_thread::sleep_for(50ms);
      HttpResponse res;
      res.status = 201;
      res.body = "too late";
      send(std::move(res));
    });
    throw std::runtime_error("after defer");
  };
  auto s = start_server(handler, {}, 1);
  REQUIRE(s);
  int fd = connect_raw(s->port);
  REQUIRE(fd >= 0);
  std::string req = "GET /throw-after-defer HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
  std::this_thread::sleep_for(150ms);  // the late send has come and gone by now
  req = "GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
  bool eof = false;
  std::string got = read_until_close(fd, 3s, eof);
  ::close(fd);
  {
    std::lock_guard lock(mu);
    for (auto& t : late) t.join();
  }
  CHECK(eof);
  CHECK(got.find("HTTP/1.1 500") != std::string::npos);
  CHECK(got.find("too late") == std::string::npos);
  CHECK(got.find("GET|/next|") != std::string::npos);
}

TEST_CASE("HEAD answers the headers of GET without a body") {
  auto s = start_server(echo);
  REQUIRE(s);
  auto r = http_send(request("HEAD", s->base() + "/h"));
  CHECK(r.error == "");
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  REQUIRE(r.headers.get("Content-Length"));
  CHECK(*r.headers.get("Content-Length") == std::to_string(std::string("HEAD|/h||-|").size()));
  // The connection is still usable after a HEAD.
  CHECK(http_send(request("GET", s->base() + "/after")).body == "GET|/after||-|");
}

TEST_CASE("Expect: 100-continue gets its interim answer") {
  auto s = start_server(echo);
  REQUIRE(s);
  auto req = request("POST", s->base() + "/e", std::string(5000, 'z'));
  req.headers.set("Expect", "100-continue");
  auto r = http_send(req);
  CHECK(r.status == 200);
  CHECK(r.body == "POST|/e||-|" + std::string(5000, 'z'));
}

TEST_CASE("many small POSTs from concurrent keep-alive clients") {
  std::atomic<int> handled{0};
  std::mutex mu;
  std::set<std::string> remotes;
  auto s = start_server(
      [&](const HttpRequest& req) {
        handled++;
        {
          std::lock_guard lock(mu);
          remotes.insert(req.remote_addr);
        }
        HttpResponse res;
        res.body = req.body;
        return res;
      },
      {}, 2);
  REQUIRE(s);
  constexpr int kClients = 4;
  constexpr int kEach = 500;
  std::atomic<int> ok{0};
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kEach; ++i) {
        std::string body = R"([{"labels":{"alertname":"A)" + std::to_string(c * kEach + i) + R"("}}])";
        auto r = http_send(request("POST", s->base() + "/api/v2/alerts", body));
        if (r.status == 200 && r.body == body) {
          ok++;
        }
      }
    });
  }
  for (auto& t : clients) {
    t.join();
  }
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE("requests/s: " << (kClients * kEach) / secs);
  CHECK(ok == kClients * kEach);
  CHECK(handled == kClients * kEach);
  CHECK(remotes.size() == kClients);  // one keep-alive connection a client
}

TEST_CASE("a client that sends nothing is closed after read_timeout") {
  ServerLimits limits;
  limits.read_timeout = 300ms;
  auto s = start_server(echo, limits);
  REQUIRE(s);
  int fd = connect_raw(s->port);
  REQUIRE(fd >= 0);
  auto t0 = std::chrono::steady_clock::now();
  bool eof = false;
  read_until_close(fd, 3s, eof);
  auto waited = std::chrono::steady_clock::now() - t0;
  ::close(fd);
  CHECK(eof);
  CHECK(waited >= 250ms);
  CHECK(waited < 2s);
}

TEST_CASE("a keep-alive connection is closed after idle_timeout") {
  ServerLimits limits;
  limits.idle_timeout = 300ms;
  auto s = start_server(echo, limits);
  REQUIRE(s);
  int fd = connect_raw(s->port);
  REQUIRE(fd >= 0);
  std::string req = "GET /k HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
  auto t0 = std::chrono::steady_clock::now();
  bool eof = false;
  std::string got = read_until_close(fd, 3s, eof);
  ::close(fd);
  CHECK(got.find("GET|/k|") != std::string::npos);
  CHECK(eof);
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
}

TEST_CASE("beyond max_connections the server answers 503 with Retry-After") {
  ServerLimits limits;
  limits.max_connections = 2;
  auto s = start_server(echo, limits);
  REQUIRE(s);
  int a = connect_raw(s->port);
  int b = connect_raw(s->port);
  REQUIRE(a >= 0);
  REQUIRE(b >= 0);
  std::this_thread::sleep_for(200ms);  // let the server accept both
  auto r = http_send(request("GET", s->base() + "/over"));
  CHECK(r.status == 503);
  REQUIRE(r.headers.get("Retry-After"));
  CHECK(*r.headers.get("Retry-After") == "1");
  ::close(a);
  ::close(b);
  std::this_thread::sleep_for(200ms);
  CHECK(http_send(request("GET", s->base() + "/again")).status == 200);
}

TEST_CASE("stop() closes connected clients and returns promptly") {
  auto s = start_server(echo);
  REQUIRE(s);
  int idle = connect_raw(s->port);
  REQUIRE(idle >= 0);
  // A keep-alive connection parked between requests.
  int kept = connect_raw(s->port);
  REQUIRE(kept >= 0);
  std::string req = "GET /k HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(::send(kept, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
  bool eof = false;
  read_until_close(kept, 300ms, eof);
  CHECK_FALSE(eof);
  // A request in flight in a slow handler.
  std::thread slow([&] { http_send(request("GET", s->base() + "/slow")); });
  std::this_thread::sleep_for(200ms);

  auto t0 = std::chrono::steady_clock::now();
  s->server->stop();
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);
  read_until_close(idle, 2s, eof);
  CHECK(eof);
  read_until_close(kept, 2s, eof);
  CHECK(eof);
  ::close(idle);
  ::close(kept);
  slow.join();
  // New connections are refused.
  CHECK(connect_raw(s->port) == -1);
  s->server->stop();  // idempotent
}

TEST_CASE("listen address forms") {
  SUBCASE(":port binds all interfaces") {
    auto s = start_server(echo, {}, 1, nullptr, ":0");
    REQUIRE(s);
    CHECK(http_send(request("GET", "http://127.0.0.1:" + std::to_string(s->port) + "/")).status == 200);
  }
  SUBCASE("localhost:port") {
    auto s = start_server(echo, {}, 1, nullptr, "localhost:0");
    REQUIRE(s);
    CHECK(http_send(request("GET", "http://127.0.0.1:" + std::to_string(s->port) + "/")).status == 200);
  }
  SUBCASE("[::1]:port") {
    auto s = start_server(echo, {}, 1, nullptr, "[::1]:0");
    if (s) {  // hosts without IPv6 loopback cannot bind it
      CHECK(http_send(request("GET", "http://[::1]:" + std::to_string(s->port) + "/")).status == 200);
    }
  }
  SUBCASE("bad addresses are errors") {
    auto srv = make_http_server("nonsense", echo, {}, 1);
    auto r = srv->start();
    CHECK_FALSE(r.ok());
    srv = make_http_server("127.0.0.1:99999", echo, {}, 1);
    CHECK_FALSE(srv->start().ok());
  }
  SUBCASE("a port in use is an error") {
    auto s = start_server(echo);
    REQUIRE(s);
    auto srv = make_http_server("127.0.0.1:" + std::to_string(s->port), echo, {}, 1);
    CHECK_FALSE(srv->start().ok());
  }
}

namespace {

// One raw exchange on a fresh connection: what the server sent until it closed (or 3 s passed).
std::string raw_exchange(int port, const std::string& bytes) {
  int fd = connect_raw(port);
  if (fd < 0) return "";
  (void)::send(fd, bytes.data(), bytes.size(), 0);
  bool eof = false;
  std::string got = read_until_close(fd, 3s, eof);
  ::close(fd);
  return got;
}

}  // namespace

TEST_CASE("protocol edges answered as Go's net/http answers them") {
  auto s = start_server(echo);
  REQUIRE(s);
  const int port = s->port;
  const std::string go400 = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request";
  // HTTP/1.1 without Host; two Hosts; a malformed one.
  CHECK(raw_exchange(port, "GET /a HTTP/1.1\r\n\r\n").find("HTTP/1.1 400 Bad Request: missing required Host header\r\n") == 0);
  CHECK(raw_exchange(port, "GET /a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == go400);
  CHECK(raw_exchange(port, "GET /a HTTP/1.1\r\nHost: a b\r\n\r\n").find("400 Bad Request: malformed Host header") != std::string::npos);
  // HTTP/1.0: answered in 1.0, no Host needed, closed unless keep-alive was asked for.
  std::string r = raw_exchange(port, "GET /a HTTP/1.0\r\n\r\n");
  CHECK(r.find("HTTP/1.0 200 OK\r\n") == 0);
  CHECK(r.find("Connection:") == std::string::npos);
  // Absolute-form target: served by its path; a target that is neither is refused.
  CHECK(raw_exchange(port, "GET http://h:1/p/q?x=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").find("GET|/p/q|x=1|") != std::string::npos);
  CHECK(raw_exchange(port, "GET p/q HTTP/1.1\r\nHost: h\r\n\r\n") == go400);
  CHECK(raw_exchange(port, "GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n") == go400);
  CHECK(raw_exchange(port, "OPTIONS * HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").find("HTTP/1.1 200 OK\r\n") == 0);
  // Transfer codings other than chunked: 501; an unknown expectation: 417; a Content-Length list: 400.
  CHECK(raw_exchange(port, "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n").find("HTTP/1.1 501 Not Implemented\r\n") == 0);
  CHECK(raw_exchange(port, "POST /a HTTP/1.1\r\nHost: h\r\nExpect: x\r\nContent-Length: 1\r\n\r\nx").find("HTTP/1.1 417 Expectation Failed\r\n") == 0);
  CHECK(raw_exchange(port, "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n\r\nx") == go400);
  // Versions: 1.2 is served as 1.1, 2.0 in plain text gets 505; lines ended by a bare LF are read.
  CHECK(raw_exchange(port, "GET /v HTTP/1.2\r\nHost: h\r\nConnection: close\r\n\r\n").find("GET|/v|") != std::string::npos);
  CHECK(raw_exchange(port, "GET /v HTTP/2.0\r\nHost: h\r\n\r\n").find("HTTP/1.1 505 HTTP Version Not Supported") == 0);
  CHECK(raw_exchange(port, "GET /lf HTTP/1.1\nHost: h\nConnection: close\n\n").find("GET|/lf|") != std::string::npos);
  // "close" in a second Connection line closes too.
  r = raw_exchange(port, "GET /c HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n");
  CHECK(r.find("Connection: close") != std::string::npos);
  // A field over 64 KiB (Beast's longest): 431 rather than a dropped connection; the server goes on.
  CHECK(raw_exchange(port, "GET /a HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(70000, 'b') + "\r\n\r\n")
            .find("HTTP/1.1 431 Request Header Fields Too Large\r\n") == 0);
  CHECK(http_send(request("GET", s->base() + "/after")).status == 200);
}

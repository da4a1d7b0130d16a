// auth_test.cpp: unit tests of the basic-auth and response-header wrappers (api/auth).
#include <doctest/doctest.h>

#include <crypt.h>

#include <chrono>
#include <memory>
#include <functional>
#include <string>
#include <vector>

#include "api/auth.hpp"

using namespace tocsin;

namespace {

std::string bcrypt_of(const std::string& password, const std::string& setting) {
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_r(password.c_str(), setting.c_str(), data.get());
  REQUIRE(out != nullptr);
  return out;
}

std::string b64(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], k[v & 63]};
  }
  if (in.size() - i == 1) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {k[v >> 18], k[(v >> 12) & 63], '=', '='};
  } else if (in.size() - i == 2) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], '='};
  }
  return out;
}

net::HttpRequest request(const std::string& path, const std::string& authorization = "") {
  net::HttpRequest r;
  r.method = "GET";
  r.target = r.path = path;
  if (!authorization.empty()) {
    r.headers.set("Authorization", authorization);
  }
  return r;
}

net::HttpHandler ok_handler(int* calls) {
  return [calls](const net::HttpRequest&) {
    ++*calls;
    net::HttpResponse r;
    r.body = "ok";
    return r;
  };
}

}  // namespace

TEST_CASE("libxcrypt verifies bcrypt $2a$, $2b$ and $2y$ hashes") {
  // Computed once with crypt_r; the same bytes Go's x/crypto/bcrypt gives.
  CHECK(api::bcrypt_matches("hunter2", "$2a$04$0123456789abcdefghijkeoclk6AW0i35hsGvVyL0fdxsregez3jC"));
  CHECK(api::bcrypt_matches("hunter2", "$2b$04$0123456789abcdefghijkeoclk6AW0i35hsGvVyL0fdxsregez3jC"));
  CHECK(api::bcrypt_matches("s3cret", "$2y$10$0123456789abcdefghijkeUB6JF2coV1oAJUJ8VmmQLj0k0tL15dG"));
  CHECK_FALSE(api::bcrypt_matches("hunter3", "$2b$04$0123456789abcdefghijkeoclk6AW0i35hsGvVyL0fdxsregez3jC"));
  CHECK_FALSE(api::bcrypt_matches("", "$2b$04$0123456789abcdefghijkeoclk6AW0i35hsGvVyL0fdxsregez3jC"));
  CHECK_FALSE(api::bcrypt_matches(std::string("hunter2\0x", 9),
                                  "$2b$04$0123456789abcdefghijkeoclk6AW0i35hsGvVyL0fdxsregez3jC"));
  CHECK_FALSE(api::bcrypt_matches("hunter2", "not a hash"));
  // Go accepts any minor version byte, or none, and computes the same digest: so does tocsin.
  CHECK(api::bcrypt_matches("hunter2", "$2x$04$0123456789abcdefghijkeoclk6AW0i35hsGvVyL0fdxsregez3jC"));
  CHECK(api::bcrypt_matches("hunter2", "$2$04$0123456789abcdefghijkeoclk6AW0i35hsGvVyL0fdxsregez3jC"));
  CHECK_FALSE(api::bcrypt_matches("hunter2", "$3a$04$0123456789abcdefghijkeoclk6AW0i35hsGvVyL0fdxsregez3jC"));
  std::string fresh = bcrypt_of("pa:ss word", "$2b$10$abcdefghijklmnopqrstuv");
  CHECK(api::bcrypt_matches("pa:ss word", fresh));
}

TEST_CASE("with no users the handler is unchanged") {
  int calls = 0;
  auto h = api::with_basic_auth(ok_handler(&calls), {});
  CHECK(h(request("/api/v2/status")).status == 200);
  CHECK(calls == 1);
}

TEST_CASE("basic auth: right credentials pass, anything else is 401 with WWW-Authenticate") {
  int calls = 0;
  std::string hash = bcrypt_of("s3cret", "$2b$04$abcdefghijklmnopqrstuv");
  auto h = api::with_basic_auth(ok_handler(&calls), {{"alice", hash}, {"bob", hash}});

  auto good = h(request("/api/v2/alerts", "Basic " + b64("alice:s3cret")));
  CHECK(good.status == 200);
  CHECK(good.body == "ok");
  CHECK(h(request("/api/v2/alerts", "basic " + b64("bob:s3cret"))).status == 200);  // scheme in any case
  CHECK(calls == 2);

  const std::string bad[] = {
      "",                                  // missing
      "Basic " + b64("alice:wrong"),       // wrong password
      "Basic " + b64("mallory:s3cret"),    // unknown user
      "Basic " + b64("alice"),             // no colon
      "Basic " + b64("alice:s3cret") + "!",  // not base64
      "Bearer " + b64("alice:s3cret"),     // other scheme
      "Basic " + b64("alice:s3cret").substr(0, 8),
  };
  for (const auto& a : bad) {
    auto r = h(request("/api/v2/alerts", a));
    CHECK_MESSAGE(r.status == 401, a);
    REQUIRE(r.headers.get("WWW-Authenticate") != nullptr);
    CHECK(*r.headers.get("WWW-Authenticate") == "Basic");
    CHECK(r.body == "Unauthorized\n");
  }
  CHECK(calls == 2);
}

TEST_CASE("basic auth covers every path, the lifecycle endpoints too") {
  int calls = 0;
  auto h = api::with_basic_auth(ok_handler(&calls), {{"alice", bcrypt_of("x", "$2b$04$abcdefghijklmnopqrstuv")}});
  for (const char* p : {"/", "/-/healthy", "/-/ready", "/-/reload", "/metrics", "/api/v2/status", "/api/v1/alerts"}) {
    CHECK_MESSAGE(h(request(p)).status == 401, p);
  }
  CHECK(calls == 0);
}

TEST_CASE("verdicts are cached: a repeated password does not run bcrypt again") {
  using Clock = std::chrono::steady_clock;
  int calls = 0;
  auto h = api::with_basic_auth(ok_handler(&calls), {{"alice", bcrypt_of("s3cret", "$2b$10$abcdefghijklmnopqrstuv")}});
  for (const std::string& pass : {std::string("s3cret"), std::string("wrong")}) {
    auto req = request("/", "Basic " + b64("alice:" + pass));
    auto t0 = Clock::now();
    int first = h(req).status;
    auto t1 = Clock::now();
    int second = h(req).status;
    auto t2 = Clock::now();
    CHECK(first == second);
    CHECK_MESSAGE((t2 - t1) * 4 < (t1 - t0), pass);
  }
  // An unknown user still costs a bcrypt the first time (timing does not reveal who exists).
  auto t0 = Clock::now();
  CHECK(h(request("/", "Basic " + b64("nobody:s3cret"))).status == 401);
  auto unknown = Clock::now() - t0;
  CHECK(unknown > std::chrono::milliseconds(5));
}

TEST_CASE("configured headers are added to every response, 401s included") {
  int calls = 0;
  auto h = api::with_response_headers(
      api::with_basic_auth(ok_handler(&calls), {{"alice", bcrypt_of("x", "$2b$04$abcdefghijklmnopqrstuv")}}),
      {{"X-Frame-Options", "deny"}, {"Strict-Transport-Security", "max-age=60"}});
  auto denied = h(request("/"));
  CHECK(denied.status == 401);
  REQUIRE(denied.headers.get("X-Frame-Options") != nullptr);
  CHECK(*denied.headers.get("X-Frame-Options") == "deny");
  auto ok = h(request("/", "Basic " + b64("alice:x")));
  CHECK(ok.status == 200);
  REQUIRE(ok.headers.get("Strict-Transport-Security") != nullptr);
  CHECK(*ok.headers.get("Strict-Transport-Security") == "max-age=60");
}

TEST_CASE("configured headers are added to a deferred answer when it is sent") {
  net::HttpResponse sent;
  int sends = 0;
  net::HttpHandler deferring = [](const net::HttpRequest& req) {
    net::Responder r = req.defer();
    net::HttpResponse later;
    later.status = 201;
    later.body = "done";
    r.send(std::move(later));  // a real handler would send from another thread
    net::HttpResponse res;
    res.deferred = true;
    return res;
  };
  auto h = api::with_response_headers(deferring, {{"X-Frame-Options", "deny"}});
  net::HttpRequest req = request("/");
  req.defer = [&] {
    net::Responder r;
    r.send = [&](net::HttpResponse res) {
      sent = std::move(res);
      ++sends;
    };
    r.post = [](std::function<void()> fn) { fn(); };
    return r;
  };
  auto immediate = h(req);
  CHECK(immediate.deferred);
  CHECK(immediate.headers.get("X-Frame-Options") == nullptr);  // not sent, so not decorated
  REQUIRE(sends == 1);
  CHECK(sent.status == 201);
  REQUIRE(sent.headers.get("X-Frame-Options") != nullptr);
  CHECK(*sent.headers.get("X-Frame-Options") == "deny");
}

TEST_CASE("--web.timeout: an answer later than the timeout is replaced by Go's TimeoutHandler 503") {
  std::chrono::nanoseconds clock{0};
  auto now = [&] { return clock; };
  std::chrono::nanoseconds handler_takes{0};
  int calls = 0;
  net::HttpHandler inner = [&](const net::HttpRequest&) {
    ++calls;
    clock += handler_takes;
    net::HttpResponse r;
    r.status = 201;
    r.body = "made";
    r.headers.set("X-Inner", "1");
    return r;
  };
  CHECK(api::with_timeout(inner, std::chrono::nanoseconds{0}, now)(request("/")).status == 201);  // 0: no timeout

  auto h = api::with_timeout(inner, std::chrono::milliseconds(1500), now);
  handler_takes = std::chrono::milliseconds(1500);  // exactly at the deadline: still in time
  auto ok = h(request("/"));
  CHECK(ok.status == 201);
  CHECK(ok.body == "made");

  handler_takes = std::chrono::milliseconds(1501);
  auto late = h(request("/api/v2/status"));
  CHECK(calls == 3);  // the handler ran: what it did stands
  CHECK(late.status == 503);
  CHECK(late.content_type == "text/plain; charset=utf-8");
  CHECK(late.body == "Exceeded configured timeout of 1.5s.\n");
  CHECK(late.headers.get("X-Inner") == nullptr);  // the late answer's headers are dropped with it
}

TEST_CASE("--web.timeout: a deferred answer is judged when it is sent") {
  std::chrono::nanoseconds clock{0};
  auto now = [&] { return clock; };
  std::function<void(net::HttpResponse)> later_send;
  net::HttpHandler deferring = [&](const net::HttpRequest& req) {
    later_send = req.defer().send;
    net::HttpResponse res;
    res.deferred = true;
    return res;
  };
  auto h = api::with_timeout(deferring, std::chrono::seconds(2), now);
  std::vector<net::HttpResponse> sent;
  auto make_request = [&] {
    net::HttpRequest req = request("/api/v2/silences");
    req.defer = [&] {
      net::Responder r;
      r.send = [&](net::HttpResponse res) { sent.push_back(std::move(res)); };
      r.post = [](std::function<void()> fn) { fn(); };
      return r;
    };
    return req;
  };
  auto req1 = make_request();
  CHECK(h(req1).deferred);
  clock += std::chrono::seconds(1);
  net::HttpResponse made;
  made.status = 200;
  later_send(made);
  auto req2 = make_request();
  CHECK(h(req2).deferred);
  clock += std::chrono::seconds(3);
  later_send(made);
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].status == 200);
  CHECK(sent[1].status == 503);
  CHECK(sent[1].body == "Exceeded configured timeout of 2s.\n");
}

// request_log_test.cpp: the API's log lines derived from request and answer, as the reference's
// handlers write them; deferred answers logged when sent; answers it does not log stay silent.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "api/request_log.hpp"
#include "core/log.hpp"

using namespace tocsin;

namespace {
std::vector<std::string> g_lines;
void capture(const std::string& line) { g_lines.push_back(line); }

// The line after ts= and caller=, which depend on the time and the source.
std::string tail(const std::string& line) {
  const auto at = line.find(" level=");
  return at == std::string::npos ? line : line.substr(at + 1);
}

struct Capture {
  Capture() {
    g_lines.clear();
    log::set_sink(capture);
    log::set_level(log::Level::kDebug);
  }
  ~Capture() {
    log::set_sink(nullptr);
    log::set_level(log::Level::kInfo);
  }
};

net::HttpResponse answer(int status, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

net::HttpRequest request(std::string method, std::string path, std::string query = "", std::string body = "") {
  net::HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  r.body = std::move(body);
  return r;
}
}  // namespace

TEST_CASE("refusals get the reference's line, under the route prefix too") {
  Capture c;
  auto h = api::with_request_log([](const net::HttpRequest&) { return answer(400, "\"bad matcher format: {foo\"\n"); },
                                 "/am/");
  h(request("GET", "/am/api/v2/alerts", "filter=%7Bfoo"));
  REQUIRE(g_lines.size() == 1);
  CHECK(tail(g_lines[0]) ==
        "level=debug component=api version=v2 path=/am/api/v2/alerts method=GET msg=\"Failed to parse matchers\" "
        "err=\"bad matcher format: {foo\"\n");
}

TEST_CASE("a receiver regex that does not compile, bare of the answer's wrapping") {
  Capture c;
  auto h = api::with_request_log(
      [](const net::HttpRequest&) {
        return answer(400, "\"failed to parse receiver param: error parsing regexp: missing closing ): `^(?:()$`\"");
      },
      "/");
  h(request("GET", "/api/v2/alerts/groups", "receiver=%28"));
  REQUIRE(g_lines.size() == 1);
  CHECK(tail(g_lines[0]) ==
        "level=error component=api version=v2 path=/api/v2/alerts/groups method=GET msg=\"Failed to compile receiver "
        "regex\" err=\"error parsing regexp: missing closing ): `^(?:()$`\"\n");
}

TEST_CASE("an unknown silence logs Go's nil error") {
  Capture c;
  auto h = api::with_request_log([](const net::HttpRequest&) { return answer(404, ""); }, "/");
  h(request("GET", "/api/v2/silence/abc"));
  REQUIRE(g_lines.size() == 1);
  CHECK(tail(g_lines[0]) ==
        "level=error component=api version=v2 path=/api/v2/silence/abc method=GET msg=\"Failed to find silence\" "
        "err=null id=abc\n");
}

TEST_CASE("a deferred refusal is logged when it is sent, with the request's times") {
  Capture c;
  net::HttpResponse sent;
  net::HttpRequest req = request("POST", "/api/v2/silences", "",
                                 R"({"startsAt":"2030-01-01T00:00:10Z","endsAt":"2030-01-01T00:00:00Z"})");
  req.defer = [&sent] {
    net::Responder r;
    r.send = [&sent](net::HttpResponse res) { sent = std::move(res); };
    return r;
  };
  net::Responder later;
  auto h = api::with_request_log(
      [&later](const net::HttpRequest& r) {
        later = r.defer();
        net::HttpResponse res;
        res.deferred = true;
        return res;
      },
      "/");
  h(req);
  CHECK(g_lines.empty());
  later.send(answer(400, "\"Failed to create silence: start time must be before end time\""));
  CHECK(sent.status == 400);
  REQUIRE(g_lines.size() == 1);
  CHECK(tail(g_lines[0]) ==
        "level=error component=api version=v2 path=/api/v2/silences method=POST msg=\"Failed to create silence: start "
        "time must be before end time\" starts_at=2030-01-01T00:00:10Z ends_at=2030-01-01T00:00:00Z\n");
}

TEST_CASE("answers the reference does not log stay silent") {
  Capture c;
  auto h = api::with_request_log(
      [](const net::HttpRequest&) { return answer(400, R"({"code":601,"message":"body is malformed"})"); }, "/");
  h(request("POST", "/api/v2/alerts"));
  auto ok = api::with_request_log([](const net::HttpRequest&) { return answer(200, "\"x\""); }, "/");
  ok(request("POST", "/api/v2/alerts"));
  CHECK(g_lines.empty());
}

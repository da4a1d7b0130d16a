// alert_decode_test.cpp: the fast POST /api/v2/alerts decoder takes the usual bodies exactly and
// declines everything else (so the general path can word the error).
#include <doctest/doctest.h>

#include "api/alert_decode.hpp"

using tocsin::api::decode_alerts_fast;

TEST_CASE("decodes the usual body, escapes and surrogate pairs included") {
  auto r = decode_alerts_fast(R"( [ {"labels":{"alertname":"A\"q\\ \u00e9 \ud83d\ude00","job":"j"},
      "annotations":{"summary":"line\nbreak"},"startsAt":"2024-01-02T03:04:05Z",
      "endsAt":"2024-01-02T04:04:05.5+01:00","generatorURL":"http://g/?a=1&b=2"}, {"labels":{"x":"y"}} ] )");
  REQUIRE(r.has_value());
  REQUIRE(r->size() == 2);
  const auto& a = (*r)[0];
  CHECK(a.labels.value("alertname") == "A\"q\\ \xc3\xa9 \xf0\x9f\x98\x80");
  CHECK(a.labels.value("job") == "j");
  CHECK(a.annotations.value("summary") == "line\nbreak");
  CHECK(tocsin::format_rfc3339(a.starts_at) == "2024-01-02T03:04:05.000Z");
  CHECK(tocsin::format_rfc3339(a.ends_at) == "2024-01-02T03:04:05.500Z");
  CHECK(a.generator_url == "http://g/?a=1&b=2");
  CHECK((*r)[1].labels.value("x") == "y");
  CHECK(tocsin::is_zero((*r)[1].starts_at));
}

TEST_CASE("an empty list decodes to no alerts") {
  auto r = decode_alerts_fast("[]");
  REQUIRE(r.has_value());
  CHECK(r->empty());
}

TEST_CASE("declines what the general path must word") {
  for (const char* body : {
           "", "{", "{}", "[", "[{}]", "[{\"labels\":null}]", "[{\"labels\":{\"a\":1}}]",
           "[{\"labels\":{\"a\":\"b\"},\"extra\":1}]", "[{\"labels\":{\"a\":\"b\"},\"startsAt\":\"yesterday\"}]",
           "[{\"labels\":{\"a\":\"b\"}}] x", "[{\"labels\":{\"a\":\"\xff\"}}]", "[{\"labels\":{\"a\":\"\\udc00\"}}]",
           "[{\"labels\":{\"a\":\"b\",\"a\":\"c\"}}]", "[{\"annotations\":{}}]", "[{\"labels\":{\"a\":\"b\"},}]"}) {
    CAPTURE(body);
    CHECK_FALSE(decode_alerts_fast(body).has_value());
  }
}

// alert_decode_test.cpp: the fast POST /api/v2/alerts decoder takes the usual bodies exactly and
// declines everything else (so the general path can word the error).
#include <doctest/doctest.h>

#include <string>

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

TEST_CASE("strings with and without escapes, across 8-byte words, decode to the same values") {
  // Plain strings are views into the body, escaped ones are unescaped copies: every length and
  // escape position around the decoder's 8-byte scan must give the same result.
  for (size_t len = 0; len <= 20; ++len) {
    for (size_t at = 0; at <= len; ++at) {
      CAPTURE(len);
      CAPTURE(at);
      std::string plain(len, 'v');
      std::string escaped = plain;
      escaped.insert(at, "\\u00e9");  // \u00e9 in the body
      std::string expected = plain;
      expected.insert(at, "\xc3\xa9");
      std::string raw = plain;
      raw.insert(at, "\xc3\xa9");  // the same rune written as UTF-8
      const std::string body = R"([{"labels":{"p":")" + plain + R"(","e":")" + escaped + R"(","r":")" + raw +
                               R"("},"annotations":{"k":")" + escaped + R"("},"generatorURL":")" + escaped + R"("}])";
      auto r = decode_alerts_fast(body);
      REQUIRE(r.has_value());
      REQUIRE(r->size() == 1);
      const auto& a = (*r)[0];
      CHECK(a.labels.value("p") == plain);
      CHECK(a.labels.value("e") == expected);
      CHECK(a.labels.value("r") == expected);
      CHECK(a.annotations.value("k") == expected);
      CHECK(a.generator_url == expected);
      std::string bad = plain;
      bad.insert(at, "\xc3");  // a truncated rune
      CHECK_FALSE(decode_alerts_fast(R"([{"labels":{"b":")" + bad + R"("}}])").has_value());
      std::string ctl = plain;
      ctl.insert(at, "\x01");  // a raw control character
      CHECK_FALSE(decode_alerts_fast(R"([{"labels":{"b":")" + ctl + R"("}}])").has_value());
    }
  }
}

TEST_CASE("escaped keys and many alerts with escapes keep their values") {
  std::string body = "[";
  for (int i = 0; i < 50; ++i) {
    if (i > 0) body += ",";
    body += R"({"lab\u0065ls":{"alertname":"A\")" + std::to_string(i) + R"(","b":"x"},"startsAt":"2024-01-02T03:04:05.123Z"})";
  }
  body += "]";
  auto r = decode_alerts_fast(body);
  REQUIRE(r.has_value());
  REQUIRE(r->size() == 50);
  for (int i = 0; i < 50; ++i) {
    CHECK((*r)[i].labels.value("alertname") == "A\"" + std::to_string(i));
    CHECK((*r)[i].labels.value("b") == "x");
    CHECK(tocsin::format_rfc3339((*r)[i].starts_at) == "2024-01-02T03:04:05.123Z");
  }
}

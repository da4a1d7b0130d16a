// go_compat_test.cpp: the reference's request parsing rules, each case answered by Alertmanager 0.25
// (Debian's build: Go 1.19, go-openapi strfmt/swag).
#include "silence/go_compat.hpp"

#include <doctest/doctest.h>

using tocsin::format_rfc3339;
using tocsin::parse_rfc3339;
using namespace tocsin::silence;

namespace {

std::string swagger_time(std::string_view s) {
  auto t = parse_swagger_datetime(s);
  return t ? format_rfc3339(*t) : "error: " + t.error();
}

}  // namespace

TEST_CASE("strfmt date-times: every layout the reference accepts") {
  CHECK(swagger_time("2020-01-02T03:04:05Z") == "2020-01-02T03:04:05.000Z");
  CHECK(swagger_time("2020-01-02T03:04:05.123456789+02:00") == "2020-01-02T01:04:05.123Z");
  CHECK(swagger_time("2020-01-02T03:04:05.123+0200") == "2020-01-02T01:04:05.123Z");
  CHECK(swagger_time("2020-01-02T03:04:05.123456-0130") == "2020-01-02T04:34:05.123Z");
  CHECK(swagger_time("2020-01-02T03:04:05") == "2020-01-02T03:04:05.000Z");
  CHECK(swagger_time("2020-01-02T03:04:05.5") == "2020-01-02T03:04:05.500Z");
  CHECK(swagger_time("2020-01-02T03:04Z") == "2020-01-02T03:04:00.000Z");
  CHECK(swagger_time("2020-01-02T03:04") == "2020-01-02T03:04:00.000Z");
  CHECK(swagger_time("2020-01-02 03:04:05") == "2020-01-02T03:04:05.000Z");
  CHECK(swagger_time("2020-01-02T3:04:05Z") == "2020-01-02T03:04:05.000Z");  // Go's "15" takes one digit
  CHECK(swagger_time("") == "1970-01-01T00:00:00.000Z");                     // strfmt's NewDateTime()
  CHECK(swagger_time("0001-01-01T00:00:00Z") == "0001-01-01T00:00:00.000Z");  // Go's zero time: unset
}

TEST_CASE("strfmt date-times: the error is time.Parse's for the last layout") {
  CHECK(swagger_time("yesterday") ==
        "error: parsing time \"yesterday\" as \"2006-01-02 15:04:05\": cannot parse \"yesterday\" as \"2006\"");
  CHECK(swagger_time("2020-01-01") ==
        "error: parsing time \"2020-01-01\" as \"2006-01-02 15:04:05\": cannot parse \"\" as \"15\"");
  CHECK(swagger_time("2020-01-01t00:00:00z") ==
        "error: parsing time \"2020-01-01t00:00:00z\" as \"2006-01-02 15:04:05\": cannot parse \"t00:00:00z\" as \" \"");
  CHECK(swagger_time("10000-01-01T00:00:00Z") ==
        "error: parsing time \"10000-01-01T00:00:00Z\" as \"2006-01-02 15:04:05\": cannot parse \"0-01-01T00:00:00Z\" as \"-\"");
  CHECK(swagger_time("2020-13-01T00:00:00Z") == "error: parsing time \"2020-13-01T00:00:00Z\": month out of range");
  CHECK(swagger_time("2020-02-30 00:00:00") == "error: parsing time \"2020-02-30 00:00:00\": day out of range");
  CHECK(swagger_time("2020-01-01 00:00:00x") == "error: parsing time \"2020-01-01 00:00:00x\": extra text: \"x\"");
  CHECK(swagger_time("2020-01-02T03:04:05+0200").rfind("error: ", 0) == 0);  // ±hhmm only after .000 or .000000
}

TEST_CASE("json.Decoder: the first value, or Go's syntax error") {
  CHECK(scan_go_json("").kind == JsonScan::kEmpty);
  CHECK(scan_go_json(" \n\t").kind == JsonScan::kEmpty);
  CHECK(scan_go_json("[] x").kind == JsonScan::kValue);
  CHECK(scan_go_json("[] x").end == 2);
  CHECK(scan_go_json("3]").end == 1);
  CHECK(scan_go_json("null").end == 4);
  CHECK(scan_go_json("{\"a\":[1,2.5e-3,true,\"\\u00e9\"]} {").end == 30);
  auto msg = [](std::string_view body) { return scan_go_json(body).message; };
  CHECK(msg("{bad") == "invalid character 'b' looking for beginning of object key string");
  CHECK(msg("[{\"labels\":") == "unexpected EOF");
  CHECK(msg("-") == "unexpected EOF");
  CHECK(msg("\xef\xbb\xbf[]") == "invalid character '\xc3\xaf' looking for beginning of value");
  CHECK(msg("[1 2]") == "invalid character '2' after array element");
  CHECK(msg("{\"a\" 1}") == "invalid character '1' after object key");
  CHECK(msg("{\"a\":1 \"b\"}") == "invalid character '\"' after object key:value pair");
  CHECK(msg("[tru]") == "invalid character ']' in literal true (expecting 'e')");
  CHECK(msg("[\"a\nb\"]") == "invalid character '\\n' in string literal");
  CHECK(msg("[\"\\x\"]") == "invalid character 'x' in string escape code");
  CHECK(msg("[1.]") == "invalid character ']' after decimal point in numeric literal");
  CHECK(msg("[1e+]") == "invalid character ']' in exponent of numeric literal");
  CHECK(msg("[-a]") == "invalid character 'a' in numeric literal");
  CHECK(msg("'a'") == "invalid character '\\'' looking for beginning of value");
  CHECK(msg(std::string(10001, '[')) == "invalid character '[' exceeded max depth");
}

TEST_CASE("swag.ConvertBool") {
  for (const char* t : {"true", "TRUE", "1", "yes", "ok", "Y", "on", "selected", "checked", "t", "enabled"}) {
    CHECK(go_swagger_bool(t));
  }
  for (const char* f : {"false", "0", "no", "maybe", "f", "off"}) {
    CHECK_FALSE(go_swagger_bool(f));
  }
}

TEST_CASE("url.ParseRequestURI: what generatorURL may be") {
  for (const char* ok : {"http://x/y?z=1", "http://prometheus:9090/graph?g0.expr=up%20%3D%3D%200", "/relative/path",
                         "mailto:someone", "http://[::1]:9090/", "http://u:p@host/", "*", "http://x/a b"}) {
    CHECK_MESSAGE(go_request_uri_ok(ok), ok);
  }
  for (const char* bad : {"::not a uri", "relative/path", "x y", "http://a b/", "http://x:port/", "http://x/%zz",
                          "http://x/\x01", "http://[::1/", ""}) {
    CHECK_MESSAGE(!go_request_uri_ok(bad), bad);
  }
}

TEST_CASE("regexp errors in Go's words") {
  CHECK(go_regexp_error("^(?:a+)$").empty());
  CHECK(go_regexp_error("^(?:()$") == "error parsing regexp: missing closing ): `^(?:()$`");
  CHECK(go_regexp_error("a)") == "error parsing regexp: unexpected ): `a)`");
  CHECK(go_regexp_error("[a") == "error parsing regexp: missing closing ]: `[a`");
  CHECK(go_regexp_error("*") == "error parsing regexp: missing argument to repetition operator: `*`");
}

TEST_CASE("numbers zeroed for type errors") {
  CHECK(zero_json_numbers(R"([{"a":1e999,"b":"1e5 \"-3\"","c":[-1.5E+3,2]}])") ==
        R"([{"a":0,"b":"1e5 \"-3\"","c":[0,0]}])");
}

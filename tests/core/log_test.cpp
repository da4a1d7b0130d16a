// The log line encoder against lines written by go-kit's logfmt and JSON loggers (the reference's):
// quoting, escapes, key order and value types.
#include <doctest/doctest.h>

#include "core/log.hpp"
#include "core/time.hpp"

using namespace tocsin;
using log::Format;
using log::Level;

namespace {
std::string fmt(Level level, std::initializer_list<log::Field> fields, Format f) {
  return log::format(level, "x.go:1", "T", std::span<const log::Field>(fields.begin(), fields.size()), f);
}
// The value of key k as each encoder writes it, after the common head.
std::string logfmt_value(std::string_view v) {
  auto line = fmt(Level::kInfo, {{"k", v}}, Format::kLogfmt);
  return line.substr(std::string("ts=T caller=x.go:1 level=info k=").size(),
                     line.size() - std::string("ts=T caller=x.go:1 level=info k=").size() - 1);
}
std::string json_value(std::string_view v) {
  auto line = fmt(Level::kInfo, {{"k", v}}, Format::kJson);
  const std::string head = R"({"caller":"x.go:1","k":)";
  REQUIRE(line.rfind(head, 0) == 0);
  return line.substr(head.size(), line.find(R"(,"level")") - head.size());
}
}  // namespace

TEST_CASE("logfmt quotes and escapes values as go-logfmt") {
  CHECK(logfmt_value("") == "");
  CHECK(logfmt_value("null") == "\"null\"");
  CHECK(logfmt_value("a b") == "\"a b\"");
  CHECK(logfmt_value("a=b") == "\"a=b\"");
  CHECK(logfmt_value("a\"b") == "\"a\\\"b\"");
  CHECK(logfmt_value("a\\b") == "a\\b");
  CHECK(logfmt_value("a\nb\tc\rd") == "\"a\\nb\\tc\\rd\"");
  CHECK(logfmt_value("x\x01y") == "\"x\\u0001y\"");
  CHECK(logfmt_value("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(logfmt_value("bad\xff" "byte") == "\"bad\\ufffdbyte\"");
  CHECK(logfmt_value("rep\xef\xbf\xbdl") == "\"rep\\ufffdl\"");
  CHECK(logfmt_value("del\x7f") == "del\x7f");
  CHECK(logfmt_value("ls\xe2\x80\xa8x") == "ls\xe2\x80\xa8x");
  CHECK(logfmt_value("<&>") == "<&>");
}

TEST_CASE("JSON escapes values as Go's encoder without HTML escaping") {
  CHECK(json_value("") == "\"\"");
  CHECK(json_value("a\"b") == "\"a\\\"b\"");
  CHECK(json_value("a\\b") == "\"a\\\\b\"");
  CHECK(json_value("a\nb\tc\rd") == "\"a\\nb\\tc\\rd\"");
  CHECK(json_value("x\x01y") == "\"x\\u0001y\"");
  CHECK(json_value("bad\xff" "byte") == "\"bad\\ufffdbyte\"");
  CHECK(json_value("rep\xef\xbf\xbdl") == "\"rep\xef\xbf\xbdl\"");
  CHECK(json_value("ls\xe2\x80\xa8x") == "\"ls\\u2028x\"");
  CHECK(json_value("<&>") == "\"<&>\"");
}

TEST_CASE("logfmt keeps the order given; JSON sorts keys and types numbers and bools") {
  const auto d = format_go_duration(std::chrono::nanoseconds(820798));
  CHECK(fmt(Level::kDebug, {{"n", 7}, {"b", true}, {"d", d}, {"z", "x"}, {"a", "y"}},
                    Format::kLogfmt) == "ts=T caller=x.go:1 level=debug n=7 b=true d=820.798\xc2\xb5s z=x a=y\n");
  CHECK(fmt(Level::kDebug, {{"n", 7}, {"b", true}, {"d", d}, {"z", "x"}, {"a", "y"}},
                    Format::kJson) ==
        "{\"a\":\"y\",\"b\":true,\"caller\":\"x.go:1\",\"d\":\"820.798\xc2\xb5s\",\"level\":\"debug\",\"n\":7,"
        "\"ts\":\"T\",\"z\":\"x\"}\n");
}

TEST_CASE("a line without a level, as the reference's coordinator writes one") {
  CHECK(fmt(Level::kNone, {{"msg", "m"}}, Format::kLogfmt) == "ts=T caller=x.go:1 msg=m\n");
  CHECK(fmt(Level::kNone, {{"msg", "m"}}, Format::kJson) ==
        "{\"caller\":\"x.go:1\",\"msg\":\"m\",\"ts\":\"T\"}\n");
  log::set_level(Level::kError);
  CHECK(log::enabled(Level::kNone));
  log::set_level(Level::kInfo);
}

// notify_util_test.cpp: the helpers the templated integrations share: template data of a flush, rune
// truncation, Go's JSON escaping, the per-request timeout.
#include <doctest/doctest.h>

#include "receivers/notify_util.hpp"
#include "recv_test_util.hpp"

using namespace tocsin;
using namespace tocsin::receivers;
using namespace tocsin::receivers::test;

TEST_CASE("truncate_in_runes: the reference's TruncateInRunes") {
  bool cut = true;
  CHECK(truncate_in_runes("abc", 3, &cut) == "abc");
  CHECK_FALSE(cut);
  CHECK(truncate_in_runes("abcdef", 5, &cut) == "abcd\xE2\x80\xA6");
  CHECK(cut);
  CHECK(truncate_in_runes("abcdef", 3) == "abc");  // no room for the ellipsis
  CHECK(truncate_in_runes("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 4) == "\xC3\xA9\xC3\xA9\xC3\xA9\xE2\x80\xA6");
}

TEST_CASE("go_json_text: escapes as encoding/json") {
  CHECK(go_json_text(R"({"a":"<b> & c"})") == "{\"a\":\"\\u003cb\\u003e \\u0026 c\"}\n");
  CHECK(go_json_text("{\"a\":\"x\xE2\x80\xA8y\"}") == "{\"a\":\"x\\u2028y\"}\n");
  CHECK(go_json_text(R"({"a":"\b\f\\b\n"})") == "{\"a\":\"\\u0008\\u000c\\\\b\\n\"}\n");
}

TEST_CASE("template_data: status, quoted receiver, common labels") {
  auto t = tmpl::Templates::with_defaults();
  REQUIRE(t.ok());
  auto ctx = disk_context();
  ctx.receiver = "team.a";
  auto d = template_data(ctx, disk_alerts());
  auto r = t->execute_text("{{ .Receiver }} {{ .Status }} {{ .CommonLabels.SortedPairs.Values }} {{ len .Alerts.Firing }}", d);
  REQUIRE(r.ok());
  CHECK(*r == "team\\.a firing [DiskFull critical] 2");
  auto resolved = t->execute_text("{{ .Status }} {{ len .Alerts.Resolved }}", template_data(ctx, disk_alerts(true)));
  CHECK(*resolved == "resolved 2");
}

TEST_CASE("request_timeout: the flush's budget bounds each request") {
  NotifyContext c = disk_context();
  CHECK(request_timeout(c).count() == 0);
  c.deadline = c.now + std::chrono::seconds(5);
  CHECK(request_timeout(c) == std::chrono::milliseconds(5000));
  // A retry 3 s into the flush gets what is left, and one at or past the deadline the least there is.
  c.attempt_at = c.now + std::chrono::seconds(3);
  CHECK(request_timeout(c) == std::chrono::milliseconds(2000));
  c.attempt_at = c.deadline + std::chrono::seconds(1);
  CHECK(request_timeout(c) == std::chrono::milliseconds(1));
}

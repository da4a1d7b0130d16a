// msteams_test.cpp: the two Microsoft Teams integrations (newer than the 0.25 reference, so checked
// against the upstream notifiers' documented structures): the MessageCard and the Adaptive Card message,
// byte for byte as json.Encoder writes them, the colour by group status, the webhook URL from a file,
// and which answers are retried.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

#include "receivers/integrations.hpp"
#include "receivers/msteams/msteams.hpp"
#include "recv_test_util.hpp"
#include "template/template.hpp"

using namespace tocsin;
using namespace tocsin::receivers;
using namespace tocsin::receivers::test;

namespace {

const char* kTeams = R"yaml(  msteams_configs:
  - webhook_url: http://127.0.0.1:1/teams
    title: '{{ .Status }}: {{ .GroupLabels.alertname }}'
    summary: '{{ len .Alerts }} alerts'
    text: '{{ range .Alerts }}{{ .Annotations.summary }} & {{ end }}'
  msteamsv2_configs:
  - webhook_url: http://127.0.0.1:1/flow
    title: '{{ .Status }}: {{ .GroupLabels.alertname }}'
    text: '{{ range .Alerts }}{{ .Annotations.summary }}; {{ end }}'
)yaml";

std::shared_ptr<const tmpl::Templates> defaults() {
  return std::make_shared<const tmpl::Templates>(*tmpl::Templates::with_defaults());
}

}  // namespace

TEST_CASE("msteams: a MessageCard, coloured by the group's status") {
  auto cfg = load_team(kTeams);
  auto t = defaults();
  const auto& c = cfg.receivers[0].msteams_configs.at(0);
  auto firing = msteams_payload(c, *t, disk_context(), disk_alerts());
  REQUIRE(firing.ok());
  CHECK(*firing ==
        "{\"@context\":\"http://schema.org/extensions\",\"type\":\"MessageCard\",\"title\":\"firing: DiskFull\","
        "\"summary\":\"2 alerts\",\"text\":\"Disk \\u003ca\\u003e full \\u0026 Disk b full \\u0026 \","
        "\"themeColor\":\"8C1A1A\"}\n");
  auto resolved = msteams_payload(c, *t, disk_context(), disk_alerts(true));
  REQUIRE(resolved.ok());
  CHECK(resolved->find("\"title\":\"resolved: DiskFull\"") != std::string::npos);
  CHECK(resolved->find("\"themeColor\":\"2DC72D\"}") != std::string::npos);
  auto none = msteams_payload(c, *t, disk_context(), {});
  REQUIRE(none.ok());
  CHECK(none->find("\"themeColor\":\"808080\"") != std::string::npos);
}

TEST_CASE("msteamsv2: an Adaptive Card in a workflow message") {
  auto cfg = load_team(kTeams);
  auto t = defaults();
  const auto& c = cfg.receivers[0].msteamsv2_configs.at(0);
  auto firing = msteamsv2_payload(c, *t, disk_context(), disk_alerts());
  REQUIRE(firing.ok());
  CHECK(*firing ==
        "{\"type\":\"message\",\"attachments\":[{\"contentType\":\"application/vnd.microsoft.card.adaptive\","
        "\"contentUrl\":null,\"content\":{\"$schema\":\"http://adaptivecards.io/schemas/adaptive-card.json\","
        "\"type\":\"AdaptiveCard\",\"version\":\"1.2\",\"body\":[{\"type\":\"TextBlock\",\"text\":\"firing: DiskFull\","
        "\"weight\":\"Bolder\",\"size\":\"Medium\",\"wrap\":true,\"style\":\"heading\",\"color\":\"Attention\"},"
        "{\"type\":\"TextBlock\",\"text\":\"Disk \\u003ca\\u003e full; Disk b full; \",\"wrap\":true}],"
        "\"msteams\":{\"width\":\"full\"}}}]}\n");
  auto resolved = msteamsv2_payload(c, *t, disk_context(), disk_alerts(true));
  REQUIRE(resolved.ok());
  CHECK(resolved->find("\"color\":\"Good\"") != std::string::npos);
  auto none = msteamsv2_payload(c, *t, disk_context(), {});
  REQUIRE(none.ok());
  CHECK(none->find("\"color\":\"Warning\"") != std::string::npos);
}

TEST_CASE("msteams: the default templates render, and a template error fails without a request") {
  auto cfg = load_team("  msteams_configs:\n  - webhook_url: http://127.0.0.1:1/teams\n");
  auto t = defaults();
  auto body = msteams_payload(cfg.receivers[0].msteams_configs.at(0), *t, disk_context(), disk_alerts());
  REQUIRE(body.ok());
  CHECK(body->find("\"title\":\"[FIRING:2] DiskFull") != std::string::npos);
  auto bad = load_team("  msteams_configs:\n  - webhook_url: http://127.0.0.1:1/teams\n    text: '{{ template \"nope\" . }}'\n");
  auto r = msteams_payload(bad.receivers[0].msteams_configs.at(0), *t, disk_context(), disk_alerts());
  CHECK_FALSE(r.ok());
}

TEST_CASE("msteams and msteamsv2 post JSON to the webhook; only 5xx is retried") {
  Sink sink;
  const std::string path = "/tmp/tocsin-msteams-test-url";
  {
    std::ofstream(path) << "  " << sink.url("/flow/from-file") << "\n";
  }
  auto cfg = load_team("  msteams_configs:\n  - webhook_url: " + sink.url("/teams") +
                       "\n  msteamsv2_configs:\n  - webhook_url_file: " + path + "\n");
  auto t = defaults();
  auto v1 = make_msteams(cfg.receivers[0].msteams_configs.at(0), t);
  auto v2 = make_msteamsv2(cfg.receivers[0].msteamsv2_configs.at(0), t);
  CHECK(v1->notify(disk_context(), disk_alerts()).ok);
  CHECK(v2->notify(disk_context(), disk_alerts()).ok);
  {
    std::lock_guard<std::mutex> l(sink.mu);
    REQUIRE(sink.got.size() == 2);
    CHECK(sink.got[0].method == "POST");
    CHECK(sink.got[0].path == "/teams");
    CHECK(sink.got[0].body.find("\"type\":\"MessageCard\"") != std::string::npos);
    CHECK(sink.got[1].path == "/flow/from-file");
    CHECK(sink.got[1].body.find("\"type\":\"message\"") != std::string::npos);
    const std::string* ct = sink.got[1].headers.get("Content-Type");
    REQUIRE(ct != nullptr);
    CHECK(*ct == "application/json");
  }
  sink.respond(500, "text/plain", "boom");
  auto r = v1->notify(disk_context(), disk_alerts());
  CHECK_FALSE(r.ok);
  CHECK(r.retry);
  CHECK(r.error == "unexpected status code 500: boom");
  sink.respond(429, "text/plain", "slow down");
  r = v2->notify(disk_context(), disk_alerts());
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.retry);
  sink.respond(400, "text/plain", "");
  r = v1->notify(disk_context(), disk_alerts());
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.retry);
  std::remove(path.c_str());
  auto missing = load_team("  msteams_configs:\n  - webhook_url_file: /nonexistent/teams-url\n");
  r = make_msteams(missing.receivers[0].msteams_configs.at(0), t)->notify(disk_context(), disk_alerts());
  CHECK_FALSE(r.ok);
  CHECK(r.error == "read webhook_url_file: open /nonexistent/teams-url: no such file or directory");
}

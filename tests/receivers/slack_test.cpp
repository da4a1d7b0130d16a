// slack_test.cpp: the Slack body byte for byte as Alertmanager 0.25 posted it for the same config and
// alerts (captured from a loopback sink), and how Slack's answers are classified.
#include <doctest/doctest.h>

#include "receivers/slack/slack.hpp"
#include "recv_test_util.hpp"
#include "template/template.hpp"

using namespace tocsin;
using namespace tocsin::receivers;
using namespace tocsin::receivers::test;

namespace {

const char* kSlackConfigs = R"yaml(  slack_configs:
  - api_url: http://127.0.0.1:1/slack/default
    send_resolved: true
  - api_url: http://127.0.0.1:1/slack/full
    channel: '#ops'
    username: 'bot <{{ .Status }}>'
    icon_emoji: ':fire:'
    link_names: true
    text: '{{ range .Alerts }}{{ .Annotations.summary }} & more{{ "\n" }}{{ end }}'
    image_url: http://img/x.png
    short_fields: true
    fields:
    - title: Severity
      value: '{{ .CommonLabels.severity }}'
    - title: Long
      value: v
      short: false
    actions:
    - type: button
      text: Runbook
      url: 'http://rb/{{ .GroupLabels.alertname }}'
    - type: button
      text: Ack
      name: ack
      value: '{{ .Status }}'
      style: danger
      confirm:
        text: Sure?
        title: Really
        ok_text: 'Yes'
        dismiss_text: 'No'
    mrkdwn_in: [text]
)yaml";

// Captured from prometheus-alertmanager 0.25 (external URL http://am.example:9093).
const std::string kDefaultFiring = R"json({"username":"Alertmanager","attachments":[{"title":"[FIRING:2] DiskFull (critical)","title_link":"http://am.example:9093/#/alerts?receiver=team","text":"","fallback":"[FIRING:2] DiskFull (critical) | http://am.example:9093/#/alerts?receiver=team","callback_id":"","footer":"","color":"danger","mrkdwn_in":["fallback","pretext","text"]}]})json"
                    "\n";
const std::string kDefaultResolved = R"json({"username":"Alertmanager","attachments":[{"title":"[RESOLVED] DiskFull (critical)","title_link":"http://am.example:9093/#/alerts?receiver=team","text":"","fallback":"[RESOLVED] DiskFull (critical) | http://am.example:9093/#/alerts?receiver=team","callback_id":"","footer":"","color":"good","mrkdwn_in":["fallback","pretext","text"]}]})json"
                    "\n";
const std::string kFullFiring = R"json({"channel":"#ops","username":"bot \u003cfiring\u003e","icon_emoji":":fire:","link_names":true,"attachments":[{"title":"[FIRING:2] DiskFull (critical)","title_link":"http://am.example:9093/#/alerts?receiver=team","text":"Disk \u003ca\u003e full \u0026 more\nDisk b full \u0026 more\n","fallback":"[FIRING:2] DiskFull (critical) | http://am.example:9093/#/alerts?receiver=team","callback_id":"","fields":[{"title":"Severity","value":"critical","short":true},{"title":"Long","value":"v","short":false}],"actions":[{"type":"button","text":"Runbook","url":"http://rb/DiskFull"},{"type":"button","text":"Ack","style":"danger","name":"ack","value":"firing","confirm":{"text":"Sure?","title":"Really","ok_text":"Yes","dismiss_text":"No"}}],"image_url":"http://img/x.png","footer":"","color":"danger","mrkdwn_in":["text"]}]})json"
                    "\n";

std::string body(const config::SlackConfig& c, const AlertList& alerts) {
  auto t = tmpl::Templates::with_defaults();
  REQUIRE(t.ok());
  auto p = slack_payload(c, *t, disk_context(), alerts);
  REQUIRE_MESSAGE(p.ok(), p.error());
  return p->body;
}

}  // namespace

TEST_CASE("slack: the default message is the reference's, firing and resolved") {
  auto cfg = load_team(kSlackConfigs);
  const auto& sc = cfg.receivers[0].slack_configs;
  CHECK(body(sc[0], disk_alerts()) == kDefaultFiring);
  CHECK(body(sc[0], disk_alerts(true)) == kDefaultResolved);
}

TEST_CASE("slack: every field, fields and actions, escaping as Go's encoder") {
  auto cfg = load_team(kSlackConfigs);
  CHECK(body(cfg.receivers[0].slack_configs[1], disk_alerts()) == kFullFiring);
}

TEST_CASE("slack: the title is cut to 1024 runes with an ellipsis") {
  auto cfg = load_team("  slack_configs:\n  - api_url: http://x/\n    title: x\n");
  config::SlackConfig c = cfg.receivers[0].slack_configs[0];
  std::string long_title;
  for (int i = 0; i < 600; ++i) long_title += "\xC3\xA9";  // é, 2 bytes
  c.title = long_title + long_title;
  std::string b = body(c, disk_alerts());
  std::string want;
  for (int i = 0; i < 1023; ++i) want += "\xC3\xA9";
  want += "\xE2\x80\xA6";
  CHECK(b.find("\"title\":\"" + want + "\"") != std::string::npos);
}

TEST_CASE("slack: a template error fails the notification without retry") {
  auto cfg = load_team("  slack_configs:\n  - api_url: http://127.0.0.1:1/\n    text: '{{ .Nope.Deeper }}'\n");
  auto t = std::make_shared<const tmpl::Templates>(*tmpl::Templates::with_defaults());
  SlackNotifier n(cfg.receivers[0].slack_configs[0], t);
  auto r = n.notify(disk_context(), disk_alerts());
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.retry);
}

TEST_CASE("slack: answers and retries") {
  Sink sink;
  auto cfg = load_team("  slack_configs:\n  - api_url: " + sink.url("/hook/T0/B0/secret") + "\n    channel: '#c'\n");
  auto t = std::make_shared<const tmpl::Templates>(*tmpl::Templates::with_defaults());
  SlackNotifier n(cfg.receivers[0].slack_configs[0], t);

  auto r = n.notify(disk_context(), disk_alerts());
  CHECK(r.ok);
  REQUIRE(sink.got.size() == 1);
  CHECK(sink.got[0].target == "/hook/T0/B0/secret");
  CHECK(*sink.got[0].headers.get("Content-Type") == "application/json");

  sink.respond(500, "text/plain", "rollup_error");
  r = n.notify(disk_context(), disk_alerts());
  CHECK_FALSE(r.ok);
  CHECK(r.retry);
  CHECK(r.error == "channel \"#c\": unexpected status code 500: rollup_error");

  sink.respond(404, "text/plain", "channel_not_found");
  r = n.notify(disk_context(), disk_alerts());
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.retry);

  sink.respond(429, "text/plain", "rate_limited");
  r = n.notify(disk_context(), disk_alerts());
  CHECK_FALSE(r.retry);  // as the reference: only 5xx is retried

  // chat.postMessage answers 200 with ok:false.
  sink.respond(200, "application/json; charset=utf-8", R"({"ok":false,"error":"not_in_channel"})");
  r = n.notify(disk_context(), disk_alerts());
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.retry);
  CHECK(r.error == "channel \"#c\": error response from Slack: not_in_channel");

  sink.respond(200, "application/json", R"({"ok":true,"channel":"C1","ts":"1.2"})");
  CHECK(n.notify(disk_context(), disk_alerts()).ok);
}

TEST_CASE("slack: bot token form sends the Authorization header; errors never show the URL") {
  Sink sink;
  auto cfg = load_team("  slack_configs:\n  - api_url: " + sink.url("/api/chat.postMessage") +
                       "\n    channel: '#c'\n    http_config:\n      authorization:\n        credentials: xoxb-123\n");
  auto t = std::make_shared<const tmpl::Templates>(*tmpl::Templates::with_defaults());
  SlackNotifier n(cfg.receivers[0].slack_configs[0], t);
  CHECK(n.notify(disk_context(), disk_alerts()).ok);
  REQUIRE(sink.got.size() == 1);
  CHECK(*sink.got[0].headers.get("Authorization") == "Bearer xoxb-123");

  auto dead = load_team("  slack_configs:\n  - api_url: http://127.0.0.1:1/services/SECRETTOKEN\n");
  SlackNotifier d(dead.receivers[0].slack_configs[0], t);
  auto r = d.notify(disk_context(), disk_alerts());
  CHECK(r.retry);
  CHECK(r.error.find("SECRETTOKEN") == std::string::npos);
}

TEST_CASE("slack: api_url_file, and the global slack_api_url") {
  Sink sink;
  std::string dir = net::test::make_temp_dir();
  net::test::run("printf '%s\\n' '" + sink.url("/from-file") + "' > " + dir + "/url");
  auto t = std::make_shared<const tmpl::Templates>(*tmpl::Templates::with_defaults());
  auto cfg = load_team("  slack_configs:\n  - api_url_file: " + dir + "/url\n");
  CHECK(SlackNotifier(cfg.receivers[0].slack_configs[0], t).notify(disk_context(), disk_alerts()).ok);
  auto g = load_team("  slack_configs:\n  - channel: x\n", "global:\n  slack_api_url: " + sink.url("/global") + "\n");
  CHECK(SlackNotifier(g.receivers[0].slack_configs[0], t).notify(disk_context(), disk_alerts()).ok);
  REQUIRE(sink.got.size() == 2);
  CHECK(sink.got[0].target == "/from-file");
  CHECK(sink.got[1].target == "/global");
  net::test::run("rm -rf " + dir);
}

TEST_CASE("slack: a slow server is cut off at the flush's deadline and retried") {
  Sink sink;
  sink.delay = std::chrono::milliseconds(1500);
  auto cfg = load_team("  slack_configs:\n  - api_url: " + sink.url("/slow") + "\n");
  auto t = std::make_shared<const tmpl::Templates>(*tmpl::Templates::with_defaults());
  auto ctx = disk_context();
  ctx.deadline = ctx.now + std::chrono::milliseconds(300);
  auto start = std::chrono::steady_clock::now();
  auto r = SlackNotifier(cfg.receivers[0].slack_configs[0], t).notify(ctx, disk_alerts());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1200));
  CHECK_FALSE(r.ok);
  CHECK(r.retry);
}

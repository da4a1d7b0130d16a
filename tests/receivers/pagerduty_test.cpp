// pagerduty_test.cpp: PagerDuty events as Alertmanager 0.25 posted them for the same config and alerts
// (captured from a loopback sink), v1 events, limits, and how PagerDuty's answers are classified.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "receivers/pagerduty/pagerduty.hpp"
#include "receivers/pagerduty/sha256.hpp"
#include "recv_test_util.hpp"
#include "template/template.hpp"

using namespace tocsin;
using namespace tocsin::receivers;
using namespace tocsin::receivers::test;

namespace {

const char* kPagerdutyConfigs = R"yaml(  pagerduty_configs:
  - routing_key: rk123
    url: http://127.0.0.1:1/pd/default
  - routing_key: rk456
    url: http://127.0.0.1:1/pd/full
    severity: '{{ .CommonLabels.severity }}'
    class: cls
    component: comp
    group: grp
    source: 'src-{{ .GroupLabels.alertname }}'
    details:
      firing: '{{ .Alerts.Firing | len }} firing'
      note: 'a <b> & "c"'
    images:
    - src: http://img/1.png
      alt: one
      href: http://h/1
    - src: ''
      alt: skipped
    links:
    - href: http://l/1
      text: L1
)yaml";

// Captured from prometheus-alertmanager 0.25 (external URL http://am.example:9093).
const std::string kFullFiring = R"json({"routing_key":"rk456","dedup_key":"17c4e445d234645c9e547ff6d32a864af0ebdadcd1902771c24c8d366637ff41","event_action":"trigger","payload":{"summary":"[FIRING:2] DiskFull (critical)","source":"src-DiskFull","severity":"critical","class":"cls","component":"comp","group":"grp","custom_details":{"firing":"2 firing","note":"a \u003cb\u003e \u0026 \"c\"","num_firing":"2","num_resolved":"0","resolved":""}},"client":"Alertmanager","client_url":"http://am.example:9093/#/alerts?receiver=team","images":[{"src":"http://img/1.png","alt":"one","href":"http://h/1"}],"links":[{"href":"http://l/1","text":"L1"}]})json"
                    "\n";
// The default config's events; their "firing" and "resolved" details render __text_alert_list, whose
// wording is our own, so those two details are compared apart.
const std::string kDefaultFiring = R"json({"routing_key":"rk123","dedup_key":"17c4e445d234645c9e547ff6d32a864af0ebdadcd1902771c24c8d366637ff41","event_action":"trigger","payload":{"summary":"[FIRING:2] DiskFull (critical)","source":"Alertmanager","severity":"error","custom_details":{"firing":"Labels:\n - alertname = DiskFull\n - instance = a:9100\n - severity = critical\nAnnotations:\n - summary = Disk \u003ca\u003e full\nSource: http://prom/graph?g0.expr=x\nLabels:\n - alertname = DiskFull\n - instance = b:9100\n - severity = critical\nAnnotations:\n - summary = Disk b full\nSource: http://prom/graph?g0.expr=x\n","num_firing":"2","num_resolved":"0","resolved":""}},"client":"Alertmanager","client_url":"http://am.example:9093/#/alerts?receiver=team"})json"
                    "\n";
const std::string kDefaultResolved = R"json({"routing_key":"rk123","dedup_key":"17c4e445d234645c9e547ff6d32a864af0ebdadcd1902771c24c8d366637ff41","event_action":"resolve","payload":{"summary":"[RESOLVED] DiskFull (critical)","source":"Alertmanager","severity":"error","custom_details":{"firing":"","num_firing":"0","num_resolved":"2","resolved":"Labels:\n - alertname = DiskFull\n - instance = a:9100\n - severity = critical\nAnnotations:\n - summary = Disk \u003ca\u003e full\nSource: http://prom/graph?g0.expr=x\nLabels:\n - alertname = DiskFull\n - instance = b:9100\n - severity = critical\nAnnotations:\n - summary = Disk b full\nSource: http://prom/graph?g0.expr=x\n"}},"client":"Alertmanager","client_url":"http://am.example:9093/#/alerts?receiver=team"})json"
                    "\n";

std::shared_ptr<const tmpl::Templates> defaults() {
  return std::make_shared<const tmpl::Templates>(*tmpl::Templates::with_defaults());
}

std::string body(const config::PagerdutyConfig& c, const std::string& key, const AlertList& alerts) {
  auto p = pagerduty_payload(c, key, *defaults(), disk_context(), alerts);
  REQUIRE_MESSAGE(p.ok(), p.error());
  return *p;
}

nlohmann::json without_alert_lists(const std::string& s) {
  auto j = nlohmann::json::parse(s);
  j["payload"]["custom_details"].erase("firing");
  j["payload"]["custom_details"].erase("resolved");
  return j;
}

}  // namespace

TEST_CASE("pagerduty: the dedup key is the SHA-256 of the group key") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex(std::string(1000, 'a')) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
  CHECK(sha256_hex("{}:{alertname=\"DiskFull\"}") == "17c4e445d234645c9e547ff6d32a864af0ebdadcd1902771c24c8d366637ff41");
}

TEST_CASE("pagerduty v2: every field byte for byte as the reference") {
  auto cfg = load_team(kPagerdutyConfigs);
  CHECK(body(cfg.receivers[0].pagerduty_configs[1], "rk456", disk_alerts()) == kFullFiring);
}

TEST_CASE("pagerduty v2: the default event, trigger and resolve") {
  auto cfg = load_team(kPagerdutyConfigs);
  const auto& c = cfg.receivers[0].pagerduty_configs[0];
  std::string firing = body(c, "rk123", disk_alerts());
  CHECK(without_alert_lists(firing) == without_alert_lists(kDefaultFiring));
  auto fj = nlohmann::json::parse(firing);
  CHECK(fj["payload"]["custom_details"]["resolved"] == "");
  CHECK(fj["payload"]["custom_details"]["firing"].get<std::string>().find("instance: b:9100") != std::string::npos);
  std::string resolved = body(c, "rk123", disk_alerts(true));
  CHECK(without_alert_lists(resolved) == without_alert_lists(kDefaultResolved));
  CHECK(nlohmann::json::parse(resolved)["event_action"] == "resolve");
}

TEST_CASE("pagerduty v1: service key, incident key, client only on trigger") {
  auto cfg = load_team("  pagerduty_configs:\n  - service_key: sk1\n    details:\n      a: '{{ .Status }}'\n");
  const auto& c = cfg.receivers[0].pagerduty_configs[0];
  CHECK(pagerduty_is_v1(c));
  // Field order and the always-written event_action/payload are those of the reference's Go struct.
  std::string firing = body(c, "sk1", disk_alerts());
  auto j = nlohmann::json::parse(firing);
  CHECK(firing.rfind(R"j({"service_key":"sk1","incident_key":"17c4e445d234645c9e547ff6d32a864af0ebdadcd1902771c24c8d366637ff41","event_type":"trigger","description":"[FIRING:2] DiskFull (critical)","event_action":"","payload":null,"client":"Alertmanager","client_url":"http://am.example:9093/#/alerts?receiver=team","details":{"a":"firing",)j", 0) == 0);
  CHECK(j["details"]["num_firing"] == "2");
  std::string resolved = body(c, "sk1", disk_alerts(true));
  auto r = nlohmann::json::parse(resolved);
  CHECK(r["event_type"] == "resolve");
  CHECK_FALSE(r.contains("client"));
  CHECK_FALSE(r.contains("client_url"));
}

TEST_CASE("pagerduty: summary cut to 1024 runes; oversized details replaced") {
  auto cfg = load_team("  pagerduty_configs:\n  - routing_key: rk\n");
  config::PagerdutyConfig c = cfg.receivers[0].pagerduty_configs[0];
  c.description = std::string(2000, 'x');
  auto j = nlohmann::json::parse(body(c, "rk", disk_alerts()));
  std::string summary = j["payload"]["summary"];
  CHECK(summary == std::string(1023, 'x') + "\xE2\x80\xA6");

  c.details["big"] = std::string(600000, 'y');
  auto big = nlohmann::json::parse(body(c, "rk", disk_alerts()));
  CHECK(big["payload"]["custom_details"] ==
        nlohmann::json{{"error",
                        "Custom details have been removed because the original event exceeds the maximum size of 512KB"}});
}

TEST_CASE("pagerduty: an empty routing key after templating, and a failing detail, are not retried") {
  auto cfg = load_team("  pagerduty_configs:\n  - routing_key: '{{ if false }}x{{ end }}'\n");
  auto p = pagerduty_payload(cfg.receivers[0].pagerduty_configs[0], "{{ if false }}x{{ end }}", *defaults(),
                             disk_context(), disk_alerts());
  REQUIRE_FALSE(p.ok());
  CHECK(p.error() == "routing key cannot be empty");

  auto bad = load_team("  pagerduty_configs:\n  - routing_key: rk\n    details:\n      x: '{{ .Nope.Deeper }}'\n");
  PagerdutyNotifier n(bad.receivers[0].pagerduty_configs[0], defaults());
  auto r = n.notify(disk_context(), disk_alerts());
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.retry);
  CHECK(r.error.rfind("\"x\": failed to template", 0) == 0);
}

TEST_CASE("pagerduty: answers and retries, v2 and v1") {
  Sink sink;
  auto cfg = load_team("  pagerduty_configs:\n  - routing_key: SECRETKEY\n    url: " + sink.url("/v2/enqueue") + "\n");
  PagerdutyNotifier n(cfg.receivers[0].pagerduty_configs[0], defaults());
  sink.respond(202, "application/json", R"({"status":"success","message":"Event processed","dedup_key":"k"})");
  auto r = n.notify(disk_context(), disk_alerts());
  CHECK(r.ok);
  REQUIRE(sink.got.size() == 1);
  CHECK(*sink.got[0].headers.get("Content-Type") == "application/json");
  CHECK(nlohmann::json::parse(sink.got[0].body)["routing_key"] == "SECRETKEY");

  sink.respond(429, "application/json", "{}");
  r = n.notify(disk_context(), disk_alerts());
  CHECK(r.retry);
  sink.respond(503, "text/plain", "down");
  CHECK(n.notify(disk_context(), disk_alerts()).retry);
  sink.respond(403, "text/plain", "");
  CHECK_FALSE(n.notify(disk_context(), disk_alerts()).retry);
  sink.respond(400, "application/json", R"j({"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect (should be 32 characters)"]})j");
  r = n.notify(disk_context(), disk_alerts());
  CHECK_FALSE(r.retry);
  CHECK(r.error == "unexpected status code 400: Event object is invalid: Length of 'routing_key' is incorrect (should be 32 characters)");
  CHECK(r.error.find("SECRETKEY") == std::string::npos);

  auto v1 = load_team("  pagerduty_configs:\n  - service_key: sk\n");
  PagerdutyNotifier n1(v1.receivers[0].pagerduty_configs[0], defaults(), sink.url("/generic/create_event.json"));
  sink.respond(403, "text/plain", "");
  r = n1.notify(disk_context(), disk_alerts());
  CHECK(r.retry);  // v1 rate limiting
  sink.respond(429, "text/plain", "");
  CHECK_FALSE(n1.notify(disk_context(), disk_alerts()).retry);
  CHECK(sink.got.back().target == "/generic/create_event.json");

  auto dead = load_team("  pagerduty_configs:\n  - routing_key: rk\n    url: http://127.0.0.1:1/\n");
  r = PagerdutyNotifier(dead.receivers[0].pagerduty_configs[0], defaults()).notify(disk_context(), disk_alerts());
  CHECK_FALSE(r.ok);
  CHECK(r.retry);
}

TEST_CASE("pagerduty: routing_key_file") {
  Sink sink;
  std::string dir = net::test::make_temp_dir();
  net::test::run("printf 'filekey\\n' > " + dir + "/key");
  auto cfg = load_team("  pagerduty_configs:\n  - routing_key_file: " + dir + "/key\n    url: " + sink.url("/e") + "\n");
  CHECK(PagerdutyNotifier(cfg.receivers[0].pagerduty_configs[0], defaults()).notify(disk_context(), disk_alerts()).ok);
  REQUIRE(sink.got.size() == 1);
  CHECK(nlohmann::json::parse(sink.got[0].body)["routing_key"] == "filekey");
  net::test::run("rm -rf " + dir);
}

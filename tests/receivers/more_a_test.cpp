// more_a_test.cpp: OpsGenie, VictorOps, Pushover and Telegram requests for a fixed flush (the same
// bytes Alertmanager 0.25 sends, as test_receivers_more_a.py checks against the reference), the Go URL
// helpers they rely on, and how each service's answers are classified.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "receivers/opsgenie/opsgenie.hpp"
#include "receivers/pagerduty/sha256.hpp"
#include "receivers/pushover/pushover.hpp"
#include "receivers/telegram/telegram.hpp"
#include "receivers/url_util.hpp"
#include "receivers/victorops/victorops.hpp"
#include "recv_test_util.hpp"
#include "template/template.hpp"

using namespace tocsin;
using namespace tocsin::receivers;
using namespace tocsin::receivers::test;

namespace {

const tmpl::Templates& defaults() {
  static const tmpl::Templates t = *tmpl::Templates::with_defaults();
  return t;
}

net::ClientResponse answer(int status, std::string body) {
  net::ClientResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

TEST_CASE("gourl: Go's query and path escaping, Values.Encode and TrimSpace") {
  CHECK(gourl::query_escape("a b&c=d/é~_.-") == "a+b%26c%3Dd%2F%C3%A9~_.-");
  CHECK(gourl::path_escape("key/ops team?x%$&+,:;=@!") == "key/ops%20team%3Fx%25$&+,:;=@%21");
  CHECK(gourl::encode_query({{"user", "u"}, {"token", "t"}, {"expire", "3600"}, {"message", "a b"}}) ==
        "expire=3600&message=a+b&token=t&user=u");
  CHECK(gourl::trim_space("\t key \r\n") == "key");
  CHECK(gourl::trim_space("\u00a0\u2028 k\u00e9y \u3000\u0085") == "k\u00e9y");
  CHECK(gourl::trim_space("  \xff ") == "\xff");
  CHECK(gourl::trim_space(" \u00e9") == "\u00e9");
  const std::pair<std::string, std::string> alias{"identifierType", "alias"};
  CHECK(gourl::append_path("http://h/og/", "v2/alerts") == "http://h/og/v2/alerts");
  CHECK(gourl::append_path("http://h/og/?region=eu&tenant=a%20b", "v2/alerts/x/close", &alias) ==
        "http://h/og/v2/alerts/x/close?identifierType=alias&region=eu&tenant=a+b");
  CHECK(gourl::append_path("http://h/og/?identifierType=id", "v2", &alias) == "http://h/og/v2?identifierType=alias");
}

TEST_CASE("opsgenie: create with details over common labels, then close by alias") {
  auto cfg = load_team(R"yaml(  opsgenie_configs:
  - api_url: http://og.example/base
    api_key: k
    details: {severity: 'sev-{{ .CommonLabels.severity }}', extra: 'a <b> & c'}
    tags: ' t1, t2,,'
    responders:
    - {name: 'x, y', type: teams}
    - {name: '{{ .CommonLabels.nosuch }}', type: '{{ .CommonLabels.nosuch }}'}
    update_alerts: true
)yaml");
  const auto& og = cfg.receivers[0].opsgenie_configs[0];
  const std::string alias = sha256_hex(disk_context().group_key);
  auto firing = opsgenie_requests(og, "k", defaults(), disk_context(), disk_alerts());
  REQUIRE(firing);
  REQUIRE(firing->requests.size() == 3);
  CHECK(firing->api_key == "k");
  CHECK(firing->requests[0].method == "POST");
  CHECK(firing->requests[0].url == "http://og.example/base/v2/alerts");
  auto j = nlohmann::ordered_json::parse(firing->requests[0].body);
  std::vector<std::string> keys;
  for (auto& [k, v] : j.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"alias", "message", "description", "details", "source", "responders", "tags"});
  CHECK(j["alias"] == alias);
  CHECK(j["message"] == "[FIRING:2] DiskFull (critical)");
  CHECK(j["details"].dump() == R"({"alertname":"DiskFull","extra":"a <b> & c","severity":"sev-critical"})");
  CHECK(firing->requests[0].body.find(R"("extra":"a \u003cb\u003e \u0026 c")") != std::string::npos);
  CHECK(j["responders"].dump() == R"([{"name":"x","type":"team"},{"name":" y","type":"team"}])");
  CHECK(j["tags"].dump() == R"(["t1"," t2"])");
  CHECK(firing->requests[1].method == "PUT");
  CHECK(firing->requests[1].url == "http://og.example/base/v2/alerts/" + alias + "/message?identifierType=alias");
  CHECK(firing->requests[1].body == "{\"message\":\"[FIRING:2] DiskFull (critical)\"}\n");
  CHECK(firing->requests[2].url == "http://og.example/base/v2/alerts/" + alias + "/description?identifierType=alias");

  auto resolved = opsgenie_requests(og, "k", defaults(), disk_context(), disk_alerts(true));
  REQUIRE(resolved);
  REQUIRE(resolved->requests.size() == 1);
  CHECK(resolved->requests[0].url == "http://og.example/base/v2/alerts/" + alias + "/close?identifierType=alias");
  CHECK(resolved->requests[0].body == "{\"source\":\"http://am.example:9093/#/alerts?receiver=team\"}\n");
}

TEST_CASE("opsgenie: a template error is reported, 429 and 5xx retried, 4xx not") {
  auto cfg = load_team(
      "  opsgenie_configs:\n  - api_url: http://og/\n    api_key: k\n    note: '{{ .Nope.Deeper }}'\n");
  auto r = opsgenie_requests(cfg.receivers[0].opsgenie_configs[0], "k", defaults(), disk_context(), disk_alerts());
  REQUIRE_FALSE(r);
  CHECK(r.error().rfind("templating error: ", 0) == 0);
  CHECK(opsgenie_check_response(answer(202, ""), "POST", "u").ok);
  CHECK(opsgenie_check_response(answer(429, "slow down"), "POST", "u").retry);
  CHECK(opsgenie_check_response(answer(503, ""), "POST", "u").retry);
  auto bad = opsgenie_check_response(answer(422, "{\"message\":\"bad\"}"), "POST", "u");
  CHECK_FALSE(bad.retry);
  CHECK(bad.error == "unexpected status code 422: {\"message\":\"bad\"}");
}

TEST_CASE("victorops: URL with the escaped routing key; a sorted flat body; RECOVERY when resolved") {
  auto cfg = load_team(R"yaml(  victorops_configs:
  - api_url: http://vo.example/alert
    api_key: key1
    routing_key: 'team {{ .CommonLabels.severity }}'
    message_type: bogus
    state_message: 'state <{{ len .Alerts }}>'
    custom_fields: {a_first: '1', zz_last: '{{ .GroupLabels.alertname }}'}
)yaml");
  const auto& vo = cfg.receivers[0].victorops_configs[0];
  auto url = victorops_url(vo, "key1", defaults(), disk_context(), disk_alerts());
  REQUIRE(url);
  CHECK(*url == "http://vo.example/alert/key1/team%20critical");
  auto body = victorops_payload(vo, defaults(), disk_context(), disk_alerts());
  REQUIRE(body);
  CHECK(*body == "{\"a_first\":\"1\",\"entity_display_name\":\"[FIRING:2] DiskFull (critical)\",\"entity_id\":\"" +
                     sha256_hex(disk_context().group_key) +
                     "\",\"message_type\":\"CRITICAL\",\"monitoring_tool\":\"Alertmanager\","
                     "\"state_message\":\"state \\u003c2\\u003e\",\"zz_last\":\"DiskFull\"}\n");
  auto resolved = victorops_payload(vo, defaults(), disk_context(), disk_alerts(true));
  REQUIRE(resolved);
  CHECK(resolved->find("\"message_type\":\"RECOVERY\"") != std::string::npos);
}

TEST_CASE("pushover: parameters sorted, limits applied, '(no details)' for a blank message") {
  auto cfg = load_team(R"yaml(  pushover_configs:
  - user_key: u
    token: t
    message: '   '
    title: '{{ range .Alerts }}{{ .Labels.instance }}{{ end }}'
    retry: 90s
    expire: 2h
)yaml");
  const auto& po = cfg.receivers[0].pushover_configs[0];
  auto q = pushover_query(po, "t", "u", defaults(), disk_context(), disk_alerts());
  REQUIRE(q);
  CHECK(*q == "expire=7200&message=%28no+details%29&priority=2&retry=90&sound=&title=a%3A9100b%3A9100&token=t"
              "&url=http%3A%2F%2Fam.example%3A9093%2F%23%2Falerts%3Freceiver%3Dteam&url_title=&user=u");
  auto resolved = pushover_query(po, "t", "u", defaults(), disk_context(), disk_alerts(true));
  REQUIRE(resolved);
  CHECK(resolved->find("&priority=0&") != std::string::npos);

  auto html_cfg = load_team("  pushover_configs:\n  - {user_key: u, token: t, html: true, message: "
                            "'<b>{{ .CommonAnnotations.summary }}{{ (index .Alerts 0).Annotations.summary }}</b>'}\n");
  auto h = pushover_query(html_cfg.receivers[0].pushover_configs[0], "t", "u", defaults(), disk_context(),
                          disk_alerts());
  REQUIRE(h);
  CHECK(h->find("html=1&message=%3Cb%3EDisk+%26lt%3Ba%26gt%3B+full%3C%2Fb%3E&") != std::string::npos);
}

TEST_CASE("telegram: sendMessage body as the reference's client writes it") {
  auto cfg = load_team(R"yaml(  telegram_configs:
  - bot_token: '1:x'
    chat_id: -100
    message: '{{ (index .Alerts 0).Annotations.summary }} & more'
    disable_notifications: true
)yaml");
  auto body = telegram_payload(cfg.receivers[0].telegram_configs[0], defaults(), disk_context(), disk_alerts());
  REQUIRE(body);
  CHECK(*body == "{\"chat_id\":\"-100\",\"disable_notification\":\"true\",\"disable_web_page_preview\":\"true\","
                 "\"parse_mode\":\"HTML\",\"text\":\"Disk \\u0026lt;a\\u0026gt; full \\u0026 more\"}\n");
  auto md = load_team(
      "  telegram_configs:\n  - {bot_token: '1:x', chat_id: 5, parse_mode: '', message: '<{{ len .Alerts }}>'}\n");
  auto b2 = telegram_payload(md.receivers[0].telegram_configs[0], defaults(), disk_context(), disk_alerts());
  REQUIRE(b2);
  CHECK(*b2 == "{\"chat_id\":\"5\",\"disable_web_page_preview\":\"true\",\"text\":\"\\u003c2\\u003e\"}\n");
}

TEST_CASE("telegram: the answer's ok decides, whatever the HTTP status; every failure is retried") {
  CHECK(telegram_check_response(answer(200, R"({"ok":true,"result":{"message_id":1}})")).ok);
  auto flood = telegram_check_response(
      answer(429, R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3"})"));
  CHECK_FALSE(flood.ok);
  CHECK(flood.retry);
  CHECK(flood.error == "telegram: retry after 3 (429)");
  auto chat = telegram_check_response(
      answer(400, R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})"));
  CHECK(chat.retry);
  CHECK(chat.error == "telegram: chat not found (400)");
  auto other = telegram_check_response(
      answer(400, R"({"ok":false,"error_code":400,"description":"Bad Request: odd: thing"})"));
  CHECK(other.error == "telegram: Bad Request: odd: thing (400)");
  auto not_json = telegram_check_response(answer(200, "ok"));
  CHECK_FALSE(not_json.ok);
  CHECK(not_json.retry);
  CHECK(not_json.error == "telebot: invalid character 'o' looking for beginning of value");
  CHECK(telegram_check_response(answer(502, "")).error == "telebot: unexpected end of JSON input");
  CHECK_FALSE(telegram_check_response(answer(200, R"({"ok":true,"result":true})")).ok);
  CHECK_FALSE(telegram_check_response(answer(200, R"({"result":{}})")).ok);
}

// more_c_test.cpp: the integrations newer than the 0.25 reference, checked against the upstream
// notifiers' Go structures (field order, omitempty, json.Encoder escaping) and their tests: incident.io
// (webhook-shaped body, Bearer token, 512 KiB cut, 429/5xx retried, error details), Rocket.Chat
// (chat.postMessage attachment, X-Auth-Token/X-User-Id, 200 answers with success false) and Jira
// (search by the ALERT{hash} label, then create, update and transition).
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "receivers/go_text.hpp"
#include "receivers/incidentio/incidentio.hpp"
#include "receivers/rocketchat/rocketchat.hpp"
#include "receivers/integrations.hpp"
#include "recv_test_util.hpp"
#include "template/template.hpp"

using namespace tocsin;
using namespace tocsin::receivers;
using namespace tocsin::receivers::test;

namespace {

std::shared_ptr<const tmpl::Templates> defaults() {
  return std::make_shared<const tmpl::Templates>(*tmpl::Templates::with_defaults());
}

std::string tmp_file(const std::string& name, const std::string& content) {
  std::filesystem::create_directories("/tmp/h6");
  std::string path = "/tmp/h6/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// The alert JSON of disk_alerts() as the webhook-style payloads write it.
std::string disk_alert_json(const Alert& a, bool resolved) {
  const bool is_a = a.labels.get("instance") == "a:9100";
  return std::string(R"({"status":")") + (resolved ? "resolved" : "firing") +
         R"(","labels":{"alertname":"DiskFull","instance":")" + (is_a ? "a:9100" : "b:9100") +
         R"(","severity":"critical"},"annotations":{"summary":")" + (is_a ? "Disk \\u003ca\\u003e full" : "Disk b full") +
         R"("},"startsAt":"2026-01-01T10:00:00Z","endsAt":")" +
         (resolved ? "2026-01-01T11:00:00Z" : "0001-01-01T00:00:00Z") +
         R"(","generatorURL":"http://prom/graph?g0.expr=x","fingerprint":")" + fingerprint_hex(a.fingerprint) + R"("})";
}

std::string header(const net::HttpRequest& r, const char* name) {
  const std::string* h = r.headers.get(name);
  return h == nullptr ? std::string("<none>") : *h;
}

}  // namespace

// ---- incident.io ----

TEST_CASE("incidentio: the webhook-shaped body, version 1, as the reference's encoder writes it") {
  auto alerts = disk_alerts();
  auto ctx = disk_context();
  ctx.notification_reason = "first";
  std::string want = R"({"receiver":"team","status":"firing","alerts":[)" + disk_alert_json(*alerts[0], false) + "," +
                     disk_alert_json(*alerts[1], false) +
                     R"(],"notification_reason":"first","groupLabels":{"alertname":"DiskFull"},)"
                     R"("commonLabels":{"alertname":"DiskFull","severity":"critical"},"commonAnnotations":{},)"
                     R"("externalURL":"http://am.example:9093","version":"1","groupKey":"{}:{alertname=\"DiskFull\"}",)"
                     R"("truncatedAlerts":0})"
                     "\n";
  CHECK(incidentio_payload(ctx, alerts, 0) == want);

  // max_alerts keeps the first alerts; status and common labels are those of the alerts kept.
  std::string one = incidentio_payload(ctx, alerts, 1);
  CHECK(one.find(disk_alert_json(*alerts[0], false)) != std::string::npos);
  CHECK(one.find("b:9100") == std::string::npos);
  CHECK(one.find(R"("commonLabels":{"alertname":"DiskFull","instance":"a:9100","severity":"critical"})") !=
        std::string::npos);
  CHECK(one.find(R"("commonAnnotations":{"summary":"Disk \u003ca\u003e full"})") != std::string::npos);
  CHECK(one.find(R"("truncatedAlerts":1})") != std::string::npos);
}

TEST_CASE("incidentio: a body over 512 KiB keeps only the first alert") {
  AlertList alerts;
  const std::string big(100 * 1024, 'x');
  for (int i = 0; i < 10; ++i) {
    auto a = std::make_shared<Alert>();
    a->labels = LabelSet({{"alertname", "Big" + std::to_string(i)}, {"severity", "critical"}});
    a->annotations = LabelSet({{"description", big}});
    a->starts_at = *parse_rfc3339("2026-01-01T10:00:00Z");
    a->fingerprint = a->labels.fingerprint();
    alerts.push_back(a);
  }
  auto ctx = disk_context();
  std::string body = incidentio_payload(ctx, alerts, 0);
  CHECK(body.size() <= kIncidentioMaxPayloadBytes);
  CHECK(body.find("\"Big0\"") != std::string::npos);
  CHECK(body.find("\"Big1\"") == std::string::npos);
  // Only the list is cut: the common labels are still those of the whole group, nothing counted as truncated.
  CHECK(body.find(R"("commonLabels":{"severity":"critical"})") != std::string::npos);
  CHECK(body.find(R"("truncatedAlerts":0})") != std::string::npos);
}

TEST_CASE("incidentio: the retry rule and the error details of the upstream tests") {
  auto check = [](int status, const std::string& body) {
    net::ClientResponse r;
    r.status = status;
    r.body = body;
    return incidentio_check_response(r);
  };
  CHECK(check(200, R"({"status":"success"})").ok);
  auto r = check(429, R"({"error":"rate limit exceeded","message":"Too many requests"})");
  CHECK((!r.ok && r.retry));
  CHECK(r.error == "unexpected status code 429: Too many requests: rate limit exceeded");
  r = check(500, R"({"error":"internal error"})");
  CHECK((!r.ok && r.retry));
  CHECK(r.error == "unexpected status code 500: internal error");
  r = check(400, R"({"message":"Validation failed","errors":["Field is required","Value too long"]})");
  CHECK((!r.ok && !r.retry));
  CHECK(r.error == "unexpected status code 400: Validation failed: Field is required, Value too long");
  CHECK(check(400, "{invalid}").error == "unexpected status code 400");
  CHECK(check(400, "").error == "unexpected status code 400");
  CHECK(check(400, R"({"error":5})").error == "unexpected status code 400");
  for (int s : {401, 403, 404, 408, 409, 422}) CHECK_FALSE(check(s, "").retry);
  for (int s : {500, 502, 503, 504}) CHECK(check(s, "").retry);
}

TEST_CASE("incidentio: POST with the alert source token (inline or from a file) replacing http_config's") {
  Sink sink;
  const std::string token_path = tmp_file("incidentio-token", "  from-file\n");
  const std::string url_path = tmp_file("incidentio-url", sink.url("/from-file") + "\n");
  auto cfg = load_team("  incidentio_configs:\n  - url: " + sink.url("/alerts") +
                       "\n    alert_source_token: tok\n    http_config:\n      bearer_token: other\n"
                       "  - url_file: " + url_path + "\n    alert_source_token_file: " + token_path +
                       "\n  - url: " + sink.url("/plain") + "\n");
  const auto& rc = cfg.receivers[0];
  auto n0 = make_incidentio(rc.incidentio_configs.at(0), nullptr);
  auto n1 = make_incidentio(rc.incidentio_configs.at(1), nullptr);
  auto n2 = make_incidentio(rc.incidentio_configs.at(2), nullptr);
  CHECK(n0->notify(disk_context(), disk_alerts()).ok);
  CHECK(n1->notify(disk_context(), disk_alerts()).ok);
  CHECK(n2->notify(disk_context(), disk_alerts()).ok);
  {
    std::lock_guard<std::mutex> l(sink.mu);
    REQUIRE(sink.got.size() == 3);
    CHECK(sink.got[0].method == "POST");
    CHECK(sink.got[0].path == "/alerts");
    CHECK(header(sink.got[0], "Authorization") == "Bearer tok");
    CHECK(header(sink.got[0], "Content-Type") == "application/json");
    CHECK(sink.got[0].body == incidentio_payload(disk_context(), disk_alerts(), 0));
    CHECK(sink.got[1].path == "/from-file");
    CHECK(header(sink.got[1], "Authorization") == "Bearer from-file");
    CHECK(header(sink.got[2], "Authorization") == "<none>");
  }
  sink.respond(429, "application/json", R"({"message":"slow down"})");
  auto r = n0->notify(disk_context(), disk_alerts());
  CHECK((!r.ok && r.retry));
  CHECK(r.error == "unexpected status code 429: slow down");
  sink.respond(400, "application/json", R"({"error":"bad"})");
  r = n0->notify(disk_context(), disk_alerts());
  CHECK((!r.ok && !r.retry));
  CHECK(r.error == "unexpected status code 400: bad");

  // A missing token file fails the notification without a request, worded as Go's os.ReadFile.
  config::IncidentioConfig broken = rc.incidentio_configs.at(1);
  broken.alert_source_token_file = "/tmp/h6/no-such-token";
  r = make_incidentio(broken, nullptr)->notify(disk_context(), disk_alerts());
  CHECK_FALSE(r.ok);
  CHECK(r.error == "failed to read alert_source_token_file: open /tmp/h6/no-such-token: no such file or directory");
}

TEST_CASE("incidentio: a receiver using it is no longer refused") {
  auto cfg = load_team("  incidentio_configs:\n  - url: http://127.0.0.1:1/x\n");
  CHECK(cfg.receivers[0].unsupported_integrations().empty());
  auto built = build_integrations(cfg.receivers[0], cfg, nullptr);
  REQUIRE(built);
  REQUIRE(built->size() == 1);
  CHECK((*built)[0].name == "incidentio");
  CHECK((*built)[0].send_resolved);
}

// ---- Rocket.Chat ----

TEST_CASE("gourl: url.JoinPath, path.Clean, strconv.Quote and encoding/json's syntax errors") {
  CHECK(gourl::join_path("https://open.rocket.chat/", "api/v1/chat.postMessage") ==
        "https://open.rocket.chat/api/v1/chat.postMessage");
  CHECK(gourl::join_path("http://h:1", "api/v1/chat.postMessage") == "http://h:1/api/v1/chat.postMessage");
  CHECK(gourl::join_path("http://example.com/api/v1/", "api/v1/chat.postMessage") ==
        "http://example.com/api/v1/api/v1/chat.postMessage");
  CHECK(gourl::join_path("http://h/a//b/../c/?q=1#f", "issue") == "http://h/a/c/issue?q=1#f");
  CHECK(gourl::join_path("http://h/rest/api/2", "/search") == "http://h/rest/api/2/search");
  CHECK(gourl::join_path("http://h/x", "y/") == "http://h/x/y/");
  CHECK(gourl::clean_path("/../a/./b//") == "/a/b");
  CHECK(gourl::url_host("https://u:p@acme.atlassian.net:8443/rest") == "acme.atlassian.net:8443");
  CHECK(gourl::url_path("https://acme.atlassian.net/rest/api/3?x=1") == "/rest/api/3");
  CHECK(gourl::quote("a\"b\n\\\x01\xff é") == "\"a\\\"b\\n\\\\\\x01\\xff é\"");
  CHECK(gourl::json_syntax_error(R"({"a":[1,2.5e3,true,null,"x\u00e9"]})").empty());
  CHECK(gourl::json_syntax_error("") == "unexpected end of JSON input");
  CHECK(gourl::json_syntax_error("ok") == "invalid character 'o' looking for beginning of value");
  CHECK(gourl::json_syntax_error("{\"a\":1") == "unexpected end of JSON input");
  CHECK(gourl::json_syntax_error("{\"a\" 1}") == "invalid character '1' after object key");
  CHECK(gourl::json_syntax_error("{\"a\":1 x") == "invalid character 'x' after object key:value pair");
  CHECK(gourl::json_syntax_error("[1 2]") == "invalid character '2' after array element");
  CHECK(gourl::json_syntax_error("{} {}") == "invalid character '{' after top-level value");
  CHECK(gourl::json_syntax_error("tru") == "unexpected end of JSON input");
  CHECK(gourl::json_syntax_error("trux") == "invalid character 'x' in literal true (expecting 'e')");
  CHECK(gourl::json_syntax_error("-x") == "invalid character 'x' in numeric literal");
  CHECK(gourl::json_syntax_error("\"a\nb\"") == "invalid character '\\n' in string literal");
  CHECK(gourl::json_syntax_error("{'a':1}") == "invalid character '\\'' looking for beginning of object key string");
}

TEST_CASE("rocketchat: the default message, as the reference's PostMessage encodes") {
  auto cfg = load_team("  rocketchat_configs:\n  - token: t\n    token_id: i\n");
  auto msg = rocketchat_message(cfg.receivers[0].rocketchat_configs.at(0), *defaults(), disk_context(), disk_alerts());
  REQUIRE(msg);
  CHECK(msg->channel.empty());
  CHECK(msg->body ==
        R"j({"attachments":[{"title":"[FIRING:2] DiskFull (critical)","title_link":"http://am.example:9093/#/alerts?receiver=team","color":"red"}]})j"
        "\n");
  auto resolved = rocketchat_message(cfg.receivers[0].rocketchat_configs.at(0), *defaults(), disk_context(),
                                     disk_alerts(true));
  REQUIRE(resolved);
  CHECK(resolved->body.find(R"j("title":"[RESOLVED] DiskFull (critical)")j") != std::string::npos);
  CHECK(resolved->body.find(R"("color":"green")") != std::string::npos);
  CHECK(rocketchat_post_url(cfg.receivers[0].rocketchat_configs.at(0).api_url) ==
        "https://open.rocket.chat/api/v1/chat.postMessage");
}

TEST_CASE("rocketchat: every field templated, fields' short, buttons, the 1024-rune title") {
  auto cfg = load_team(R"yaml(  rocketchat_configs:
  - token: t
    token_id: i
    channel: '#ops-{{ .GroupLabels.alertname }}'
    title: '{{ .Status }} & more'
    title_link: 'http://x/{{ .GroupLabels.alertname }}'
    text: '{{ range .Alerts }}{{ .Annotations.summary }};{{ end }}'
    emoji: ':fire:'
    icon_url: 'http://icons/{{ .Status }}.png'
    image_url: 'http://img/1.png'
    thumb_url: 'http://img/t.png'
    color: '#{{ if eq .Status "firing" }}f00{{ end }}'
    short_fields: true
    fields:
    - title: 'Status'
      value: '{{ .Status }}'
    - title: 'Count'
      value: '{{ len .Alerts }}'
      short: false
    - value: ''
    actions:
    - type: link
      text: 'Open {{ .GroupLabels.alertname }}'
      url: 'http://am/{{ .GroupLabels.alertname }}'
      msg: 'ack'
    - text: 'Bare'
)yaml");
  auto msg = rocketchat_message(cfg.receivers[0].rocketchat_configs.at(0), *defaults(), disk_context(), disk_alerts());
  REQUIRE(msg);
  CHECK(msg->channel == "#ops-DiskFull");
  CHECK(msg->body ==
        R"({"channel":"#ops-DiskFull","emoji":":fire:","avatar":"http://icons/firing.png","attachments":[{)"
        R"("title":"firing \u0026 more","title_link":"http://x/DiskFull","text":"Disk \u003ca\u003e full;Disk b full;",)"
        R"("image_url":"http://img/1.png","thumb_url":"http://img/t.png","color":"#f00","fields":[)"
        R"({"short":true,"title":"Status","value":"firing"},{"short":false,"title":"Count","value":"2"},{"short":true}],)"
        R"("actions":[{"type":"button","text":"Open DiskFull","url":"http://am/DiskFull","is_webview":false,"msg":"ack","msg_in_chat_window":false},)"
        R"({"type":"button","text":"Bare","is_webview":false,"msg_in_chat_window":false}]}]})"
        "\n");

  config::RocketchatConfig c = cfg.receivers[0].rocketchat_configs.at(0);
  c.title = std::string(1100, 'x');
  auto long_title = rocketchat_message(c, *defaults(), disk_context(), disk_alerts());
  REQUIRE(long_title);
  CHECK(long_title->body.find("\"title\":\"" + std::string(1023, 'x') + "\xE2\x80\xA6\"") != std::string::npos);
  c.text = "{{ .Nope.Deeper }}";
  CHECK_FALSE(rocketchat_message(c, *defaults(), disk_context(), disk_alerts()));
}

TEST_CASE("rocketchat: answers: non-2xx, success false, no JSON") {
  auto check = [](int status, const std::string& body) {
    net::ClientResponse r;
    r.status = status;
    r.body = body;
    return rocketchat_check_response(r, "#ops");
  };
  CHECK(check(200, R"({"success":true})").ok);
  auto r = check(500, "down");
  CHECK((!r.ok && r.retry));
  CHECK(r.error == "channel \"#ops\": unexpected status code 500: down");
  r = check(429, "");
  CHECK((!r.ok && !r.retry));
  CHECK(r.error == "channel \"#ops\": unexpected status code 429");
  r = check(200, R"({"success":false,"error":"error-not-allowed"})");
  CHECK((!r.ok && !r.retry));
  CHECK(r.error == "channel \"#ops\": error response from Rocketchat: error-not-allowed");
  r = check(200, "ok");
  CHECK((!r.ok && r.retry));
  CHECK(r.error ==
        "channel \"#ops\": could not unmarshal JSON response \"ok\": invalid character 'o' looking for beginning of value");
  r = check(200, R"({"success":"yes"})");
  CHECK((!r.ok && r.retry));
  CHECK(r.error == "channel \"#ops\": could not unmarshal JSON response \"{\\\"success\\\":\\\"yes\\\"}\": json: cannot "
                   "unmarshal string into Go struct field response.success of type bool");
  r = check(200, "[]");
  CHECK(r.error == "channel \"#ops\": could not unmarshal JSON response \"[]\": json: cannot unmarshal array into Go "
                   "value of type rocketchat.response");
}

TEST_CASE("rocketchat: POST to chat.postMessage with the token headers; tokens from files") {
  Sink sink;
  sink.respond(200, "application/json", R"({"success":true})");
  const std::string token_path = tmp_file("rc-token", "file-token\n");
  const std::string id_path = tmp_file("rc-id", " file-id ");
  auto cfg = load_team("  rocketchat_configs:\n  - api_url: " + sink.url("/chat/") +
                           "\n    channel: '#ops'\n  - token_file: " + token_path + "\n    token_id_file: " + id_path +
                           "\n",
                       "global:\n  rocketchat_api_url: " + sink.url("/") + "\n  rocketchat_token: gt\n"
                       "  rocketchat_token_id: gid\n");
  const auto& rc = cfg.receivers[0];
  auto n0 = make_rocketchat(rc.rocketchat_configs.at(0), defaults());
  auto n1 = make_rocketchat(rc.rocketchat_configs.at(1), defaults());
  CHECK(n0->notify(disk_context(), disk_alerts()).ok);
  CHECK(n1->notify(disk_context(), disk_alerts()).ok);
  {
    std::lock_guard<std::mutex> l(sink.mu);
    REQUIRE(sink.got.size() == 2);
    CHECK(sink.got[0].method == "POST");
    CHECK(sink.got[0].path == "/chat/api/v1/chat.postMessage");
    CHECK(header(sink.got[0], "X-Auth-Token") == "gt");
    CHECK(header(sink.got[0], "X-User-Id") == "gid");
    CHECK(header(sink.got[0], "Content-Type") == "application/json");
    CHECK(sink.got[0].body.rfind(R"j({"channel":"#ops","attachments":[{"title":"[FIRING:2] DiskFull (critical)")j", 0) == 0);
    CHECK(sink.got[1].path == "/api/v1/chat.postMessage");
    CHECK(header(sink.got[1], "X-Auth-Token") == "file-token");
    CHECK(header(sink.got[1], "X-User-Id") == "file-id");
  }
  sink.respond(503, "text/plain", "busy");
  auto r = n0->notify(disk_context(), disk_alerts());
  CHECK((!r.ok && r.retry));
  CHECK(r.error == "channel \"#ops\": unexpected status code 503: busy");
  sink.respond(200, "application/json", R"({"success":false,"error":"no such room"})");
  r = n0->notify(disk_context(), disk_alerts());
  CHECK((!r.ok && !r.retry));

  config::RocketchatConfig broken = rc.rocketchat_configs.at(1);
  broken.token_file = "/tmp/h6/no-such-rc-token";
  r = make_rocketchat(broken, defaults())->notify(disk_context(), disk_alerts());
  CHECK_FALSE(r.ok);
  CHECK(r.error == "could not read /tmp/h6/no-such-rc-token: open /tmp/h6/no-such-rc-token: no such file or directory");
}

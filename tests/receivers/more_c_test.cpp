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
#include <map>

#include "receivers/go_text.hpp"
#include "receivers/incidentio/incidentio.hpp"
#include "receivers/rocketchat/rocketchat.hpp"
#include "receivers/integrations.hpp"
#include "receivers/jira/jira.hpp"
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

// ---- Jira ----

namespace {

// The flush of the upstream Jira tests: group key "1", one alert test/vm1.
NotifyContext jira_context() {
  NotifyContext c;
  c.receiver = "jira";
  c.group_key = "1";
  c.group_labels = LabelSet({{"alertname", "test"}});
  c.now = *parse_rfc3339("2026-01-01T12:00:00Z");
  c.external_url = "http://am.example:9093";
  return c;
}

AlertList jira_alerts(bool resolved, const char* severity = "critical") {
  auto a = std::make_shared<Alert>();
  a->labels = LabelSet({{"alertname", "test"}, {"instance", "vm1"}});
  if (severity != nullptr) a->labels = LabelSet({{"alertname", "test"}, {"instance", "vm1"}, {"severity", severity}});
  a->starts_at = *parse_rfc3339("2026-01-01T10:00:00Z");
  if (resolved) a->ends_at = *parse_rfc3339("2026-01-01T11:00:00Z");
  a->fingerprint = a->labels.fingerprint();
  return {a};
}

constexpr const char* kAlertLabel = "ALERT{6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b}";

std::string jira_yaml(const std::string& api_url, const std::string& extra = "") {
  return "  jira_configs:\n  - api_url: " + api_url +
         "\n    project: OPS\n    issue_type: Incident\n    description: '{{ .CommonLabels.instance }} <down>'\n"
         "    labels: [alertmanager, '{{ .GroupLabels.alertname }}']\n    reopen_transition: REOPEN\n"
         "    resolve_transition: CLOSE\n    wont_fix_resolution: WONTFIX\n    reopen_duration: 1h\n" +
         extra;
}

// A fake Jira: answers by "METHOD path", records every request.
struct FakeJira {
  std::mutex mu;
  std::vector<net::HttpRequest> got;
  std::map<std::string, std::pair<int, std::string>> answers;
  std::unique_ptr<net::test::RunningServer> server;

  FakeJira() {
    server = net::test::start_server([this](const net::HttpRequest& r) {
      std::lock_guard<std::mutex> l(mu);
      got.push_back(r);
      auto it = answers.find(r.method + " " + r.path);
      if (it == answers.end()) return net::HttpResponse{404, "text/plain", "no route " + r.method + " " + r.path, {}};
      return net::HttpResponse{it->second.first, "application/json", it->second.second, {}};
    });
    REQUIRE(server != nullptr);
  }
  void on(const std::string& route, int status, std::string body) {
    std::lock_guard<std::mutex> l(mu);
    answers[route] = {status, std::move(body)};
  }
  std::vector<std::string> routes() {
    std::lock_guard<std::mutex> l(mu);
    std::vector<std::string> out;
    for (const auto& r : got) out.push_back(r.method + " " + r.path);
    return out;
  }
};

}  // namespace

TEST_CASE("jira: the JQL of the upstream tests") {
  config::JiraConfig c;
  CHECK(jira_search_jql(c, "PROJ", "1", true) ==
        R"(statusCategory != Done and project="PROJ" and labels="ALERT{1}" order by status ASC,resolutiondate DESC)");
  CHECK(jira_search_jql(c, "PROJ", "1", false) ==
        R"(statusCategory != Done and project="PROJ" and labels="ALERT{1}" order by status ASC,resolutiondate DESC)");
  c.reopen_duration = std::chrono::minutes(60);
  c.reopen_transition = "REOPEN";
  CHECK(jira_search_jql(c, "PROJ", "1", true) ==
        R"((resolutiondate is EMPTY OR resolutiondate >= -60m) and project="PROJ" and labels="ALERT{1}" order by status ASC,resolutiondate DESC)");
  CHECK(jira_search_jql(c, "PROJ", "1", false) ==
        R"(statusCategory != Done and project="PROJ" and labels="ALERT{1}" order by status ASC,resolutiondate DESC)");
  c.wont_fix_resolution = "Won't \"Fix\"";
  CHECK(jira_search_jql(c, "P", "h", false) ==
        R"(resolution != "Won't \"Fix\"" and statusCategory != Done and project="P" and labels="ALERT{h}" order by status ASC,resolutiondate DESC)");
}

TEST_CASE("jira: the search endpoint (Cloud's v3 search/jql, v2 search elsewhere) and body") {
  // The cases of the upstream TestPrepareSearchRequest.
  CHECK(jira_search_url("https://example.atlassian.net/rest/api/2", "cloud") ==
        "https://example.atlassian.net/rest/api/3/search/jql");
  CHECK(jira_search_url("https://example.atlassian.net/rest/api/2", "auto") ==
        "https://example.atlassian.net/rest/api/3/search/jql");
  CHECK(jira_search_url("https://jira.example.com/rest/api/2", "auto") == "https://jira.example.com/rest/api/2/search");
  CHECK(jira_search_url("https://example.atlassian.net/rest/api/2", "datacenter") ==
        "https://example.atlassian.net/rest/api/2/search");
  CHECK(jira_search_url("https://jira.example.com/rest/api/2", "datacenter") ==
        "https://jira.example.com/rest/api/2/search");
  CHECK(jira_search_url("http://127.0.0.1:8080", "auto") == "http://127.0.0.1:8080/search");
  CHECK(jira_search_url("http://127.0.0.1:8080/rest/api/2", "cloud") == "http://127.0.0.1:8080/rest/api/3/search/jql");

  // api_type defaults to auto; anything else but cloud and datacenter is refused.
  auto cfg = load_team("  jira_configs:\n  - api_url: http://127.0.0.1:1/rest/api/2\n    project: OPS\n    issue_type: Bug\n");
  CHECK(cfg.receivers[0].jira_configs.at(0).api_type == "auto");
  auto bad = config::load_string("route:\n  receiver: team\nreceivers:\n- name: team\n  jira_configs:\n"
                                 "  - api_url: http://127.0.0.1:1/\n    project: OPS\n    issue_type: Bug\n"
                                 "    api_type: server\n",
                                 "test.yml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().find("unknown api_type on jira_config, must be auto, cloud or datacenter") != std::string::npos);
  CHECK(jira_search_body(R"(project=TEST and labels="ALERT{123}")") ==
        R"({"fields":["status"],"jql":"project=TEST and labels=\"ALERT{123}\"","maxResults":2})"
        "\n");
  CHECK(jira_transition_body("12345") == "{\"transition\":{\"id\":\"12345\"}}\n");
}

TEST_CASE("jira: go_float_text as encoding/json writes a float64") {
  CHECK(go_float_text(0) == "0");
  CHECK(go_float_text(1) == "1");
  CHECK(go_float_text(-2.5) == "-2.5");
  CHECK(go_float_text(123456789) == "123456789");
  CHECK(go_float_text(1e20) == "100000000000000000000");
  CHECK(go_float_text(1e21) == "1e+21");
  CHECK(go_float_text(1.5e-7) == "1.5e-7");
  CHECK(go_float_text(0.000001) == "0.000001");
}

TEST_CASE("jira: the issue body of the upstream 'create new issue' case, fields in Go's map order") {
  auto cfg = load_team(jira_yaml("http://127.0.0.1:1/rest/api/2"));
  auto body = jira_issue_body(cfg.receivers[0].jira_configs.at(0), *defaults(), jira_context(), jira_alerts(false));
  REQUIRE(body);
  CHECK(*body == std::string(R"j({"fields":{"description":"vm1 \u003cdown\u003e","issuetype":{"name":"Incident"},"labels":[")j") +
                     kAlertLabel +
                     R"j(","alertmanager","test"],"priority":{"name":"High"},"project":{"key":"OPS"},"summary":"[FIRING:1] test (vm1 critical)"}})j"
                     "\n");
  // No severity: no priority at all; a resolved group renders its own summary.
  body = jira_issue_body(cfg.receivers[0].jira_configs.at(0), *defaults(), jira_context(), jira_alerts(true, nullptr));
  REQUIRE(body);
  CHECK(body->find("priority") == std::string::npos);
  CHECK(body->find(R"j("summary":"[RESOLVED] test (vm1)")j") != std::string::npos);
}

TEST_CASE("jira: custom fields of the upstream test, templated and re-read as YAML") {
  auto cfg = load_team(jira_yaml("http://127.0.0.1:1/rest/api/2", R"yaml(    summary: '{{ .Status }}'
    priority: ''
    fields:
      components: {name: Monitoring}
      customfield_10001: value
      customfield_10002: 0
      customfield_10003: [0]
      customfield_10004: {value: red}
      customfield_10005: {value: 0}
      customfield_10006: [{value: red}, {value: blue}, {value: green}]
      customfield_10007: [{value: red}, {value: blue}, {value: 0}]
      customfield_10008: [{value: 0}, {value: 1}, {value: 2}]
      customfield_20001: '{{ .CommonLabels.instance }}'
      customfield_20002: '{{ len .Alerts }}'
      customfield_20003: 'yes'
      customfield_20004: ''
      customfield_20005: 1.5e-7
      customfield_20006: '[a, "{{ .Status }}"]'
      customfield_20007: {'{{ .Status }}': 'x & y', 1: dropped}
      summary: overridden
)yaml"));
  auto body = jira_issue_body(cfg.receivers[0].jira_configs.at(0), *defaults(), jira_context(), jira_alerts(false));
  REQUIRE(body);
  CHECK(*body ==
        std::string(R"j({"fields":{"components":{"name":"Monitoring"},"customfield_10001":"value","customfield_10002":0,)j"
                    R"j("customfield_10003":[0],"customfield_10004":{"value":"red"},"customfield_10005":{"value":0},)j"
                    R"j("customfield_10006":[{"value":"red"},{"value":"blue"},{"value":"green"}],)j"
                    R"j("customfield_10007":[{"value":"red"},{"value":"blue"},{"value":0}],)j"
                    R"j("customfield_10008":[{"value":0},{"value":1},{"value":2}],"customfield_20001":"vm1",)j"
                    R"j("customfield_20002":1,"customfield_20003":true,"customfield_20004":null,"customfield_20005":1.5e-7,)j"
                    R"j("customfield_20006":["a","firing"],"customfield_20007":{"firing":"x \u0026 y"},)j"
                    R"j("description":"vm1 \u003cdown\u003e","issuetype":{"name":"Incident"},"labels":[")j") +
            kAlertLabel + R"j(","alertmanager","test"],"project":{"key":"OPS"},"summary":"overridden"}})j" "\n");
}

TEST_CASE("jira: summary cut at 255 runes, ADF description on API v3, template errors named") {
  auto cfg = load_team(jira_yaml("http://127.0.0.1:1/rest/api/2"));
  config::JiraConfig c = cfg.receivers[0].jira_configs.at(0);
  c.summary = std::string(265, 'A');
  auto body = jira_issue_body(c, *defaults(), jira_context(), jira_alerts(false));
  REQUIRE(body);
  CHECK(body->find("\"summary\":\"" + std::string(254, 'A') + "\xE2\x80\xA6\"") != std::string::npos);

  c = cfg.receivers[0].jira_configs.at(0);
  c.api_url = "https://acme.atlassian.net/rest/api/3";
  c.description =
      R"({"version":1,"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"{{ .CommonLabels.instance }}"}]}]})";
  body = jira_issue_body(c, *defaults(), jira_context(), jira_alerts(false));
  REQUIRE(body);
  CHECK(body->rfind(
            R"j({"fields":{"description":{"content":[{"content":[{"text":"vm1","type":"text"}],"type":"paragraph"}],"type":"doc","version":1},"issuetype")j",
            0) == 0);
  c.description = "not json";
  body = jira_issue_body(c, *defaults(), jira_context(), jira_alerts(false));
  REQUIRE_FALSE(body);
  CHECK(body.error() == "description unmarshaling: invalid character 'o' in literal null (expecting 'u')");

  for (auto [field, prefix] : std::vector<std::pair<std::string config::JiraConfig::*, const char*>>{
           {&config::JiraConfig::summary, "summary template: "},
           {&config::JiraConfig::project, "project template: "},
           {&config::JiraConfig::issue_type, "issue_type template: "},
           {&config::JiraConfig::description, "description template: "},
           {&config::JiraConfig::priority, "priority template: "}}) {
    config::JiraConfig broken = cfg.receivers[0].jira_configs.at(0);
    broken.*field = "{{ ";
    auto r = jira_issue_body(broken, *defaults(), jira_context(), jira_alerts(false));
    REQUIRE_FALSE(r);
    CHECK(r.error().rfind(prefix, 0) == 0);
  }
  config::JiraConfig broken = cfg.receivers[0].jira_configs.at(0);
  broken.labels = {"ok", "{{ "};
  auto r = jira_issue_body(broken, *defaults(), jira_context(), jira_alerts(false));
  REQUIRE_FALSE(r);
  CHECK(r.error().rfind("labels[1] template: ", 0) == 0);
}

TEST_CASE("jira: search then create") {
  FakeJira jira;
  jira.on("POST /search", 200, R"({"total": 0, "issues": []})");
  jira.on("POST /issue", 201, R"({"id":"10000","key":"OPS-9"})");
  auto cfg = load_team(jira_yaml(jira.server->base()));
  auto n = make_jira(cfg.receivers[0].jira_configs.at(0), defaults());
  auto r = n->notify(jira_context(), jira_alerts(false));
  CHECK(r.ok);
  CHECK(jira.routes() == std::vector<std::string>{"POST /search", "POST /issue"});
  std::lock_guard<std::mutex> l(jira.mu);
  REQUIRE(jira.got.size() == 2);
  CHECK(jira.got[0].body ==
        jira_search_body(std::string(R"(resolution != "WONTFIX" and (resolutiondate is EMPTY OR resolutiondate >= -60m) and project="OPS" and labels=")") +
                         kAlertLabel + R"(" order by status ASC,resolutiondate DESC)"));
  CHECK(header(jira.got[0], "Accept-Language") == "en");
  CHECK(header(jira.got[0], "Content-Type") == "application/json");
  CHECK(jira.got[1].body ==
        *jira_issue_body(cfg.receivers[0].jira_configs.at(0), *defaults(), jira_context(), jira_alerts(false)));
  CHECK(header(jira.got[1], "Accept-Language") == "en");
}

TEST_CASE("jira: a resolved group without an issue sends nothing more") {
  FakeJira jira;
  jira.on("POST /search", 200, R"({"issues": []})");
  auto cfg = load_team(jira_yaml(jira.server->base()));
  auto r = make_jira(cfg.receivers[0].jira_configs.at(0), defaults())->notify(jira_context(), jira_alerts(true));
  CHECK(r.ok);
  CHECK(jira.routes() == std::vector<std::string>{"POST /search"});
  std::lock_guard<std::mutex> l(jira.mu);
  CHECK(jira.got[0].body.find("statusCategory != Done") != std::string::npos);
}

TEST_CASE("jira: search then update, and a done issue that fires again is reopened") {
  FakeJira jira;
  jira.on("POST /search", 200,
          R"({"issues":[{"key":"OPS-1","fields":{"status":{"name":"Closed","statusCategory":{"key":"done"}}}}]})");
  jira.on("PUT /issue/OPS-1", 204, "");
  jira.on("GET /issue/OPS-1/transitions", 200, R"({"transitions":[{"id":"1","name":"Other"},{"id":"12345","name":"REOPEN"}]})");
  jira.on("POST /issue/OPS-1/transitions", 204, "");
  auto cfg = load_team(jira_yaml(jira.server->base()));
  auto n = make_jira(cfg.receivers[0].jira_configs.at(0), defaults());
  CHECK(n->notify(jira_context(), jira_alerts(false)).ok);
  CHECK(jira.routes() == std::vector<std::string>{"POST /search", "PUT /issue/OPS-1", "GET /issue/OPS-1/transitions",
                                                  "POST /issue/OPS-1/transitions"});
  std::lock_guard<std::mutex> l(jira.mu);
  CHECK(jira.got[1].body ==
        *jira_issue_body(cfg.receivers[0].jira_configs.at(0), *defaults(), jira_context(), jira_alerts(false)));
  CHECK(jira.got[2].body.empty());
  CHECK(jira.got[3].body == "{\"transition\":{\"id\":\"12345\"}}\n");
}

TEST_CASE("jira: an open issue whose alerts are resolved is updated and resolved; one already open and firing is only updated") {
  FakeJira jira;
  jira.on("POST /search", 200,
          R"({"issues":[{"key":"OPS-2","fields":{"status":{"name":"Open","statusCategory":{"key":"new"}}}}]})");
  jira.on("PUT /issue/OPS-2", 204, "");
  jira.on("GET /issue/OPS-2/transitions", 200, R"({"transitions":[{"id":"54321","name":"CLOSE"}]})");
  jira.on("POST /issue/OPS-2/transitions", 204, "");
  auto cfg = load_team(jira_yaml(jira.server->base()));
  auto n = make_jira(cfg.receivers[0].jira_configs.at(0), defaults());
  CHECK(n->notify(jira_context(), jira_alerts(true)).ok);
  CHECK(jira.routes() == std::vector<std::string>{"POST /search", "PUT /issue/OPS-2", "GET /issue/OPS-2/transitions",
                                                  "POST /issue/OPS-2/transitions"});
  {
    std::lock_guard<std::mutex> l(jira.mu);
    CHECK(jira.got[3].body == "{\"transition\":{\"id\":\"54321\"}}\n");
    jira.got.clear();
  }
  CHECK(n->notify(jira_context(), jira_alerts(false)).ok);
  CHECK(jira.routes() == std::vector<std::string>{"POST /search", "PUT /issue/OPS-2"});
}

TEST_CASE("jira: a missing transition, and which failures are retried") {
  FakeJira jira;
  jira.on("POST /search", 200,
          R"({"issues":[{"key":"OPS-3","fields":{"status":{"name":"Open","statusCategory":{"key":"open"}}}}]})");
  jira.on("PUT /issue/OPS-3", 204, "");
  jira.on("GET /issue/OPS-3/transitions", 200, R"({"transitions":[]})");
  auto cfg = load_team(jira_yaml(jira.server->base()));
  auto n = make_jira(cfg.receivers[0].jira_configs.at(0), defaults());
  auto r = n->notify(jira_context(), jira_alerts(true));
  CHECK((!r.ok && !r.retry));
  CHECK(r.error == "can't find transition CLOSE for issue OPS-3");

  jira.on("POST /search", 500, "boom");
  r = n->notify(jira_context(), jira_alerts(false));
  CHECK((!r.ok && r.retry));
  CHECK(r.error == "failed to look up existing issues: HTTP request to JIRA API: unexpected status code 500: boom");
  jira.on("POST /search", 429, "");
  r = n->notify(jira_context(), jira_alerts(false));
  CHECK((!r.ok && r.retry));
  CHECK(r.error == "failed to look up existing issues: HTTP request to JIRA API: unexpected status code 429");
  jira.on("POST /search", 401, "denied");
  r = n->notify(jira_context(), jira_alerts(false));
  CHECK((!r.ok && !r.retry));
  jira.on("POST /search", 200, "<html>");
  r = n->notify(jira_context(), jira_alerts(false));
  CHECK((!r.ok && !r.retry));
  CHECK(r.error == "failed to look up existing issues: invalid character '<' looking for beginning of value");

  jira.on("POST /search", 200, R"({"issues":[]})");
  jira.on("POST /issue", 400, R"({"errors":{"priority":"bad"}})");
  r = n->notify(jira_context(), jira_alerts(false));
  CHECK((!r.ok && !r.retry));
  CHECK(r.error == R"(failed to POST request to "issue": unexpected status code 400: {"errors":{"priority":"bad"}})");
  jira.on("POST /issue", 503, "later");
  r = n->notify(jira_context(), jira_alerts(false));
  CHECK((!r.ok && r.retry));
  CHECK(r.error == R"(failed to POST request to "issue": unexpected status code 503: later)");
}

TEST_CASE("jira and rocketchat: receivers using them are no longer refused") {
  auto cfg = load_team("  jira_configs:\n  - api_url: http://127.0.0.1:1/rest/api/2\n    project: OPS\n"
                       "    issue_type: Bug\n  rocketchat_configs:\n  - token: t\n    token_id: i\n"
                       "  incidentio_configs:\n  - url: http://127.0.0.1:1/x\n");
  CHECK(cfg.receivers[0].unsupported_integrations().empty());
  auto built = build_integrations(cfg.receivers[0], cfg, nullptr);
  REQUIRE(built);
  REQUIRE(built->size() == 3);
  CHECK((*built)[0].name == "jira");
  CHECK((*built)[0].send_resolved);
  CHECK((*built)[1].name == "rocketchat");
  CHECK_FALSE((*built)[1].send_resolved);
  CHECK((*built)[2].name == "incidentio");
}

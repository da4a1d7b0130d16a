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

#include "receivers/incidentio/incidentio.hpp"
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

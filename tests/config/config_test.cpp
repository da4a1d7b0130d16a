// config_test.cpp: unit tests of src/config: good and bad snippets, defaults, inheritance, to_yaml.
#include <doctest/doctest.h>

#include "config/config.hpp"

using namespace tocsin::config;

// The failure text of a Result, or "" when it holds a value: doctest evaluates a _MESSAGE's text even
// when the check passes (it prints it under -s), and error() on a success throws bad_variant_access.
template <class R>
static std::string why(const R& r) {
  return r.ok() ? std::string() : r.error();
}

TEST_CASE("minimal config loads") {
  auto c = load_string("route:\n  receiver: a\nreceivers:\n- name: a\n", "x.yml");
  REQUIRE_MESSAGE(c.ok(), why(c));
}

#include <fstream>
#include <sstream>

static std::string read_all(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Each fixture NAME.yml has NAME.golden.yml: what Alertmanager 0.25's /api/v2/status printed for it.
TEST_CASE("to_yaml matches the reference's output for the fixtures") {
  for (const char* name : {"full", "integrations", "quoting", "time_intervals"}) {
    std::string dir = TOCSIN_SOURCE_DIR "/tests/config/fixtures/";
    auto c = load_string(read_all(dir + name + ".yml"), name);
    REQUIRE_MESSAGE(c.ok(), why(c));
    std::string got = to_yaml(*c);
    std::string want = read_all(dir + name + ".golden.yml");
    if (got != want) std::ofstream(std::string("/tmp/") + name + ".got.yml") << got;
    CHECK_MESSAGE(got == want, name);
  }
}

namespace {

const char* kBase = "route:\n  receiver: a\nreceivers:\n- name: a\n";

std::string err_of(const std::string& yaml) {
  auto c = load_string(yaml, "am.yml");
  return c.ok() ? std::string("<ok>") : c.error();
}

void expect_error(const std::string& yaml, const std::string& want) {
  std::string e = err_of(yaml);
  INFO("yaml:\n" << yaml << "\nerror: " << e);
  CHECK(e.find(want) != std::string::npos);
}

}  // namespace

TEST_CASE("bad configs name the reason, the path and the line") {
  expect_error("", "no route provided in config");
  expect_error("receivers:\n- name: a\n", "no routes provided");
  expect_error("route:\n  receiver: b\nreceivers:\n- name: a\n", R"(undefined receiver "b" used in route)");
  expect_error(std::string(kBase) + "- name: a\n", R"(notification config name "a" is not unique)");
  expect_error("route:\n  group_by: [a]\nreceivers:\n- name: a\n", "root route must specify a default receiver");
  expect_error("route:\n  receiver: a\n  match: {a: b}\nreceivers:\n- name: a\n", "root route must not have any matchers");
  expect_error("route:\n  receiver: a\n  continue: true\nreceivers:\n- name: a\n", "cannot have continue in root route");
  expect_error("route:\n  receiver: a\n  group_by: ['...', x]\nreceivers:\n- name: a\n",
               "cannot have wildcard group_by (`...`) and other labels at the same time");
  expect_error("route:\n  receiver: a\n  group_by: ['a-b']\nreceivers:\n- name: a\n", R"(invalid label name "a-b" in group_by list)");
  expect_error("route:\n  receiver: a\n  group_by: [x, x]\nreceivers:\n- name: a\n", R"(duplicated label "x" in group_by)");
  expect_error("route:\n  receiver: a\n  group_interval: 0s\nreceivers:\n- name: a\n", "group_interval cannot be zero");
  expect_error("route:\n  receiver: a\n  repeat_interval: 0\nreceivers:\n- name: a\n", "repeat_interval cannot be zero");
  expect_error("route:\n  receiver: a\n  group_wait: 5x\nreceivers:\n- name: a\n", "route.group_wait: not a valid duration string");
  expect_error("route:\n  receiver: a\n  group_wait: ''\nreceivers:\n- name: a\n", "route.group_wait: empty duration string");
  expect_error("route:\n  receiver: a\n  group_wait: 99999999y\nreceivers:\n- name: a\n", "duration out of range");
  // go-yaml names the anchor that contains itself; yaml-cpp does not, so it is read from the text.
  expect_error("route: &rt {receiver: a, routes: [*rt]}\nreceivers:\n- name: a\n", "yaml: anchor 'rt' value contains itself");
  expect_error("route: &r\n  receiver: a\n  routes:\n  - *r\nreceivers:\n- name: a\n", "yaml: anchor 'r' value contains itself");
  expect_error("route:\n  receiver: a\n  routes:\n  - mute_time_intervals: [nope]\nreceivers:\n- name: a\n",
               R"(undefined time interval "nope" used in route)");
  expect_error("route:\n  receiver: a\n  mute_time_intervals: [x]\nreceivers:\n- name: a\ntime_intervals:\n- name: x\n",
               "root route must not have any mute time intervals");
  expect_error(std::string(kBase) + "  webhook_configs:\n  - urll: http://x\n", "receivers[0].webhook_configs[0].urll: unknown field");
  expect_error(std::string(kBase) + "  webhook_configs:\n  - send_resolved: true\n", "one of url or url_file must be configured");
  expect_error(std::string(kBase) + "  webhook_configs:\n  - url: ftp://x\n", R"(unsupported scheme "ftp" for URL)");
  expect_error(std::string(kBase) + "  webhook_configs:\n  - url: http://x\n    url_file: /f\n", "at most one of url & url_file must be configured");
  expect_error(std::string(kBase) + "  webhook_configs:\n  - url: http://x\n    max_alerts: -1\n", "cannot unmarshal !!int `-1` into uint64");
  expect_error(std::string(kBase) + "  email_configs:\n  - from: a@b\n", "missing to address in email config");
  expect_error(std::string(kBase) + "  email_configs:\n  - to: a@b\n", "no global SMTP smarthost set");
  expect_error(std::string(kBase) + "  pagerduty_configs:\n  - severity: x\n", "missing service or routing key in PagerDuty config");
  expect_error(std::string(kBase) + "  slack_configs:\n  - channel: x\n", "no global Slack API URL set either inline or in a file");
  expect_error(std::string(kBase) + "  opsgenie_configs:\n  - message: x\n", "no global OpsGenie API Key set");
  expect_error(std::string(kBase) + "  telegram_configs:\n  - bot_token: x\n", "missing chat_id on telegram_config");
  expect_error(std::string(kBase) + "  victorops_configs:\n  - api_key: x\n", "missing Routing key in VictorOps config");
  expect_error(std::string(kBase) + "  pushover_configs:\n  - token: x\n", "one of user_key or user_key_file must be configured");
  expect_error(std::string(kBase) + "  webex_configs:\n  - room_id: x\n", "missing webex_configs.http_config.authorization");
  expect_error(std::string(kBase) + "  jira_configs:\n  - project: x\n", "missing issue_type in jira_config");
  expect_error(std::string(kBase) + "  msteams_configs:\n  - title: x\n", "one of webhook_url or webhook_url_file must be configured");
  expect_error(std::string(kBase) + "  sns_configs:\n  - subject: x\n", "must provide either a Target ARN, Topic ARN, or Phone Number");
  expect_error(std::string(kBase) + "  webhook_configs:\n  - url: http://x\n    http_config:\n      basic_auth: {username: u}\n      bearer_token: t\n",
               "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
  expect_error(std::string(kBase) + "  webhook_configs:\n  - url: http://x\n    http_config:\n      basic_auth: {username: u, password: p, password_file: f}\n",
               "at most one of basic_auth password & password_file must be configured");
  expect_error(std::string(kBase) + "  webhook_configs:\n  - url: http://x\n    http_config:\n      authorization: {type: basic}\n",
               R"(authorization type cannot be set to "basic")");
  expect_error(std::string(kBase) + "global:\n  slack_api_url: http://x\n  slack_api_url_file: /y\n",
               "at most one of slack_api_url & slack_api_url_file must be configured");
  expect_error(std::string(kBase) + "global:\n  smtp_smarthost: localhost\n", "missing port in address");
  expect_error(std::string(kBase) + "global:\n  resolve_timeout: x\n", "global.resolve_timeout");
  expect_error(std::string(kBase) + "bogus: 1\n", R"(bogus: unknown field "bogus")");
  expect_error(std::string(kBase) + "receivers:\n- name: b\n", R"(key "receivers" already set in map)");
  expect_error("route:\n  receiver: a\nreceivers:\n- webhook_configs: []\n", "missing name in receiver");
  expect_error(std::string(kBase) + "inhibit_rules:\n- source_match: {'a-b': x}\n", R"(invalid label name "a-b")");
  expect_error(std::string(kBase) + "inhibit_rules:\n- equal: ['a b']\n", R"(invalid label name "a b" in equal list)");
  expect_error(std::string(kBase) + "time_intervals:\n- time_intervals: []\n", "missing name in time interval");
  expect_error(std::string(kBase) + "time_intervals:\n- name: x\n- name: x\n", R"(time interval "x" is not unique)");
  expect_error(std::string(kBase) + "time_intervals:\n- name: x\n  time_intervals:\n  - months: [jan]\n", "jan is not a valid month");
  expect_error(std::string(kBase) + "time_intervals:\n- name: x\n  time_intervals:\n  - weekdays: ['friday:monday']\n",
               "start day cannot be before end day");
  expect_error(std::string(kBase) + "time_intervals:\n- name: x\n  time_intervals:\n  - days_of_month: ['0']\n",
               "0 is not a valid day of the month: out of range");
  expect_error(std::string(kBase) + "time_intervals:\n- name: x\n  time_intervals:\n  - days_of_month: ['-1:5']\n",
               "end day must be negative if start day is negative");
  expect_error(std::string(kBase) + "time_intervals:\n- name: x\n  time_intervals:\n  - times: [{start_time: '10:00', end_time: '09:00'}]\n",
               "start time cannot be equal or greater than end time");
  expect_error(std::string(kBase) + "time_intervals:\n- name: x\n  time_intervals:\n  - times: [{start_time: '25:00', end_time: '26:00'}]\n",
               "couldn't parse timestamp 25:00, invalid format");
  expect_error(std::string(kBase) + "time_intervals:\n- name: x\n  time_intervals:\n  - location: Mars/Olympus\n",
               "unknown time zone Mars/Olympus");
  expect_error(std::string(kBase) + "time_intervals:\n- name: x\n  time_intervals:\n  - years: ['2025:2020']\n",
               "end year 2020 is before start year 2025");
}

TEST_CASE("error messages carry file, line and path") {
  std::string e = err_of("route:\n  receiver: a\nreceivers:\n- name: a\n  webhook_configs:\n  - url: http://x\n    bad: 1\n");
  CHECK(e.find("receivers[0].webhook_configs[0].bad") != std::string::npos);
  CHECK(e.find("am.yml:7") != std::string::npos);
}

TEST_CASE("route children inherit receiver, grouping and timers; keys and ids") {
  auto c = load_string(R"(
route:
  receiver: a
  group_by: [alertname]
  group_wait: 10s
  routes:
  - matchers: ['team="x"']
    group_interval: 1m
    routes:
    - match: {sev: crit}
      receiver: b
  - match_re: {svc: 'db|api'}
    group_by: ['...']
receivers:
- name: a
- name: b
)",
                       "am.yml");
  REQUIRE_MESSAGE(c.ok(), why(c));
  const Route& root = *c->route;
  CHECK(root.group_wait == std::chrono::seconds(10));
  CHECK(root.group_interval == std::chrono::minutes(5));
  CHECK(root.repeat_interval == std::chrono::hours(4));
  CHECK(root.key() == "{}");
  const Route& r0 = *root.routes[0];
  CHECK(r0.receiver == "a");
  CHECK(r0.group_by == std::vector<std::string>{"alertname"});
  CHECK(r0.group_wait == std::chrono::seconds(10));
  CHECK(r0.group_interval == std::chrono::minutes(1));
  CHECK(r0.key() == "{}/{team=\"x\"}");
  CHECK(r0.id() == "{}/{team=\"x\"}/0");
  const Route& r00 = *r0.routes[0];
  CHECK(r00.receiver == "b");
  CHECK(r00.group_interval == std::chrono::minutes(1));
  CHECK(r00.key() == "{}/{team=\"x\"}/{sev=\"crit\"}");
  CHECK(r00.id() == "{}/{team=\"x\"}/0/{sev=\"crit\"}/0");
  const Route& r1 = *root.routes[1];
  CHECK(r1.group_by_all);
  CHECK(r1.id() == "{}/{svc=~\"^(?:db|api)$\"}/1");  // match_re anchored, as in the key
  REQUIRE(r1.matchers.size() == 1);
  CHECK(r1.matchers[0].matches("db"));
  CHECK_FALSE(r1.matchers[0].matches("xdb"));  // match_re is anchored
}

TEST_CASE("defaults and global fallbacks") {
  auto c = load_string(R"(
global:
  smtp_smarthost: mail:25
  smtp_from: am@x
  smtp_auth_password: pw
  slack_api_url: https://hooks.slack.com/x
  http_config:
    bearer_token: tok
route:
  receiver: a
receivers:
- name: a
  email_configs: [{to: o@x}]
  slack_configs: [{channel: '#c'}]
  pagerduty_configs: [{service_key: k}]
  webhook_configs: [{url: 'http://h/'}]
  opsgenie_configs: [{api_key: k, api_url: 'https://og.example/v2'}]
)",
                       "am.yml");
  REQUIRE_MESSAGE(c.ok(), why(c));
  CHECK(c->global.resolve_timeout == std::chrono::minutes(5));
  CHECK(c->global.smtp_hello == "localhost");
  const Receiver& r = c->receivers[0];
  CHECK(r.email_configs[0].smarthost == "mail:25");
  CHECK(r.email_configs[0].auth_password.value() == "pw");
  CHECK(r.email_configs[0].require_tls);
  CHECK_FALSE(r.email_configs[0].send_resolved);
  CHECK(r.email_configs[0].headers.at("Subject") == kDefaultEmailSubject);
  CHECK(r.slack_configs[0].api_url.value() == "https://hooks.slack.com/x");
  CHECK(r.slack_configs[0].title == R"({{ template "slack.default.title" . }})");
  CHECK(r.pagerduty_configs[0].url == "https://events.pagerduty.com/v2/enqueue");
  CHECK(r.pagerduty_configs[0].details.size() == 4);
  CHECK(r.pagerduty_configs[0].source == r.pagerduty_configs[0].client);
  CHECK(r.webhook_configs[0].send_resolved);
  REQUIRE(r.webhook_configs[0].http_config.authorization);
  CHECK(r.webhook_configs[0].http_config.authorization->type == "Bearer");
  CHECK(r.webhook_configs[0].http_config.authorization->credentials.value() == "tok");
  CHECK(r.opsgenie_configs[0].api_url == "https://og.example/v2/");
  CHECK(r.unsupported_integrations().empty());  // opsgenie is implemented
  std::string y = to_yaml(*c);
  CHECK(y.find("pw") == std::string::npos);
  CHECK(y.find("tok") == std::string::npos);
  CHECK(y.find("hooks.slack.com") == std::string::npos);
  CHECK(y.find("auth_password: <secret>") != std::string::npos);
}

TEST_CASE("matchers use the UTF-8 parser and sort like the reference") {
  auto c = load_string("route:\n  receiver: a\n  routes:\n  - matchers: ['b=\"2\"', 'a=~\"x|y\"', '{c!=3}']\nreceivers:\n- name: a\n", "am.yml");
  REQUIRE_MESSAGE(c.ok(), why(c));
  const auto& ms = c->route->routes[0]->matchers;
  REQUIRE(ms.size() == 3);
  CHECK(ms[0].name() == "a");
  CHECK(ms[1].name() == "b");
  CHECK(ms[2].name() == "c");
}

TEST_CASE("check_config_report mirrors amtool") {
  std::string p = TOCSIN_SOURCE_DIR "/tests/config/fixtures/full.yml";
  bool ok = false;
  std::string rep = check_config_report(p, &ok);
  CHECK(ok);
  CHECK(rep == "Checking '" + p + "'  SUCCESS\nFound:\n - global config\n - route\n - 1 inhibit rules\n - 2 receivers\n - 1 templates\n  SUCCESS\n\n");
  auto bad = load_string("", "x.yml");
  CHECK(check_config_report("x.yml", bad).rfind("Checking 'x.yml'  FAILED: ", 0) == 0);
}

TEST_CASE("templates are joined with the file's directory") {
  auto c = load_file(TOCSIN_SOURCE_DIR "/tests/config/fixtures/full.yml");
  REQUIRE_MESSAGE(c.ok(), why(c));
  CHECK(c->templates[0] == TOCSIN_SOURCE_DIR "/tests/config/fixtures/t/*.tmpl");
}

#include <filesystem>

// tests/config/fixtures/diff: configurations checked side by side with the reference (amtool
// check-config 0.25, see tests/integration/test_config_diff.py). The first line says what tocsin does:
//   # expect: ok          both accept it
//   # expect: ok-newer    tocsin accepts it (schema of newer releases), 0.25 refuses it
//   # expect: error TEXT  both refuse it; tocsin's message holds TEXT (the field's path and why) and the file
// Template errors are found by check-config, not by the loader: those fixtures are skipped here.
TEST_CASE("diff fixtures: accepted and refused as the reference does, with the field and the reason") {
  const std::string dir = TOCSIN_SOURCE_DIR "/tests/config/fixtures/diff";
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".yml") continue;
    const std::string text = read_all(e.path().string());
    const std::string first = text.substr(0, text.find('\n'));
    REQUIRE_MESSAGE(first.rfind("# expect: ", 0) == 0, e.path().string());
    const std::string expect = first.substr(10);
    if (expect.rfind("error template:", 0) == 0) continue;
    auto c = load_file(e.path().string());
    CAPTURE(e.path().filename().string());
    if (expect == "ok" || expect == "ok-newer") {
      CHECK_MESSAGE(c.ok(), why(c));
    } else {
      REQUIRE(expect.rfind("error ", 0) == 0);
      REQUIRE_FALSE(c.ok());
      CHECK_MESSAGE(c.error().find(expect.substr(6)) != std::string::npos, c.error());
      CHECK_MESSAGE(c.error().find(e.path().filename().string()) != std::string::npos, c.error());
    }
    ++n;
  }
  CHECK(n >= 100);
}

TEST_CASE("route keys print match_re values anchored, as 0.25's Route.Key() (the group keys start with them)") {
  auto c = load_string(
      "route:\n  receiver: r\n  routes:\n  - match_re: {z: '.*', a: 'b|c'}\n    match: {a: 'Z'}\n"
      "    routes:\n    - matchers: ['y=~\"q\"', 'x!=\"w\"']\n"
      "receivers:\n- name: r\n",
      "k.yml");
  REQUIRE_MESSAGE(c.ok(), why(c));
  const Route& child = *c->route->routes[0];
  CHECK(child.key() == R"({}/{a="Z",a=~"^(?:b|c)$",z=~"^(?:.*)$"})");
  CHECK(child.routes[0]->key() == R"({}/{a="Z",a=~"^(?:b|c)$",z=~"^(?:.*)$"}/{x!="w",y=~"q"})");
}

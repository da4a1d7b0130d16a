// funcs_test.cpp: Alertmanager's template functions and data model. Expected strings were recorded from
// `amtool template render` (0.25) on tests/template/data/firing_and_resolved.json, or from Go 1.19 for
// the functions later Alertmanager releases added (tz, date, since, humanizeDuration, toJson).
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "template/data.hpp"
#include "template/template.hpp"

using namespace tocsin::tmpl;

namespace {

Value firing_data() {
  std::ifstream f(std::string(TOCSIN_SOURCE_DIR) + "/tests/template/data/firing_and_resolved.json");
  std::stringstream ss;
  ss << f.rdbuf();
  auto d = data_from_json(ss.str());
  REQUIRE_MESSAGE(d.ok(), d.error());
  return make_data(*d);
}

std::string render(const std::string& text, bool html = false) {
  static Templates t = *Templates::with_defaults();
  auto r = html ? t.execute_html(text, firing_data()) : t.execute_text(text, firing_data());
  return r.ok() ? *r : "ERR " + r.error();
}

}  // namespace

TEST_CASE("string functions") {
  CHECK(render("{{ toUpper \"abc é\" }}|{{ toLower \"ÀBC\" }}|{{ title \"hello wORLD foo-bar it's 3rd\" }}") ==
        "ABC É|àbc|Hello World Foo-Bar It's 3Rd");
  CHECK(render("{{ join \", \" .CommonLabels.Names }}|{{ match \"^Disk\" .CommonLabels.alertname }}|{{ match \"x+\" \"abc\" }}") ==
        "alertname, severity|true|false");
  CHECK(render("{{ trimSpace \"  a b \\n\" }}|{{ \"%41\" | urlUnescape }}") == "a b|A");
}

TEST_CASE("reReplaceAll expands Go's $1, ${1} and $name") {
  CHECK(render("{{ reReplaceAll \"(\\\\w+):(\\\\d+)\" \"$2-${1}x$1x\" \"host:9100 other:80\" }}|"
               "{{ reReplaceAll \"a*\" \"-\" \"baaac\" }}|{{ reReplaceAll \"(?P<h>[a-z]+)\" \"[$h]\" \"ab cd\" }}") ==
        "9100-hostx 80-otherx|-b-c-|[ab] [cd]");
  CHECK(render("{{ reReplaceAll \"(\" \"x\" \"y\" }}") ==
        "ERR template: :1:3: executing \"\" at <reReplaceAll \"(\" \"x\" \"y\">: error calling reReplaceAll: regexp: "
        "Compile(`(`): error parsing regexp: missing closing ): `(`");
}

TEST_CASE("KV, Pairs and Alerts methods") {
  CHECK(render("{{ stringSlice \"a\" \"b\" | join \"+\" }}|{{ .CommonLabels.Remove (stringSlice \"alertname\") }}|"
               "{{ .CommonLabels.SortedPairs }}") ==
        "a+b|map[severity:critical]|[{alertname DiskFull} {severity critical}]");
  CHECK(render("{{ .Alerts.Firing | len }} {{ .Alerts.Resolved | len }} {{ index .CommonLabels \"nope\" }}|"
               "{{ .CommonLabels.nope }}|") == "2 1 ||");
  CHECK(render("{{ .GroupLabels }}|{{ (index .Alerts 0).Labels.SortedPairs.Names }}") ==
        "map[alertname:DiskFull]|[alertname instance severity]");
  CHECK(render("{{ .Alerts.Nope }}") ==
        "ERR template: :1:10: executing \"\" at <.Alerts.Nope>: can't evaluate field Nope in type template.Alerts");
}

TEST_CASE("times print and format as Go's time.Time") {
  CHECK(render("{{ range .Alerts }}{{ .StartsAt }}|{{ .EndsAt }}|{{ .StartsAt.Format \"Jan 2 15:04 MST\" }}{{ end }}") ==
        "2024-01-02 03:04:05 +0000 UTC|0001-01-01 00:00:00 +0000 UTC|Jan 2 03:04 UTC"
        "2024-01-02 03:05:05.5 +0000 UTC|0001-01-01 00:00:00 +0000 UTC|Jan 2 03:05 UTC"
        "2024-01-02 01:00:00 +0000 UTC|2024-01-02 02:00:00 +0000 UTC|Jan 2 01:00 UTC");
  CHECK(render("{{ (index .Alerts 0).EndsAt.IsZero }} {{ (index .Alerts 2).EndsAt.IsZero }}") == "true false");
}

TEST_CASE("tz, date, since, humanizeDuration, toJson") {
  Templates t;
  TimeValue noon = utc_time(tocsin::TimePoint(std::chrono::seconds(1719837000) + std::chrono::milliseconds(500)));
  Value data(Map{{"T", Value(noon)}});
  auto run = [&](const char* text) {
    auto r = t.execute_text(text, data);
    return r.ok() ? *r : "ERR " + r.error();
  };
  CHECK(run("{{ .T | tz \"Europe/Berlin\" }}") == "2024-07-01 14:30:00.5 +0200 CEST");
  CHECK(run("{{ .T | tz \"America/New_York\" | date \"Mon Jan _2 3:04PM -07:00 2006 .000\" }}") ==
        "Mon Jul  1 8:30AM -04:00 2024 .500");
  CHECK(run("{{ .T | tz \"Asia/Kolkata\" }}") == "2024-07-01 18:00:00.5 +0530 IST");
  CHECK(run("{{ .T | tz \"Mars/Base\" }}") ==
        "ERR template: :1:8: executing \"\" at <tz \"Mars/Base\">: error calling tz: unknown time zone Mars/Base");
  t.set_now([] { return tocsin::TimePoint(std::chrono::seconds(1719837090) + std::chrono::milliseconds(505)); });
  CHECK(run("{{ since .T }}|{{ (since .T).Seconds }}|{{ since .T | humanizeDuration }}") == "1m30.005s|90.005|1m 30s");
  CHECK(run("{{ humanizeDuration 0.25 }}|{{ humanizeDuration 90061 }}|{{ humanizeDuration \"3.5\" }}|{{ humanizeDuration 0 }}") ==
        "250ms|1d 1h 1m 1s|3.5s|0ys");
  CHECK(run("{{ toJson . }}") == "{\"T\":\"2024-07-01T12:30:00.5Z\"}");
  CHECK(run("{{ toJson (stringSlice \"<x>&\") }}") == "[\"\\u003cx\\u003e\\u0026\"]");
}

TEST_CASE("HTML execution escapes printed values except safeHtml") {
  CHECK(render("{{ .CommonAnnotations.summary }}<{{ \"a<b>&\\\"'+\" }}>{{ safeHtml \"<i>x</i>\" }}", true) ==
        "disk full&lt;a&lt;b&gt;&amp;&#34;&#39;&#43;><i>x</i>");
}

TEST_CASE("common labels and annotations") {
  NotificationData d;
  AlertData a;
  a.status = "resolved";
  a.labels = tocsin::LabelSet({{"alertname", "X"}, {"job", "a"}});
  a.annotations = tocsin::LabelSet({{"summary", "s"}});
  AlertData b = a;
  b.status = "firing";
  b.labels.set("job", "b");
  d.alerts = {a, b};
  fill_common(d);
  CHECK(d.status == "firing");
  CHECK(d.common_labels == tocsin::LabelSet({{"alertname", "X"}}));
  CHECK(d.common_annotations == tocsin::LabelSet({{"summary", "s"}}));
}

TEST_CASE("every default template renders") {
  auto t = Templates::with_defaults();
  REQUIRE(t.ok());
  Value data = firing_data();
  for (const char* name :
       {"__text_alert_list", "__text_alert_list_markdown", "opsgenie.default.description", "wechat.default.message",
        "victorops.default.state_message", "pushover.default.message", "sns.default.message",
        "telegram.default.message", "discord.default.message", "webex.default.message", "msteams.default.text",
        "msteamsv2.default.text", "jira.default.description", "jira.default.priority", "email.default.html"}) {
    INFO(name);
    std::string text = std::string("{{ template \"") + name + "\" " + (name[0] == '_' ? ".Alerts" : ".") + " }}";
    auto r = std::string(name) == "email.default.html" ? t->execute_html(text, data) : t->execute_text(text, data);
    REQUIRE_MESSAGE(r.ok(), r.error());
    CHECK_FALSE(r->empty());
  }
  CHECK(*t->execute_text("{{ template \"jira.default.priority\" . }}", data) == "High");
  auto html = *t->execute_html("{{ template \"email.default.html\" . }}", data);
  CHECK(html.find("<meta name=\"color-scheme\" content=\"light dark\">") != std::string::npos);
  CHECK(html.find("<h1>[FIRING:2] DiskFull (critical)</h1>") != std::string::npos);
  CHECK(html.find("href=\"http://am.example:9093/#/alerts?receiver=team-x%2Fpager\"") != std::string::npos);
}

TEST_CASE("user files load after the defaults and may redefine them") {
  auto t = Templates::with_defaults();
  REQUIRE(t.ok());
  REQUIRE(t->add_text("mine.tmpl", "{{ define \"__alertmanager\" }}Tocsin{{ end }}{{ define \"slack.default.text\" }}{{ end }}").ok());
  CHECK(*t->execute_text("{{ template \"slack.default.username\" . }}", Value()) == "Tocsin");
  CHECK(t->add_glob("/nonexistent/*.tmpl").ok());
  CHECK_FALSE(t->add_file("/nonexistent/x.tmpl").ok());
  auto bad = t->add_text("bad.tmpl", "\n{{ if }}");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error() == "template: bad.tmpl:2: missing value for if");
  auto named = t->execute_named("__alertmanager", Value());
  CHECK(named.ok());
  CHECK(*named == "Tocsin");
}

TEST_CASE("build_data quotes the receiver as the reference does") {
  AlertData a;
  a.status = "firing";
  a.labels = tocsin::LabelSet({{"alertname", "X"}});
  auto d = build_data("team.a+b", tocsin::LabelSet({{"alertname", "X"}}), {a}, "http://am");
  CHECK(d.receiver == "team\\.a\\+b");
  CHECK(d.status == "firing");
  auto t = Templates::with_defaults();
  CHECK(*t->execute_text("{{ template \"__alertmanagerURL\" . }}", make_data(d)) ==
        "http://am/#/alerts?receiver=team%5C.a%5C%2Bb");
}

// Found by the amtool corpus (tests/template/corpus, tests/integration/test_template_render.py).
TEST_CASE("title breaks words as Go's cases.Title (UAX #29)") {
  CHECK(render("{{ title \"x.y a:b db-1.example.com:9100 1.5a a.1 foo_bar x..y a. .b a,b o'neil\" }}") ==
        "X.y A:b Db-1.Example.com:9100 1.5A A.1 Foo_bar X..Y A. .B A,B O'neil");
}

TEST_CASE("printf %U and Duration.Round/Truncate") {
  CHECK(render("{{ printf \"%U|%8U\" 65 233 }}") == "U+0041|  U+00E9");
  // 60.5s and -60.5s; the expected outputs are amtool's.
  CHECK(render("{{ $d := ((index .Alerts 1).StartsAt.Sub (index .Alerts 0).StartsAt) }}"
               "{{ $n := ((index .Alerts 0).StartsAt.Sub (index .Alerts 1).StartsAt) }}"
               "{{ $d.Round 60000000000 }} {{ $d.Round 1000000000 }} {{ $d.Truncate 1000000000 }} "
               "{{ $n.Round 1000000000 }} {{ $n.Truncate 1000000000 }} {{ $d.Round 0 }}") ==
        "1m0s 1m1s 1m0s -1m1s -1m0s 1m0.5s");
}

TEST_CASE("html output drops the template text's HTML comments, with the actions inside them") {
  CHECK(render("a<!-- x {{ .Receiver }} -->b<!--c-->d{{ \"<e>\" }}", true) == "abd&lt;e&gt;");
  CHECK(render("a<!-- x -->b", false) == "a<!-- x -->b");
}

TEST_CASE("Pairs and Alerts with fmt verbs, eq on structs (recorded from amtool 0.25)") {
  CHECK(render("{{ printf \"%q\" .CommonLabels.SortedPairs }}") == "[{\"alertname\" \"DiskFull\"} {\"severity\" \"critical\"}]");
  CHECK(render("{{ printf \"%+v\" (index .CommonLabels.SortedPairs 0) }}") == "{Name:alertname Value:DiskFull}");
  CHECK(render("{{ eq (index .CommonLabels.SortedPairs 0) (index .CommonLabels.SortedPairs 0) }} "
               "{{ eq (index .CommonLabels.SortedPairs 0) (index .CommonLabels.SortedPairs 1) }}") == "true false");
  CHECK(render("{{ index .Alerts 0 \"x\" }}") ==
        "ERR template: :1:3: executing \"\" at <index .Alerts 0 \"x\">: error calling index: can't index item of type "
        "template.Alert");
  CHECK(render("{{ .CommonLabels.Remove }}") ==
        "ERR template: :1:16: executing \"\" at <.CommonLabels.Remove>: wrong number of args for Remove: want 1 got 0");
  CHECK(render("{{ range .Alerts }}{{ (.EndsAt.Sub .StartsAt).Hours | printf \"%.0f\" }} {{ end }}") ==
        "-2562048 -2562048 1 ");
}

TEST_CASE("errors after a chain or on a method's literal argument, where amtool reports them") {
  CHECK(render("{{ (index .Alerts 0).Nope }}") ==
        "ERR template: :1:18: executing \"\" at <0>: can't evaluate field Nope in type template.Alert");
  CHECK(render("{{ (index .Alerts 0).StartsAt.Format }}") ==
        "ERR template: :1:18: executing \"\" at <0>: wrong number of args for Format: want 1 got 0");
  CHECK(render("{{ (index .Alerts 0).StartsAt.Format 1 }}") ==
        "ERR template: :1:37: executing \"\" at <1>: expected string; found 1");
  CHECK(render("{{ .CommonLabels.Remove \"job\" }}") ==
        "ERR template: :1:24: executing \"\" at <\"job\">: can't handle \"job\" for arg of type []string");
}

TEST_CASE("%#v prints Go syntax and %x a float in hex (recorded from amtool 0.25)") {
  CHECK(render("{{ printf \"%#v|%#v|%#v|%#v\" \"s\" 1 true nil }}") == "\"s\"|1|true|<nil>");
  CHECK(render("{{ printf \"%#v\" .CommonLabels }}") == "template.KV{\"alertname\":\"DiskFull\", \"severity\":\"critical\"}");
  CHECK(render("{{ printf \"%#v\" .CommonLabels.SortedPairs }}") ==
        "template.Pairs{template.Pair{Name:\"alertname\", Value:\"DiskFull\"}, template.Pair{Name:\"severity\", "
        "Value:\"critical\"}}");
  CHECK(render("{{ printf \"%#v\" (index .Alerts 2).StartsAt }} {{ printf \"%#v\" (index .Alerts 0).EndsAt }}") ==
        "time.Date(2024, time.January, 2, 1, 0, 0, 0, time.UTC) time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)");
  CHECK(render("{{ printf \"%x|%X|%x|%.2x\" 3.5 3.5 1.0 3.14159 }}") == "0x1.cp+01|0X1.CP+01|0x1p+00|0x1.92p+01");
}

TEST_CASE("slice with three indexes, call, zero padding of any operand (recorded from amtool 0.25)") {
  CHECK(render("{{ len (slice .Alerts 0 1 2) }}") == "1");
  CHECK(render("{{ slice \"abc\" 0 1 2 }}") ==
        "ERR template: :1:3: executing \"\" at <slice \"abc\" 0 1 2>: error calling slice: cannot 3-index slice a string");
  CHECK(render("{{ call \"x\" }}") ==
        "ERR template: :1:3: executing \"\" at <call \"x\">: error calling call: non-function of type string");
  CHECK(render("{{ printf \"%08s|%05t|%#x|% #x\" \"ab\" true \"abc\" \"ab\" }}") == "000000ab|0true|0x616263|0x61 0x62");
}

TEST_CASE("RE2's \\C is refused as Go's regexp refuses it") {
  CHECK(render("{{ match \"\\\\C\" \"a\" }}") ==
        "ERR template: :1:3: executing \"\" at <match \"\\\\C\" \"a\">: error calling match: error parsing regexp: "
        "invalid escape sequence: `\\C`");
}

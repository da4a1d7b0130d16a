// reference_diff_test.cpp: differences found by rendering the same templates with `tocsin template render`
// and the reference's `amtool template render` (0.25, Go 1.19) on the same data; each expected output is
// what amtool printed.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "template/template.hpp"
#include "template/value.hpp"

using tocsin::tmpl::List;
using tocsin::tmpl::Map;
using tocsin::tmpl::Templates;
using tocsin::tmpl::TimeValue;
using tocsin::tmpl::Value;

namespace {

TimeValue at_unix(int64_t secs) {
  return tocsin::tmpl::utc_time(tocsin::TimePoint(std::chrono::seconds(secs)));
}

Value data() {
  TimeValue zero = tocsin::tmpl::alert_time(tocsin::kZeroTime);
  return Value(Map{{"Start", Value(at_unix(1709248542))},  // 2024-02-29T23:15:42Z, a Thursday
                   {"Zero", Value(zero)},
                   {"S", Value("firing")},
                   {"L", Value(List{Value("a"), Value("b")})},
                   {"M", Value(Map{{"k", Value("v")}})}});
}

std::string render(const std::string& text, bool html = false) {
  Templates t;
  auto r = html ? t.execute_html(text, data()) : t.execute_text(text, data());
  return r.ok() ? *r : "ERR " + r.error();
}

}  // namespace

TEST_CASE("time.Time accessors as Go's") {
  CHECK(render("{{ .Start.Year }} {{ .Start.Month }} {{ .Start.Day }} {{ .Start.Weekday }} {{ .Start.YearDay }}") ==
        "2024 February 29 Thursday 60");
  CHECK(render("{{ .Start.Hour }}:{{ .Start.Minute }}:{{ .Start.Second }} {{ .Start.Nanosecond }}") == "23:15:42 0");
  CHECK(render("{{ printf \"%d %v %s %q\" .Start.Month .Start.Month .Start.Weekday .Start.Month }}") ==
        "2 February Thursday \"February\"");
  CHECK(render("{{ eq .Start.Month 2 }} {{ .Start.UnixMicro }}") == "true 1709248542000000");
  CHECK(render("{{ .Start.Truncate 3600000000000 }}|{{ .Start.Round 3600000000000 }}") ==
        "2024-02-29 23:00:00 +0000 UTC|2024-02-29 23:00:00 +0000 UTC");
  CHECK(render("{{ .Start.Date }}").find("can't call method/function \"Date\" with 3 results") != std::string::npos);
  // A firing alert's zero EndsAt minus StartsAt saturates at Go's minimum Duration.
  CHECK(render("{{ .Zero.Sub .Start }}") == "-2562047h47m16.854775808s");
  CHECK(render("{{ .Start.Sub .Zero }}") == "2562047h47m16.854775807s");
}

TEST_CASE("printf: argument indexes, %v precision, structs with verbs") {
  CHECK(render("{{ printf \"%[2]d %[1]d\" 1 2 }}") == "2 1");
  CHECK(render("{{ printf \"%[3]d\" 1 2 }}") == "%!d(BADINDEX)");
  CHECK(render("{{ printf \"%6.2v|\" 3.14159 }}") == "   3.1|");
}

TEST_CASE("eq and friends as Go 1.19") {
  CHECK(render("{{ eq 1 nil }} {{ eq nil 1 }} {{ eq nil nil }} {{ eq .L nil }}") == "false false true false");
  CHECK(render("{{ eq .Start .Start }}") == "true");
  CHECK(render("{{ eq .L .L }}") ==
        "ERR template: :1:3: executing \"\" at <eq .L .L>: error calling eq: non-comparable type [a b]: "
        "[]interface {}");
  CHECK(render("{{ ne 1 \"a\" }}") ==
        "ERR template: :1:3: executing \"\" at <ne 1 \"a\">: error calling ne: incompatible types for comparison");
  CHECK(render("{{ ge true false }}") ==
        "ERR template: :1:3: executing \"\" at <ge true false>: error calling ge: invalid type for comparison");
  CHECK(render("{{ len nil }}") == "ERR template: :1:3: executing \"\" at <len nil>: error calling len: reflect: "
                                   "call of reflect.Value.Type on zero Value");
}

TEST_CASE("argument errors where Go reports them") {
  CHECK(render("{{ ne \"a\" }}") ==
        "ERR template: :1:3: executing \"\" at <ne>: wrong number of args for ne: want 2 got 1");
  CHECK(render("{{ toUpper 1 }}") == "ERR template: :1:11: executing \"\" at <1>: expected string; found 1");
  CHECK(render("{{ toUpper nil }}") ==
        "ERR template: :1:11: executing \"\" at <nil>: cannot assign nil to string");
  CHECK(render("{{ range 3 }}x{{ end }}") ==
        "ERR template: :1:9: executing \"\" at <3>: range can't iterate over 3");
  CHECK(render("{{ 100000000000000000000 }}") == "ERR template: :1: integer overflow: \"100000000000000000000\"");
}

TEST_CASE("case mapping, title and js over all of Unicode") {
  CHECK(render("{{ toUpper \"привет ąę straße\" }}") == "ПРИВЕТ ĄĘ STRAßE");
  CHECK(render("{{ toLower \"ÀÉ İ ПРИВЕТ\" }}") == "àé i привет");
  CHECK(render("{{ title \"привет мир ŁÓDŹ\" }}") == "Привет Мир Łódź");
  CHECK(render("{{ js \"\xe2\x80\xa8 \xc3\xa9 \xc2\xa0\" }}") == "\\u2028 \xc3\xa9 \\u00A0");
}

TEST_CASE("html: a pipeline ending in html is escaped once") {
  CHECK(render("{{ html \"<\" }}{{ \"<\" | html }}{{ print \"<\" }}", true) == "&lt;&lt;&lt;");
}

TEST_CASE("more fmt verbs and flags as Go's") {
  CHECK(render("{{ printf \"% x|%#U|%+q\" \"ab\" 955 \"h\xc3\xa9\" }}") == "61 62|U+03BB '\xce\xbb'|\"h\\u00e9\"");
  CHECK(render("{{ printf \"%q\" \"\xe2\x80\xa8\" }}") == "\"\\u2028\"");
  CHECK(render("{{ html nil }}|{{ js nil }}|{{ print nil }}") == "&lt;no value&gt;|\\u003Cno value\\u003E|<nil>");
  CHECK(render("{{ title \"\xc7\x86" "emal\" }}") == "\xc7\x85" "emal");
  // Truncate counts from Go's zero time (a Monday): weeks start on Mondays.
  CHECK(render("{{ .Start.Truncate 604800000000000 }}") == "2024-02-26 00:00:00 +0000 UTC");
}

TEST_CASE("html: the context around an action picks its escaper, as html/template") {
  // URL attributes: unsafe schemes filtered, the path normalized, the query escaped; then HTML-escaped.
  CHECK(render("<a href=\"{{ \"javascript:x()\" }}\">", true) == "<a href=\"#ZgotmplZ\">");
  CHECK(render("<a href=\"http://x/{{ \"a b/c\" }}?x={{ \"&y\" }}\">", true) == "<a href=\"http://x/a%20b/c?x=%26y\">");
  CHECK(render("<a href=\"/x?q={{ urlquery \"a b\" }}\">", true) == "<a href=\"/x?q=a&#43;b\">");
  // Unquoted attribute values, attribute names.
  CHECK(render("<p title={{ \"a b\" }} {{ \"class\" }}=\"x\" {{ \"onclick\" }}=y>", true) ==
        "<p title=a&#32;b class=\"x\" ZgotmplZ=y>");
  // Script: values as JSON, strings inside JS strings escaped, comments dropped.
  CHECK(render("<script>// {{ .S }}\nvar x = {{ .S }}, m = {{ .M }}; var y = '{{ \"</x>\" }}';/* c */</script>", true) ==
        "<script>\nvar x = \"firing\", m = {\"k\":\"v\"}; var y = '\\u003c\\/x\\u003e'; </script>");
  CHECK(render("<script type=\"text/template\">{{ \"<b>\" }}</script>", true) ==
        "<script type=\"text/template\">&lt;b&gt;</script>");
  // Style: unsafe CSS values replaced.
  CHECK(render("<p style=\"color: {{ \"red\" }}; x: {{ \"a;b\" }}\">", true) == "<p style=\"color: red; x: ZgotmplZ\">");
  // The predefined html escaper replaces the context's own ('+' stays).
  CHECK(render("{{ html \"+<\" }}<i title=\"{{ html \"+\" }}\">{{ \"+\" }}", true) == "+&lt;<i title=\"+\">&#43;");
  // Comments dropped, title content escaped, a stray '<' escaped.
  CHECK(render("<!-- {{ .S }} -->a < b<title>{{ \"<x>\" }}</title>", true) == "a &lt; b<title>&lt;x&gt;</title>");
}

TEST_CASE("parse errors and leniencies of Go 1.19's text/template") {
  CHECK(render("{{ .S | }}") == "firing");  // a trailing pipe is accepted
  CHECK(render("{{ | .S }}") == "ERR template: :1: unexpected \"|\" in command");
  CHECK(render("{{ 'ab' }}") == "ERR template: :1: malformed character constant: 'ab'");
  CHECK(render("{{ define \"a\" }}A{{ end }}{{ define \"a\" }}B{{ end }}") ==
        "ERR template: :1: template: multiple definition of template \"a\"");
  CHECK(render("{{ define \"a\" }}A{{ end }}{{ define \"a\" }}{{ end }}{{ template \"a\" }}") == "A");
  CHECK(render("{{ template .S }}") == "ERR template: :1: unexpected \".S\" in template clause");
  CHECK(render("{{ range .L }}{{ continue 1 }}{{ end }}") == "ERR template: :1: unexpected \"1\" in {{continue}}");
  CHECK(render("{{ - 3 }}") == "ERR template: :1: illegal number syntax: \"-\"");
  CHECK(render("{{ 1x }}") == "ERR template: :1: bad number syntax: \"1x\"");
  CHECK(render("{{ range $i, $j, $k := .L }}{{ end }}") == "ERR template: :1: too many declarations in range");
  CHECK(render("{{ with .S }}{{ else with .S }}{{ end }}") == "ERR template: :1: unexpected <with> in else");
  CHECK(render("{{ range .L }}{{ else if true }}{{ end }}") == "ERR template: :1: unexpected <if> in input");
  CHECK(render("{{ 1 | 2 }}") == "ERR template: :1: non executable command in pipeline stage 2");
}

TEST_CASE("variables: declared where Go's parser declares them, assignments checked when run") {
  CHECK(render("{{ $x = 1 }}") == "ERR template: :1:8: executing \"\" at <1>: undefined variable: $x");
  CHECK(render("{{ $x := $x }}") == "ERR template: :1:9: executing \"\" at <$x>: undefined variable: $x");
  CHECK(render("{{ $x := 2 }}{{ $x = 3 }}{{ $x }}") == "3");
  CHECK(render("{{ range $i, $e := .L }}{{ end }}{{ $i }}") == "ERR template: :1: undefined variable \"$i\"");
  CHECK(render("{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}") == "ERR template: :1: undefined variable \"$y\"");
}

TEST_CASE("a stray right paren is reported by the parser, in the context it ends up in") {
  CHECK(render("{{ .S ) }}") == "ERR template: :1: unexpected \")\" in command");
  CHECK(render("{{ ) }}") == "ERR template: :1: unexpected \")\" in command");
  CHECK(render("{{ (.S)) }}") == "ERR template: :1: unexpected \")\" in command");
  CHECK(render("{{ if true ) }}{{ end }}") == "ERR template: :1: unexpected \")\" in if");
  CHECK(render("{{ template \"x\" ) }}") == "ERR template: :1: unexpected \")\" in template clause");
  CHECK(render("{{ block \"x\" }}{{ end }}") == "ERR template: :1: missing value for block clause");
  CHECK(render("{{ (printf \"a\") }}") == "a");
}

TEST_CASE("a lexer error on a later line than its action's {{ names the line it started on") {
  CHECK(render("{{ .S \n") == "ERR template: :2: unclosed action started at :1");
  CHECK(render("x\n{{ (.S \n }}") == "ERR template: :3: unclosed left paren in action started at :2");
  CHECK(render("{{ if .S }}\n{{ .S \n") == "ERR template: :3: unclosed action started at :2");
  CHECK(render("{{ .S ") == "ERR template: :1: unclosed action");
}

TEST_CASE("Unix times of Go's zero time, and Local from $TZ") {
  CHECK(render("{{ .Zero.Unix }} {{ .Zero.UnixMilli }} {{ .Zero.UnixMicro }} {{ .Zero.UnixNano }}") ==
        "-62135596800 -62135596800000 -62135596800000000 -6795364578871345152");
  const char* old = std::getenv("TZ");
  const std::string saved = old != nullptr ? old : "";
  setenv("TZ", "Europe/Berlin", 1);
  CHECK(render("{{ .Start.Local }}") == "2024-03-01 00:15:42 +0100 CET");
  if (old != nullptr) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
}

TEST_CASE("html: html/template's own errors") {
  CHECK(render("x{{ if false }}{{ template \"nope\" . }}{{ end }}", true) ==
        "ERR html/template::1:27: no such template \"nope\"");
  CHECK(render("<a href=\"{{ .S }}", true) ==
        "ERR html/template: ends in a non-text context: {stateURL delimDoubleQuote urlPartNone jsCtxRegexp attrURL "
        "elementNone <nil>}");
  CHECK(render("<script>var x = `{{ .S }}`;</script>", true) ==
        "ERR html/template::1:20: {{.S}} appears in a JS template literal");
}

TEST_CASE("other characters in an action are unexpected items, as Go's lexer emits them") {
  CHECK(render("{{ .S \n{{ end }}") == "ERR template: :2: unexpected \"{\" in operand");
  CHECK(render("{{ ; }}") == "ERR template: :1: unexpected \";\" in command");
  CHECK(render("{{ \xe2\x82\xac }}") == "ERR template: :1: unrecognized character in action: U+20AC '\xe2\x82\xac'");
  CHECK(render("{{ \xc3\xa9 }}") == "ERR template: :1: function \"\xc3\xa9\" not defined");
}

TEST_CASE("a lexer error is one more item: a parse error on an earlier token of the action comes first") {
  CHECK(render("{{ .S }\n") == "ERR template: :1: unexpected \"}\" in operand");
  CHECK(render("{{ .S }") == "ERR template: :1: unexpected \"}\" in operand");
  CHECK(render("{{ if .S } }}\n{{ .S \n") == "ERR template: :1: unexpected \"}\" in operand");
  CHECK(render("{{ .S | }\n") == "ERR template: :1: unexpected \"}\" in command");
  CHECK(render("{{ .S \"abc }}") == "ERR template: :1: unterminated quoted string");
}

TEST_CASE("title as Go's cases.Title: special title cases, final sigma, UAX #29 joiners") {
  CHECK(render("{{ title \"\xce\xa3\xce\x91\xce\xa3 \xef\xac\x81ne stra\xc3\x9f" "e \xc3\x9f\" }}") ==
        "\xce\xa3\xce\xb1\xcf\x82 Fine Stra\xc3\x9f" "e Ss");
  CHECK(render("{{ title \"\xc4\xb0stanbul m\xe2\x80\x99n 1,5x a,b\" }}") == "\xc4\xb0stanbul M\xe2\x80\x99n 1,5X A,B");
}

TEST_CASE("Stringers with integer and hex verbs, %c unescaped (recorded from amtool 0.25)") {
  CHECK(render("{{ printf \"%d|%x|%5d\" .Start .Start .Start }}") ==
        "{0 63844845342 0}|323032342d30322d32392032333a31353a3432202b3030303020555443|{    0 63844845342     0}");
  CHECK(render("{{ $m := .Start.Month }}{{ printf \"%x|%d|%e\" $m $m $m }}") == "4665627275617279|2|%!e(time.Month=2)");
  CHECK(render("{{ printf \"%c|%c|%c\" 2 -1 955 }}") == "\x02|\xef\xbf\xbd|\xce\xbb");
}

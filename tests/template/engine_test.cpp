// engine_test.cpp: Go text/template semantics, each expected output recorded from Go 1.19's text/template
// (missingkey=zero) on the same data.
#include <doctest/doctest.h>

#include "template/template.hpp"
#include "template/value.hpp"

using tocsin::tmpl::List;
using tocsin::tmpl::Map;
using tocsin::tmpl::Templates;
using tocsin::tmpl::Value;

namespace {

Value go_data() {
  return Value(Map{{"Name", Value("world")},
                   {"N", Value(3)},
                   {"L", Value(List{Value("a"), Value("b")})},
                   {"M", Value(Map{{"b", Value(2)}, {"a", Value(1)}})},
                   {"E", Value("")},
                   {"Z", Value(0)},
                   {"F", Value(1.5)},
                   {"T", Value(true)},
                   {"Nested", Value(Map{{"Inner", Value(Map{{"X", Value("y")}})}})}});
}

std::string render(const std::string& text) {
  Templates t;
  auto r = t.execute_text(text, go_data());
  return r.ok() ? *r : "ERR " + r.error();
}

}  // namespace

TEST_CASE("text, trimming and comments") {
  CHECK(render("a {{- \" b \" -}} c") == "a b c");
  CHECK(render("{{ .Name }}!") == "world!");
  CHECK(render("{{/* c */}}x{{- /* c2 */ -}} y") == "xy");
  CHECK(render("a\n  {{- .Name }}  \n{{- .N -}}\n\nb") == "aworld3b");
  CHECK(render("") == "");
}

TEST_CASE("variables and their scopes") {
  CHECK(render("{{ $x := 1 }}{{ range .L }}{{ $x = . }}{{ end }}{{ $x }}") == "b");
  CHECK(render("{{ range $i, $e := .L }}{{ $i }}={{ $e }},{{ end }}") == "0=a,1=b,");
  CHECK(render("{{ with $v := .Name }}{{ $v }}{{ end }}") == "world");
  CHECK(render("{{ range $i, $e := .M }}{{ $i }}{{ end }}{{ $i }}") == "ERR template: :1: undefined variable \"$i\"");
  CHECK(render("{{ $y }}") == "ERR template: :1: undefined variable \"$y\"");
  CHECK(render("{{ range .L }}{{ $.Name }}{{ end }}") == "worldworld");
}

TEST_CASE("control structures") {
  CHECK(render("{{ range $k, $v := .M }}{{ $k }}:{{ $v }};{{ end }}") == "a:1;b:2;");
  CHECK(render("{{ range .Missing }}x{{ else }}empty{{ end }}") == "empty");
  CHECK(render("{{ if .E }}a{{ else if .Z }}b{{ else if .T }}c{{ end }}") == "c");
  CHECK(render("{{ with .Name }}{{ . }}{{ else }}none{{ end }}{{ with .E }}x{{ else }}none{{ end }}") == "worldnone");
  CHECK(render("{{ range .L }}{{ if eq . \"a\" }}{{ continue }}{{ end }}{{ . }}{{ break }}{{ end }}") == "b");
  CHECK(render("{{ define \"x\" }}[{{ . }}]{{ end }}{{ template \"x\" .Name }}{{ block \"y\" .N }}<{{ . }}>{{ end }}") ==
        "[world]<3>");
}

TEST_CASE("builtins") {
  CHECK(render("{{ eq .N 1 2 3 }} {{ ne .Name \"x\" }} {{ lt 1 2 }} {{ ge \"b\" \"a\" }}") == "true true true true");
  CHECK(render("{{ and 1 0 2 }} {{ or 0 \"\" \"z\" }} {{ not .E }} {{ and .T .Name }}") == "0 z true world");
  CHECK(render("{{ len .L }} {{ index .L 1 }} {{ index .M \"b\" }} {{ slice \"abcdef\" 1 3 }} {{ len .Name }}") ==
        "2 b 2 bc 5");
  CHECK(render("{{ print 1 2 \"a\" \"b\" 3 }}{{ println \"x\" 1 }}") == "1 2ab3x 1\n");
  CHECK(render("{{ html \"<a href='x'>&\\\"\" }} {{ js \"it's <b>\" }} {{ urlquery \"a b&c=d/é\" }}") ==
        "&lt;a href=&#39;x&#39;&gt;&amp;&#34; it\\'s \\u003Cb\\u003E a+b%26c%3Dd%2F%C3%A9");
  CHECK(render("{{ 1 | printf \"%d-%d\" 2 }} {{ \"x\" | len }}") == "2-1 1");
  CHECK(render("{{ or 0 (index .L 7) }}") ==
        "ERR template: :1:9: executing \"\" at <index .L 7>: error calling index: index out of range: 7");
  CHECK(render("{{ and 0 (index .L 7) }}") == "0");
}

TEST_CASE("printf verbs") {
  CHECK(render("{{ printf \"%5s|%-5s|%d|%05d|%x|%X|%q|%v|%t|%%|%.2f|%e|%g\" \"ab\" \"cd\" 42 42 255 255 \"hi\" .L true "
               "3.14159 1234.5678 0.000012 }}") ==
        "   ab|cd   |42|00042|ff|FF|\"hi\"|[a b]|true|%|3.14|1.234568e+03|1.2e-05");
  CHECK(render("{{ printf \"%d %s\" \"x\" 1 }} {{ printf \"%d\" }} {{ printf \"%d\" 1 2 }}") ==
        "%!d(string=x) %!s(int=1) %!d(MISSING) 1%!(EXTRA int=2)");
  CHECK(render("{{ printf \"%s\" .L }} {{ printf \"%v\" .M }} {{ printf \"%6.2f|%-8d|%+d\" 3.14159 7 5 }}") ==
        "[a b] map[a:1 b:2]   3.14|7       |+5");
  CHECK(render("x\n{{ .Name | printf \"%s %d\" 1 }}") == "x\n%!s(int=1) %!d(string=world)");
}

TEST_CASE("printf with precisions and widths up to Go's limit of 10^6: whole, and in linear time") {
  // Found by the template fuzzer: zero-padding one digit at a time took minutes for %.999999d.
  const std::string d = render("{{ printf \"%.999999d\" 2 }}");
  REQUIRE(d.size() == 999999);
  CHECK(d.back() == '2');
  CHECK(d.find_first_not_of('0') == d.size() - 1);
  const std::string f = render("{{ printf \"%.999999f\" 2.5 }}");
  REQUIRE(f.size() == 1000001);  // "2." and 999,999 decimals, as Go prints it
  CHECK(f.substr(0, 4) == "2.50");
  CHECK(render("{{ printf \"%.600f\" 1.0 }}").size() == 602);
  CHECK(render("{{ printf \"%999999d\" 7 }}").size() == 999999);
}

TEST_CASE("printing values and literals") {
  CHECK(render("{{ .L }} {{ .M }} {{ .F }} {{ 1e6 }} {{ 3.0 }} {{ 'a' }} {{ 0x1F }} {{ -7 }}") ==
        "[a b] map[a:1 b:2] 1.5 1e+06 3 97 31 -7");
  CHECK(render("{{ .Nested.Inner.X }} {{ (index .Nested \"Inner\").X }} {{ .Missing }}") == "y y <no value>");
  CHECK(render("{{ \"a\\tb\\u00e9\" }} {{ `raw\\n` }}") == "a\tbé raw\\n");
  CHECK(render("{{ $ }}") ==
        "map[E: F:1.5 L:[a b] M:map[a:1 b:2] N:3 Name:world Nested:map[Inner:map[X:y]] T:true Z:0]");
}

TEST_CASE("execution errors name the template, line and column") {
  CHECK(render("line1\n{{ .Foo.Bar }}") ==
        "ERR template: :2:7: executing \"\" at <.Foo.Bar>: nil pointer evaluating interface {}.Bar");
  CHECK(render("{{ index .L 5 }}") ==
        "ERR template: :1:3: executing \"\" at <index .L 5>: error calling index: index out of range: 5");
  CHECK(render("{{ template \"nope\" }}") ==
        "ERR template: :1:12: executing \"\" at <{{template \"nope\"}}>: template \"nope\" not defined");
  CHECK(render("{{ len 3 }}") == "ERR template: :1:3: executing \"\" at <len 3>: error calling len: len of type int");
  CHECK(render("{{ eq 1 \"a\" }}") ==
        "ERR template: :1:3: executing \"\" at <eq 1 \"a\">: error calling eq: incompatible types for comparison");
  CHECK(render("{{ range .E }}x{{ end }}") == "ERR template: :1:9: executing \"\" at <.E>: range can't iterate over ");
}

TEST_CASE("parse errors name the template and line") {
  CHECK(render("{{ if }}") == "ERR template: :1: missing value for if");
  CHECK(render("{{ range .L }}") == "ERR template: :1: unexpected EOF");
  CHECK(render("{{ nosuchfunc 1 }}") == "ERR template: :1: function \"nosuchfunc\" not defined");
  CHECK(render("{{ break }}") == "ERR template: :1: {{break}} outside {{range}}");
  CHECK(render("{{ end }}") == "ERR template: :1: unexpected {{end}}");
  CHECK(render("{{ else }}") == "ERR template: :1: unexpected {{else}}");
}

TEST_CASE("limits stop runaway templates") {
  Templates t;
  REQUIRE(t.add_text("loop.tmpl", "{{ define \"rec\" }}{{ template \"rec\" . }}{{ end }}").ok());
  auto r = t.execute_text("{{ template \"rec\" . }}", Value());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find("exceeded maximum template depth (1000)") != std::string::npos);

  tocsin::tmpl::ExecLimits small;
  small.max_output_bytes = 100;
  t.set_limits(small);
  List many(1000, Value("x"));
  auto big = t.execute_text("{{ range . }}{{ . }}{{ end }}", Value(many));
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().find("output exceeds") != std::string::npos);

  small.max_output_bytes = 1u << 20;
  small.max_steps = 5000;
  t.set_limits(small);
  auto slow = t.execute_text("{{ range . }}{{ range $ }}{{ end }}{{ end }}", Value(many));
  REQUIRE_FALSE(slow.ok());
  CHECK(slow.error().find("step limit") != std::string::npos);

  // A width applies to each element of a list: printf may not pad past the output limit in all.
  small.max_steps = 50'000;
  small.max_output_bytes = 64u << 10;
  t.set_limits(small);
  List numbers(1000, Value(int64_t{7}));
  auto padded = t.execute_text("{{ len (printf \"%06717694d\" .) }}", Value(numbers));
  REQUIRE_FALSE(padded.ok());
  CHECK(padded.error().find("pad past the output limit of 65536 bytes") != std::string::npos);
  auto fits = t.execute_text("{{ len (printf \"%060d|%-5s|\" 7 \"ab\") }}", Value());
  REQUIRE(fits.ok());
  CHECK(*fits == "67");
  // The budget is per call: each printf gets the whole of it again.
  auto twice = t.execute_text("{{ len (printf \"%040000d\" 1) }} {{ len (printf \"%040000d\" 2) }}", Value());
  REQUIRE(twice.ok());
  CHECK(*twice == "40000 40000");
}

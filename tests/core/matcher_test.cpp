// matcher_test.cpp: matching (anchored regexes, negative matchers on missing labels), printing, and
// both parsers with the fallback rule, against the reference's behaviour.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/matcher.hpp"

using namespace tocsin;

namespace {

Matcher m(MatchType t, std::string name, std::string value) {
  auto r = Matcher::make(t, std::move(name), std::move(value));
  REQUIRE(r.ok());
  return std::move(r).value();
}

// Parses and prints, or returns "error: <message>".
template <class Parse>
std::string parsed(Parse parse, std::string_view input) {
  auto r = parse(input);
  if (!r.ok()) {
    return "error: " + r.error();
  }
  return matchers_to_string(*r);
}

}  // namespace

TEST_CASE("regexes are anchored") {
  auto re = m(MatchType::kRegex, "job", "foo");
  CHECK(re.matches("foo"));
  CHECK_FALSE(re.matches("foobar"));
  CHECK_FALSE(re.matches("barfoo"));
  auto alt = m(MatchType::kRegex, "job", "a|b");
  CHECK(alt.matches("a"));
  CHECK_FALSE(alt.matches("ab"));
  auto dot = m(MatchType::kRegex, "x", "a.c");
  CHECK_FALSE(dot.matches("a\nc"));
  auto nre = m(MatchType::kNotRegex, "job", "foo.*");
  CHECK_FALSE(nre.matches("foobar"));
  CHECK(nre.matches("xfoo"));
}

TEST_CASE("a missing label is the empty string") {
  LabelSet ls{{"alertname", "A"}};
  CHECK(m(MatchType::kNotEqual, "env", "prod").matches(ls));
  CHECK(m(MatchType::kNotRegex, "env", "prod|dev").matches(ls));
  CHECK(m(MatchType::kEqual, "env", "").matches(ls));
  CHECK(m(MatchType::kRegex, "env", ".*").matches(ls));
  CHECK_FALSE(m(MatchType::kRegex, "env", ".+").matches(ls));
  CHECK_FALSE(m(MatchType::kEqual, "env", "prod").matches(ls));
  CHECK(matches_all({}, ls));
  CHECK(matches_all({m(MatchType::kEqual, "alertname", "A"), m(MatchType::kNotEqual, "env", "x")}, ls));
  CHECK_FALSE(matches_all({m(MatchType::kEqual, "alertname", "A"), m(MatchType::kEqual, "env", "x")}, ls));
}

TEST_CASE("invalid regex is an error naming it") {
  auto r = Matcher::make(MatchType::kRegex, "a", "a(b");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find("^(?:a(b)$") != std::string::npos);
  CHECK(Matcher::make(MatchType::kEqual, "a", "a(b").ok());
}

TEST_CASE("printing follows Matcher.String and Matchers.String") {
  CHECK(m(MatchType::kEqual, "foo", "bar").to_string() == "foo=\"bar\"");
  CHECK(m(MatchType::kNotRegex, "foo", "a\\d\"\n").to_string() == "foo!~\"a\\\\d\\\"\\n\"");
  CHECK(m(MatchType::kNotEqual, "foo", "\t").to_string() == "foo!=\"\t\"");
  // A name only the UTF-8 syntax can carry is quoted, and so is the value.
  CHECK(m(MatchType::kEqual, "foo bar", "\t").to_string() == "\"foo bar\"=\"\\t\"");
  CHECK(matchers_to_string({}) == "{}");
  CHECK(matchers_to_string({m(MatchType::kEqual, "a", "b"), m(MatchType::kRegex, "c", "d")}) ==
        "{a=\"b\",c=~\"d\"}");
  CHECK(std::string(match_type_str(MatchType::kNotRegex)) == "!~");
}

TEST_CASE("classic parser (Alertmanager 0.25 pkg/labels)") {
  // Expected outputs printed by the reference's ParseMatchers and Matchers.String.
  const std::pair<const char*, const char*> cases[] = {
      {R"({foo="bar"})", R"({foo="bar"})"},
      {R"(foo=bar,dings!=bums)", R"({foo="bar",dings!="bums"})"},
      {R"({foo = "bar", dings != "bums", })", R"({foo="bar",dings!="bums"})"},
      {R"({quote="She said: \"Hi, ladies! That's gender-neutral…\""})",
       R"({quote="She said: \"Hi, ladies! That's gender-neutral…\""})"},
      {R"(statuscode=~"5..")", R"({statuscode=~"5.."})"},
      {R"(a=b,,c=d)", "error: bad matcher format: "},
      {R"(foo=)", R"({foo=""})"},
      {R"(foo="")", R"({foo=""})"},
      {R"(foo="bar)", R"(error: matcher value contains unescaped double quote: "bar)"},
      {R"(foo=bar")", R"(error: matcher value contains unescaped double quote: bar")"},
      {R"(foo="ba"r")", R"(error: matcher value contains unescaped double quote: "ba"r")"},
      {R"(=bar)", "error: bad matcher format: =bar"},
      {R"(foo)", "error: bad matcher format: foo"},
      {R"(foo=\"bar\")", R"({foo="\"bar\""})"},
      {R"(foo=bar\)", R"({foo="bar\\"})"},
      {R"(foo="\n\t\\")", R"({foo="\n\\t\\"})"},
      {"  foo  =~  bar baz  ", R"({foo=~"bar baz"})"},
      {R"(foo:bar=x)", R"({foo:bar="x"})"},
      {R"({})", "{}"},
      {"", "{}"},
      {"{", "{}"},
      {"}", "{}"},
      {R"(foo=bar})", R"({foo="bar"})"},
      {R"({foo=bar)", R"({foo="bar"})"},
      {R"(foo=~a|b, bar!~"x,y")", R"({foo=~"a|b",bar!~"x,y"})"},
  };
  for (const auto& [in, want] : cases) {
    const std::string input = in;
    CAPTURE(input);
    CHECK(parsed(parse_matchers_classic, in) == std::string(want));
  }
  auto bad_re = parse_matchers_classic(R"({foo=~"a(b"})");
  REQUIRE_FALSE(bad_re.ok());
  CHECK(bad_re.error().find("a(b") != std::string::npos);
}

TEST_CASE("UTF-8 parser (Alertmanager 0.27+ matcher/parse)") {
  const std::pair<const char*, const char*> cases[] = {
      {"", "{}"},
      {"{}", "{}"},
      {"{foo=bar}", R"({foo="bar"})"},
      {"{foo=bar,}", R"({foo="bar"})"},
      {"{foo!=bar}", R"({foo!="bar"})"},
      {"{foo=~[a-z]+}", R"({foo=~"[a-z]+"})"},
      {"{foo!~[a-z]+}", R"({foo!~"[a-z]+"})"},
      {"{foo=\xF0\x9F\x99\x82}", "{foo=\"\xF0\x9F\x99\x82\"}"},
      {"{foo=\xF0\x9F\x99\x82" "bar}", "{foo=\"\xF0\x9F\x99\x82" "bar\"}"},
      {"foo=bar,", R"({foo="bar"})"},
      {R"({"foo"="bar"})", R"({foo="bar"})"},
      {R"({"foo"="\xf0\x9f\x99\x82"})", "{foo=\"\xF0\x9F\x99\x82\"}"},
      {R"({"foo"="\U0001f642"})", "{foo=\"\xF0\x9F\x99\x82\"}"},
      {R"({"foo"="bar\n"})", R"({foo="bar\n"})"},
      {R"({"foo"="\"bar\""})", R"({foo="\"bar\""})"},
      {R"({"foo"="bar\\"})", R"({foo="bar\\"})"},
      {R"("foo"="bar",)", R"({foo="bar"})"},
      {R"({foo=bar,bar!=baz})", R"({foo="bar",bar!="baz"})"},
      {R"(foo="bar", bar!="baz")", R"({foo="bar",bar!="baz"})"},
      {R"({"foo bar"="x", "a=b"!~"\t"})", R"({"foo bar"="x","a=b"!~"\t"})"},
      {R"(  { foo = bar  ,  baz =~ "q" }  )", R"({foo="bar",baz=~"q"})"},
      // Errors, with the reference's positions and wording.
      {",", "error: 0:1: unexpected ,: expected label name"},
      {"{,}", "error: 1:2: unexpected ,: expected label name"},
      {"{", "error: 0:1: end of input: expected close brace"},
      {"}", "error: 0:1: }: expected opening brace"},
      {"foo=bar}", "error: 0:8: }: expected opening brace"},
      {"{foo=bar", "error: 0:8: end of input: expected close brace"},
      {R"({foo=:"bar"})", R"(error: 6:11: unexpected "bar": expected a comma or close brace)"},
      {R"({foo="bar\w"})", R"(error: 5:12: "bar\w": invalid input)"},
      {R"({foo=bar\n})", R"(error: 8:9: \: invalid input: expected a comma or close brace)"},
      {R"({"foo"="\xf0\x9f"})", R"(error: 7:17: "\xf0\x9f": invalid input)"},
      {R"({foo="bar})", R"(error: 5:10: "bar}: missing end ": expected label value)"},
      {"foo", "error: end of input: expected an operator such as '=', '!=', '=~' or '!~'"},
      {"foo=", "error: end of input: expected label value"},
      {"foo!bar", "error: 3:4: !: expected one of '=~': expected an operator such as '=', '!=', '=~' or '!~'"},
      {"foo!", "error: 3:4: unexpected end of input, expected one of '=~': expected an operator such as '=', '!=', "
               "'=~' or '!~'"},
      {"foo=bar baz=qux", "error: 8:11: unexpected baz: expected a comma or close brace"},
      {"{foo=bar}}", "error: 9:10: }: expected end of input"},
      {"foo=~(", "error: failed to create matcher: error parsing regexp: missing closing ): `^(?:()$`"},
  };
  for (const auto& [in, want] : cases) {
    const std::string input = in;
    CAPTURE(input);
    CHECK(parsed(parse_matchers_utf8, in) == std::string(want));
  }
}

TEST_CASE("fallback: a classic parse that succeeds wins, else UTF-8, else the classic error") {
  // Only the UTF-8 syntax accepts these.
  CHECK(parsed(parse_matchers, R"({"foo bar"="baz"})") == R"({"foo bar"="baz"})");
  CHECK(parsed(parse_matchers, "{f\xC3\xB6o=bar}") == "{f\xC3\xB6o=\"bar\"}");
  // Only the classic syntax accepts these.
  CHECK(parsed(parse_matchers, "foo=bar baz") == R"({foo="bar baz"})");
  CHECK(parsed(parse_matchers, "{foo=bar") == R"({foo="bar"})");
  // Both accept; they disagree on the escape and the classic reading wins.
  CHECK(parsed(parse_matchers, R"(foo="a\tb")") == R"({foo="a\\tb"})");
  // Neither accepts: the classic parser's error.
  CHECK(parsed(parse_matchers, "=bar") == "error: bad matcher format: =bar");

  auto one = parse_matcher("foo=~\"a.*\"");
  REQUIRE(one.ok());
  CHECK(one->type() == MatchType::kRegex);
  CHECK(one->value() == "a.*");
  CHECK(parse_matcher("\"foo bar\"=baz").value().name() == "foo bar");
  // The classic single-matcher parser does not split on commas.
  CHECK(parse_matcher("foo=bar,baz=qux").value().value() == "bar,baz=qux");
  auto braces = parse_matcher("{foo=bar}");
  REQUIRE_FALSE(braces.ok());
  CHECK(braces.error() == "unexpected open or close brace: {foo=bar}");
  CHECK(parse_matcher("").error() == "bad matcher format: ");
}

TEST_CASE("match_type_from_str inverts match_type_str") {
  for (MatchType t : {MatchType::kEqual, MatchType::kNotEqual, MatchType::kRegex, MatchType::kNotRegex}) {
    REQUIRE(match_type_from_str(match_type_str(t)).has_value());
    CHECK(*match_type_from_str(match_type_str(t)) == t);
  }
  CHECK_FALSE(match_type_from_str("~~").has_value());
  CHECK_FALSE(match_type_from_str("").has_value());
  CHECK_FALSE(match_type_from_str("==").has_value());
}

TEST_CASE("regex nesting: Go's 1000-level limit on the parse tree, as the reference answers a filter") {
  using tocsin::go_regexp_nesting_error;
  auto rep = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  auto anchored = [](const std::string& p) { return "^(?:" + p + ")$"; };
  auto nested = [&](int n, const std::string& inner) { return rep("(", n) + inner + rep(")", n); };
  // Each boundary below is where prometheus-alertmanager 0.25 turned from 200 to 400 on the same filter.
  CHECK(go_regexp_nesting_error(anchored(nested(998, "a"))).empty());
  CHECK(go_regexp_nesting_error(anchored(nested(999, "a"))) ==
        "error parsing regexp: expression nests too deeply: `" + anchored(nested(999, "a")) + "`");
  CHECK(go_regexp_nesting_error(anchored(nested(997, "ab|c"))).empty());
  CHECK_FALSE(go_regexp_nesting_error(anchored(nested(998, "ab|c"))).empty());
  CHECK(go_regexp_nesting_error(anchored(nested(998, "a|b"))).empty());  // one character class
  CHECK(go_regexp_nesting_error(anchored(rep("(a*)", 3) + nested(997, "a+"))).empty());
  CHECK_FALSE(go_regexp_nesting_error(anchored(rep("(a*)", 3) + nested(998, "a+"))).empty());
  // (?:...) adds no level; flags-only groups are no group at all.
  CHECK(go_regexp_nesting_error(anchored(rep("(?:", 20000) + "a" + rep(")", 20000))).empty());
  CHECK(go_regexp_nesting_error(anchored(rep("(?:(", 998) + "a" + rep("))", 998))).empty());
  CHECK_FALSE(go_regexp_nesting_error(anchored(rep("(?:(", 999) + "a" + rep("))", 999))).empty());
  CHECK(go_regexp_nesting_error(rep("(?i)", 3000) + "a").empty());
  // Wide is not deep.
  CHECK(go_regexp_nesting_error(anchored(rep("(x)", 3000))).empty());
  CHECK(go_regexp_nesting_error(anchored(rep("a{2}", 3000))).empty());
  // Unbalanced or truncated input is scanned without harm (RE2 then says what is wrong).
  CHECK_FALSE(go_regexp_nesting_error(rep("(", 5000)).empty());
  CHECK(go_regexp_nesting_error(rep(")", 5000)).empty());
  CHECK(go_regexp_nesting_error(rep("[", 5000) + "\\").empty());
  // A matcher with such a value is refused with that message, before RE2 sees it.
  auto m = tocsin::Matcher::make(tocsin::MatchType::kRegex, "x", nested(1200, "a"));
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().find("expression nests too deeply") != std::string::npos);
}

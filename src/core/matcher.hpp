// matcher.hpp: label matchers (=, !=, =~, !~) with anchored RE2 regexes, and their parsers in the
// classic syntax ({a="b",c=~"d.*"}, a=b) and the newer UTF-8 syntax (quoted names, any UTF-8),
// with the newest release's fallback rule: try UTF-8, fall back to classic.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/labels.hpp"
#include "core/result.hpp"

namespace re2 {
class RE2;
}

namespace tocsin {

enum class MatchType { kEqual, kNotEqual, kRegex, kNotRegex };

// "=", "!=", "=~", "!~"
const char* match_type_str(MatchType t);
// The inverse: the type written as "=", "!=", "=~" or "!~"; nullopt for anything else.
std::optional<MatchType> match_type_from_str(std::string_view s);

class Matcher {
 public:
  // Regex types compile "^(?:value)$" with RE2; an invalid regex is an error.
  static Result<Matcher> make(MatchType type, std::string name, std::string value);

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }
  bool is_regex() const { return type_ == MatchType::kRegex || type_ == MatchType::kNotRegex; }
  bool is_negative() const { return type_ == MatchType::kNotEqual || type_ == MatchType::kNotRegex; }

  // Whether this matcher accepts only a few literal strings (= "x", or =~ "a|b|c" with no regex
  // syntax), and which (empty otherwise). Lets the routing tree index its children. Computed for an
  // equality matcher (silences hold thousands of them; a copy of the value each would be wasted).
  bool has_literal_values() const { return type_ == MatchType::kEqual || literals_ != nullptr; }
  std::vector<std::string> literal_values() const {
    if (type_ == MatchType::kEqual) return {value_};
    return literals_ != nullptr ? *literals_ : std::vector<std::string>{};
  }

  // Whether `v` (the label's value, "" if absent) satisfies this matcher.
  bool matches(std::string_view v) const;
  bool matches(const LabelSet& ls) const { return matches(ls.value(name_)); }
  // The reference's Matcher.String(): name="value" with OpenMetrics escaping of the value (\\, \n, \");
  // a name holding a character reserved by the UTF-8 syntax is Go-quoted, and then the value too.
  std::string to_string() const;

  friend bool operator==(const Matcher& a, const Matcher& b) {
    return a.type_ == b.type_ && a.name_ == b.name_ && a.value_ == b.value_;
  }

 private:
  MatchType type_ = MatchType::kEqual;
  std::string name_, value_;
  std::shared_ptr<const re2::RE2> re_;
  std::shared_ptr<const std::vector<std::string>> literals_;
};

using Matchers = std::vector<Matcher>;

// All matchers match (an empty list matches everything).
bool matches_all(const Matchers& ms, const LabelSet& ls);
// {a="b",c=~"d"}: no space after the comma, as the reference's Matchers.String() (route keys use it).
std::string matchers_to_string(const Matchers& ms);

// Parses one matcher or a list ("{a="b", c!=d}", "a=b,c=~d", braces optional), trying the UTF-8
// syntax first and falling back to the classic one, as Alertmanager 0.27+ does.
Result<Matchers> parse_matchers(std::string_view input);
Result<Matcher> parse_matcher(std::string_view input);
// Only the classic syntax (pkg/labels.ParseMatchers of Alertmanager 0.25).
Result<Matchers> parse_matchers_classic(std::string_view input);
// One classic matcher, no splitting on commas (pkg/labels.ParseMatcher).
Result<Matcher> parse_matcher_classic(std::string_view input);
// Only the UTF-8 syntax (matcher/parse.Matchers of Alertmanager 0.27+, the "utf8-strict" mode).
Result<Matchers> parse_matchers_utf8(std::string_view input);

// Go's regexp/syntax wording of why RE2 refused `re` (!re.ok()), so every message reads as the
// reference's: "error parsing regexp: missing closing ): `^(?:()$`".
std::string go_regexp_error(const re2::RE2& re);

// Go's regexp parser refuses a pattern whose parse tree is more than 1000 levels high ("expression
// nests too deeply"); RE2 has no such limit and spends long on such a pattern. This is that check, on
// Go's tree shape (captures and repetitions add a level, (?:...) groups do not, a concatenation or an
// alternation of several items adds one), without building the tree: a linear scan with an explicit
// stack, so any depth of parentheses is safe. "" when the pattern is within the limit, else Go's message.
std::string go_regexp_nesting_error(std::string_view pattern);

}  // namespace tocsin

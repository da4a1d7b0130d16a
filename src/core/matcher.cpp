// matcher.cpp: the Matcher value (anchored RE2 for the regex types), its matching and its printing in
// the reference's form, which route keys and group keys are built from.
#include "core/matcher.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "core/utf8.hpp"

namespace tocsin {

namespace {

// Characters the UTF-8 matcher syntax reserves; a name holding one must be printed quoted.
bool is_reserved_rune(char32_t r) {
  if (utf8::is_space(r)) {
    return true;
  }
  switch (r) {
    case '{':
    case '}':
    case '!':
    case '=':
    case '~':
    case ',':
    case '\\':
    case '"':
    case '\'':
    case '`':
      return true;
    default:
      return false;
  }
}

bool has_reserved_rune(std::string_view s) {
  while (!s.empty()) {
    auto d = utf8::decode(s);
    if (is_reserved_rune(d.rune)) {
      return true;
    }
    s.remove_prefix(d.width);
  }
  return false;
}

// OpenMetrics escaping: only backslash, line feed and double quote.
std::string open_metrics_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '"': out += "\\\""; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace

namespace {

// One item of a concatenation as Go's parser would build it: its height as a node, and what it adds to
// an enclosing concatenation (a (?:...) group holding a concatenation is flattened into its parent).
struct TreeItem {
  int node = 1;
  int count = 1;
  int max = 1;
  int literal_len = 0;  // a run of literal characters, one node until a repetition takes its last one
  bool single = false;  // one character or class: alternations of these become one class
};

struct TreeFrame {
  bool capturing = false;
  int count_before = 0, max_before = 0;  // the concatenation so far, without its last item
  bool has_last = false;
  TreeItem last;
  int alt_count = 0, alt_max = 0;
  bool alt_single = true;

  void push(const TreeItem& it) {
    if (has_last) {
      count_before += last.count;
      max_before = std::max(max_before, last.max);
    }
    last = it;
    has_last = true;
  }
  void literal() {
    if (has_last && last.literal_len > 0) {
      ++last.literal_len;
      last.single = false;
      return;
    }
    push(TreeItem{1, 1, 1, 1, true});
  }
  void repeat() {
    if (!has_last) return;  // Go refuses it; RE2 says why
    if (last.literal_len > 1) {
      --last.literal_len;
      push(TreeItem{1, 1, 1, 1, true});
    }
    const int h = last.node + 1;
    last = TreeItem{h, 1, h, 0, false};
  }
  TreeItem branch() const {
    const int count = count_before + (has_last ? last.count : 0);
    if (count == 0) return TreeItem{1, 1, 1, 0, false};
    if (count_before == 0) return last;
    const int m = std::max(max_before, last.max);
    return TreeItem{m + 1, count, m, 0, false};
  }
  void alternate() {
    const TreeItem b = branch();
    ++alt_count;
    alt_max = std::max(alt_max, b.node);
    alt_single = alt_single && b.single;
    count_before = max_before = 0;
    has_last = false;
  }
  TreeItem close() {
    TreeItem inner;
    if (alt_count == 0) {
      inner = branch();
    } else {
      alternate();
      inner = alt_single ? TreeItem{1, 1, 1, 0, true} : TreeItem{alt_max + 1, 1, alt_max + 1, 0, false};
    }
    if (!capturing) return inner;
    return TreeItem{inner.node + 1, 1, inner.node + 1, 0, false};
  }
};

bool is_repeat_brace(std::string_view s, size_t i, size_t* end) {
  // {n}, {n,} or {n,m}
  size_t j = i + 1;
  const size_t d0 = j;
  while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
  if (j == d0 || j >= s.size()) return false;
  if (s[j] == ',') {
    ++j;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
  }
  if (j >= s.size() || s[j] != '}') return false;
  *end = j;
  return true;
}

}  // namespace

std::string go_regexp_nesting_error(std::string_view s) {
  // Without a thousand groups and repetitions no tree gets that high: most patterns stop here.
  size_t nesting = 0;
  for (char c : s) nesting += c == '(' || c == '*' || c == '+' || c == '?' || c == '{';
  if (nesting < 990) return {};
  constexpr int kMaxHeight = 1000;
  std::vector<TreeFrame> stack(1);
  auto too_deep = [&] { return std::string("error parsing regexp: expression nests too deeply: `") + std::string(s) + "`"; };
  for (size_t i = 0; i < s.size(); ++i) {
    TreeFrame& f = stack.back();
    const char c = s[i];
    switch (c) {
      case '\\': {
        if (i + 1 >= s.size()) break;
        const char e = s[++i];
        if (e == 'Q') {
          const size_t end = s.find("\\E", i + 1);
          const size_t stop = end == std::string_view::npos ? s.size() : end;
          for (size_t k = i + 1; k < stop; ++k) f.literal();
          i = end == std::string_view::npos ? s.size() : end + 1;
        } else if (e == 'p' || e == 'P') {
          if (i + 1 < s.size() && s[i + 1] == '{') {
            const size_t end = s.find('}', i + 1);
            i = end == std::string_view::npos ? s.size() : end;
          } else {
            ++i;
          }
          f.push(TreeItem{1, 1, 1, 0, true});
        } else if (e == 'd' || e == 'D' || e == 'w' || e == 'W' || e == 's' || e == 'S') {
          f.push(TreeItem{1, 1, 1, 0, true});
        } else if (e == 'b' || e == 'B' || e == 'A' || e == 'z') {
          f.push(TreeItem{1, 1, 1, 0, false});
        } else if (e == 'x' && i + 1 < s.size() && s[i + 1] == '{') {
          const size_t end = s.find('}', i + 1);
          i = end == std::string_view::npos ? s.size() : end;
          f.literal();
        } else {
          f.literal();
        }
        break;
      }
      case '[': {
        size_t j = i + 1;
        if (j < s.size() && s[j] == '^') ++j;
        if (j < s.size() && s[j] == ']') ++j;
        while (j < s.size() && s[j] != ']') {
          if (s[j] == '\\') {
            ++j;
          } else if (s[j] == '[' && j + 1 < s.size() && s[j + 1] == ':') {
            const size_t end = s.find(":]", j + 2);
            if (end != std::string_view::npos) j = end + 1;
          }
          ++j;
        }
        i = j;
        f.push(TreeItem{1, 1, 1, 0, true});
        break;
      }
      case '(': {
        bool capturing = true;
        if (i + 1 < s.size() && s[i + 1] == '?') {
          if (i + 2 < s.size() && (s[i + 2] == 'P' || s[i + 2] == '<')) {
            const size_t end = s.find('>', i + 2);
            i = end == std::string_view::npos ? s.size() : end;
          } else {
            size_t j = i + 2;
            while (j < s.size() && s[j] != ')' && s[j] != ':') ++j;
            i = j;
            if (j >= s.size() || s[j] == ')') break;  // (?i): flags only, no group
            capturing = false;
          }
        }
        stack.emplace_back();
        stack.back().capturing = capturing;
        break;
      }
      case ')': {
        if (stack.size() == 1) break;  // Go refuses it; RE2 says why
        const TreeItem it = f.close();
        stack.pop_back();
        if (it.node > kMaxHeight) return too_deep();
        stack.back().push(it);
        break;
      }
      case '|':
        f.alternate();
        break;
      case '*':
      case '+':
      case '?':
        f.repeat();
        if (i + 1 < s.size() && s[i + 1] == '?') ++i;  // non-greedy
        if (f.has_last && f.last.node > kMaxHeight) return too_deep();
        break;
      case '{': {
        size_t end = 0;
        if (is_repeat_brace(s, i, &end)) {
          i = end;
          f.repeat();
          if (i + 1 < s.size() && s[i + 1] == '?') ++i;
          if (f.has_last && f.last.node > kMaxHeight) return too_deep();
        } else {
          f.literal();
        }
        break;
      }
      case '^':
      case '$':
        f.push(TreeItem{1, 1, 1, 0, false});
        break;
      case '.':
        f.push(TreeItem{1, 1, 1, 0, true});
        break;
      default:
        f.literal();
        break;
    }
  }
  while (stack.size() > 1) {  // unclosed groups: RE2 refuses them, but their height still counts
    const TreeItem it = stack.back().close();
    stack.pop_back();
    stack.back().push(it);
  }
  return stack.back().close().node > kMaxHeight ? too_deep() : std::string();
}

namespace {

// Compiled anchored regexes by value, shared by the matchers that use the same one (silences and routes
// repeat a few patterns: alertname=~"...", instance=~"..."). RE2 objects are immutable and safe to match
// from any thread. Bounded: emptied when full; long patterns are not kept. Only successes are kept, so
// an invalid regex is compiled (and its message built) on every call.
constexpr size_t kRegexCacheEntries = 1024;
constexpr size_t kRegexCacheMaxPattern = 1024;

Result<std::shared_ptr<const RE2>> compile_anchored(const std::string& value) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::shared_ptr<const RE2>> cache;
  const bool cacheable = value.size() <= kRegexCacheMaxPattern;
  if (cacheable) {
    std::lock_guard lock(mu);
    auto it = cache.find(value);
    if (it != cache.end()) {
      return it->second;
    }
  }
  std::string anchored = "^(?:" + value + ")$";
  if (std::string deep = go_regexp_nesting_error(anchored); !deep.empty()) {
    return make_error(std::move(deep));
  }
  RE2::Options opts;
  opts.set_log_errors(false);  // the error goes back to the caller instead
  auto re = std::make_shared<const RE2>(anchored, opts);
  if (!re->ok()) {
    return make_error(go_regexp_error(*re));
  }
  if (cacheable) {
    std::lock_guard lock(mu);
    if (cache.size() >= kRegexCacheEntries) {
      cache.clear();
    }
    cache.emplace(value, re);
  }
  return std::shared_ptr<const RE2>(std::move(re));
}

}  // namespace

std::string go_regexp_error(const RE2& re) {
  const char* code = "regexp/syntax: internal error";
  switch (re.error_code()) {
    case RE2::ErrorBadEscape: code = "invalid escape sequence"; break;
    case RE2::ErrorBadCharClass: code = "invalid character class"; break;
    case RE2::ErrorBadCharRange: code = "invalid character class range"; break;
    case RE2::ErrorMissingBracket: code = "missing closing ]"; break;
    case RE2::ErrorMissingParen: code = "missing closing )"; break;
    case RE2::ErrorUnexpectedParen: code = "unexpected )"; break;
    case RE2::ErrorTrailingBackslash: code = "trailing backslash at end of expression"; break;
    case RE2::ErrorRepeatArgument: code = "missing argument to repetition operator"; break;
    case RE2::ErrorRepeatSize: code = "invalid repeat count"; break;
    case RE2::ErrorRepeatOp: code = "invalid nested repetition operator"; break;
    case RE2::ErrorBadPerlOp: code = "invalid or unsupported Perl syntax"; break;
    case RE2::ErrorBadUTF8: code = "invalid UTF-8"; break;
    case RE2::ErrorBadNamedCapture: code = "invalid named capture"; break;
    case RE2::ErrorPatternTooLarge: code = "expression too large"; break;
    default: break;
  }
  const std::string& arg = re.error_arg().empty() ? re.pattern() : re.error_arg();
  return std::string("error parsing regexp: ") + code + ": `" + arg + "`";
}

const char* match_type_str(MatchType t) {
  switch (t) {
    case MatchType::kEqual: return "=";
    case MatchType::kNotEqual: return "!=";
    case MatchType::kRegex: return "=~";
    case MatchType::kNotRegex: return "!~";
  }
  return "=";
}

std::optional<MatchType> match_type_from_str(std::string_view s) {
  for (MatchType t : {MatchType::kEqual, MatchType::kNotEqual, MatchType::kRegex, MatchType::kNotRegex}) {
    if (s == match_type_str(t)) return t;
  }
  return std::nullopt;
}

Result<Matcher> Matcher::make(MatchType type, std::string name, std::string value) {
  Matcher m;
  m.type_ = type;
  m.name_ = std::move(name);
  m.value_ = std::move(value);
  if (m.is_regex()) {
    auto re = compile_anchored(m.value_);
    if (!re) {
      return make_error(re.error());
    }
    m.re_ = std::move(*re);
  }
  if (m.is_regex()) {
    // An alternation of plain literals ("svc-1|svc-1-canary"): matched by comparison, not RE2.
    bool plain = m.value_.size() <= 4096;
    for (char c : m.value_) {
      if (std::string_view("\\.+*?()[]{}^$").find(c) != std::string_view::npos || static_cast<unsigned char>(c) < 0x20 ||
          static_cast<unsigned char>(c) >= 0x80) {
        plain = false;
        break;
      }
    }
    if (plain) {
      std::vector<std::string> alts;
      size_t start = 0;
      for (;;) {
        size_t bar = m.value_.find('|', start);
        alts.push_back(m.value_.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
        if (bar == std::string::npos) break;
        start = bar + 1;
      }
      if (alts.size() <= 64) m.literals_ = std::make_shared<const std::vector<std::string>>(std::move(alts));
    }
  }
  return m;
}

bool Matcher::matches(std::string_view v) const {
  switch (type_) {
    case MatchType::kEqual: return v == value_;
    case MatchType::kNotEqual: return v != value_;
    case MatchType::kRegex:
    case MatchType::kNotRegex: {
      bool hit;
      if (literals_) {
        hit = false;
        for (const auto& l : *literals_) {
          if (v == l) {
            hit = true;
            break;
          }
        }
      } else {
        hit = RE2::PartialMatch(v, *re_);
      }
      return type_ == MatchType::kRegex ? hit : !hit;
    }
  }
  return false;
}

std::string Matcher::to_string() const {
  // A name only the UTF-8 syntax can express is printed quoted (and then so is the value, Go-style);
  // otherwise the classic form, which older parsers also read back.
  if (has_reserved_rune(name_)) {
    return go_quote(name_) + match_type_str(type_) + go_quote(value_);
  }
  return name_ + match_type_str(type_) + "\"" + open_metrics_escape(value_) + "\"";
}

bool matches_all(const Matchers& ms, const LabelSet& ls) {
  for (const auto& m : ms) {
    if (!m.matches(ls)) {
      return false;
    }
  }
  return true;
}

std::string matchers_to_string(const Matchers& ms) {
  std::string out = "{";
  for (size_t i = 0; i < ms.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += ms[i].to_string();
  }
  out += '}';
  return out;
}

}  // namespace tocsin

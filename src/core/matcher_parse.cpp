// matcher_parse.cpp: the two matcher syntaxes and the fallback rule between them. The classic parser
// follows Alertmanager 0.25 (pkg/labels); the UTF-8 parser follows the lexer/parser of 0.27+
// (quoted or unquoted names and values, braces that must pair up), error texts included.
#include <optional>

#include "core/matcher.hpp"
#include "core/utf8.hpp"

namespace tocsin {

namespace {

// ---- classic syntax ----------------------------------------------------------------------------

// The classic syntax's notion of white space: Go regexp's \s.
bool is_classic_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

bool is_classic_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

bool is_classic_name_char(char c) { return is_classic_name_start(c) || (c >= '0' && c <= '9'); }

// Go's strings.TrimSpace: Unicode white space off both ends.
std::string_view trim_unicode_space(std::string_view s) {
  size_t begin = 0;
  size_t end = 0;  // just past the last rune that is not a space
  bool seen = false;
  for (size_t pos = 0; pos < s.size();) {
    auto d = utf8::decode(s.substr(pos));
    if (!utf8::is_space(d.rune)) {
      if (!seen) {
        begin = pos;
        seen = true;
      }
      end = pos + d.width;
    }
    pos += d.width;
  }
  return seen ? s.substr(begin, end - begin) : std::string_view();
}

Result<MatchType> classic_operator(std::string_view s, size_t& pos) {
  auto rest = s.substr(pos);
  if (rest.substr(0, 2) == "=~") {
    pos += 2;
    return MatchType::kRegex;
  }
  if (rest.substr(0, 1) == "=") {
    pos += 1;
    return MatchType::kEqual;
  }
  if (rest.substr(0, 2) == "!=") {
    pos += 2;
    return MatchType::kNotEqual;
  }
  if (rest.substr(0, 2) == "!~") {
    pos += 2;
    return MatchType::kNotRegex;
  }
  return make_error("no operator");
}

// ---- UTF-8 syntax: lexer -----------------------------------------------------------------------

constexpr char32_t kEof = 0xFFFFFFFF;

enum class TokenKind { kEof, kOpenBrace, kCloseBrace, kComma, kEquals, kNotEquals, kMatches, kNotMatches, kQuoted, kUnquoted };

struct Token {
  TokenKind kind = TokenKind::kEof;
  std::string_view value;
  int col_start = 0;
  int col_end = 0;
};

// Runes that end an unquoted name or value.
bool is_reserved(char32_t r) {
  if (utf8::is_space(r)) {
    return true;
  }
  switch (r) {
    case '{': case '}': case '!': case '=': case '~': case ',': case '\\': case '"': case '\'': case '`':
      return true;
    default:
      return false;
  }
}

std::string cols(int a, int b) { return std::to_string(a) + ":" + std::to_string(b); }

// Splits the input into tokens. Offsets are bytes; columns count runes, as the reference's
// error positions do. Once it has failed it keeps returning the same error.
class Lexer {
 public:
  explicit Lexer(std::string_view input) : input_(input) {}

  Result<Token> scan() {
    if (err_) {
      return make_error(*err_);
    }
    for (char32_t r = next(); r != kEof; r = next()) {
      switch (r) {
        case '{': return emit(TokenKind::kOpenBrace);
        case '}': return emit(TokenKind::kCloseBrace);
        case ',': return emit(TokenKind::kComma);
        case '=':
        case '!':
          rewind();
          return scan_operator();
        case '"':
          rewind();
          return scan_quoted();
        default: break;
      }
      if (!is_reserved(r)) {
        rewind();
        return scan_unquoted();
      }
      if (utf8::is_space(r)) {
        skip();
        continue;
      }
      return fail(cols(column_, cols_) + ": " + std::string(current()) + ": invalid input");
    }
    return Token{};
  }

  // The next token without consuming it (an error stays recorded).
  Result<Token> peek() {
    const size_t start = start_, pos = pos_, width = width_;
    const int column = column_, read = cols_;
    Result<Token> t = scan();
    start_ = start;
    pos_ = pos;
    width_ = width;
    column_ = column;
    cols_ = read;
    return t;
  }

  // Column just past the last consumed token.
  int column_end() const { return cols_; }

 private:
  char32_t next() {
    if (pos_ >= input_.size()) {
      width_ = 0;
      return kEof;
    }
    auto d = utf8::decode(input_.substr(pos_));
    width_ = d.width;
    pos_ += d.width;
    ++cols_;
    return d.rune;
  }

  // Steps back over the last rune read; reading past the end moved nothing, so nothing to undo.
  void rewind() {
    pos_ -= width_;
    if (width_ > 0) {
      --cols_;
    }
  }

  bool accept(char32_t want) {
    if (next() == want) {
      return true;
    }
    rewind();
    return false;
  }

  void skip() {
    start_ = pos_;
    column_ = cols_;
  }

  std::string_view current() const { return input_.substr(start_, pos_ - start_); }

  Token emit(TokenKind kind) {
    Token t{kind, current(), column_, cols_};
    skip();
    return t;
  }

  Error fail(std::string msg) {
    err_ = msg;
    return make_error(std::move(msg));
  }

  Error expected(std::string_view what) {
    if (pos_ >= input_.size()) {
      return fail(cols(column_, cols_) + ": unexpected end of input, expected one of '" + std::string(what) + "'");
    }
    return fail(cols(column_, cols_) + ": " + std::string(current()) + ": expected one of '" + std::string(what) +
                "'");
  }

  Result<Token> scan_operator() {
    if (accept('!')) {
      if (accept('=')) {
        return emit(TokenKind::kNotEquals);
      }
      if (accept('~')) {
        return emit(TokenKind::kNotMatches);
      }
      return expected("=~");
    }
    if (accept('=')) {
      if (accept('~')) {
        return emit(TokenKind::kMatches);
      }
      return emit(TokenKind::kEquals);
    }
    return expected("!=");
  }

  Result<Token> scan_quoted() {
    next();  // the opening quote, already seen by scan()
    bool escaped = false;
    for (char32_t r = next(); r != kEof; r = next()) {
      if (escaped) {
        escaped = false;
      } else if (r == '\\') {
        escaped = true;
      } else if (r == '"') {
        rewind();
        break;
      }
    }
    if (!accept('"')) {
      return fail(cols(column_, cols_) + ": " + std::string(current()) + ": missing end \"");
    }
    return emit(TokenKind::kQuoted);
  }

  Result<Token> scan_unquoted() {
    for (char32_t r = next(); r != kEof; r = next()) {
      if (is_reserved(r)) {
        rewind();
        break;
      }
    }
    return emit(TokenKind::kUnquoted);
  }

  std::string_view input_;
  std::optional<std::string> err_;
  size_t start_ = 0;  // byte offset of the current token
  size_t pos_ = 0;    // byte offset of the cursor
  size_t width_ = 0;  // width of the last rune read
  int column_ = 0;    // rune column of the current token
  int cols_ = 0;      // runes read so far
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Go's strconv.Unquote for a double-quoted string: the escapes \a \b \f \n \r \t \v \\ \" \xHH \ooo
// \uHHHH \UHHHHHHHH; no raw line feeds; an invalid UTF-8 byte becomes U+FFFD unless the string has
// no escapes at all.
std::optional<std::string> go_unquote(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') {
    return std::nullopt;
  }
  std::string_view in = s.substr(1, s.size() - 2);
  if (in.find('\n') != std::string_view::npos) {
    return std::nullopt;
  }
  if (in.find('\\') == std::string_view::npos && is_valid_utf8(in)) {
    if (in.find('"') != std::string_view::npos) {
      return std::nullopt;
    }
    return std::string(in);
  }
  std::string out;
  while (!in.empty()) {
    auto c = static_cast<unsigned char>(in[0]);
    if (c == '"') {
      return std::nullopt;
    }
    if (c >= 0x80) {
      auto d = utf8::decode(in);
      utf8::append(out, d.rune);
      in.remove_prefix(d.width);
      continue;
    }
    if (c != '\\') {
      out.push_back(static_cast<char>(c));
      in.remove_prefix(1);
      continue;
    }
    if (in.size() < 2) {
      return std::nullopt;
    }
    char e = in[1];
    in.remove_prefix(2);
    switch (e) {
      case 'a': out.push_back('\a'); continue;
      case 'b': out.push_back('\b'); continue;
      case 'f': out.push_back('\f'); continue;
      case 'n': out.push_back('\n'); continue;
      case 'r': out.push_back('\r'); continue;
      case 't': out.push_back('\t'); continue;
      case 'v': out.push_back('\v'); continue;
      case '\\': out.push_back('\\'); continue;
      case '"': out.push_back('"'); continue;
      default: break;
    }
    if (e == 'x' || e == 'u' || e == 'U') {
      size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (in.size() < n) {
        return std::nullopt;
      }
      char32_t v = 0;
      for (size_t i = 0; i < n; ++i) {
        int h = hex_value(in[i]);
        if (h < 0) {
          return std::nullopt;
        }
        v = (v << 4) | static_cast<char32_t>(h);
      }
      in.remove_prefix(n);
      if (e == 'x') {
        out.push_back(static_cast<char>(v));  // a raw byte, not a code point
        continue;
      }
      if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        return std::nullopt;
      }
      utf8::append(out, v);
      continue;
    }
    if (e >= '0' && e <= '7') {
      if (in.size() < 2) {
        return std::nullopt;
      }
      unsigned v = static_cast<unsigned>(e - '0');
      for (size_t i = 0; i < 2; ++i) {
        if (in[i] < '0' || in[i] > '7') {
          return std::nullopt;
        }
        v = v * 8 + static_cast<unsigned>(in[i] - '0');
      }
      if (v > 255) {
        return std::nullopt;
      }
      in.remove_prefix(2);
      out.push_back(static_cast<char>(v));
      continue;
    }
    return std::nullopt;  // unknown escape, including \' inside double quotes
  }
  return out;
}

// ---- UTF-8 syntax: parser ----------------------------------------------------------------------

// A state machine over tokens: open brace → matcher → (comma → matcher)* → close brace → end.
class Utf8Parser {
 public:
  explicit Utf8Parser(std::string_view input) : lexer_(input) {}

  Result<Matchers> parse() {
    State s = State::kOpenBrace;
    while (s != State::kDone) {
      Result<State> next = step(s);
      if (!next) {
        return make_error(next.error());
      }
      s = *next;
    }
    return std::move(matchers_);
  }

 private:
  enum class State { kOpenBrace, kCloseBrace, kMatcher, kEndOfMatcher, kComma, kEnd, kDone };

  // The outcome of looking at the next token for one of a few kinds.
  struct Look {
    enum { kOk, kEndOfInput, kError } status = kOk;
    Token token;
    std::string error;  // for kEndOfInput: "end of input"
  };

  Look look(std::initializer_list<TokenKind> kinds) {
    Result<Token> t = lexer_.peek();
    if (!t) {
      return {Look::kError, {}, t.error()};
    }
    if (t->kind == TokenKind::kEof) {
      return {Look::kEndOfInput, *t, "end of input"};
    }
    for (TokenKind k : kinds) {
      if (t->kind == k) {
        return {Look::kOk, *t, {}};
      }
    }
    return {Look::kError, *t, cols(t->col_start, t->col_end) + ": unexpected " + std::string(t->value)};
  }

  void consume() { (void)lexer_.scan(); }

  Result<State> step(State s) {
    switch (s) {
      case State::kOpenBrace: return open_brace();
      case State::kCloseBrace: return close_brace();
      case State::kMatcher: return matcher();
      case State::kEndOfMatcher: return end_of_matcher();
      case State::kComma: return comma();
      case State::kEnd: return end();
      case State::kDone: break;
    }
    return State::kDone;
  }

  Result<State> open_brace() {
    Result<Token> t = lexer_.peek();
    if (!t) {
      return make_error(t.error());
    }
    if (t->kind == TokenKind::kEof) {
      return State::kEnd;
    }
    has_open_brace_ = t->kind == TokenKind::kOpenBrace;
    if (has_open_brace_) {
      consume();
    }
    Result<Token> after = lexer_.peek();
    if (!after) {
      return make_error(after.error());
    }
    if (after->kind == TokenKind::kEof || after->kind == TokenKind::kCloseBrace) {
      return State::kCloseBrace;
    }
    return State::kMatcher;
  }

  Result<State> close_brace() {
    Look l = look({TokenKind::kCloseBrace});
    if (has_open_brace_) {
      if (l.status != Look::kOk) {
        return make_error("0:" + std::to_string(lexer_.column_end()) + ": " + l.error + ": expected close brace");
      }
      consume();
    } else if (l.status == Look::kOk) {
      consume();
      return make_error("0:" + std::to_string(lexer_.column_end()) + ": }: expected opening brace");
    }
    return State::kEnd;
  }

  Result<State> matcher() {
    Look l = look({TokenKind::kQuoted, TokenKind::kUnquoted});
    if (l.status != Look::kOk) {
      return make_error(l.error + ": expected label name");
    }
    consume();
    std::optional<std::string> name = unquote(l.token);
    if (!name) {
      return invalid(l.token);
    }
    l = look({TokenKind::kEquals, TokenKind::kNotEquals, TokenKind::kMatches, TokenKind::kNotMatches});
    if (l.status != Look::kOk) {
      return make_error(l.error + ": expected an operator such as '=', '!=', '=~' or '!~'");
    }
    consume();
    MatchType type = MatchType::kEqual;
    switch (l.token.kind) {
      case TokenKind::kNotEquals: type = MatchType::kNotEqual; break;
      case TokenKind::kMatches: type = MatchType::kRegex; break;
      case TokenKind::kNotMatches: type = MatchType::kNotRegex; break;
      default: break;
    }
    l = look({TokenKind::kUnquoted, TokenKind::kQuoted});
    if (l.status != Look::kOk) {
      return make_error(l.error + ": expected label value");
    }
    consume();
    std::optional<std::string> value = unquote(l.token);
    if (!value) {
      return invalid(l.token);
    }
    Result<Matcher> m = Matcher::make(type, std::move(*name), std::move(*value));
    if (!m) {
      return make_error("failed to create matcher: " + m.error());
    }
    matchers_.push_back(std::move(*m));
    return State::kEndOfMatcher;
  }

  Result<State> end_of_matcher() {
    Look l = look({TokenKind::kComma, TokenKind::kCloseBrace});
    if (l.status == Look::kEndOfInput) {
      return State::kCloseBrace;
    }
    if (l.status == Look::kError) {
      return make_error(l.error + ": expected a comma or close brace");
    }
    return l.token.kind == TokenKind::kComma ? State::kComma : State::kCloseBrace;
  }

  Result<State> comma() {
    consume();  // end_of_matcher saw the comma
    Look l = look({TokenKind::kCloseBrace, TokenKind::kUnquoted, TokenKind::kQuoted});
    if (l.status == Look::kEndOfInput) {
      return State::kCloseBrace;
    }
    if (l.status == Look::kError) {
      return make_error(l.error + ": expected a matcher or close brace after comma");
    }
    return l.token.kind == TokenKind::kCloseBrace ? State::kCloseBrace : State::kMatcher;
  }

  Result<State> end() {
    Result<Token> t = lexer_.scan();
    if (!t) {
      return make_error(t.error() + ": expected end of input");
    }
    if (t->kind != TokenKind::kEof) {
      return make_error(cols(t->col_start, t->col_end) + ": " + std::string(t->value) + ": expected end of input");
    }
    return State::kDone;
  }

  static std::optional<std::string> unquote(const Token& t) {
    if (t.kind != TokenKind::kQuoted) {
      return std::string(t.value);
    }
    std::optional<std::string> s = go_unquote(t.value);
    if (s && !is_valid_utf8(*s)) {
      return std::nullopt;
    }
    return s;
  }

  static Error invalid(const Token& t) {
    return make_error(cols(t.col_start, t.col_end) + ": " + std::string(t.value) + ": invalid input");
  }

  Lexer lexer_;
  Matchers matchers_;
  bool has_open_brace_ = false;
};

}  // namespace

Result<Matcher> parse_matcher_classic(std::string_view s) {
  auto bad_format = [&] { return make_error("bad matcher format: " + std::string(s)); };
  size_t pos = 0;
  while (pos < s.size() && is_classic_space(s[pos])) {
    ++pos;
  }
  if (pos >= s.size() || !is_classic_name_start(s[pos])) {
    return bad_format();
  }
  size_t name_start = pos;
  while (pos < s.size() && is_classic_name_char(s[pos])) {
    ++pos;
  }
  std::string name(s.substr(name_start, pos - name_start));
  while (pos < s.size() && is_classic_space(s[pos])) {
    ++pos;
  }
  Result<MatchType> type = classic_operator(s, pos);
  if (!type) {
    return bad_format();
  }
  while (pos < s.size() && is_classic_space(s[pos])) {
    ++pos;
  }
  std::string_view raw_full = s.substr(pos);
  while (!raw_full.empty() && is_classic_space(raw_full.back())) {
    raw_full.remove_suffix(1);
  }
  auto unescaped_quote = [&] {
    return make_error("matcher value contains unescaped double quote: " + std::string(raw_full));
  };
  std::string_view raw = raw_full;
  bool expect_trailing_quote = false;
  if (!raw.empty() && raw.front() == '"') {
    raw.remove_prefix(1);
    expect_trailing_quote = true;
  }
  if (!is_valid_utf8(raw)) {
    return make_error("matcher value not valid UTF-8: " + std::string(raw_full));
  }
  // OpenMetrics-style unescaping, tolerant of a lone backslash; a double quote may only close the value.
  std::string value;
  bool escaped = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (escaped) {
      escaped = false;
      if (c == 'n') {
        value.push_back('\n');
      } else if (c == '"' || c == '\\') {
        value.push_back(c);
      } else {
        value.push_back('\\');
        value.push_back(c);
      }
      continue;
    }
    if (c == '\\') {
      if (i + 1 < raw.size()) {
        escaped = true;
        continue;
      }
      value.push_back('\\');
      continue;
    }
    if (c == '"') {
      if (!expect_trailing_quote || i + 1 < raw.size()) {
        return unescaped_quote();
      }
      expect_trailing_quote = false;
      continue;
    }
    value.push_back(c);
  }
  if (expect_trailing_quote) {
    return unescaped_quote();
  }
  return Matcher::make(*type, std::move(name), std::move(value));
}

Result<Matchers> parse_matchers_classic(std::string_view input) {
  std::string_view s = input;
  if (!s.empty() && s.front() == '{') {
    s.remove_prefix(1);
  }
  if (!s.empty() && s.back() == '}') {
    s.remove_suffix(1);
  }
  // Split on commas outside double quotes; a backslash-escaped quote does not open or close them.
  // Bad UTF-8 bytes are re-encoded as U+FFFD, as Go's range-over-string loop does.
  std::vector<std::string> tokens;
  std::string token;
  bool inside_quotes = false;
  bool escaped = false;
  while (!s.empty()) {
    auto d = utf8::decode(s);
    s.remove_prefix(d.width);
    char32_t r = d.rune;
    if (r == ',') {
      if (!inside_quotes) {
        tokens.push_back(std::move(token));
        token.clear();
        continue;
      }
    } else if (r == '"') {
      if (!escaped) {
        inside_quotes = !inside_quotes;
      } else {
        escaped = false;
      }
    } else if (r == '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
    utf8::append(token, r);
  }
  std::string_view last = trim_unicode_space(token);
  if (!last.empty()) {
    tokens.emplace_back(last);
  }
  Matchers out;
  for (const auto& t : tokens) {
    Result<Matcher> m = parse_matcher_classic(t);
    if (!m) {
      return make_error(m.error());
    }
    out.push_back(std::move(*m));
  }
  return out;
}

Result<Matchers> parse_matchers_utf8(std::string_view input) { return Utf8Parser(input).parse(); }

// The fallback rule reduces to: a classic parse that succeeds wins (the reference prefers it both when
// the UTF-8 parser fails and when the two disagree); otherwise the UTF-8 result; otherwise the classic
// parser's error.
Result<Matchers> parse_matchers(std::string_view input) {
  Result<Matchers> classic = parse_matchers_classic(input);
  if (classic) {
    return classic;
  }
  Result<Matchers> utf8 = parse_matchers_utf8(input);
  if (utf8) {
    return utf8;
  }
  return classic;
}

Result<Matcher> parse_matcher(std::string_view input) {
  if ((!input.empty() && input.front() == '{') || (!input.empty() && input.back() == '}')) {
    return make_error("unexpected open or close brace: " + std::string(input));
  }
  Result<Matcher> classic = parse_matcher_classic(input);
  if (classic) {
    return classic;
  }
  Result<Matchers> utf8 = parse_matchers_utf8(input);
  if (utf8 && utf8->size() == 1) {
    return std::move(utf8->front());
  }
  return make_error(classic.error());
}

}  // namespace tocsin

// parse.cpp: lexer and parser of Go's text/template syntax into the trees of ast.hpp. Errors follow Go's
// wording ("template: name:3: unexpected EOF") so users can search for them.
#include <locale.h>
#include <wctype.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <stdexcept>

#include "template/ast.hpp"

namespace tocsin::tmpl {

namespace {

enum class Tok {
  Text, LeftDelim, RightDelim, Field, Variable, Identifier, String, RawString, Char, Number,
  Dot, LeftParen, RightParen, Pipe, Declare, Assign, Comma, Eof,
  Other,  // any other printable ASCII character, which the parser reports as unexpected
  Error   // a lexer error the parser reports when it reaches it (val: the message), as Go's itemError
};

struct Token {
  Tok type;
  std::string val;  // Field: name without the dot; String: the quoted source
  size_t pos;
  int line;
  bool space_before = false;
  int action_line = 0;  // Error: the line of the {{ of the action the lexer stopped in
};

struct ParseError {
  int line;
  std::string message;
  int action_line = 0;  // a lexer error inside an action: the line of its {{, as Go reports it
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_alnum(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The length of the letter, digit or '_' at s[p] (Go's isAlphaNumeric on the rune there), else 0.
size_t alnum_at(const std::string& s, size_t p) {
  const auto c = static_cast<unsigned char>(s[p]);
  if (c < 0x80) {
    return is_alnum(static_cast<char>(c)) ? 1 : 0;
  }
  const size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  uint32_t cp = c & (0xFF >> (n + 1));
  for (size_t k = 1; k < n; ++k) {
    if (p + k >= s.size() || (static_cast<unsigned char>(s[p + k]) & 0xC0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (static_cast<unsigned char>(s[p + k]) & 0x3F);
  }
  static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  if (n == 1 || loc == static_cast<locale_t>(nullptr)) {
    return n == 1 ? 0 : n;
  }
  return iswalnum_l(static_cast<wint_t>(cp), loc) != 0 ? n : 0;
}

class Lexer {
 public:
  explicit Lexer(const std::string& s) : s_(s) {}

  std::vector<Token> run() {
    size_t pos = 0;
    bool trim_next = false;
    while (true) {
      size_t open = s_.find("{{", pos);
      size_t end = open == std::string::npos ? s_.size() : open;
      bool left_trim = open != std::string::npos && open + 3 < s_.size() + 1 && s_.size() > open + 3 &&
                       s_[open + 2] == '-' && is_space(s_[open + 3]);
      size_t tstart = pos;
      size_t tend = end;
      if (trim_next) {
        while (tstart < tend && is_space(s_[tstart])) {
          ++tstart;
        }
      }
      if (left_trim) {
        while (tend > tstart && is_space(s_[tend - 1])) {
          --tend;
        }
      }
      if (tend > tstart) {
        toks_.push_back({Tok::Text, s_.substr(tstart, tend - tstart), tstart, line_at(tstart)});
      }
      if (open == std::string::npos) {
        break;
      }
      size_t p = open + 2 + (left_trim ? 2 : 0);
      // A comment: {{/* ... */}} with optional trim markers, and nothing else in the action.
      if (s_.compare(p, 2, "/*") == 0) {
        size_t close = s_.find("*/", p + 2);
        if (close == std::string::npos) {
          throw ParseError{line_at(open), "unclosed comment"};
        }
        size_t q = close + 2;
        if (q + 3 < s_.size() + 1 && is_space(s_[q]) && s_.compare(q + 1, 3, "-}}") == 0) {
          trim_next = true;
          pos = q + 4;
        } else if (s_.compare(q, 2, "}}") == 0) {
          trim_next = false;
          pos = q + 2;
        } else {
          throw ParseError{line_at(close), "comment ends before closing delimiter"};
        }
        continue;
      }
      toks_.push_back({Tok::LeftDelim, "{{", open, line_at(open)});
      const int action_line = line_at(open);
      try {
        pos = lex_action(p, trim_next);
      } catch (const ParseError& e) {
        // As Go's lexer, whose error is one more item: a parse error on an earlier token of the
        // action is reported first ({{ .Foo } gives 'unexpected "}" in operand', not "unclosed action").
        toks_.push_back({Tok::Error, e.message, s_.size(), e.line, false, action_line});
        break;
      }
      if (stopped_) {
        break;
      }
    }
    toks_.push_back({Tok::Eof, "", s_.size(), line_at(s_.size())});
    return std::move(toks_);
  }

 private:
  int line_at(size_t pos) {
    // Lines are counted incrementally: positions only grow.
    while (line_pos_ < pos && line_pos_ < s_.size()) {
      if (s_[line_pos_] == '\n') {
        ++line_;
      }
      ++line_pos_;
    }
    return line_;
  }

  void emit(Tok t, size_t start, size_t end, bool space) {
    toks_.push_back({t, s_.substr(start, end - start), start, line_at(start), space});
  }

  // Lexes the inside of an action starting at `p`; returns the position after "}}".
  size_t lex_action(size_t p, bool& trim_next) {
    bool space = true;
    int parens = 0;
    while (true) {
      if (p >= s_.size()) {
        throw ParseError{line_at(p), "unclosed action"};
      }
      char c = s_[p];
      if (is_space(c) && s_.compare(p + 1, 3, "-}}") == 0) {
        if (parens > 0) {
          throw ParseError{line_at(p), "unclosed left paren"};
        }
        toks_.push_back({Tok::RightDelim, "}}", p + 2, line_at(p)});
        trim_next = true;
        return p + 4;
      }
      if (s_.compare(p, 2, "}}") == 0) {
        if (parens > 0) {
          throw ParseError{line_at(p), "unclosed left paren"};
        }
        toks_.push_back({Tok::RightDelim, "}}", p, line_at(p)});
        trim_next = false;
        return p + 2;
      }
      if (is_space(c)) {
        while (p < s_.size() && is_space(s_[p]) &&
               !(s_.compare(p + 1, 3, "-}}") == 0)) {
          ++p;
        }
        space = true;
        continue;
      }
      size_t start = p;
      if (c == '=') {
        emit(Tok::Assign, p, p + 1, space);
        ++p;
      } else if (c == ':') {
        if (s_.compare(p, 2, ":=") != 0) {
          throw ParseError{line_at(p), "expected :="};
        }
        emit(Tok::Declare, p, p + 2, space);
        p += 2;
      } else if (c == '|') {
        emit(Tok::Pipe, p, p + 1, space);
        ++p;
      } else if (c == ',') {
        emit(Tok::Comma, p, p + 1, space);
        ++p;
      } else if (c == '(') {
        ++parens;
        emit(Tok::LeftParen, p, p + 1, space);
        ++p;
      } else if (c == ')') {
        emit(Tok::RightParen, p, p + 1, space);
        if (--parens < 0) {
          // As Go's lexer: the ')' is an item first, so the parser usually reports it ("unexpected ")"
          // in command"); the lexer's own error comes after it, and lexing ends there.
          toks_.push_back({Tok::Error, "unexpected right paren U+0029 ')'", p, line_at(p)});
          stopped_ = true;
          return s_.size();
        }
        ++p;
      } else if (c == '"') {
        ++p;
        while (true) {
          if (p >= s_.size() || s_[p] == '\n') {
            throw ParseError{line_at(start), "unterminated quoted string"};
          }
          if (s_[p] == '\\') {
            p += 2;
            continue;
          }
          if (s_[p] == '"') {
            ++p;
            break;
          }
          ++p;
        }
        emit(Tok::String, start, p, space);
      } else if (c == '`') {
        size_t close = s_.find('`', p + 1);
        if (close == std::string::npos) {
          throw ParseError{line_at(start), "unterminated raw quoted string"};
        }
        p = close + 1;
        emit(Tok::RawString, start, p, space);
      } else if (c == '\'') {
        ++p;
        while (true) {
          if (p >= s_.size() || s_[p] == '\n') {
            throw ParseError{line_at(start), "unterminated character constant"};
          }
          if (s_[p] == '\\') {
            p += 2;
            continue;
          }
          if (s_[p] == '\'') {
            ++p;
            break;
          }
          ++p;
        }
        emit(Tok::Char, start, p, space);
      } else if (c == '$') {
        ++p;
        for (size_t n = 0; p < s_.size() && (n = alnum_at(s_, p)) != 0;) {
          p += n;
        }
        emit(Tok::Variable, start, p, space);
      } else if (c == '.' && p + 1 < s_.size() && is_digit(s_[p + 1])) {
        p = lex_number(p);
        emit(Tok::Number, start, p, space);
      } else if (c == '.') {
        ++p;
        for (size_t n = 0; p < s_.size() && (n = alnum_at(s_, p)) != 0;) {
          p += n;
        }
        if (p == start + 1) {
          emit(Tok::Dot, start, p, space);
        } else {
          toks_.push_back({Tok::Field, s_.substr(start + 1, p - start - 1), start, line_at(start), space});
        }
      } else if (is_digit(c) || c == '-' || c == '+') {  // Go lexes any sign as a number
        p = lex_number(p);
        emit(Tok::Number, start, p, space);
      } else if (alnum_at(s_, p) != 0) {
        for (size_t n = 0; p < s_.size() && (n = alnum_at(s_, p)) != 0;) {
          p += n;
        }
        emit(Tok::Identifier, start, p, space);
      } else if (static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f) {
        ++p;
        emit(Tok::Other, start, p, space);
      } else {
        // Go's %#U: U+00E9 'é' (the quoted form only for a printable rune).
        uint32_t cp = static_cast<unsigned char>(c);
        size_t n = 1;
        if (cp >= 0xC0) {
          n = cp >= 0xF0 ? 4 : cp >= 0xE0 ? 3 : 2;
          cp &= 0xFF >> (n + 1);
          for (size_t k = 1; k < n && p + k < s_.size(); ++k) {
            cp = (cp << 6) | (static_cast<unsigned char>(s_[p + k]) & 0x3F);
          }
        }
        char buf[16];
        std::snprintf(buf, sizeof buf, "U+%04X", cp);
        std::string desc = buf;
        if (cp >= 0xA0 && p + n <= s_.size()) {
          desc += " '" + s_.substr(p, n) + "'";
        }
        throw ParseError{line_at(p), "unrecognized character in action: " + desc};
      }
      space = false;
    }
  }

  // Go's scanNumber: a sign, a base prefix, digits, a fraction, an exponent, an imaginary 'i'; a letter or
  // digit right after it makes the whole "bad number syntax".
  size_t lex_number(size_t p) {
    const size_t start = p;
    auto accept = [&](std::string_view set) {
      if (p < s_.size() && set.find(s_[p]) != std::string_view::npos) {
        ++p;
        return true;
      }
      return false;
    };
    auto accept_run = [&](std::string_view set) {
      while (accept(set)) {
      }
    };
    accept("+-");
    std::string_view digits = "0123456789_";
    if (accept("0")) {
      if (accept("xX")) {
        digits = "0123456789abcdefABCDEF_";
      } else if (accept("oO")) {
        digits = "01234567_";
      } else if (accept("bB")) {
        digits = "01_";
      }
    }
    accept_run(digits);
    if (accept(".")) {
      accept_run(digits);
    }
    if (digits.size() == 11 && accept("eE")) {
      accept("+-");
      accept_run("0123456789_");
    }
    if (digits.size() == 23 && accept("pP")) {
      accept("+-");
      accept_run("0123456789_");
    }
    accept("i");
    if (p < s_.size() && alnum_at(s_, p) != 0) {
      throw ParseError{line_at(start), "bad number syntax: " + quote(s_.substr(start, p + 1 - start))};
    }
    return p;
  }

  static std::string quote(const std::string& s) { return "\"" + s + "\""; }

  const std::string& s_;
  std::vector<Token> toks_;
  bool stopped_ = false;  // a lexer error token ended the input
  size_t line_pos_ = 0;
  int line_ = 1;
};

// Go's strconv.Unquote for "..." and `...` literals; '...' yields the rune's UTF-8.
bool unquote(const std::string& q, std::string& out, uint32_t* rune = nullptr) {
  if (q.size() < 2) {
    return false;
  }
  if (q[0] == '`') {
    out = q.substr(1, q.size() - 2);
    out.erase(std::remove(out.begin(), out.end(), '\r'), out.end());
    return true;
  }
  out.clear();
  auto put_utf8 = [&out](uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  };
  uint32_t last = 0;
  int count = 0;
  for (size_t i = 1; i + 1 < q.size(); ++i) {
    char c = q[i];
    ++count;
    if (c != '\\') {
      unsigned char uc = static_cast<unsigned char>(c);
      if (uc < 0x80) {
        last = uc;
      } else {
        // decode one UTF-8 sequence for rune values
        int n = uc >= 0xF0 ? 3 : uc >= 0xE0 ? 2 : 1;
        last = uc & (0x3F >> n);
        for (int k = 0; k < n && i + 1 < q.size() - 1; ++k) {
          out += c;
          c = q[++i];
          last = (last << 6) | (static_cast<unsigned char>(c) & 0x3F);
        }
      }
      out += c;
      continue;
    }
    if (i + 2 >= q.size()) {
      return false;
    }
    char e = q[++i];
    auto hex = [&](int n) -> int64_t {
      uint32_t v = 0;
      for (int k = 0; k < n; ++k) {
        if (i + 2 >= q.size()) {
          return -1;
        }
        char h = q[++i];
        int d = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                                                  : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
        if (d < 0) {
          return -1;
        }
        v = v * 16 + static_cast<uint32_t>(d);
      }
      return v;
    };
    switch (e) {
      case 'n': out += '\n'; last = '\n'; break;
      case 't': out += '\t'; last = '\t'; break;
      case 'r': out += '\r'; last = '\r'; break;
      case 'a': out += '\a'; last = '\a'; break;
      case 'b': out += '\b'; last = '\b'; break;
      case 'f': out += '\f'; last = '\f'; break;
      case 'v': out += '\v'; last = '\v'; break;
      case '\\': out += '\\'; last = '\\'; break;
      case '"': out += '"'; last = '"'; break;
      case '\'': out += '\''; last = '\''; break;
      case 'x': {
        int64_t v = hex(2);
        if (v < 0) return false;
        out += static_cast<char>(v);
        last = static_cast<uint32_t>(v);
        break;
      }
      case 'u':
      case 'U': {
        int64_t v = hex(e == 'u' ? 4 : 8);
        if (v < 0) return false;
        put_utf8(static_cast<uint32_t>(v));
        last = static_cast<uint32_t>(v);
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0';
          for (int k = 0; k < 2; ++k) {
            char o = q[++i];
            if (o < '0' || o > '7') return false;
            v = v * 8 + (o - '0');
          }
          out += static_cast<char>(v);
          last = static_cast<uint32_t>(v);
          break;
        }
        return false;
    }
  }
  if (rune != nullptr) {
    if (count != 1) {
      return false;  // a character constant is exactly one rune ('ab' is malformed)
    }
    *rune = last;
  }
  return true;
}

bool parse_int_literal(std::string s, int64_t& out) {
  s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.erase(0, 1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.erase(0, 2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
    base = 8;
    s.erase(0, 2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
    base = 2;
    s.erase(0, 2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
  }
  if (s.empty()) {
    return false;
  }
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, base);
  if (*end != '\0' || errno != 0) {
    return false;
  }
  if (v > static_cast<unsigned long long>(INT64_MAX) + (neg ? 1 : 0)) {
    return false;
  }
  out = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

class Parser {
 public:
  Parser(const std::string& name, std::shared_ptr<const std::string> src,
         const std::function<bool(const std::string&)>& is_function)
      : name_(name), src_(std::move(src)), is_function_(is_function) {}

  std::vector<TreePtr> run() {
    toks_ = Lexer(*src_).run();
    auto root = make(Node::Kind::List, 0);
    while (peek().type != Tok::Eof) {
      if (peek().type == Tok::LeftDelim && peek(1).type == Tok::Identifier && peek(1).val == "define") {
        next();
        next();
        parse_definition();
        continue;
      }
      auto [n, marker] = text_or_action();
      if (marker != Marker::None) {
        fail(std::string("unexpected ") + (marker == Marker::End ? "{{end}}" : "{{else}}"));
      }
      if (n) {
        root->children.push_back(std::move(n));
      }
    }
    auto top = std::make_shared<Tree>();
    top->name = name_;
    top->parse_name = name_;
    top->source = src_;
    top->root = std::move(root);
    std::vector<TreePtr> out{top};
    for (auto& t : defined_) {
      out.push_back(std::move(t));
    }
    return out;
  }

 private:
  enum class Marker { None, End, Else };

  const Token& peek(size_t k = 0) const {
    size_t i = std::min(i_ + k, toks_.size() - 1);
    return toks_[i];
  }
  const Token& next() {
    const Token& t = toks_[std::min(i_, toks_.size() - 1)];
    last_line_ = t.line;
    if (t.type == Tok::Error) {
      throw ParseError{t.line, t.val, t.action_line};
    }
    if (i_ < toks_.size() - 1) {
      ++i_;
    }
    return t;
  }
  [[noreturn]] void fail(const std::string& msg) { throw ParseError{last_line_, msg}; }

  NodePtr make(Node::Kind k, size_t pos) { return std::make_unique<Node>(k, pos, last_line_); }

  // Go's item.String(): keywords as <if>, other items quoted (%q, cut at 10 runes with "...").
  static std::string describe(const Token& t) {
    static const std::set<std::string, std::less<>> kKeywords = {
        "block", "break", "continue", "define", "else", "end", "if", "range", "nil", "template", "with"};
    switch (t.type) {
      case Tok::Eof:
        return "EOF";
      case Tok::RightDelim:
        return "\"}}\"";
      case Tok::LeftDelim:
        return "\"{{\"";
      case Tok::Dot:
        return "<.>";
      case Tok::Identifier:
        if (kKeywords.count(t.val) != 0) {
          return "<" + t.val + ">";
        }
        break;
      default:
        break;
    }
    std::string val = t.type == Tok::Field ? "." + t.val : t.val;
    size_t cut = 0;
    int runes = 0;
    while (cut < val.size() && runes < 10) {
      ++cut;
      while (cut < val.size() && (static_cast<unsigned char>(val[cut]) & 0xC0) == 0x80) {
        ++cut;
      }
      ++runes;
    }
    const bool longer = cut < val.size();
    std::string q = "\"";
    for (char c : val.substr(0, cut)) {
      if (c == '"' || c == '\\') {
        q += '\\';
      }
      q += c;
    }
    return q + "\"" + (longer ? "..." : "");
  }

  void expect(Tok type, const char* context) {
    const Token& t = next();
    if (t.type != type) {
      fail("unexpected " + describe(t) + " in " + context);
    }
  }

  void parse_definition() {
    const Token& nt = next();
    if (nt.type != Tok::String && nt.type != Tok::RawString) {
      fail("unexpected " + describe(nt) + " in define clause");
    }
    std::string tname;
    if (!unquote(nt.val, tname)) {
      fail("invalid syntax: " + nt.val);
    }
    expect(Tok::RightDelim, "define clause");
    auto [list, marker] = item_list();
    if (marker != Marker::End) {
      fail("unexpected {{else}} in define clause");
    }
    add_tree(tname, std::move(list));
  }

  void add_tree(const std::string& tname, NodePtr list) {
    auto t = std::make_shared<Tree>();
    t->name = tname;
    t->parse_name = name_;
    t->source = src_;
    t->root = std::move(list);
    // Within one text, a second non-empty definition of a name is an error, as Go's Tree.add; an empty
    // one never replaces a non-empty one.
    for (auto& old : defined_) {
      if (old->name != tname) {
        continue;
      }
      if (is_empty_tree(*old)) {
        old = std::move(t);
        return;
      }
      if (!is_empty_tree(*t)) {
        fail("template: multiple definition of template \"" + tname + "\"");
      }
      return;
    }
    defined_.push_back(std::move(t));
  }

  // Items up to {{end}} or {{else}}; EOF is an error.
  std::pair<NodePtr, Marker> item_list() {
    auto list = make(Node::Kind::List, peek().pos);
    while (true) {
      if (peek().type == Tok::Eof) {
        next();
        fail("unexpected EOF");
      }
      auto [n, marker] = text_or_action();
      if (marker != Marker::None) {
        return {std::move(list), marker};
      }
      if (n) {
        list->children.push_back(std::move(n));
      }
    }
  }

  std::pair<NodePtr, Marker> text_or_action() {
    const Token& t = next();
    if (t.type == Tok::Text) {
      auto n = make(Node::Kind::Text, t.pos);
      n->text = t.val;
      return {std::move(n), Marker::None};
    }
    if (t.type == Tok::LeftDelim) {
      return action();
    }
    fail("unexpected " + describe(t) + " in input");
  }

  std::pair<NodePtr, Marker> action() {
    const Token& t = peek();
    if (t.type == Tok::Identifier) {
      const std::string& kw = t.val;
      if (kw == "end") {
        next();
        expect(Tok::RightDelim, "end");
        return {nullptr, Marker::End};
      }
      if (kw == "else") {
        next();
        if (peek().type == Tok::Identifier && peek().val == "if") {
          // {{else if}}: the caller parses the nested control, which shares the outer {{end}}. Go 1.19
          // (the reference's) has no {{else with}}.
          return {nullptr, Marker::Else};
        }
        expect(Tok::RightDelim, "else");
        return {nullptr, Marker::Else};
      }
      if (kw == "if" || kw == "range" || kw == "with") {
        next();
        return {control(kw == "if" ? Node::Kind::If : kw == "range" ? Node::Kind::Range : Node::Kind::With,
                        kw, t.pos),
                Marker::None};
      }
      if (kw == "break" || kw == "continue") {
        size_t pos = next().pos;
        if (range_depth_ == 0) {
          fail("{{" + kw + "}} outside {{range}}");
        }
        expect(Tok::RightDelim, ("{{" + kw + "}}").c_str());
        return {make(kw == "break" ? Node::Kind::Break : Node::Kind::Continue, pos), Marker::None};
      }
      if (kw == "template" || kw == "block") {
        std::string k = kw;
        size_t pos = next().pos;
        const Token& nt = next();
        if (nt.type != Tok::String && nt.type != Tok::RawString) {
          fail("unexpected " + describe(nt) + " in " + k + " clause");
        }
        auto n = make(Node::Kind::Template, nt.pos);
        (void)pos;
        if (!unquote(nt.val, n->text)) {
          fail("invalid syntax: " + nt.val);
        }
        if (k == "block" || peek().type != Tok::RightDelim) {  // a block's pipeline is required
          n->pipe = pipeline((k + " clause").c_str(), Tok::RightDelim);
        } else {
          next();
        }
        if (k == "block") {
          auto [list, marker] = item_list();
          if (marker != Marker::End) {
            fail("unexpected {{else}} in block clause");
          }
          add_tree(n->text, std::move(list));
        }
        return {std::move(n), Marker::None};
      }
      if (kw == "define") {
        fail("unexpected <define> in command");
      }
    }
    size_t pos = peek().pos;
    auto n = make(Node::Kind::Action, pos);
    n->pipe = pipeline("command", Tok::RightDelim);
    return {std::move(n), Marker::None};
  }

  NodePtr control(Node::Kind kind, const std::string& context, size_t pos) {
    size_t vars_mark = vars_.size();
    auto n = make(kind, pos);
    n->pipe = pipeline(context.c_str(), Tok::RightDelim);
    if (kind == Node::Kind::Range) {
      ++range_depth_;
    }
    auto [list, marker] = item_list();
    if (kind == Node::Kind::Range) {
      --range_depth_;
    }
    n->list = std::move(list);
    if (marker == Marker::Else) {
      if (peek().type == Tok::Identifier && (peek().val == "if" || peek().val == "with")) {
        if (kind == Node::Kind::Range || (peek().val == "with") != (kind == Node::Kind::With)) {
          if (kind != Node::Kind::If || peek().val != "if") {
            fail("unexpected " + describe(peek()) + " in input");
          }
        }
        const Token& kt = next();
        auto else_list = make(Node::Kind::List, kt.pos);
        else_list->children.push_back(
            control(kt.val == "if" ? Node::Kind::If : Node::Kind::With, kt.val, kt.pos));
        n->else_list = std::move(else_list);
      } else {
        auto [else_list, m2] = item_list();
        if (m2 != Marker::End) {
          fail("expected end; found {{else}}");
        }
        n->else_list = std::move(else_list);
      }
    }
    vars_.resize(vars_mark);
    return n;
  }

  NodePtr pipeline(const char* context, Tok end) {
    auto pipe = make(Node::Kind::Pipe, peek().pos);
    // Declarations: $x := ..., $x = ..., and in range $i, $e := ...
    if (peek().type == Tok::Variable) {
      if (peek(1).type == Tok::Declare || peek(1).type == Tok::Assign) {
        // As Go's parser: the variable is known from here on, for := and for = alike (an assignment to
        // an undeclared variable fails when it runs, not when it is parsed).
        const Token& v = next();
        pipe->is_assign = next().type == Tok::Assign;
        pipe->idents.push_back(v.val);
        vars_.push_back(v.val);
      } else if (peek(1).type == Tok::Comma && peek(2).type == Tok::Variable && peek(3).type == Tok::Comma) {
        fail(std::string("too many declarations in ") + context);  // range $i, $j, $k := ...
      } else if (peek(1).type == Tok::Comma && peek(2).type == Tok::Variable &&
                 (peek(3).type == Tok::Declare || peek(3).type == Tok::Assign)) {
        if (std::string(context) != "range") {
          next();
          next();
          fail(std::string("too many declarations in ") + context);
        }
        pipe->idents.push_back(next().val);
        next();
        pipe->idents.push_back(next().val);
        pipe->is_assign = next().type == Tok::Assign;
        vars_.push_back(pipe->idents[0]);
        vars_.push_back(pipe->idents[1]);
      }
    }
    while (true) {
      const Token& t = peek();
      if (t.type == end) {
        next();
        break;
      }
      if (t.type == Tok::Eof || t.type == Tok::RightDelim) {
        next();
        fail("unexpected " + describe(t) + " in operand");
      }
      if (t.type == Tok::Pipe || t.type == Tok::Comma || t.type == Tok::Declare || t.type == Tok::Assign ||
          t.type == Tok::Other || t.type == Tok::RightParen || t.type == Tok::Error) {
        next();
        fail("unexpected " + describe(t) + " in " + context);  // no operand starts a command here
      }
      pipe->children.push_back(command(end));
    }
    if (pipe->children.empty()) {
      fail(std::string("missing value for ") + context);
    }
    // Only the first command may start with a constant.
    for (size_t i = 1; i < pipe->children.size(); ++i) {
      const Node::Kind k = pipe->children[i]->children[0]->kind;
      if (k == Node::Kind::Bool || k == Node::Kind::Dot || k == Node::Kind::Nil || k == Node::Kind::Number ||
          k == Node::Kind::String) {
        fail("non executable command in pipeline stage " + std::to_string(i + 1));
      }
    }
    return pipe;
  }

  NodePtr command(Tok end) {
    auto cmd = make(Node::Kind::Command, peek().pos);
    while (true) {
      auto op = operand();
      if (!op) {
        const std::string what = describe(peek());
        next();  // Go reports the line of the token it read
        fail("unexpected " + what + " in operand");
      }
      cmd->children.push_back(std::move(op));
      const Token& t = peek();
      if (t.type == end) {
        break;
      }
      if (t.type == Tok::Pipe) {
        next();  // a trailing "|" ends the pipeline, as Go 1.19 accepts it
        break;
      }
      if (t.type == Tok::RightParen) {
        break;  // not this pipeline's end: the pipeline reports it, in its context (Go's command() backs up)
      }
      if (t.type == Tok::RightDelim || t.type == Tok::Eof) {
        next();
        fail("unexpected " + describe(t) + " in operand");
      }
      if (!t.space_before) {
        next();
        fail("missing space?");
      }
    }
    return cmd;
  }

  void check_var(const std::string& v) {
    std::string base = v.substr(0, v.find('.'));
    if (base == "$") {
      return;
    }
    for (const auto& x : vars_) {
      if (x == base) {
        return;
      }
    }
    fail("undefined variable \"" + base + "\"");
  }

  NodePtr operand() {
    auto n = term();
    if (!n) {
      return n;
    }
    if (peek().type == Tok::Field && !peek().space_before) {
      std::vector<std::string> fields;
      size_t pos = peek().pos;  // Go places a chain at its first chained field
      while (peek().type == Tok::Field && !peek().space_before) {
        fields.push_back(next().val);
      }
      switch (n->kind) {
        case Node::Kind::Field:
        case Node::Kind::Variable:
          n->idents.insert(n->idents.end(), fields.begin(), fields.end());
          n->pos = pos;
          break;
        case Node::Kind::Bool:
        case Node::Kind::String:
        case Node::Kind::Number:
        case Node::Kind::Nil:
        case Node::Kind::Dot:
          fail("unexpected . after term \"" + n->to_string() + "\"");
        default: {
          auto chain = make(Node::Kind::Chain, pos);
          chain->pipe = std::move(n);
          chain->idents = std::move(fields);
          n = std::move(chain);
        }
      }
    }
    return n;
  }

  NodePtr term() {
    const Token& t = peek();
    switch (t.type) {
      case Tok::Identifier: {
        next();
        if (t.val == "true" || t.val == "false") {
          auto n = make(Node::Kind::Bool, t.pos);
          n->bval = t.val == "true";
          return n;
        }
        if (t.val == "nil") {
          return make(Node::Kind::Nil, t.pos);
        }
        if (!is_function_(t.val)) {
          fail("function \"" + t.val + "\" not defined");
        }
        auto n = make(Node::Kind::Identifier, t.pos);
        n->text = t.val;
        return n;
      }
      case Tok::Dot:
        next();
        return make(Node::Kind::Dot, t.pos);
      case Tok::Variable: {
        next();
        check_var(t.val);
        auto n = make(Node::Kind::Variable, t.pos);
        n->idents.push_back(t.val);
        return n;
      }
      case Tok::Field: {
        next();
        auto n = make(Node::Kind::Field, t.pos);
        n->idents.push_back(t.val);
        return n;
      }
      case Tok::Char: {
        next();
        auto n = make(Node::Kind::Number, t.pos);
        std::string s;
        uint32_t r = 0;
        if (!unquote(t.val, s, &r)) {
          fail("malformed character constant: " + t.val);
        }
        n->text = t.val;
        n->is_int = true;
        n->ival = r;
        n->fval = r;
        return n;
      }
      case Tok::Number: {
        next();
        auto n = make(Node::Kind::Number, t.pos);
        n->text = t.val;
        int64_t iv = 0;
        bool hex = t.val.find("0x") != std::string::npos || t.val.find("0X") != std::string::npos;
        bool floaty = !hex && t.val.find_first_of(".eE") != std::string::npos;
        if (!floaty && parse_int_literal(t.val, iv)) {
          n->is_int = true;
          n->ival = iv;
          n->fval = static_cast<double>(iv);
          return n;
        }
        std::string s = t.val;
        s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
        char* end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        if (end == s.c_str() || *end != '\0') {
          fail("illegal number syntax: \"" + t.val + "\"");
        }
        if (t.val.find_first_of(".eEpP") == std::string::npos) {
          // A float-parsable integer: too large for int64, which Go rejects at parse time.
          fail("integer overflow: \"" + t.val + "\"");
        }
        n->fval = d;
        return n;
      }
      case Tok::String:
      case Tok::RawString: {
        next();
        auto n = make(Node::Kind::String, t.pos);
        if (!unquote(t.val, n->text)) {
          fail("invalid syntax");
        }
        n->idents.push_back(t.val);  // the quoted source, for error contexts
        return n;
      }
      case Tok::LeftParen: {
        next();
        auto p = pipeline("parenthesized pipeline", Tok::RightParen);
        return p;
      }
      default:
        return nullptr;
    }
  }

  std::string name_;
  std::shared_ptr<const std::string> src_;
  const std::function<bool(const std::string&)>& is_function_;
  std::vector<Token> toks_;
  size_t i_ = 0;
  int last_line_ = 1;
  int range_depth_ = 0;
  std::vector<std::string> vars_{"$"};
  std::vector<TreePtr> defined_;
};

}  // namespace

std::string Node::to_string() const {
  auto join = [](const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) {
        out += sep;
      }
      out += v[i];
    }
    return out;
  };
  switch (kind) {
    case Kind::Field:
      return "." + join(idents, ".");
    case Kind::Variable:
      return join(idents, ".");
    case Kind::Identifier:
      return text;
    case Kind::Dot:
      return ".";
    case Kind::Nil:
      return "nil";
    case Kind::Bool:
      return bval ? "true" : "false";
    case Kind::Number:
      return text;
    case Kind::String:
      return idents.empty() ? text : idents[0];
    case Kind::Chain: {
      std::string s = pipe->to_string();
      if (pipe->kind == Kind::Pipe) {
        s = "(" + s + ")";
      }
      return s + "." + join(idents, ".");
    }
    case Kind::Command: {
      std::string out;
      for (size_t i = 0; i < children.size(); ++i) {
        if (i > 0) {
          out += ' ';
        }
        if (children[i]->kind == Kind::Pipe) {
          out += "(" + children[i]->to_string() + ")";
        } else {
          out += children[i]->to_string();
        }
      }
      return out;
    }
    case Kind::Pipe: {
      std::string out;
      if (!idents.empty()) {
        out = join(idents, ", ") + (is_assign ? " = " : " := ");
      }
      for (size_t i = 0; i < children.size(); ++i) {
        if (i > 0) {
          out += " | ";
        }
        out += children[i]->to_string();
      }
      return out;
    }
    case Kind::Template:
      return "{{template \"" + text + "\"" + (pipe ? " " + pipe->to_string() : "") + "}}";
    case Kind::Action:
      return "{{" + pipe->to_string() + "}}";
    case Kind::If:
      return "{{if " + pipe->to_string() + "}}";
    case Kind::Range:
      return "{{range " + pipe->to_string() + "}}";
    case Kind::With:
      return "{{with " + pipe->to_string() + "}}";
    case Kind::Break:
      return "{{break}}";
    case Kind::Continue:
      return "{{continue}}";
    case Kind::Text:
      return text;
    case Kind::List:
      return "";
  }
  return "";
}

Result<std::vector<TreePtr>> parse_templates(const std::string& name, std::string text,
                                             const std::function<bool(const std::string&)>& is_function) {
  auto src = std::make_shared<const std::string>(std::move(text));
  try {
    Parser p(name, src, is_function);
    return p.run();
  } catch (const ParseError& e) {
    // Go names the action's first line when a lexer error inside it is on a later one.
    std::string extra;
    if (e.action_line != 0 && e.action_line != e.line) {
      const bool ends_in_action = e.message.size() >= 7 && e.message.compare(e.message.size() - 7, 7, " action") == 0;
      extra = std::string(ends_in_action ? " started at " : " in action started at ") + name + ":" +
              std::to_string(e.action_line);
    }
    return make_error("template: " + name + ":" + std::to_string(e.line) + ": " + e.message + extra);
  }
}

bool is_empty_tree(const Tree& t) {
  if (!t.root) {
    return true;
  }
  for (const auto& n : t.root->children) {
    if (n->kind != Node::Kind::Text) {
      return false;
    }
    for (char c : n->text) {
      if (!is_space(c)) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace tocsin::tmpl

// go_text.cpp: see go_text.hpp.
#include "receivers/go_text.hpp"

#include <cctype>
#include <vector>

namespace tocsin::receivers::gourl {

namespace {

struct UrlParts {
  std::string_view prefix;  // "scheme://authority" (empty for a relative URL)
  std::string_view path;    // escaped path
  std::string_view rest;    // "?query#fragment"
};

UrlParts split_url(std::string_view url) {
  UrlParts p;
  size_t start = 0;
  size_t scheme = url.find("://");
  size_t qf = url.find_first_of("?#");
  if (scheme != std::string_view::npos && (qf == std::string_view::npos || scheme < qf)) {
    size_t slash = url.find('/', scheme + 3);
    size_t end = std::min(slash, qf);
    start = end == std::string_view::npos ? url.size() : end;
  }
  p.prefix = url.substr(0, start);
  size_t path_end = qf == std::string_view::npos || qf < start ? url.size() : qf;
  p.path = url.substr(start, path_end - start);
  p.rest = url.substr(path_end);
  return p;
}

}  // namespace

std::string clean_path(std::string_view p) {
  if (p.empty()) return ".";
  const bool rooted = p.front() == '/';
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view e = p.substr(i, j - i);
    i = j + 1;
    if (e.empty() || e == ".") continue;
    if (e == "..") {
      if (!out.empty() && out.back() != "..") {
        out.pop_back();
      } else if (!rooted) {
        out.push_back(e);
      }
      continue;
    }
    out.push_back(e);
  }
  std::string r = rooted ? "/" : "";
  for (size_t k = 0; k < out.size(); ++k) {
    if (k > 0) r += '/';
    r += out[k];
  }
  return r.empty() ? "." : r;
}

std::string join_path(std::string_view url, std::string_view elem) {
  UrlParts u = split_url(url);
  // path.Join skips empty elements and cleans the result; JoinPath roots a relative path first so that
  // ".." cannot climb above it, then takes the root off again.
  std::string base(u.path);
  const bool relative = base.empty() || base.front() != '/';
  if (relative) base = "/" + base;
  std::string joined = elem.empty() ? base : base + "/" + std::string(elem);
  std::string p = clean_path(joined);
  if (relative) p = p.substr(1);
  if (!elem.empty() && elem.back() == '/' && (p.empty() || p.back() != '/')) p += '/';
  std::string out(u.prefix);
  // url.URL.String puts a slash between a host and a path that lacks one.
  if (!u.prefix.empty() && !p.empty() && p.front() != '/') out += '/';
  out += p;
  out += u.rest;
  return out;
}

std::string url_host(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view a = url.substr(scheme + 3);
  a = a.substr(0, a.find_first_of("/?#"));
  if (size_t at = a.rfind('@'); at != std::string_view::npos) a = a.substr(at + 1);
  return std::string(a);
}

std::string url_path(std::string_view url) { return std::string(split_url(url).path); }

std::string quote(std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // A valid multi-byte sequence is kept (C1 controls U+0080..U+009F escaped); a stray byte is \xNN.
      size_t n = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
      bool ok = n > 0 && i + n <= s.size();
      for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
      if (ok && n == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) {
        const auto b = static_cast<unsigned char>(s[i + 1]);
        out += "\\u00";
        out += kHex[b >> 4];
        out += kHex[b & 0xF];
        i += 2;
        continue;
      }
      if (ok) {
        out.append(s.substr(i, n));
        i += n;
        continue;
      }
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      ++i;
      continue;
    }
    switch (c) {
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      default:
        if (c < 0x20) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else if (c == 0x7F) {
          out += "\\x7f";
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
  return out;
}

namespace {

// A recursive-descent check that stops at the first byte Go's scanner refuses, with its wording.
class JsonChecker {
 public:
  explicit JsonChecker(std::string_view t) : t_(t) {}

  std::string run() {
    skip_ws();
    if (!value()) return err_;
    skip_ws();
    if (i_ < t_.size()) return bad("after top-level value");
    return {};
  }

 private:
  std::string_view t_;
  size_t i_ = 0;
  std::string err_;
  int depth_ = 0;

  static std::string quote_char(unsigned char c) {
    if (c == '\'') return "'\\''";
    if (c == '"') return "'\"'";
    std::string q = quote(std::string(1, static_cast<char>(c)));
    return "'" + q.substr(1, q.size() - 2) + "'";
  }
  bool eof() {
    err_ = "unexpected end of JSON input";
    return false;
  }
  std::string bad(const std::string& context) {
    err_ = "invalid character " + quote_char(static_cast<unsigned char>(t_[i_])) + " " + context;
    return err_;
  }
  bool fail(const std::string& context) {
    bad(context);
    return false;
  }
  void skip_ws() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
  }
  bool literal(std::string_view word) {
    for (size_t k = 0; k < word.size(); ++k, ++i_) {
      if (i_ >= t_.size()) return eof();
      if (t_[i_] != word[k]) {
        return fail("in literal " + std::string(word) + " (expecting " + quote_char(static_cast<unsigned char>(word[k])) + ")");
      }
    }
    return true;
  }
  static bool digit(char c) { return c >= '0' && c <= '9'; }
  bool number() {
    if (t_[i_] == '-') {
      ++i_;
      if (i_ >= t_.size()) return eof();
      if (!digit(t_[i_])) return fail("in numeric literal");
    }
    if (t_[i_] == '0') {
      ++i_;
    } else {
      while (i_ < t_.size() && digit(t_[i_])) ++i_;
    }
    if (i_ < t_.size() && t_[i_] == '.') {
      ++i_;
      if (i_ >= t_.size()) return eof();
      if (!digit(t_[i_])) return fail("after decimal point in numeric literal");
      while (i_ < t_.size() && digit(t_[i_])) ++i_;
    }
    if (i_ < t_.size() && (t_[i_] == 'e' || t_[i_] == 'E')) {
      ++i_;
      if (i_ < t_.size() && (t_[i_] == '+' || t_[i_] == '-')) ++i_;
      if (i_ >= t_.size()) return eof();
      if (!digit(t_[i_])) return fail("in exponent of numeric literal");
      while (i_ < t_.size() && digit(t_[i_])) ++i_;
    }
    return true;
  }
  bool string() {
    ++i_;  // the opening quote
    while (true) {
      if (i_ >= t_.size()) return eof();
      const auto c = static_cast<unsigned char>(t_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return fail("in string literal");
      if (c == '\\') {
        ++i_;
        if (i_ >= t_.size()) return eof();
        const char e = t_[i_];
        if (e == 'u') {
          ++i_;
          for (int k = 0; k < 4; ++k, ++i_) {
            if (i_ >= t_.size()) return eof();
            if (!std::isxdigit(static_cast<unsigned char>(t_[i_]))) return fail("in \\u hexadecimal character escape");
          }
          continue;
        }
        if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) return fail("in string escape code");
      }
      ++i_;
    }
  }
  bool value() {
    if (i_ >= t_.size()) return eof();
    if (++depth_ > 10000) {
      err_ = "exceeded max depth";
      return false;
    }
    bool ok = value_inner();
    --depth_;
    return ok;
  }
  bool value_inner() {
    const char c = t_[i_];
    if (c == '{') {
      ++i_;
      skip_ws();
      if (i_ >= t_.size()) return eof();
      if (t_[i_] == '}') {
        ++i_;
        return true;
      }
      while (true) {
        skip_ws();
        if (i_ >= t_.size()) return eof();
        if (t_[i_] != '"') return fail("looking for beginning of object key string");
        if (!string()) return false;
        skip_ws();
        if (i_ >= t_.size()) return eof();
        if (t_[i_] != ':') return fail("after object key");
        ++i_;
        skip_ws();
        if (!value()) return false;
        skip_ws();
        if (i_ >= t_.size()) return eof();
        if (t_[i_] == '}') {
          ++i_;
          return true;
        }
        if (t_[i_] != ',') return fail("after object key:value pair");
        ++i_;
      }
    }
    if (c == '[') {
      ++i_;
      skip_ws();
      if (i_ >= t_.size()) return eof();
      if (t_[i_] == ']') {
        ++i_;
        return true;
      }
      while (true) {
        skip_ws();
        if (!value()) return false;
        skip_ws();
        if (i_ >= t_.size()) return eof();
        if (t_[i_] == ']') {
          ++i_;
          return true;
        }
        if (t_[i_] != ',') return fail("after array element");
        ++i_;
      }
    }
    if (c == '"') return string();
    if (c == '-' || digit(c)) return number();
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    if (c == 'n') return literal("null");
    return fail("looking for beginning of value");
  }
};

}  // namespace

std::string json_syntax_error(std::string_view text) { return JsonChecker(text).run(); }

}  // namespace tocsin::receivers::gourl

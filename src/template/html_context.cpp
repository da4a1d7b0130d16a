// html_context.cpp: the HTML state machine and escapers of html/template (Go 1.19), for HTML output.
// See html_context.hpp for what is tracked; JS regular expressions, CSS strings and url(...) are not
// told apart from the code around them.
#include "template/html_context.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "template/funcs.hpp"

namespace tocsin::tmpl {

namespace {

constexpr std::string_view kFailsafe = "ZgotmplZ";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool starts_with_nocase(std::string_view s, size_t at, std::string_view prefix) {
  if (s.size() - at < prefix.size()) {
    return false;
  }
  for (size_t k = 0; k < prefix.size(); ++k) {
    if (std::tolower(static_cast<unsigned char>(s[at + k])) != std::tolower(static_cast<unsigned char>(prefix[k]))) {
      return false;
    }
  }
  return true;
}

// html/template's attrType, reduced to the types tracked here.
enum class Type { Plain, Url, Js, Css };
Type attr_type(std::string name) {
  name = lower(name);
  if (name.rfind("data-", 0) == 0) {
    name = name.substr(5);
  } else if (size_t colon = name.find(':'); colon != std::string::npos) {
    if (name.substr(0, colon) == "xmlns") {
      return Type::Url;
    }
    name = name.substr(colon + 1);
  }
  static const char* const kUrl[] = {"action",  "archive", "background", "cite",   "classid", "codebase",
                                     "data",    "formaction", "href",   "icon",   "longdesc", "manifest",
                                     "poster",  "profile", "src",        "usemap", "xmlns"};
  for (const char* u : kUrl) {
    if (name == u) {
      return Type::Url;
    }
  }
  if (name == "style") {
    return Type::Css;
  }
  if (name == "srcset") {
    return Type::Plain;
  }
  // Every other attribute of Go's table is plain; unknown ones fall to the heuristics.
  static const char* const kPlain[] = {"accept", "accept-charset", "alt", "autocomplete", "autofocus",
                                       "border", "checked", "class", "color", "cols", "colspan", "content",
                                       "contenteditable", "contextmenu", "controls", "coords", "datetime",
                                       "default", "defer", "dir", "dirname", "disabled", "draggable",
                                       "dropzone", "enctype", "for", "form", "formenctype", "formmethod",
                                       "formnovalidate", "formtarget", "headers", "height", "hidden", "high",
                                       "hreflang", "http-equiv", "id", "ismap", "keytype", "kind", "label",
                                       "lang", "language", "list", "loop", "low", "max", "maxlength", "media",
                                       "mediagroup", "method", "min", "multiple", "name", "novalidate",
                                       "open", "optimum", "pattern", "placeholder", "preload", "pubdate",
                                       "radiogroup", "readonly", "rel", "required", "reversed", "rows",
                                       "rowspan", "sandbox", "spellcheck", "scope", "scoped", "seamless",
                                       "selected", "shape", "size", "sizes", "span", "srcdoc", "srclang",
                                       "start", "step", "tabindex", "target", "title", "type", "value",
                                       "width", "wrap"};
  for (const char* p : kPlain) {
    if (name == p) {
      return Type::Plain;
    }
  }
  if (name.rfind("on", 0) == 0) {
    return Type::Js;
  }
  if (name.find("src") != std::string::npos || name.find("uri") != std::string::npos ||
      name.find("url") != std::string::npos) {
    return Type::Url;
  }
  return Type::Plain;
}

// htmlReplacer over one of Go's tables: normal (quoted attributes, text), nospace (unquoted attributes),
// and "norm" variants that leave '&' alone (for content already HTML).
std::string html_replace(std::string_view s, bool nospace, bool keep_amp) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    switch (c) {
      case '\0':
        out += nospace ? "&#xfffd;" : "\xEF\xBF\xBD";
        break;
      case '"':
        out += "&#34;";
        break;
      case '&':
        out += keep_amp ? "&" : "&amp;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '+':
        out += "&#43;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        if (nospace) {
          const char* r = c == '\t' ? "&#9;" : c == '\n' ? "&#10;" : c == '\v' ? "&#11;" : c == '\f' ? "&#12;"
                        : c == '\r' ? "&#13;" : c == ' ' ? "&#32;" : c == '=' ? "&#61;" : c == '`' ? "&#96;"
                        : nullptr;
          if (r != nullptr) {
            out += r;
            break;
          }
        }
        out += c;
    }
  }
  return out;
}

// Go's stripTags, simplified: the text outside <...>.
std::string strip_tags(std::string_view s) {
  std::string out;
  bool in_tag = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!in_tag && s[i] == '<' && i + 1 < s.size() && (is_alpha(s[i + 1]) || s[i + 1] == '/' || s[i + 1] == '!')) {
      in_tag = true;
    } else if (in_tag && s[i] == '>') {
      in_tag = false;
    } else if (!in_tag) {
      out += s[i];
    }
  }
  return out;
}

// Go's urlProcessor: percent-encodes all but unreserved characters; when normalizing, reserved ones and
// valid %XX escapes are kept. Lower-case hex, as Go writes it.
std::string url_process(std::string_view s, bool norm) {
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  std::string out;
  char buf[4];
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    bool keep = is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
    if (!keep && norm) {
      keep = std::string_view("!#$&*+,/:;=?@[]").find(c) != std::string_view::npos ||
             (c == '%' && i + 2 < s.size() && hex(s[i + 1]) && hex(s[i + 2]));
    }
    if (keep && static_cast<unsigned char>(c) < 0x80) {
      out += c;
      continue;
    }
    std::snprintf(buf, sizeof buf, "%%%02x", static_cast<unsigned char>(c));
    out += buf;
  }
  return out;
}

// Go's isSafeURL: no scheme, or http, https or mailto.
bool safe_url(std::string_view s) {
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos) {
    return true;
  }
  std::string_view scheme = s.substr(0, colon);
  if (scheme.find('/') != std::string_view::npos) {
    return true;
  }
  const std::string l = lower(scheme);
  return l == "http" || l == "https" || l == "mailto";
}

std::string css_value_filter(std::string_view s) {
  std::string id;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (std::string_view("\0\"'()/;@[\\]`{}", 14).find(c) != std::string_view::npos) {
      return std::string(kFailsafe);
    }
    if (c == '-' && i != 0 && s[i - 1] == '-') {
      return std::string(kFailsafe);
    }
    if (is_alnum(c) || c == '-' || c == '_') {
      id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (id.find("expression") != std::string::npos || id.find("mozbinding") != std::string::npos) {
    return std::string(kFailsafe);
  }
  return std::string(s);
}

std::string html_name_filter(std::string_view s) {
  if (s.empty()) {
    return std::string(kFailsafe);
  }
  std::string l = lower(s);
  if (attr_type(l) != Type::Plain) {
    return std::string(kFailsafe);
  }
  for (char c : l) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'z'))) {
      return std::string(kFailsafe);
    }
  }
  return l;
}

// Go's jsStrEscaper.
std::string js_str_escape(std::string_view s) {
  std::string out;
  char buf[8];
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    const char* r = nullptr;
    switch (c) {
      case '\t': r = "\\t"; break;
      case '\n': r = "\\n"; break;
      case '\f': r = "\\f"; break;
      case '\r': r = "\\r"; break;
      case '"': r = "\\u0022"; break;
      case '`': r = "\\u0060"; break;
      case '&': r = "\\u0026"; break;
      case '\'': r = "\\u0027"; break;
      case '+': r = "\\u002b"; break;
      case '/': r = "\\/"; break;
      case '<': r = "\\u003c"; break;
      case '>': r = "\\u003e"; break;
      case '\\': r = "\\\\"; break;
      default: break;
    }
    if (r != nullptr) {
      out += r;
    } else if (u < 0x20) {
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else if (u == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// Go's isJSType.
bool js_mime_type(std::string_view t) {
  std::string m = lower(t.substr(0, t.find(';')));
  const size_t b = m.find_first_not_of(" \t\n\f\r");
  const size_t e = m.find_last_not_of(" \t\n\f\r");
  m = b == std::string::npos ? "" : m.substr(b, e - b + 1);
  static const char* const kTypes[] = {
      "application/ecmascript", "application/javascript", "application/json", "application/ld+json",
      "application/x-ecmascript", "application/x-javascript", "module", "text/ecmascript", "text/javascript",
      "text/javascript1.0", "text/javascript1.1", "text/javascript1.2", "text/javascript1.3",
      "text/javascript1.4", "text/javascript1.5", "text/jscript", "text/livescript", "text/x-ecmascript",
      "text/x-javascript"};
  return std::any_of(std::begin(kTypes), std::end(kTypes), [&](const char* k) { return m == k; });
}

bool js_ident_part(char c) { return c == '$' || c == '_' || is_alnum(c); }

// Go's jsValEscaper: the value as JSON (a Stringer as its string), padded with spaces when it starts or
// ends like an identifier or a number.
std::string js_val_escape(const Value& v) {
  std::string json;
  if (v.kind() == Value::Kind::Duration || (v.is_int() && v.type() != nullptr && !v.type()->int_names.empty())) {
    json = go_json(Value(v.to_string()));
  } else {
    json = go_json(v);
  }
  std::string out;
  for (size_t i = 0; i < json.size(); ++i) {
    const auto u = static_cast<unsigned char>(json[i]);
    if (u == 0xE2 && i + 2 < json.size() && static_cast<unsigned char>(json[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(json[i + 2]) == 0xA8 || static_cast<unsigned char>(json[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(json[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
      continue;
    }
    out += json[i];
  }
  if (!out.empty() && (js_ident_part(out.front()) || js_ident_part(out.back()))) {
    return " " + out + " ";
  }
  return out;
}

}  // namespace

void HtmlContext::enter_content() {
  switch (element_) {
    case Element::Script:
      state_ = State::Script;
      js_ = JsString::None;
      return;
    case Element::Style:
      state_ = State::Style;
      return;
    case Element::RCData:
      state_ = State::RCData;
      return;
    case Element::None:
      state_ = State::Text;
      return;
  }
}

std::string HtmlContext::text(std::string_view s) {
  std::string out;
  size_t i = 0;
  // Every step consumes at least one byte or changes state; the bound guards against a state cycle.
  for (size_t guard = 0; i < s.size() && guard < 4 * s.size() + 16; ++guard) {
    i = step(s, i, out);
  }
  return out;
}

size_t HtmlContext::step(std::string_view s, size_t i, std::string& out) {
  switch (state_) {
    case State::Comment: {
      const size_t end = s.find("-->", i);
      if (end == std::string_view::npos) {
        return s.size();
      }
      state_ = State::Text;
      return end + 3;
    }
    case State::Text:
    case State::RCData:
      return step_text(s, i, out);
    case State::Tag:
    case State::AttrName:
    case State::AfterName:
    case State::BeforeValue:
      return step_tag(s, i, out);
    case State::Attr:
      return step_attr_value(s, i, out);
    case State::Script:
    case State::Style:
      return step_element(s, i, out);
  }
  return s.size();
}

size_t HtmlContext::step_text(std::string_view s, size_t i, std::string& out) {
  const bool rcdata = state_ == State::RCData;
  for (size_t p = s.find('<', i); p != std::string_view::npos; p = s.find('<', p + 1)) {
    if (!rcdata && s.compare(p, 4, "<!--") == 0) {
      out.append(s.substr(i, p - i));
      state_ = State::Comment;
      return p + 4;
    }
    size_t q = p + 1;
    const bool end = q < s.size() && s[q] == '/';
    if (end) {
      ++q;
    }
    if (q < s.size() && is_alpha(s[q])) {
      size_t j = q + 1;
      while (j < s.size()) {
        if (is_alnum(s[j])) {
          ++j;
        } else if ((s[j] == ':' || s[j] == '-') && j + 1 < s.size() && is_alnum(s[j + 1])) {
          j += 2;
        } else {
          break;
        }
      }
      const std::string name = lower(s.substr(q, j - q));
      // In title/textarea only the matching end tag leaves the element.
      if (rcdata && !(end && (name == "title" || name == "textarea") && (j == s.size() || is_space(s[j]) ||
                                                                           s[j] == '>' || s[j] == '/'))) {
        out.append(s.substr(i, p - i));
        out += "&lt;";
        i = p + 1;
        continue;
      }
      out.append(s.substr(i, j - i));
      state_ = State::Tag;
      element_ = Element::None;
      if (!end) {
        element_ = name == "script" ? Element::Script
                 : name == "style" ? Element::Style
                 : (name == "title" || name == "textarea") ? Element::RCData
                 : Element::None;
        title_ = name == "title";
      }
      return j;
    }
    // A '<' that opens no tag is text (a doctype declaration excepted).
    out.append(s.substr(i, p - i));
    out += starts_with_nocase(s, p, "<!DOCTYPE") ? "<" : "&lt;";
    i = p + 1;
  }
  out.append(s.substr(i));
  return s.size();
}

size_t HtmlContext::step_tag(std::string_view s, size_t i, std::string& out) {
  const size_t start = i;
  auto eat_name = [&](size_t from) {
    size_t j = from;
    while (j < s.size() && !is_space(s[j]) && s[j] != '=' && s[j] != '>') {
      ++j;
    }
    return j;
  };
  switch (state_) {
    case State::Tag: {
      while (i < s.size() && is_space(s[i])) {
        ++i;
      }
      if (i == s.size()) {
        out.append(s.substr(start));
        return i;
      }
      if (s[i] == '>') {
        out.append(s.substr(start, i + 1 - start));
        enter_content();
        return i + 1;
      }
      const size_t j = eat_name(i);
      const std::string name = lower(s.substr(i, j - i));
      const Type t = attr_type(name);
      attr_ = t == Type::Url ? AttrType::Url : t == Type::Js ? AttrType::Js : t == Type::Css ? AttrType::Css
                                                                                              : AttrType::Plain;
      if (element_ == Element::Script && name == "type") {
        attr_ = AttrType::ScriptType;
        script_type_.clear();
      }
      state_ = j == s.size() ? State::AttrName : State::AfterName;
      out.append(s.substr(start, j - start));
      return j;
    }
    case State::AttrName: {
      const size_t j = eat_name(i);
      if (j != s.size()) {
        state_ = State::AfterName;
      }
      out.append(s.substr(start, j - start));
      return j;
    }
    case State::AfterName: {
      while (i < s.size() && is_space(s[i])) {
        ++i;
      }
      out.append(s.substr(start, i - start));
      if (i == s.size()) {
        return i;
      }
      if (s[i] != '=') {
        state_ = State::Tag;
        return i;
      }
      out += '=';
      state_ = State::BeforeValue;
      return i + 1;
    }
    case State::BeforeValue: {
      while (i < s.size() && is_space(s[i])) {
        ++i;
      }
      out.append(s.substr(start, i - start));
      if (i == s.size()) {
        return i;
      }
      delim_ = Delim::Space;
      if (s[i] == '"' || s[i] == '\'') {
        delim_ = s[i] == '"' ? Delim::Double : Delim::Single;
        out += s[i];
        ++i;
      }
      state_ = State::Attr;
      url_ = UrlPart::None;
      js_ = JsString::None;
      return i;
    }
    default:
      return s.size();
  }
}

size_t HtmlContext::step_attr_value(std::string_view s, size_t i, std::string& out) {
  const std::string_view ends = delim_ == Delim::Double ? "\"" : delim_ == Delim::Single ? "'" : " \t\n\f\r>";
  size_t e = s.find_first_of(ends, i);
  const std::string_view value = s.substr(i, e == std::string_view::npos ? std::string_view::npos : e - i);
  if (attr_ == AttrType::Url) {
    if (value.find_first_of("#?") != std::string_view::npos) {
      url_ = UrlPart::QueryOrFrag;
    } else if (url_ == UrlPart::None &&
               std::any_of(value.begin(), value.end(), [](char c) { return !is_space(c); })) {
      url_ = UrlPart::PreQuery;
    }
  } else if (attr_ == AttrType::Js) {
    for (size_t k = 0; k < value.size(); ++k) {
      const char c = value[k];
      if (js_ == JsString::None) {
        js_ = c == '"' ? JsString::Double : c == '\'' ? JsString::Single : c == '`' ? JsString::Backtick
                                                                                  : JsString::None;
      } else if (c == '\\') {
        ++k;
      } else if ((js_ == JsString::Double && c == '"') || (js_ == JsString::Single && c == '\'') ||
                 (js_ == JsString::Backtick && c == '`')) {
        js_ = JsString::None;
      }
    }
  }
  out.append(value);
  if (attr_ == AttrType::ScriptType) {
    script_type_.append(value);
  }
  if (e == std::string_view::npos) {
    return s.size();
  }
  if (attr_ == AttrType::ScriptType && !js_mime_type(script_type_)) {
    element_ = Element::None;  // <script type="text/template">: its content is HTML text
  }
  // The value ends: back in the tag, the element kept.
  state_ = State::Tag;
  attr_ = AttrType::Plain;
  url_ = UrlPart::None;
  js_ = JsString::None;
  const bool quoted = delim_ != Delim::Space;
  delim_ = Delim::None;
  if (quoted) {
    out += s[e];
    return e + 1;
  }
  return e;
}

size_t HtmlContext::step_element(std::string_view s, size_t i, std::string& out) {
  const std::string_view tag = state_ == State::Script ? "script" : "style";
  // Find "</script" (any case) followed by a separator; what comes before it is the element's text.
  size_t end = std::string_view::npos;
  for (size_t p = s.find("</", i); p != std::string_view::npos; p = s.find("</", p + 2)) {
    if (starts_with_nocase(s, p + 2, tag)) {
      const size_t after = p + 2 + tag.size();
      if (after < s.size() && (is_space(s[after]) || s[after] == '>' || s[after] == '/')) {
        end = p;
        break;
      }
    }
  }
  const std::string_view body = s.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
  // Comments of the script or style sheet are dropped, as html/template does; JS strings are tracked so an
  // action inside one gets the string escaper.
  for (size_t k = 0; k < body.size(); ++k) {
    const char c = body[k];
    if (comment_ == Comment::Line) {
      const size_t nl = body.find_first_of("\n\r", k);
      if (nl == std::string_view::npos) {
        break;
      }
      comment_ = Comment::None;
      k = nl - 1;
      continue;
    }
    if (comment_ == Comment::Block) {
      // One space (a new line in a script, when the comment holds one) for the comment's text here.
      const size_t close = body.find("*/", k);
      const std::string_view cmt = body.substr(k, close == std::string_view::npos ? std::string_view::npos
                                                                                  : close - k);
      const bool newline = state_ == State::Script && cmt.find_first_of("\n\r") != std::string_view::npos;
      out += newline ? '\n' : ' ';
      if (close == std::string_view::npos) {
        break;
      }
      comment_ = Comment::None;
      k = close + 1;
      continue;
    }
    if (js_ != JsString::None) {
      out += c;
      if (c == '\\' && k + 1 < body.size()) {
        out += body[++k];
      } else if ((js_ == JsString::Double && c == '"') || (js_ == JsString::Single && c == '\'') ||
                 (js_ == JsString::Backtick && c == '`')) {
        js_ = JsString::None;
      }
      continue;
    }
    if (c == '/' && k + 1 < body.size() && (body[k + 1] == '*' || (state_ == State::Script && body[k + 1] == '/'))) {
      comment_ = body[k + 1] == '*' ? Comment::Block : Comment::Line;
      ++k;
      continue;
    }
    if (state_ == State::Script && (c == '"' || c == '\'' || c == '`')) {
      js_ = c == '"' ? JsString::Double : c == '\'' ? JsString::Single : JsString::Backtick;
    }
    out += c;
  }
  if (end == std::string_view::npos) {
    return s.size();
  }
  out.append(s.substr(end, 2 + tag.size()));
  state_ = State::Tag;
  element_ = Element::None;
  js_ = JsString::None;
  comment_ = Comment::None;
  return end + 2 + tag.size();
}

namespace {

// Reverses text/template's HTMLEscapeString (which the predefined `html` applied) to get its argument back.
std::string html_unescape_basic(std::string_view s) {
  static const std::pair<std::string_view, char> kEntities[] = {
      {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&#39;", '\''}, {"&#34;", '"'}};
  std::string out;
  for (size_t i = 0; i < s.size();) {
    bool hit = false;
    for (const auto& [ent, c] : kEntities) {
      if (s.compare(i, ent.size(), ent) == 0) {
        out += c;
        i += ent.size();
        hit = true;
        break;
      }
    }
    if (!hit) {
      out += s[i++];
    }
  }
  return out;
}

}  // namespace

std::string HtmlContext::go_context() const {
  std::string state;
  switch (state_) {
    case State::Text: state = "stateText"; break;
    case State::Tag: state = "stateTag"; break;
    case State::AttrName: state = "stateAttrName"; break;
    case State::AfterName: state = "stateAfterName"; break;
    case State::BeforeValue: state = "stateBeforeValue"; break;
    case State::Comment: state = "stateHTMLCmt"; break;
    case State::RCData: state = "stateRCDATA"; break;
    case State::Attr:
      state = attr_ == AttrType::Url ? "stateURL" : attr_ == AttrType::Css ? "stateCSS" : "stateAttr";
      if (attr_ == AttrType::Js) {
        state = js_ == JsString::Double ? "stateJSDqStr" : js_ == JsString::Single ? "stateJSSqStr"
              : js_ == JsString::Backtick ? "stateJSBqStr" : "stateJS";
      }
      break;
    case State::Script:
      state = comment_ == Comment::Line ? "stateJSLineCmt" : comment_ == Comment::Block ? "stateJSBlockCmt"
            : js_ == JsString::Double ? "stateJSDqStr" : js_ == JsString::Single ? "stateJSSqStr"
            : js_ == JsString::Backtick ? "stateJSBqStr" : "stateJS";
      break;
    case State::Style:
      state = comment_ == Comment::Block ? "stateCSSBlockCmt" : "stateCSS";
      break;
  }
  const char* delim = delim_ == Delim::Double ? "delimDoubleQuote" : delim_ == Delim::Single ? "delimSingleQuote"
                    : delim_ == Delim::Space ? "delimSpaceOrTagEnd" : "delimNone";
  const bool in_attr = state_ == State::Attr || state_ == State::AttrName || state_ == State::AfterName ||
                       state_ == State::BeforeValue;
  const char* url = state_ == State::Attr && attr_ == AttrType::Url
                        ? (url_ == UrlPart::PreQuery ? "urlPartPreQuery" : url_ == UrlPart::QueryOrFrag ? "urlPartQueryOrFrag"
                                                                                                    : "urlPartNone")
                        : "urlPartNone";
  const char* attr = !in_attr ? "attrNone"
                   : attr_ == AttrType::Url ? "attrURL" : attr_ == AttrType::Js ? "attrScript"
                   : attr_ == AttrType::Css ? "attrStyle" : attr_ == AttrType::ScriptType ? "attrScriptType"
                   : "attrNone";
  const char* element = element_ == Element::Script ? "elementScript" : element_ == Element::Style ? "elementStyle"
                      : element_ == Element::RCData ? (title_ ? "elementTitle" : "elementTextarea") : "elementNone";
  return "{" + state + " " + delim + " " + url + " jsCtxRegexp " + attr + " " + element + " <nil>}";
}

std::string HtmlContext::escape(const Value& v, Predefined predefined) {
  const bool html = v.is_safe_html();
  const std::string s = v.is_null() ? std::string() : v.to_string();
  // A pipeline ending in the predefined `html` takes the place of the context's HTML escaper, as Go's
  // ensurePipelineContains does: the escapers before it run on its argument, and its own output ends.
  const bool pre_html = predefined == Predefined::Html && v.is_string();
  switch (state_) {
    case State::Comment:
      return "";
    case State::Text:
      return pre_html || html ? s : html_template_escape(s);
    case State::RCData:
      return pre_html ? s : html_replace(s, false, html);
    case State::Tag:
    case State::AttrName:
    case State::AfterName:
      state_ = State::AttrName;
      return html_name_filter(s);
    case State::Script:
      if (comment_ != Comment::None) {
        return "";
      }
      return js_ == JsString::None ? js_val_escape(v) : js_str_escape(s);
    case State::Style:
      return comment_ != Comment::None ? "" : css_value_filter(s);
    case State::BeforeValue:
      // An action right after '=' starts an unquoted value.
      state_ = State::Attr;
      delim_ = Delim::Space;
      url_ = UrlPart::None;
      js_ = JsString::None;
      break;
    case State::Attr:
      break;
  }
  const std::string arg = pre_html ? html_unescape_basic(s) : s;
  std::string r;
  switch (attr_) {
    case AttrType::Url: {
      const bool query = predefined == Predefined::UrlQuery && v.is_string();
      if (url_ == UrlPart::None && !safe_url(query ? s : arg)) {
        r = "#" + std::string(kFailsafe);
      } else if (query) {
        r = s;  // the predefined urlquery stands for the URL escaper
      } else {
        r = url_process(arg, url_ != UrlPart::QueryOrFrag);
      }
      break;
    }
    case AttrType::Js:
      r = js_ == JsString::None ? js_val_escape(pre_html ? Value(arg) : v) : js_str_escape(arg);
      break;
    case AttrType::Css:
      r = css_value_filter(arg);
      break;
    case AttrType::Plain:
    case AttrType::ScriptType:
      r = arg;
      break;
  }
  if (pre_html) {
    return html_escape(r);
  }
  // The attribute's own escaper: HTML content has its tags stripped and keeps its entities.
  const bool keep = html && (attr_ == AttrType::Plain || attr_ == AttrType::ScriptType);
  if (keep) {
    r = strip_tags(r);
  }
  return html_replace(r, delim_ == Delim::Space, keep);
}

}  // namespace tocsin::tmpl

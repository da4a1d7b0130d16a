// api.cpp: request routing and the API v2 handlers. JSON shapes and status codes follow the
// reference's OpenAPI spec (go-swagger's field order and error bodies included).
#include "api/api.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <span>
#include <unordered_map>
#include <boost/container/small_vector.hpp>
#include <nlohmann/json.hpp>

#include "alerts/alert_store.hpp"
#include "api/alert_decode.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/json_out.hpp"
#include "core/log.hpp"
#include "core/matcher.hpp"
#include "core/metrics.hpp"
#include "core/utf8.hpp"
#include "dispatch/dispatcher.hpp"
#include "inhibit/inhibitor.hpp"
#include "silence/codec.hpp"
#include "silence/go_compat.hpp"
#include "silence/silences.hpp"

namespace tocsin::api {

namespace {

// Go's encoding/json turns each invalid UTF-8 byte inside a string into U+FFFD instead of failing, so
// the reference accepts such bodies; nlohmann rejects them. Bodies that are valid UTF-8 pass unchanged.
std::string go_json_lone_surrogates(std::string body);

std::string go_json_utf8(const std::string& body) {
  if (is_valid_utf8(body)) return go_json_lone_surrogates(body);
  std::string out;
  out.reserve(body.size() + 16);
  std::string_view rest(body);
  while (!rest.empty()) {
    auto d = utf8::decode(rest);
    if (d.rune == utf8::kRuneError && d.width == 1) {
      utf8::append(out, utf8::kRuneError);
    } else {
      out.append(rest.substr(0, d.width));
    }
    rest.remove_prefix(d.width);
  }
  return go_json_lone_surrogates(std::move(out));
}

// Go's encoding/json also turns an escaped UTF-16 surrogate that is not half of a pair ("\ud800")
// into U+FFFD, where nlohmann fails: such escapes are rewritten as "\ufffd" first. Backslashes occur
// only inside strings in valid JSON, so a plain scan of the escapes suffices.
std::string go_json_lone_surrogates(std::string body) {
  if (body.find("\\u") == std::string::npos) return body;
  auto code_at = [&body](size_t i) -> int {  // the code unit of a "\uXXXX" at i, or -1
    if (i + 6 > body.size() || body[i] != '\\' || body[i + 1] != 'u') return -1;
    int v = 0;
    for (size_t k = i + 2; k < i + 6; ++k) {
      const char c = body[k];
      const int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (h < 0) return -1;
      v = v * 16 + h;
    }
    return v;
  };
  for (size_t i = 0; i + 1 < body.size(); ++i) {
    if (body[i] != '\\') continue;
    const int cu = code_at(i);
    if (cu < 0xd800 || cu > 0xdfff) {
      ++i;  // "\\", "\n" or a plain "\uXXXX": skip the escaped byte
      continue;
    }
    const int next = code_at(i + 6);
    if (cu < 0xdc00 && next >= 0xdc00 && next <= 0xdfff) {
      i += 11;  // a valid pair
      continue;
    }
    body.replace(i + 2, 4, "fffd");
    i += 5;
  }
  return body;
}

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;
using net::HttpRequest;
using net::HttpResponse;

struct ApiMetrics {
  metrics::Family& received;
  metrics::Counter& invalid;
  static ApiMetrics& get() {
    auto& r = metrics::global();
    // The reference labels both by API version; v1 (gone here) stays at zero, as it does for a v2 client.
    static ApiMetrics m{
        r.counter("alertmanager_alerts_received_total", "The total number of received alerts.", {"status", "version"}),
        r.counter("alertmanager_alerts_invalid_total", "The total number of received alerts that were invalid.",
                  {"version"})
            .counter({"v2"}),
    };
    static const bool once = [&r] {
      for (const char* v : {"v1", "v2"}) {
        m.received.counter({"firing", v});
        m.received.counter({"resolved", v});
      }
      r.counter("alertmanager_alerts_invalid_total", "", {"version"}).counter({"v1"});
      return true;
    }();
    (void)once;
    return m;
  }
};

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

HttpResponse text_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

HttpResponse swagger_error(int status, int code, const std::string& msg) {
  return json_response(status, silence::swagger_error_body(code, msg));
}

HttpResponse string_error(int status, const std::string& msg) {
  return json_response(status, silence::json_string_body(msg));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// url.QueryUnescape: false on a '%' not followed by two hex digits.
bool query_unescape(std::string_view s, std::string& out) {
  out.clear();
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size() || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0) return false;
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return true;
}

// url.ParseQuery as Request.URL.Query() uses it: a pair with a semicolon or a bad escape is dropped.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (part.empty() || part.find(';') != std::string_view::npos) continue;
    auto eq = part.find('=');
    std::string key, value;
    if (!query_unescape(part.substr(0, eq), key)) continue;
    if (eq != std::string_view::npos && !query_unescape(part.substr(eq + 1), value)) continue;
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

// The last value of the query parameter `name`; nullopt when absent or empty (go-swagger's binding
// reads the last value and treats an empty one as absent).
std::optional<std::string> last_param(const std::vector<std::pair<std::string, std::string>>& q,
                                      std::string_view name) {
  const std::string* last = nullptr;
  for (const auto& [k, v] : q) {
    if (k == name) last = &v;
  }
  if (last == nullptr || last->empty()) return std::nullopt;
  return *last;
}

// A boolean query parameter (default true), read as swag.ConvertBool does: a handful of words are
// true, anything else is false, never an error.
bool bool_param(const std::vector<std::pair<std::string, std::string>>& q, std::string_view name) {
  auto v = last_param(q, name);
  return !v || silence::go_swagger_bool(*v);
}

// pkg/labels.ParseMatcher of the reference, its errors worded as Go's (regexp errors included).
Result<Matcher> parse_filter_matcher(const std::string& v) {
  auto m = parse_matcher_classic(v);
  if (m) return m;
  if (m.error().rfind("error parsing regexp", 0) == 0) {
    // The classic form's value is the regex; compile it as the reference does to word the error.
    // The operator is the first '=' or '!' (a label name holds neither).
    const size_t at = v.find_first_of("=!");
    if (at != std::string::npos && at + 1 < v.size() && v[at + 1] == '~') {
      auto probe = parse_matcher_classic(v.substr(0, at) + (v[at] == '=' ? "=" : "!=") + v.substr(at + 2));
      if (probe) {
        std::string msg = silence::go_regexp_error("^(?:" + probe->value() + ")$");
        if (!msg.empty()) return make_error(std::move(msg));
      }
    }
  }
  return m;
}


struct AlertFilter {
  Matchers matchers;
  std::optional<Matcher> receiver;
  bool active = true, silenced = true, inhibited = true, unprocessed = true;
};

// Parses the filters shared by /alerts and /alerts/groups; on error fills `resp`.
bool parse_alert_filter(const HttpRequest& req, AlertFilter& f, HttpResponse& resp) {
  auto q = parse_query(req.query);
  f.active = bool_param(q, "active");
  f.silenced = bool_param(q, "silenced");
  f.inhibited = bool_param(q, "inhibited");
  f.unprocessed = bool_param(q, "unprocessed");
  for (const auto& [k, v] : q) {
    if (k != "filter") continue;
    auto m = parse_filter_matcher(v);
    if (!m) {
      resp = string_error(400, m.error());
      return false;
    }
    f.matchers.push_back(std::move(*m));
  }
  if (auto r = last_param(q, "receiver")) {
    std::string go_err = silence::go_regexp_error("^(?:" + *r + ")$");
    auto m = Matcher::make(MatchType::kRegex, "receiver", *r);
    if (!go_err.empty() || !m) {
      resp = string_error(400, "failed to parse receiver param: " + (go_err.empty() ? m.error() : go_err));
      return false;
    }
    f.receiver = std::move(*m);
  }
  return true;
}

// Starts loading what a listing will read of an alert a few alerts ahead. A listing walks thousands
// of alerts whose objects and label blocks are scattered over the heap; waiting on each cache miss
// in turn was its largest cost. (Prefetching past the end of a block is harmless.)
void prefetch_object(const Alert* a) {
  __builtin_prefetch(a);
  __builtin_prefetch(reinterpret_cast<const char*>(a) + 64);
  __builtin_prefetch(reinterpret_cast<const char*>(a) + 128);
}
void prefetch_contents(const Alert* a) {
  for (const LabelSet* ls : {&a->labels, &a->annotations}) {
    if (const char* p = static_cast<const char*>(ls->storage())) {
      __builtin_prefetch(p);
      __builtin_prefetch(p + 64);
      __builtin_prefetch(p + 128);
    }
  }
  __builtin_prefetch(a->generator_url.view().data());
}

// 8-4-4-4-12 hex digits, each dash optional, as go-swagger's strfmt.UUID accepts.
bool is_uuid(std::string_view s) {
  size_t i = 0;
  for (size_t group : {8, 4, 4, 4, 12}) {
    if (group != 8 && i < s.size() && s[i] == '-') ++i;
    for (size_t k = 0; k < group; ++k, ++i) {
      if (i >= s.size() || hex_value(s[i]) < 0) return false;
    }
  }
  return i == s.size();
}

// The media type of a Content-Type value, lowercased, without parameters.
std::string media_type(std::string_view ct) {
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  std::string out(ct);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
  return out;
}

bool is_mime_token_char(char c) {
  return c > 0x20 && c < 0x7f && std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}
bool is_go_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
std::string_view mime_token(std::string_view& s) {
  size_t i = 0;
  while (i < s.size() && is_mime_token_char(s[i])) ++i;
  const std::string_view tok = s.substr(0, i);
  s.remove_prefix(i);
  return tok;
}
void skip_go_space(std::string_view& s) {
  while (!s.empty() && is_go_space(s.front())) s.remove_prefix(1);
}

// mime.ParseMediaType's verdict on a Content-Type value: the error text, empty when it parses.
std::string media_type_error(std::string_view v) {
  std::string_view base = v.substr(0, v.find(';'));
  std::string_view t = base;
  skip_go_space(t);
  while (!t.empty() && is_go_space(t.back())) t.remove_suffix(1);
  if (mime_token(t).empty()) return "mime: no media type";
  if (!t.empty()) {
    if (t.front() != '/') return "mime: expected slash after first token";
    t.remove_prefix(1);
    if (mime_token(t).empty()) return "mime: expected token after slash";
    if (!t.empty()) return "mime: unexpected content after media subtype";
  }
  std::string_view rest = v.substr(base.size());
  std::vector<std::string> keys;
  while (!rest.empty()) {
    skip_go_space(rest);
    if (rest.empty()) break;
    std::string_view r = rest;  // consumeMediaParam
    std::string key;
    if (r.front() == ';') {
      r.remove_prefix(1);
      skip_go_space(r);
      for (char c : mime_token(r)) key += static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
      skip_go_space(r);
      if (!key.empty() && !r.empty() && r.front() == '=') {
        r.remove_prefix(1);
        skip_go_space(r);
        bool ok = false;
        if (!r.empty() && r.front() == '"') {
          for (size_t i = 1; i < r.size(); ++i) {
            if (r[i] == '\r' || r[i] == '\n') break;
            if (r[i] == '\\' && i + 1 < r.size() && std::string_view("()<>@,;:\\\"/[]?=").find(r[i + 1]) != std::string_view::npos) {
              ++i;
              continue;
            }
            if (r[i] == '"') {
              r.remove_prefix(i + 1);
              ok = true;
              break;
            }
          }
        } else {
          ok = !mime_token(r).empty();
        }
        if (!ok) key.clear();
      } else {
        key.clear();
      }
    }
    if (key.empty()) {
      std::string_view tail = rest;
      skip_go_space(tail);
      while (!tail.empty() && is_go_space(tail.back())) tail.remove_suffix(1);
      if (tail == ";") break;
      return "mime: invalid media parameter";
    }
    // (RFC 2231 continuations, "name*0", are kept apart from plain names as Go keeps them.)
    const size_t star = key.find('*');
    if (star != std::string::npos) key = "*" + key.substr(0, star) + "\n" + key;
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) return "mime: duplicate parameter name";
    keys.push_back(std::move(key));
    rest = r;
  }
  return {};
}

// go-openapi's check of a request body's Content-Type against the API's one consumer (JSON), made for
// every operation when the request has a body: an absent or empty header counts as
// application/octet-stream; a value that mime.ParseMediaType refuses is a 400.
std::optional<HttpResponse> unsupported_media_type(const HttpRequest& req) {
  if (req.body.empty()) return std::nullopt;
  const std::string* ct = req.headers.get("Content-Type");
  const std::string value = ct && !ct->empty() ? *ct : "application/octet-stream";
  if (std::string err = media_type_error(value); !err.empty()) {
    return swagger_error(400, 400, "parsing Content-Type header from " + go_quote(ct ? *ct : "") + " failed, because " + err);
  }
  const std::string mt = media_type(value);
  if (mt == "application/json") return std::nullopt;
  return swagger_error(415, 415, "unsupported media type " + go_quote(mt) + ", only [application/json] are allowed");
}

// go-openapi's negotiation of the answer's type (NegotiateContentType over its ParseAccept) against the
// one the API produces, application/json: false when an Accept header excludes it. A request with a
// JSON body is answered in JSON whatever it accepts.
bool accepts_json(const HttpRequest& req) {
  if (!req.body.empty()) return true;  // its Content-Type passed unsupported_media_type
  auto is_token = [](char c) {
    return c > 0x20 && c < 0x7f && std::string_view("()<>@,;:\\\"/[]?={} \t").find(c) == std::string_view::npos;
  };
  auto skip = [](std::string_view& v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t' || v.front() == '\r' || v.front() == '\n')) v.remove_prefix(1);
  };
  auto quality = [](std::string_view& v) {  // expectQuality; -1 when malformed
    double q = 0;
    if (v.empty()) return -1.0;
    if (v.front() == '1') {
      q = 1;
    } else if (v.front() != '0' && v.front() != '.') {
      return -1.0;
    }
    if (v.front() != '.') v.remove_prefix(1);
    if (v.empty() || v.front() != '.') return q;
    v.remove_prefix(1);
    double n = 0, d = 1;
    while (!v.empty() && v.front() >= '0' && v.front() <= '9') {
      n = n * 10 + (v.front() - '0');
      d *= 10;
      v.remove_prefix(1);
    }
    return q + n / d;
  };
  bool any_spec = false;
  double best_q = -1;
  bool matched = false;
  for (const auto& [name, value] : req.headers.items) {
    if (name.size() != 6 || media_type(name) != "accept") continue;  // (media_type lowercases)
    std::string_view v = value;
    for (;;) {
      size_t i = 0;
      while (i < v.size() && (is_token(v[i]) || v[i] == '/')) ++i;
      const std::string_view spec = v.substr(0, i);
      v.remove_prefix(i);
      if (spec.empty()) break;
      double q = 1;
      skip(v);
      if (!v.empty() && v.front() == ';') {
        v.remove_prefix(1);
        skip(v);
        while (!v.empty() && v.substr(0, 2) != "q=" && v.front() != ',') {
          v.remove_prefix(1);
          skip(v);
        }
        if (v.substr(0, 2) == "q=") {
          v.remove_prefix(2);
          q = quality(v);
          if (q < 0) break;
        }
      }
      any_spec = true;
      if (q != 0 && q >= best_q && (spec == "*/*" || spec == "application/*" || spec == "application/json")) {
        best_q = q;
        matched = true;
      }
      skip(v);
      if (v.empty() || v.front() != ',') break;
      v.remove_prefix(1);
      skip(v);
    }
  }
  return !any_spec || matched;
}

// url.URL.EscapedPath for a request's path: the path as received when it is a valid encoding, else
// the decoded path escaped again. The API v2's router (go-openapi) matches on this form, so
// "/api/v2/%73tatus" is not "/api/v2/status" there, while the outer routes see the decoded path.
bool go_should_escape_in_path(unsigned char c) {
  if (std::isalnum(c) != 0) return false;
  return std::string_view("-_.~$&+,/:;=@").find(static_cast<char>(c)) == std::string_view::npos;
}
std::string go_escaped_path(std::string_view raw, std::string_view decoded) {
  bool valid = true;
  for (char c : raw) {
    if (std::string_view("!$&'()*+,;=:@[]%").find(c) == std::string_view::npos &&
        go_should_escape_in_path(static_cast<unsigned char>(c))) {
      valid = false;
      break;
    }
  }
  if (valid) return std::string(raw);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : decoded) {
    const auto u = static_cast<unsigned char>(c);
    if (go_should_escape_in_path(u)) {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

// url.PathUnescape of a path segment the server has already checked (every '%' has two hex digits).
std::string path_unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Appends what `write` appends, with the \u003c, \u003e and \u0026 escapes turned back into <, >, &:
// JSON as Go's encoder writes it with SetEscapeHTML(false).
template <typename Write>
void append_unescaped_html(std::string& out, Write write) {
  const size_t from = out.size();
  write(out);
  if (out.find("\\u00", from) == std::string::npos) return;
  std::string tail = out.substr(from);
  out.resize(from);
  for (size_t i = 0; i < tail.size(); ++i) {
    if (tail[i] != '\\' || i + 1 >= tail.size()) {
      out += tail[i];
      continue;
    }
    const std::string_view esc = std::string_view(tail).substr(i, 6);
    if (esc == "\\u003c" || esc == "\\u003e" || esc == "\\u0026") {
      out += esc == "\\u003c" ? '<' : esc == "\\u003e" ? '>' : '&';
      i += 5;
    } else {
      out += tail[i];
      out += tail[++i];
    }
  }
}

// Go's path.Clean, keeping a trailing slash (ServeMux's cleanPath): no empty, "." or ".." segments.
std::string clean_path(std::string_view p) {
  if (p.empty()) return "/";
  std::vector<std::string_view> segments;
  size_t i = 0;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    const std::string_view seg = p.substr(i, j - i);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    i = j + 1;
  }
  std::string out;
  for (std::string_view seg : segments) {
    out += '/';
    out += seg;
  }
  if (out.empty()) return "/";
  if (p.back() == '/') out += '/';
  return out;
}

// An answer as Go's http.Error writes it: plain text, and a header that stops browsers sniffing it.
HttpResponse go_http_error(int status, std::string body) {
  HttpResponse r = text_response(status, std::move(body));
  r.headers.set("X-Content-Type-Options", "nosniff");
  return r;
}

// The plain-text answers of the reference's router (httprouter) for paths outside /api/v2/.
HttpResponse router_not_found() { return go_http_error(404, "404 page not found\n"); }
HttpResponse router_method_not_allowed(const std::string& allow) {
  HttpResponse r = go_http_error(405, "Method Not Allowed\n");
  r.headers.set("Allow", allow);
  return r;
}
HttpResponse router_options(const std::string& allow) {
  HttpResponse r;
  r.status = 200;
  r.content_type.clear();
  r.headers.set("Allow", allow);
  return r;
}
HttpResponse redirect(const HttpRequest& req, int status, const std::string& location) {
  HttpResponse r;
  r.status = status;
  r.content_type.clear();
  r.headers.set("Location", location);
  if (req.method == "GET" || req.method == "HEAD") r.content_type = "text/html; charset=utf-8";
  if (req.method == "GET") {
    const char* text = status == 301 ? "Moved Permanently" : status == 302 ? "Found" : "Temporary Redirect";
    r.body = "<a href=\"" + location + "\">" + text + "</a>.\n\n";
  }
  return r;
}

class Api {
 public:
  explicit Api(Deps d) : d_(std::move(d)) {
    ApiMetrics::get();
    prefix_ = d_.route_prefix;
    while (prefix_.size() > 1 && prefix_.back() == '/') prefix_.pop_back();
    if (prefix_ == "/") prefix_.clear();
  }

  HttpResponse handle(const HttpRequest& req) {
    std::string_view path = req.path;
    const std::string& m = req.method;
    const bool get = m == "GET";
    // Go's ServeMux answers a path with empty or dot segments by a redirect to its clean form.
    if (std::string clean = clean_path(path); clean != path) {
      if (!req.query.empty()) clean += "?" + req.query;
      return redirect(req, 301, clean);
    }
    if (!prefix_.empty()) {
      // With a route prefix the reference sends "/" to the prefix and the prefix to its index page.
      if (path == "/") {
        if (m == "OPTIONS") return router_options("GET, OPTIONS");
        if (!get) return router_method_not_allowed("GET, OPTIONS");
        return redirect(req, 302, prefix_);
      }
      if (path == prefix_) return get ? redirect(req, 301, prefix_ + "/") : router_not_found();
      if (path.substr(0, prefix_.size() + 1) != prefix_ + "/") return router_not_found();
      path.remove_prefix(prefix_.size());
    }
    if (path == "/api/v2") return redirect(req, 301, prefix_ + "/api/v2/" + (req.query.empty() ? "" : "?" + req.query));
    if (path.substr(0, 8) == "/api/v2/") {
      // http.StripPrefix takes the route prefix off the raw path too; go-openapi routes on the escaped one.
      const std::string_view raw = req.raw_path.empty() ? std::string_view(req.path) : std::string_view(req.raw_path);
      // A prefix that is percent-encoded in the raw path ("/%61m/api/v2/...") is not stripped: 404.
      if (raw.substr(0, prefix_.size()) != prefix_) return router_not_found();
      return with_cors(req, go_escaped_path(raw.substr(prefix_.size()), path));
    }
    if (path.substr(0, 8) == "/api/v1/" || path == "/api/v1") {
      return json_response(410, R"({"status":"deprecated","error":"The Alertmanager v1 API was removed; use the equivalent route of the v2 API (/api/v2/)."})");
    }
    // The reference's router (httprouter): a method table per path, 405 with Allow for the other
    // methods, OPTIONS answered from the table, a trailing slash redirected away.
    struct Route {
      std::string_view path;
      bool get, head, post;
    };
    static constexpr Route kRoutes[] = {
        {"/", true, false, false},         {"/metrics", true, false, false}, {"/-/healthy", true, true, false},
        {"/-/ready", true, true, false},   {"/-/reload", false, false, true},
    };
    const Route* route = nullptr;
    const Route* slash_route = nullptr;  // the route of `path` without its trailing slash
    for (const Route& r : kRoutes) {
      if (r.path == path) route = &r;
      if (path.size() > 1 && path.back() == '/' && r.path == path.substr(0, path.size() - 1)) slash_route = &r;
    }
    auto allows = [&](const Route& r) {
      return (m == "GET" && r.get) || (m == "HEAD" && r.head) || (m == "POST" && r.post);
    };
    if (route == nullptr) {
      if (slash_route != nullptr && allows(*slash_route)) {
        return redirect(req, get ? 301 : 307, prefix_ + std::string(slash_route->path));
      }
      return router_not_found();
    }
    std::string allow;
    for (auto [ok, name] : {std::pair{route->get, "GET"}, {route->head, "HEAD"}, {true, "OPTIONS"}, {route->post, "POST"}}) {
      if (!ok) continue;
      allow += (allow.empty() ? "" : ", ") + std::string(name);
    }
    if (m == "OPTIONS") return router_options(allow);
    if (!allows(*route)) return router_method_not_allowed(allow);
    if (path == "/-/ready" && d_.ready && !d_.ready()) return text_response(503, "Service Unavailable");
    if (m == "HEAD") {
      HttpResponse r;
      r.status = 200;
      r.content_type.clear();
      return r;
    }
    if (path == "/") {
      HttpResponse r = text_response(200, "");
      r.content_type = "text/html; charset=utf-8";
      r.body = "<!doctype html><title>tocsin</title><p>tocsin is running. The API is at <a href=\"api/v2/status\">api/v2/</a>.</p>\n";
      return r;
    }
    if (path == "/-/healthy" || path == "/-/ready") return text_response(200, "OK");
    if (path == "/-/reload") {
      auto r = d_.reload();
      if (!r) return go_http_error(500, "failed to reload config: " + r.error() + "\n");
      HttpResponse ok;
      ok.status = 200;
      ok.content_type.clear();
      return ok;
    }
    HttpResponse r = text_response(200, metrics::global().render());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.gzip_if_accepted = true;  // promhttp compresses a scrape that accepts gzip
    return r;
  }

  // rs/cors with its defaults around the API v2, as the reference wraps it: any origin, the methods
  // GET, POST and HEAD, the headers Origin, Accept, Content-Type and X-Requested-With; preflights
  // answered here, "Vary: Origin" on every answer.
  HttpResponse with_cors(const HttpRequest& req, std::string_view path) {
    const std::string* origin = req.headers.get("Origin");
    const bool has_origin = origin != nullptr && !origin->empty();
    const std::string* preflight = req.method == "OPTIONS" ? req.headers.get("Access-Control-Request-Method") : nullptr;
    if (preflight != nullptr && !preflight->empty()) {
      HttpResponse r;
      r.status = 200;
      r.content_type.clear();
      // (The reference sends three Vary lines; one with the three names means the same.)
      r.headers.set("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
      const std::string method = upper(*preflight);
      if (!has_origin || !cors_method(method)) return r;
      const std::string* requested = req.headers.get("Access-Control-Request-Headers");
      const auto wanted = cors_header_list(requested ? *requested : std::string());
      for (const auto& h : wanted) {
        if (h != "Origin" && h != "Accept" && h != "Content-Type" && h != "X-Requested-With") return r;
      }
      r.headers.set("Access-Control-Allow-Origin", "*");
      r.headers.set("Access-Control-Allow-Methods", method);
      if (!wanted.empty()) {
        std::string joined;
        for (const auto& h : wanted) joined += (joined.empty() ? "" : ", ") + h;
        r.headers.set("Access-Control-Allow-Headers", joined);
      }
      return r;
    }
    const bool allow = has_origin && cors_method(upper(req.method));
    auto add = [allow](HttpResponse& r) {
      r.headers.set("Vary", "Origin");
      if (allow) r.headers.set("Access-Control-Allow-Origin", "*");
    };
    if (req.defer) {
      // A deferred answer gets the headers when it is sent.
      req.defer = [defer = std::move(req.defer), add] {
        net::Responder r = defer();
        r.send = [send = std::move(r.send), add](HttpResponse res) {
          add(res);
          send(std::move(res));
        };
        return r;
      };
    }
    HttpResponse r = handle_v2(req, path);
    if (!r.deferred) add(r);
    if (req.method == "HEAD") r.body.clear();  // go-openapi writes no body to a HEAD
    return r;
  }

  static std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    return s;
  }
  static bool cors_method(const std::string& m) { return m == "GET" || m == "POST" || m == "HEAD" || m == "OPTIONS"; }
  // rs/cors's parseHeaderList: names split at spaces and commas, canonicalised ("content-type" ->
  // "Content-Type"), any other byte dropped.
  static std::vector<std::string> cors_header_list(const std::string& list) {
    std::vector<std::string> out;
    std::string h;
    bool up = true;
    for (size_t i = 0; i < list.size(); ++i) {
      const char b = list[i];
      if (b >= 'a' && b <= 'z') {
        h += up ? static_cast<char>(b - 32) : b;
      } else if (b >= 'A' && b <= 'Z') {
        h += up ? b : static_cast<char>(b + 32);
      } else if (b == '-' || b == '_' || (b >= '0' && b <= '9')) {
        h += b;
      }
      if (b == ' ' || b == ',' || i + 1 == list.size()) {
        if (!h.empty()) out.push_back(std::move(h));
        h.clear();
        up = true;
      } else {
        up = b == '-' || b == '_';
      }
    }
    return out;
  }

  // The API v2 (go-swagger's router): JSON errors, 405 for a known path with another method, a
  // trailing slash ignored.
  HttpResponse handle_v2(const HttpRequest& req, std::string_view path) {
    const bool get = req.method == "GET";
    const std::string_view escaped = path;
    if (path.size() > 8 && path.back() == '/') path.remove_suffix(1);
    // An operation's request is checked in go-openapi's order: route (404), method (405), the body's
    // Content-Type (400, 415), the answer's type (406), then the parameters.
    if (auto bad = route_refusal(req, path, escaped)) return std::move(*bad);
    if (auto bad = checked_request(req)) return std::move(*bad);
    // From here the path is an operation's and the method one it allows (route_refusal).
    if (path == "/api/v2/alerts") return get ? get_alerts(req) : post_alerts(req);
    if (path == "/api/v2/alerts/groups") return get_groups(req);
    if (path == "/api/v2/status") return get_status();
    if (path == "/api/v2/receivers") return get_receivers();
    if (path == "/api/v2/silences") return get ? get_silences(req) : post_silence(req);
    std::string id = path_unescape(path.substr(16));  // /api/v2/silence/{id}, GET or DELETE
    if (!is_uuid(id)) return swagger_error(422, 601, "silenceID in path must be of type uuid: " + go_quote(id));
    return get ? get_silence(id) : delete_silence(id);
  }

 private:
  // 404 and 405 of go-openapi's router, before any check of the request; nullopt for a known operation.
  std::optional<HttpResponse> route_refusal(const HttpRequest& req, std::string_view path, std::string_view escaped) {
    struct Op {
      std::string_view path;
      const char* allowed;
    };
    static constexpr Op kOps[] = {{"/api/v2/alerts", "GET,POST"}, {"/api/v2/alerts/groups", "GET"},
                                  {"/api/v2/status", "GET"},      {"/api/v2/receivers", "GET"},
                                  {"/api/v2/silences", "GET,POST"}};
    const std::string& m = req.method;
    std::string_view allowed;
    for (const Op& op : kOps) {
      if (op.path == path) allowed = op.allowed;
    }
    if (allowed.empty() && path.substr(0, 16) == "/api/v2/silence/" && path.size() > 16 &&
        path.find('/', 16) == std::string_view::npos) {
      allowed = "DELETE,GET";
    }
    if (allowed.empty()) return swagger_error(404, 404, "path " + std::string(escaped) + " was not found");
    for (size_t i = 0; i <= allowed.size();) {
      size_t j = std::min(allowed.find(',', i), allowed.size());
      if (allowed.substr(i, j - i) == m) return std::nullopt;
      i = j + 1;
    }
    return method_not_allowed(req, std::string(allowed));
  }

  static std::optional<HttpResponse> checked_request(const HttpRequest& req) {
    if (auto bad = unsupported_media_type(req)) return bad;
    if (!accepts_json(req)) {
      return swagger_error(406, 406, "unsupported media type requested, only [application/json] are available");
    }
    return std::nullopt;
  }

  HttpResponse method_not_allowed(const HttpRequest& req, const std::string& allowed) {
    HttpResponse r = swagger_error(405, 405, "method " + req.method + " is not allowed, but [" + allowed + "] are");
    // (go-swagger lists the methods in map order, so the reference's order varies between requests.)
    r.headers.set("Allow", allowed);
    return r;
  }

  // ---- alerts ----
  struct Decoded {
    std::vector<Alert> alerts;
    HttpResponse error_response;
    bool ok = true;
    bool utf8_checked = false;  // every string of `alerts` is known to be valid UTF-8
    std::vector<size_t> missing_labels;  // indexes of alerts without labels (null or absent), ascending
    explicit operator bool() const { return ok; }
    Decoded& fail(HttpResponse r) {
      ok = false;
      error_response = std::move(r);
      return *this;
    }
  };

  // Go's name of a JSON value's kind in an UnmarshalTypeError.
  static const char* go_kind(const ojson& v) {
    switch (v.type()) {
      case ojson::value_t::object: return "object";
      case ojson::value_t::array: return "array";
      case ojson::value_t::string: return "string";
      case ojson::value_t::boolean: return "bool";
      default: return "number";
    }
  }

  static bool key_is(const std::string& key, std::string_view field) {
    // encoding/json matches a key to a field without regard to case.
    if (key.size() != field.size()) return false;
    for (size_t i = 0; i < key.size(); ++i) {
      if ((key[i] | 0x20) != (field[i] | 0x20)) return false;
    }
    return true;
  }

  // The body's alerts: the single-pass decoder first; the JSON tree (and its error messages, worded as
  // the reference's) only when that one declines. Validation (422) is left to validate_postable().
  static Decoded decode_alerts(const HttpRequest& req) {
    Decoded out;
    if (auto fast = decode_alerts_fast(req.body)) {
      out.alerts = std::move(*fast);
      out.utf8_checked = true;  // decode_alerts_fast declines invalid UTF-8
      return out;
    }
    const std::string because = "parsing alerts body from \"\" failed, because ";
    auto fail400 = [&](const std::string& msg) { return out.fail(swagger_error(400, 400, because + msg)); };
    const std::string text = go_json_utf8(req.body);
    // json.Decoder: the first JSON value only, its syntax errors in Go's words.
    const auto scan = silence::scan_go_json(text);
    if (scan.kind == silence::JsonScan::kEmpty) return out.fail(swagger_error(422, 602, "alerts in body is required"));
    if (scan.kind == silence::JsonScan::kSyntax) return fail400(scan.message);
    ojson body;
    try {
      body = ojson::parse(std::string_view(text).substr(0, scan.end));
    } catch (const ojson::exception&) {
      // A number too large for a double (1e999): every number here is a type error, whatever its size.
      body = ojson::parse(silence::zero_json_numbers(std::string_view(text).substr(0, scan.end)), nullptr, false);
      if (body.is_discarded()) return fail400("invalid JSON");
    }
    if (body.is_null()) return out;  // no alerts
    if (!body.is_array()) {
      return fail400(std::string("json: cannot unmarshal ") + go_kind(body) + " into Go value of type models.PostableAlerts");
    }
    std::vector<Alert>& parsed = out.alerts;
    parsed.reserve(body.size());
    // Decoding errors reject the whole body (as go-swagger does) before any alert is taken.
    for (size_t i = 0; i < body.size(); ++i) {
      const ojson& ja = body[i];
      if (ja.is_null()) return fail400("alert " + std::to_string(i) + " is null");
      if (!ja.is_object()) {
        return fail400(std::string("json: cannot unmarshal ") + go_kind(ja) +
                       " into Go value of type struct { Annotations models.LabelSet \"json:\\\"annotations,omitempty\\\"\"; "
                       "EndsAt strfmt.DateTime \"json:\\\"endsAt,omitempty\\\"\"; StartsAt strfmt.DateTime "
                       "\"json:\\\"startsAt,omitempty\\\"\" }");
      }
      Alert a;
      // A type error is kept and reported once the object is read (the first one); a time that does not
      // parse stops the reading at once. go-swagger reads the body twice: annotations and times first,
      // then generatorURL and labels, so their errors name different Go types.
      std::string saved;
      auto save = [&](std::string msg) {
        if (saved.empty()) saved = std::move(msg);
      };
      auto read_kv = [&](const ojson& v, const std::string& field, LabelSet& dst) {
        if (v.is_null()) {
          dst = LabelSet();
          return;
        }
        if (!v.is_object()) {
          save(std::string("json: cannot unmarshal ") + go_kind(v) + " into Go struct field " + field + " of type models.LabelSet");
          return;
        }
        std::vector<LabelSet::Pair> pairs;
        pairs.reserve(v.size());
        for (auto kv = v.begin(); kv != v.end(); ++kv) {
          if (kv.value().is_null()) {
            pairs.emplace_back(kv.key(), "");
          } else if (!kv.value().is_string()) {
            save(std::string("json: cannot unmarshal ") + go_kind(kv.value()) + " into Go struct field " + field + " of type string");
          } else {
            pairs.emplace_back(kv.key(), kv.value().get<std::string>());
          }
        }
        dst = LabelSet(std::move(pairs));
      };
      for (auto it = ja.begin(); it != ja.end(); ++it) {
        const std::string& key = it.key();
        const ojson& v = it.value();
        if (key_is(key, "annotations")) {
          read_kv(v, ".annotations", a.annotations);
        } else if (key_is(key, "startsAt") || key_is(key, "endsAt")) {
          const bool starts = key_is(key, "startsAt");
          if (v.is_null()) continue;
          if (!v.is_string()) {
            return fail400(std::string("json: cannot unmarshal ") + go_kind(v) + " into Go struct field ." +
                           (starts ? "startsAt" : "endsAt") + " of type string");
          }
          auto t = silence::parse_swagger_datetime(v.get_ref<const std::string&>());
          if (!t) return fail400(t.error());
          (starts ? a.starts_at : a.ends_at) = *t;
        }
      }
      if (!saved.empty()) return fail400(saved);
      bool has_labels = false;
      for (auto it = ja.begin(); it != ja.end(); ++it) {
        const std::string& key = it.key();
        const ojson& v = it.value();
        if (key_is(key, "labels")) {
          read_kv(v, "Alert.labels", a.labels);
          has_labels = !v.is_null();
        } else if (key_is(key, "generatorURL")) {
          if (v.is_null()) {
            a.generator_url = std::string_view();
          } else if (!v.is_string()) {
            save(std::string("json: cannot unmarshal ") + go_kind(v) + " into Go struct field Alert.generatorURL of type string");
          } else {
            a.generator_url = v.get<std::string>();
          }
        }
      }
      if (!saved.empty()) return fail400(saved);
      if (!has_labels) out.missing_labels.push_back(i);
      parsed.push_back(std::move(a));
    }
    return out;
  }

  // go-swagger's validation of the decoded body, in its order (per alert: generatorURL, then labels);
  // the first failure answers 422 for the whole request.
  static std::optional<HttpResponse> validate_postable(const Decoded& d) {
    size_t next_missing = 0;
    // The alerts of one rule share their generatorURL: a URL equal to the last valid one is not checked again.
    std::string_view last_valid;
    for (size_t i = 0; i < d.alerts.size(); ++i) {
      const Alert& a = d.alerts[i];
      const std::string_view url = a.generator_url.view();
      if (!url.empty() && url != last_valid) {
        if (silence::go_request_uri_ok(url)) {
          last_valid = url;
        } else {
          return swagger_error(422, 601, std::to_string(i) + ".generatorURL in body must be of type uri: " +
                                             go_quote(url));
        }
      }
      if (next_missing < d.missing_labels.size() && d.missing_labels[next_missing] == i) {
        return swagger_error(422, 602, std::to_string(i) + ".labels in body is required");
      }
    }
    return std::nullopt;
  }

  HttpResponse post_alerts(const HttpRequest& req) {
    const auto now = d_.clock->now();
    std::shared_ptr<const Runtime> rt = d_.runtime();
    const Duration resolve_timeout = rt->config->global.resolve_timeout;
    auto decoded = decode_alerts(req);
    if (!decoded) return std::move(decoded.error_response);
    if (auto invalid = validate_postable(decoded)) return std::move(*invalid);
    std::vector<Alert> parsed = std::move(decoded.alerts);
    auto& metrics = ApiMetrics::get();
    std::vector<Alert> valid;
    valid.reserve(parsed.size());
    std::string errors;
    // Counted per request: looking a labelled counter up per alert was a measurable cost.
    size_t firing = 0, resolved = 0;
    for (auto& a : parsed) {
      a.updated_at = now;
      if (is_zero(a.starts_at)) a.starts_at = is_zero(a.ends_at) ? now : a.ends_at;
      if (is_zero(a.ends_at)) {
        a.timeout = true;
        a.ends_at = now + resolve_timeout;
      }
      ++(a.ends_at > now ? firing : resolved);
      // Empty label values mean "no label", as in Prometheus.
      if (std::any_of(a.labels.begin(), a.labels.end(), [](const auto& p) { return p.second.empty(); })) {
        std::vector<LabelSet::ViewPair> kept;
        for (auto p : a.labels) {
          if (!p.second.empty()) kept.push_back(p);
        }
        a.labels = LabelSet(std::move(kept));
      }
      std::string verr = validate(a, decoded.utf8_checked);
      if (!verr.empty()) {
        metrics.invalid.inc();
        errors += (errors.empty() ? "" : "; ") + verr;
        continue;
      }
      valid.push_back(std::move(a));
    }
    if (firing > 0) metrics.received.counter({"firing", "v2"}).inc(static_cast<double>(firing));
    if (resolved > 0) metrics.received.counter({"resolved", "v2"}).inc(static_cast<double>(resolved));
    HttpResponse answer;
    if (!errors.empty()) {
      answer = string_error(400, errors);
    } else {
      answer.status = 200;
      answer.content_type.clear();
    }
    // Answer only once the alerts are in the database, so a crash right after the 200 loses none.
    // The commit runs on the server thread after the other requests it has read: the POSTs of
    // several connections share one (each commit also rewrites the log's last pages).
    if (d_.alerts->put_before_sync(std::move(valid)) == 0) return answer;
    auto commit = [alerts = d_.alerts] {
      if (auto r = alerts->sync(); !r) {
        LOG_WARN({"component", "api"}, {"msg", "alerts kept in memory but not persisted"}, {"err", r.error()});
      }
    };
    if (!req.defer) {
      commit();
      return answer;
    }
    net::Responder responder = req.defer();
    responder.post([commit, send = std::move(responder.send), answer = std::move(answer)]() mutable {
      commit();
      send(std::move(answer));
    });
    HttpResponse later;
    later.deferred = true;
    return later;
  }

  // `utf8_checked`: the decoder already found every string valid UTF-8, so values need no second look.
  static std::string validate(const Alert& a, bool utf8_checked) {
    if (is_zero(a.starts_at)) return "start time missing";
    if (!is_zero(a.ends_at) && a.ends_at < a.starts_at) return "start time must be before end time";
    for (const auto& [k, v] : a.labels) {
      if (!is_valid_label_name(k)) return "invalid label set: invalid name " + go_quote(k);
      if (!utf8_checked && !is_valid_utf8(v)) return "invalid label set: invalid value " + go_quote(v);
    }
    if (a.labels.empty()) return "at least one label pair required";
    for (const auto& [k, v] : a.annotations) {
      if (!is_valid_label_name(k)) return "invalid annotations: invalid name " + go_quote(k);
      if (!utf8_checked && !is_valid_utf8(v)) return "invalid annotations: invalid value " + go_quote(v);
    }
    return {};
  }

  struct AlertStatus {
    std::vector<std::string> silenced_by;
    std::vector<std::string> inhibited_by;
  };

  // Fills `s` (its vectors reused from one alert to the next of a listing).
  void status_of(const Alert& a, const Runtime& rt, TimePoint now, AlertStatus& s) {
    s.silenced_by.clear();
    s.inhibited_by.clear();
    if (d_.silences) d_.silences->silenced_by(a.labels, a.fingerprint, now, s.silenced_by);
    if (rt.inhibitor) {
      if (auto by = rt.inhibitor->inhibited_by(a.labels, a.fingerprint, now)) s.inhibited_by.push_back(std::move(*by));
    }
    // A listing sets the marker's state, as the reference's setAlertStatus.
    if (d_.dispatcher) {
      d_.dispatcher->mark_inhibited(a.fingerprint, !s.inhibited_by.empty());
      d_.dispatcher->mark_silenced(a.fingerprint, !s.silenced_by.empty());
    }
  }

  // Applies the status filters; false when the alert is filtered out.
  static bool keep(const AlertFilter& f, const AlertStatus& s) {
    const bool suppressed = !s.silenced_by.empty() || !s.inhibited_by.empty();
    if (!f.active && !suppressed) return false;
    if (!f.silenced && !s.silenced_by.empty()) return false;
    if (!f.inhibited && !s.inhibited_by.empty()) return false;
    return true;
  }

  static bool receiver_kept(const AlertFilter& f, const std::vector<const config::Route*>& routes) {
    return !f.receiver || std::any_of(routes.begin(), routes.end(),
                                      [&](const config::Route* r) { return f.receiver->matches(r->receiver); });
  }

  template <size_t N>
  static char* put(char* p, const char (&lit)[N]) {
    std::memcpy(p, lit, N - 1);
    return p + N - 1;
  }

  static char* put_fingerprint(char* p, Fingerprint fp) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i) {
      p[i] = kHex[fp & 0xf];
      fp >>= 4;
    }
    return p + 16;
  }

  // Writes one GettableAlert onto `out`, in the reference's key order. The alert is written through a
  // pointer into `scratch`, sized for the worst case first, then appended at once: no capacity check
  // and no temporary string per field.
  static void append_alert(std::string& out, std::string& scratch, const Alert& a, const AlertStatus& s,
                           std::span<const std::string_view> receivers) {
    using json_out::string_bound;
    // 256 covers the keys and punctuation (about 190 bytes) and the state.
    size_t bound = 256 + json_out::labels_bound(a.annotations) + json_out::labels_bound(a.labels) +
                   3 * kRfc3339Bytes + 16 + string_bound(a.generator_url.view());
    for (std::string_view r : receivers) bound += string_bound(r) + 11;
    for (const auto& id : s.inhibited_by) bound += string_bound(id) + 1;
    for (const auto& id : s.silenced_by) bound += string_bound(id) + 1;
    if (scratch.size() < bound) scratch.resize(std::max(bound, 2 * scratch.size()));
    char* const begin = scratch.data();
    char* p = begin;
    p = put(p, "{\"annotations\":");
    p = json_out::write_labels(p, a.annotations);
    p = put(p, ",\"endsAt\":\"");
    p = write_rfc3339(p, a.ends_at);
    p = put(p, "\",\"fingerprint\":\"");
    p = put_fingerprint(p, a.fingerprint);
    p = put(p, "\",\"receivers\":[");
    for (size_t i = 0; i < receivers.size(); ++i) {
      if (i) *p++ = ',';
      p = put(p, "{\"name\":");
      p = json_out::write_string(p, receivers[i]);
      *p++ = '}';
    }
    p = put(p, "],\"startsAt\":\"");
    p = write_rfc3339(p, a.starts_at);
    p = put(p, "\",\"status\":{\"inhibitedBy\":[");
    for (size_t i = 0; i < s.inhibited_by.size(); ++i) {
      if (i) *p++ = ',';
      p = json_out::write_string(p, s.inhibited_by[i]);
    }
    p = put(p, "],\"silencedBy\":[");
    for (size_t i = 0; i < s.silenced_by.size(); ++i) {
      if (i) *p++ = ',';
      p = json_out::write_string(p, s.silenced_by[i]);
    }
    p = put(p, "],\"state\":\"");
    if (!s.silenced_by.empty() || !s.inhibited_by.empty()) {
      p = put(p, "suppressed");
    } else {
      p = put(p, "active");
    }
    p = put(p, "\"},\"updatedAt\":\"");
    p = write_rfc3339(p, a.updated_at);
    *p++ = '"';
    if (!a.generator_url.empty()) {
      p = put(p, ",\"generatorURL\":");
      p = json_out::write_string(p, a.generator_url.view());
    }
    p = put(p, ",\"labels\":");
    p = json_out::write_labels(p, a.labels);
    *p++ = '}';
    out.append(begin, static_cast<size_t>(p - begin));
  }

  void prefetch(const Alert* a) const {
    prefetch_contents(a);
    if (d_.silences) d_.silences->prefetch_silenced_by(a->fingerprint);
  }

  // How many alerts ahead a listing prefetches an alert's contents (its object twice as far).
  static constexpr size_t kPrefetchAhead = 4;

  // A listing's size from the previous one's bytes per alert, so the response is allocated once
  // instead of doubling its way up (each step a copy and fresh pages to fault in).
  // A listing's answer of several MiB has a mapping of its own (main.cpp's M_MMAP_THRESHOLD), fresh for
  // each request: its 2 MiB-aligned part is offered to transparent huge pages (THP's "madvise" mode, the
  // usual default), so that a few faults fill it instead of one a 4 KiB page (a 5 MB answer took 1,300,
  // with their zeroing and unmapping a fifth of the listing's CPU).
  static void reserve_answer(std::string& out, size_t bytes) {
    out.reserve(bytes);
    constexpr uintptr_t kHuge = uintptr_t{2} << 20;
    if (out.capacity() < 2 * kHuge) return;
    const auto begin = reinterpret_cast<uintptr_t>(out.data());
    const uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
    const uintptr_t last = (begin + out.capacity()) & ~(kHuge - 1);
    if (last > first) (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  }
  static size_t estimate(const std::atomic<size_t>& per_alert, size_t alerts) {
    const size_t per = per_alert.load(std::memory_order_relaxed);
    return alerts * (per + per / 16) + 64;
  }
  static void remember(std::atomic<size_t>& per_alert, const std::string& out, size_t alerts) {
    if (alerts > 0) per_alert.store(out.size() / alerts, std::memory_order_relaxed);
  }

  HttpResponse get_alerts(const HttpRequest& req) {
    AlertFilter f;
    HttpResponse err;
    if (!parse_alert_filter(req, f, err)) return err;
    auto rt = d_.runtime();
    const auto now = d_.clock->now();
    if (d_.dispatcher) d_.dispatcher->note_listing(now);  // the reference's listing sets every alert's state
    const auto all = d_.alerts->list();
    // Sorted as (fingerprint, raw pointer) pairs (`all` keeps the alerts alive): cheaper to swap than
    // shared_ptrs, and a comparison reads no alert.
    std::vector<std::pair<Fingerprint, const Alert*>> by_fp;
    by_fp.reserve(all.size());
    for (const auto& a : all) {
      if (!a->resolved_at(now)) by_fp.emplace_back(a->fingerprint, a.get());
    }
    std::sort(by_fp.begin(), by_fp.end());
    std::vector<const Alert*> sorted;
    sorted.reserve(by_fp.size());
    for (const auto& [_, a] : by_fp) sorted.push_back(a);
    std::string out;
    reserve_answer(out, estimate(alerts_bytes_per_alert_, sorted.size()));
    out += '[';
    std::string scratch;
    AlertStatus s;
    std::vector<const config::Route*> receivers;
    std::vector<std::string_view> names;
    size_t written = 0;
    for (size_t i = 0; i < sorted.size(); ++i) {
      if (i + 2 * kPrefetchAhead < sorted.size()) prefetch_object(sorted[i + 2 * kPrefetchAhead]);
      if (i + kPrefetchAhead < sorted.size()) prefetch(sorted[i + kPrefetchAhead]);
      const Alert* a = sorted[i];
      // As the reference: the receiver filter, then the alert's state is set (the marker, a silence
      // query), then the matchers; an alert the matchers leave out is still evaluated.
      const bool labels_match = matches_all(f.matchers, a->labels);
      if (labels_match || f.receiver) {
        dispatch::match_routes(*rt->config->route, a->labels, receivers);
        if (!receiver_kept(f, receivers)) continue;
      }
      status_of(*a, *rt, now, s);
      if (!labels_match || !keep(f, s)) continue;
      if (written++ > 0) out += ',';
      names.clear();
      for (const config::Route* r : receivers) names.push_back(r->receiver);
      append_alert(out, scratch, *a, s, names);
    }
    out += ']';
    remember(alerts_bytes_per_alert_, out, written);
    out += '\n';
    return json_response(200, std::move(out));
  }

  HttpResponse get_groups(const HttpRequest& req) {
    AlertFilter f;
    HttpResponse err;
    if (!parse_alert_filter(req, f, err)) return err;
    auto rt = d_.runtime();
    const auto now = d_.clock->now();
    d_.dispatcher->note_listing(now);  // the reference's listing sets every alert's state
    const auto groups = d_.dispatcher->groups();
    // First pass: the alerts that pass the filters, each with its status and, as the reference lists
    // them, the receivers (sorted) of the listed groups it is in.
    struct Listed {
      AlertStatus status;
      boost::container::small_vector<std::string_view, 1> receivers;  // one group an alert is the rule
    };
    size_t in_groups = 0;
    for (const auto& g : groups) in_groups += g.alerts.size();
    std::unordered_map<const Alert*, Listed> listed;
    listed.reserve(in_groups);
    // In listing order: each listed alert of each group with its record (map values do not move), so
    // the writing pass neither looks them up again nor waits on the map's scattered nodes.
    struct Entry {
      const Alert* alert;
      const Listed* listed;
    };
    std::vector<Entry> flat;
    flat.reserve(in_groups);
    std::vector<size_t> per_group(groups.size(), 0);  // how many of `flat` each group has
    for (size_t gi = 0; gi < groups.size(); ++gi) {
      const auto& g = groups[gi];
      if (f.receiver && !f.receiver->matches(g.receiver)) continue;
      for (const auto& a : g.alerts) {
        if (a->resolved_at(now)) continue;
        if (!matches_all(f.matchers, a->labels)) {
          AlertStatus unlisted;  // the reference sets its state all the same, before the matchers
          status_of(*a, *rt, now, unlisted);
          continue;
        }
        auto [it, fresh] = listed.try_emplace(a.get());
        if (fresh) {
          status_of(*a, *rt, now, it->second.status);
          if (!keep(f, it->second.status)) {
            listed.erase(it);
            continue;
          }
        }
        it->second.receivers.push_back(g.receiver);
        flat.push_back({a.get(), &it->second});
        ++per_group[gi];
      }
    }
    for (auto& [_, l] : listed) std::sort(l.receivers.begin(), l.receivers.end());
    const size_t total = flat.size();
    std::string out;
    reserve_answer(out, estimate(groups_bytes_per_alert_, total));
    out += '[';
    std::string scratch;
    size_t next = 0;  // index in `flat` of the alert being written
    bool first = true;
    for (size_t gi = 0; gi < groups.size(); ++gi) {
      if (per_group[gi] == 0) continue;
      const auto& g = groups[gi];
      if (!first) out += ',';
      first = false;
      out += "{\"alerts\":[";
      for (size_t k = 0; k < per_group[gi]; ++k, ++next) {
        if (next + kPrefetchAhead < total) prefetch_contents(flat[next + kPrefetchAhead].alert);
        if (k) out += ',';
        const Listed& l = *flat[next].listed;
        append_alert(out, scratch, *flat[next].alert, l.status, {l.receivers.data(), l.receivers.size()});
      }
      // The group's own labels and receiver are written by go-swagger's encoder, which leaves <, >
      // and & as they are (the alerts inside escape them: they marshal themselves).
      out += "],\"labels\":";
      append_unescaped_html(out, [&](std::string& o) { json_out::append_labels(o, g.labels); });
      out += ",\"receiver\":{\"name\":";
      append_unescaped_html(out, [&](std::string& o) { json_out::append_string(o, g.receiver); });
      out += "}}";
    }
    out += ']';
    remember(groups_bytes_per_alert_, out, total);
    out += '\n';
    return json_response(200, std::move(out));
  }

  // ---- status, receivers ----
  HttpResponse get_status() {
    auto rt = d_.runtime();
    ojson j;
    ojson cluster;
    if (d_.cluster.enabled) {
      cluster["name"] = d_.cluster.name;
      cluster["peers"] = ojson::array({ojson{{"address", d_.cluster.address}, {"name", d_.cluster.name}}});
      cluster["status"] = d_.cluster.settled == nullptr || d_.cluster.settled->load() ? "ready" : "settling";
    } else {
      cluster["peers"] = ojson::array();
      cluster["status"] = "disabled";
    }
    j["cluster"] = std::move(cluster);
    j["config"] = ojson{{"original", rt->config_yaml}};
    j["uptime"] = format_rfc3339(d_.start_time);
    // amtool compares versionInfo.version with its own: report the API level we implement there
    // and tocsin's own version in revision and branch.
    j["versionInfo"] = ojson{{"branch", "tocsin"},
                             {"buildDate", __DATE__},
                             {"buildUser", "tocsin"},
                             {"goVersion", "none (C++20)"},
                             {"revision", "tocsin-" + d_.version},
                             {"version", "0.25.0"}};
    return json_response(200, j.dump() + "\n");
  }

  HttpResponse get_receivers() {
    auto rt = d_.runtime();
    ojson arr = ojson::array();
    for (const auto& r : rt->config->receivers) arr.push_back(ojson{{"name", r.name}});
    return json_response(200, arr.dump() + "\n");
  }

  // ---- silences ----
  HttpResponse get_silences(const HttpRequest& req) {
    Matchers filter;
    for (const auto& [k, v] : parse_query(req.query)) {
      if (k != "filter") continue;
      auto m = parse_filter_matcher(v);
      if (!m) return string_error(400, m.error());
      filter.push_back(std::move(*m));
    }
    auto sils = d_.silences->query(filter);
    const auto now = d_.clock->now();
    silence::sort_silences(sils, now);
    return json_response(200, silence::gettable_silences_json(sils, now) + "\n");
  }

  HttpResponse post_silence(const HttpRequest& req) {
    silence::PostableError perr;
    auto s = silence::parse_postable_silence(go_json_utf8(req.body), &perr);
    if (!s) {
      if (perr.code == 0) return string_error(perr.http_status, s.error());
      return swagger_error(perr.http_status, perr.code, s.error());
    }
    if (req.defer && s->id.empty()) {
      // A creation is answered once its group commit is done: the silences that the server thread
      // has read from several connections share one commit, run after them.
      net::Responder responder = req.defer();
      d_.silences->set_async(std::move(*s), [send = std::move(responder.send)](Result<std::string> id,
                                                                                silence::ErrorKind kind) {
        send(silence_answer(id, kind));
      });
      // One flush pending a server thread: it commits every creation queued before it runs, so the
      // other creations its thread reads meanwhile post none (each was an empty commit and two posts).
      // The flag is the thread's own: the handler and the posted flush both run on the connection's
      // server thread (Responder::post), one at a time.
      thread_local bool flush_posted = false;
      if (!flush_posted) {
        flush_posted = true;
        responder.post([silences = d_.silences] {
          flush_posted = false;
          (void)silences->flush();
        });
      }
      HttpResponse r;
      r.deferred = true;
      return r;
    }
    silence::ErrorKind kind = silence::ErrorKind::kInvalid;
    auto id = d_.silences->set(std::move(*s), &kind);
    return silence_answer(id, kind);
  }

  static HttpResponse silence_answer(const Result<std::string>& id, silence::ErrorKind kind) {
    if (!id) {
      if (kind == silence::ErrorKind::kNotFound) return string_error(404, id.error());
      if (kind == silence::ErrorKind::kInternal) {
        HttpResponse r = string_error(503, id.error());
        r.headers.set("Retry-After", "1");
        return r;
      }
      return string_error(400, id.error());
    }
    return json_response(200, silence::post_silence_response(*id));
  }

  HttpResponse get_silence(const std::string& id) {
    auto s = d_.silences->get(id);
    if (!s) {
      HttpResponse r;
      r.status = 404;
      r.content_type.clear();
      return r;
    }
    return json_response(200, silence::gettable_silence_json(*s, d_.clock->now()) + "\n");
  }

  HttpResponse delete_silence(const std::string& id) {
    silence::ErrorKind kind = silence::ErrorKind::kInvalid;
    auto r = d_.silences->expire(id, &kind);
    if (!r) {
      if (kind == silence::ErrorKind::kInternal) {
        HttpResponse resp = string_error(503, r.error());
        resp.headers.set("Retry-After", "1");
        return resp;
      }
      return string_error(500, r.error());
    }
    HttpResponse ok;
    ok.status = 200;
    ok.content_type.clear();
    return ok;
  }

  Deps d_;
  std::string prefix_;
  // Bytes per alert of the last listing of each kind (see estimate()).
  std::atomic<size_t> alerts_bytes_per_alert_{0};
  std::atomic<size_t> groups_bytes_per_alert_{0};
};

}  // namespace

net::HttpHandler make_handler(Deps deps) {
  auto api = std::make_shared<Api>(std::move(deps));
  return [api](const HttpRequest& req) -> HttpResponse {
    try {
      return api->handle(req);
    } catch (const std::exception& e) {
      LOG_ERROR({"component", "api"}, {"msg", "handler failed"}, {"path", req.path}, {"err", e.what()});
      return string_error(500, std::string("internal error: ") + e.what());
    }
  };
}

}  // namespace tocsin::api

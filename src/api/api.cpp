// api.cpp: request routing and the API v2 handlers. JSON shapes and status codes follow the
// reference's OpenAPI spec (go-swagger's field order and error bodies included).
#include "api/api.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
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
#include "silence/silences.hpp"

namespace tocsin::api {

namespace {

// Go's encoding/json turns each invalid UTF-8 byte inside a string into U+FFFD instead of failing, so
// the reference accepts such bodies; nlohmann rejects them. Bodies that are valid UTF-8 pass unchanged.
std::string go_json_utf8(const std::string& body) {
  if (is_valid_utf8(body)) return body;
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
  return out;
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
    static ApiMetrics m{
        r.counter("alertmanager_alerts_received_total", "The total number of received alerts.", {"status"}),
        r.counter("alertmanager_alerts_invalid_total", "The total number of received alerts that were invalid.")
            .counter(),
    };
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

std::string query_unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back(query_unescape(part), "");
    } else {
      out.emplace_back(query_unescape(part.substr(0, eq)), query_unescape(part.substr(eq + 1)));
    }
  }
  return out;
}

// Reads the boolean query parameter `name` (default true). Returns false on a bad value.
bool bool_param(const std::vector<std::pair<std::string, std::string>>& q, const std::string& name, bool& out,
                std::string& err) {
  out = true;
  for (const auto& [k, v] : q) {
    if (k != name) continue;
    if (v == "true" || v == "1" || v == "True" || v == "TRUE" || v == "t" || v == "T") out = true;
    else if (v == "false" || v == "0" || v == "False" || v == "FALSE" || v == "f" || v == "F") out = false;
    else {
      err = name + " in query must be of type boolean: \"" + v + "\"";
      return false;
    }
  }
  return true;
}


struct AlertFilter {
  Matchers matchers;
  std::optional<Matcher> receiver;
  bool active = true, silenced = true, inhibited = true, unprocessed = true;
};

// Parses the filters shared by /alerts and /alerts/groups; on error fills `resp`.
bool parse_alert_filter(const HttpRequest& req, AlertFilter& f, HttpResponse& resp) {
  auto q = parse_query(req.query);
  std::string err;
  if (!bool_param(q, "active", f.active, err) || !bool_param(q, "silenced", f.silenced, err) ||
      !bool_param(q, "inhibited", f.inhibited, err) || !bool_param(q, "unprocessed", f.unprocessed, err)) {
    resp = swagger_error(400, 601, err);
    return false;
  }
  for (const auto& [k, v] : q) {
    if (k == "filter") {
      auto m = parse_matcher(v);
      if (!m) {
        resp = string_error(400, "bad matcher format: " + v);
        return false;
      }
      f.matchers.push_back(std::move(*m));
    } else if (k == "receiver" && !v.empty()) {
      auto m = Matcher::make(MatchType::kRegex, "receiver", v);
      if (!m) {
        resp = string_error(400, "failed to parse receiver param: " + m.error());
        return false;
      }
      f.receiver = std::move(*m);
    }
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

// 8-4-4-4-12 hex digits, as go-swagger's strfmt.UUID accepts.
bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (hex_value(s[i]) < 0) {
      return false;
    }
  }
  return true;
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
    if (!prefix_.empty()) {
      if (path.substr(0, prefix_.size()) != prefix_) return not_found(req);
      path.remove_prefix(prefix_.size());
      if (path.empty()) path = "/";
    }
    const std::string& m = req.method;
    const bool get = m == "GET" || m == "HEAD";
    if (path == "/" ) {
      if (!get) return method_not_allowed(req, "GET");
      HttpResponse r = text_response(200, "tocsin: an Alertmanager-compatible alert router. API at api/v2/.\n");
      r.content_type = "text/html; charset=utf-8";
      r.body = "<!doctype html><title>tocsin</title><p>tocsin is running. The API is at <a href=\"api/v2/status\">api/v2/</a>.</p>\n";
      return r;
    }
    if (path == "/-/healthy") return text_response(200, "OK");
    if (path == "/-/ready") {
      if (d_.ready && !d_.ready()) return text_response(503, "Service Unavailable");
      return text_response(200, "OK");
    }
    if (path == "/-/reload") {
      if (m != "POST" && m != "PUT") return text_response(405, "Only POST or PUT requests allowed");
      auto r = d_.reload();
      if (!r) return text_response(500, "failed to reload config: " + r.error());
      return text_response(200, "");
    }
    if (path == "/metrics") {
      HttpResponse r = text_response(200, metrics::global().render());
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return r;
    }
    if (path.substr(0, 8) == "/api/v1/" || path == "/api/v1") {
      return json_response(410, R"({"status":"deprecated","error":"The Alertmanager v1 API was removed; use the equivalent route of the v2 API (/api/v2/)."})");
    }
    if (path == "/api/v2/alerts") {
      if (m == "POST") return post_alerts(req);
      if (get) return get_alerts(req);
      return method_not_allowed(req, "GET, POST");
    }
    if (path == "/api/v2/alerts/groups") {
      if (get) return get_groups(req);
      return method_not_allowed(req, "GET");
    }
    if (path == "/api/v2/status") {
      if (get) return get_status();
      return method_not_allowed(req, "GET");
    }
    if (path == "/api/v2/receivers") {
      if (get) return get_receivers();
      return method_not_allowed(req, "GET");
    }
    if (path == "/api/v2/silences") {
      if (m == "POST") return post_silence(req);
      if (get) return get_silences(req);
      return method_not_allowed(req, "GET, POST");
    }
    if (path.substr(0, 16) == "/api/v2/silence/" && path.size() > 16) {
      std::string id(path.substr(16));
      if ((get || m == "DELETE") && !is_uuid(id)) {
        return swagger_error(422, 601, "silenceID in path must be of type uuid: \"" + id + "\"");
      }
      if (get) return get_silence(id);
      if (m == "DELETE") return delete_silence(id);
      return method_not_allowed(req, "DELETE, GET");
    }
    return not_found(req);
  }

 private:
  HttpResponse not_found(const HttpRequest& req) {
    return swagger_error(404, 404, "path " + req.path + " was not found");
  }
  HttpResponse method_not_allowed(const HttpRequest& req, const std::string& allowed) {
    HttpResponse r = swagger_error(405, 405, "method " + req.method + " is not allowed, but [" + allowed + "] are");
    r.headers.set("Allow", allowed);
    return r;
  }

  // ---- alerts ----
  struct Decoded {
    std::vector<Alert> alerts;
    HttpResponse error_response;
    bool ok = true;
    bool utf8_checked = false;  // every string of `alerts` is known to be valid UTF-8
    explicit operator bool() const { return ok; }
    Decoded& fail(HttpResponse r) {
      ok = false;
      error_response = std::move(r);
      return *this;
    }
  };

  // The body's alerts: the single-pass decoder first; the JSON tree (and its error messages, worded as
  // the reference's) only when that one declines.
  static Decoded decode_alerts(const HttpRequest& req) {
    Decoded out;
    if (auto fast = decode_alerts_fast(req.body)) {
      out.alerts = std::move(*fast);
      out.utf8_checked = true;  // decode_alerts_fast declines invalid UTF-8
      return out;
    }
    json body;
    try {
      body = json::parse(go_json_utf8(req.body));
    } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999999
      return out.fail(swagger_error(400, 400, std::string("parsing alerts body from \"\" failed, because ") + e.what()));
    }
    if (!body.is_array()) {
      return out.fail(swagger_error(400, 400, "parsing alerts body from \"\" failed, because the body must be a JSON array of alerts"));
    }
    std::vector<Alert>& parsed = out.alerts;
    parsed.reserve(body.size());
    // Decoding errors reject the whole body (as go-swagger does) before any alert is taken.
    for (size_t i = 0; i < body.size(); ++i) {
      const json& ja = body[i];
      const std::string at = std::to_string(i);
      if (!ja.is_object()) {
        return out.fail(swagger_error(400, 400, "parsing alerts body from \"\" failed, because alert " + at + " is not an object"));
      }
      Alert a;
      auto read_kv = [&](const char* field, LabelSet& out, std::string& err) {
        auto it = ja.find(field);
        if (it == ja.end() || it->is_null()) return true;
        if (!it->is_object()) {
          err = std::string("json: cannot unmarshal ") + it->type_name() + " into Go struct field Alert." + field;
          return false;
        }
        std::vector<LabelSet::Pair> pairs;
        pairs.reserve(it->size());
        for (auto kv = it->begin(); kv != it->end(); ++kv) {
          if (!kv.value().is_string()) {
            err = std::string("json: cannot unmarshal ") + kv.value().type_name() + " into Go struct field Alert." +
                  field + " of type string";
            return false;
          }
          pairs.emplace_back(kv.key(), kv.value().get<std::string>());
        }
        out = LabelSet(std::move(pairs));
        return true;
      };
      auto lit = ja.find("labels");
      if (lit == ja.end() || lit->is_null()) {
        return out.fail(swagger_error(422, 602, at + ".labels in body is required"));
      }
      std::string err;
      if (!read_kv("labels", a.labels, err) || !read_kv("annotations", a.annotations, err)) {
        return out.fail(swagger_error(400, 400, "parsing alerts body from \"\" failed, because " + err));
      }
      for (const char* tf : {"startsAt", "endsAt"}) {
        auto it = ja.find(tf);
        if (it == ja.end() || it->is_null()) continue;
        if (!it->is_string()) {
          return out.fail(swagger_error(400, 400, std::string("parsing alerts body from \"\" failed, because json: cannot unmarshal ") +
                                              it->type_name() + " into Go struct field " + tf + " of type string"));
        }
        auto t = parse_rfc3339(it->get_ref<const std::string&>());
        if (!t) {
          return out.fail(swagger_error(400, 400, "parsing alerts body from \"\" failed, because " + t.error()));
        }
        (std::string_view(tf) == "startsAt" ? a.starts_at : a.ends_at) = *t;
      }
      if (auto it = ja.find("generatorURL"); it != ja.end() && !it->is_null()) {
        if (!it->is_string()) {
          return out.fail(swagger_error(400, 400, "parsing alerts body from \"\" failed, because json: cannot unmarshal " +
                                              std::string(it->type_name()) + " into Go struct field generatorURL of type string"));
        }
        a.generator_url = it->get<std::string>();
      }
      parsed.push_back(std::move(a));
    }
    return out;
  }

  HttpResponse post_alerts(const HttpRequest& req) {
    if (const std::string* ct = req.headers.get("Content-Type")) {
      if (ct->find("json") == std::string::npos) {
        return swagger_error(415, 415, "unsupported media type \"" + *ct + "\", only [application/json] are allowed");
      }
    }
    const auto now = d_.clock->now();
    std::shared_ptr<const Runtime> rt = d_.runtime();
    const Duration resolve_timeout = rt->config->global.resolve_timeout;
    auto decoded = decode_alerts(req);
    if (!decoded) return std::move(decoded.error_response);
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
    if (firing > 0) metrics.received.counter({"firing"}).inc(static_cast<double>(firing));
    if (resolved > 0) metrics.received.counter({"resolved"}).inc(static_cast<double>(resolved));
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
                           const std::vector<const config::Route*>& receivers) {
    using json_out::string_bound;
    // 256 covers the keys and punctuation (about 190 bytes) and the state.
    size_t bound = 256 + json_out::labels_bound(a.annotations) + json_out::labels_bound(a.labels) +
                   3 * kRfc3339Bytes + 16 + string_bound(a.generator_url.view());
    for (const config::Route* r : receivers) bound += string_bound(r->receiver) + 11;
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
      p = json_out::write_string(p, receivers[i]->receiver);
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
    out.reserve(estimate(alerts_bytes_per_alert_, sorted.size()));
    out += '[';
    std::string scratch;
    AlertStatus s;
    std::vector<const config::Route*> receivers;
    size_t written = 0;
    for (size_t i = 0; i < sorted.size(); ++i) {
      if (i + 2 * kPrefetchAhead < sorted.size()) prefetch_object(sorted[i + 2 * kPrefetchAhead]);
      if (i + kPrefetchAhead < sorted.size()) prefetch(sorted[i + kPrefetchAhead]);
      const Alert* a = sorted[i];
      if (!matches_all(f.matchers, a->labels)) continue;
      dispatch::match_routes(*rt->config->route, a->labels, receivers);
      if (!receiver_kept(f, receivers)) continue;
      status_of(*a, *rt, now, s);
      if (!keep(f, s)) continue;
      if (written++ > 0) out += ',';
      append_alert(out, scratch, *a, s, receivers);
    }
    out += ']';
    remember(alerts_bytes_per_alert_, out, written);
    return json_response(200, std::move(out));
  }

  HttpResponse get_groups(const HttpRequest& req) {
    AlertFilter f;
    HttpResponse err;
    if (!parse_alert_filter(req, f, err)) return err;
    auto rt = d_.runtime();
    const auto now = d_.clock->now();
    const auto groups = d_.dispatcher->groups();
    // The alerts in listing order, to prefetch across group boundaries.
    std::vector<const Alert*> flat;
    for (const auto& g : groups) {
      if (f.receiver && !f.receiver->matches(g.receiver)) continue;
      for (const auto& a : g.alerts) flat.push_back(a.get());
    }
    const size_t total = flat.size();
    size_t next = 0;  // index in `flat` of the alert being written
    std::string out;
    out.reserve(estimate(groups_bytes_per_alert_, total));
    out += '[';
    std::string scratch;
    AlertStatus s;
    std::vector<const config::Route*> receivers;
    size_t written = 0;
    bool first = true;
    for (const auto& g : groups) {
      if (f.receiver && !f.receiver->matches(g.receiver)) continue;
      // The group is written as it goes and taken back if none of its alerts passes the filters.
      const size_t mark = out.size();
      if (!first) out += ',';
      out += "{\"alerts\":[";
      const size_t alerts_begin = out.size();
      for (const auto& a : g.alerts) {
        if (next + 2 * kPrefetchAhead < total) prefetch_object(flat[next + 2 * kPrefetchAhead]);
        if (next + kPrefetchAhead < total) prefetch(flat[next + kPrefetchAhead]);
        ++next;
        if (a->resolved_at(now)) continue;
        if (!matches_all(f.matchers, a->labels)) continue;
        status_of(*a, *rt, now, s);
        if (!keep(f, s)) continue;
        if (out.size() != alerts_begin) out += ',';
        dispatch::match_routes(*rt->config->route, a->labels, receivers);
        append_alert(out, scratch, *a, s, receivers);
        ++written;
      }
      if (out.size() == alerts_begin) {
        out.resize(mark);
        continue;
      }
      first = false;
      out += "],\"labels\":";
      json_out::append_labels(out, g.labels);
      out += ",\"receiver\":{\"name\":";
      json_out::append_string(out, g.receiver);
      out += "}}";
    }
    out += ']';
    remember(groups_bytes_per_alert_, out, written);
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
      cluster["status"] = "ready";
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
    return json_response(200, j.dump());
  }

  HttpResponse get_receivers() {
    auto rt = d_.runtime();
    ojson arr = ojson::array();
    for (const auto& r : rt->config->receivers) arr.push_back(ojson{{"name", r.name}});
    return json_response(200, arr.dump());
  }

  // ---- silences ----
  HttpResponse get_silences(const HttpRequest& req) {
    Matchers filter;
    for (const auto& [k, v] : parse_query(req.query)) {
      if (k != "filter") continue;
      auto m = parse_matcher(v);
      if (!m) return string_error(400, "bad matcher format: " + v);
      filter.push_back(std::move(*m));
    }
    auto sils = d_.silences->query(filter);
    const auto now = d_.clock->now();
    silence::sort_silences(sils, now);
    return json_response(200, silence::gettable_silences_json(sils, now));
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
      responder.post([silences = d_.silences] { (void)silences->flush(); });
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
    if (!s) return json_response(404, "");
    return json_response(200, silence::gettable_silence_json(*s, d_.clock->now()));
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

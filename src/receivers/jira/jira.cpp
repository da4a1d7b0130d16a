// jira.cpp: the Jira integration. Builds the reference's requests (its issue structs, whose fields are
// written from a Go map, so in key order, custom fields merged in) and runs the search, create or
// update, and transition steps against api_url with Accept-Language: en.
#include "receivers/jira/jira.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include <nlohmann/json.hpp>

#include "config/yaml_tree.hpp"
#include "core/log.hpp"
#include "receivers/go_text.hpp"
#include "receivers/http_options.hpp"
#include "receivers/integrations.hpp"
#include "receivers/notify_util.hpp"
#include "receivers/pagerduty/sha256.hpp"

namespace tocsin::receivers {

namespace {

// Sorted keys, as Go writes a map; the values of custom fields keep YAML's number types.
using Json = nlohmann::json;

// Jira's limits on a summary and a description.
constexpr size_t kMaxSummaryRunes = 255;
constexpr size_t kMaxDescriptionRunes = 32767;

// ---- JSON text as encoding/json writes it ----

Result<bool> write_json(const Json& v, std::string& out) {
  switch (v.type()) {
    case Json::value_t::null:
      out += "null";
      return true;
    case Json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return true;
    case Json::value_t::number_integer:
      out += std::to_string(v.get<int64_t>());
      return true;
    case Json::value_t::number_unsigned:
      out += std::to_string(v.get<uint64_t>());
      return true;
    case Json::value_t::number_float: {
      const double d = v.get<double>();
      if (std::isnan(d)) return Error{"json: unsupported value: NaN"};
      if (std::isinf(d)) return Error{std::string("json: unsupported value: ") + (d > 0 ? "+Inf" : "-Inf")};
      out += go_float_text(d);
      return true;
    }
    case Json::value_t::string:
      out += Json(v.get<std::string>()).dump(-1, ' ', false, Json::error_handler_t::replace);
      return true;
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ',';
        first = false;
        auto r = write_json(e, out);
        if (!r) return r;
      }
      out += ']';
      return true;
    }
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, e] : v.items()) {
        if (!first) out += ',';
        first = false;
        out += Json(k).dump(-1, ' ', false, Json::error_handler_t::replace);
        out += ':';
        auto r = write_json(e, out);
        if (!r) return r;
      }
      out += '}';
      return true;
    }
    default:
      out += "null";
      return true;
  }
}

Result<std::string> encode(const Json& v) {
  std::string out;
  auto r = write_json(v, out);
  if (!r) return Error{r.error()};
  return go_json_text(out);
}

// Go's json.Unmarshal into an `any`: every number a float64.
Json as_go_any(const Json& v) {
  if (v.is_number()) return Json(v.get<double>());
  if (v.is_array()) {
    Json a = Json::array();
    for (const auto& e : v) a.push_back(as_go_any(e));
    return a;
  }
  if (v.is_object()) {
    Json o = Json::object();
    for (const auto& [k, e] : v.items()) o[k] = as_go_any(e);
    return o;
  }
  return v;
}

// ---- custom fields: the reference's DeepCopyWithTemplate over YAML values ----

bool yaml_float_syntax(std::string_view s) {
  // ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  } else {
    if (!digits()) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// Go's strconv.ParseInt(s, 0, 64) / ParseUint: sign (signed only), 0x, 0o, 0b or a leading 0 (octal).
std::optional<Json> go_parse_int(std::string_view s) {
  bool neg = false;
  std::string_view d = s;
  if (!d.empty() && (d[0] == '+' || d[0] == '-')) {
    neg = d[0] == '-';
    d.remove_prefix(1);
  }
  int base = 10;
  if (d.size() > 2 && d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
    base = 16;
    d.remove_prefix(2);
  } else if (d.size() > 2 && d[0] == '0' && (d[1] == 'b' || d[1] == 'B')) {
    base = 2;
    d.remove_prefix(2);
  } else if (d.size() > 2 && d[0] == '0' && (d[1] == 'o' || d[1] == 'O')) {
    base = 8;
    d.remove_prefix(2);
  } else if (d.size() > 1 && d[0] == '0') {
    base = 8;
    d.remove_prefix(1);
  }
  if (d.empty()) return std::nullopt;
  uint64_t mag = 0;
  auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), mag, base);
  if (ec != std::errc() || p != d.data() + d.size()) return std::nullopt;
  if (neg) {
    if (mag > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
    return Json(mag == static_cast<uint64_t>(INT64_MAX) + 1 ? INT64_MIN : -static_cast<int64_t>(mag));
  }
  if (mag <= static_cast<uint64_t>(INT64_MAX)) return Json(static_cast<int64_t>(mag));
  if (s[0] == '+') return std::nullopt;  // ParseUint takes no sign
  return Json(mag);
}

// yaml.v2's resolution of a plain scalar: null, bool, int, float or (nullopt) a string.
std::optional<Json> resolve_plain(const std::string& s) {
  static const char* kTrue[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
  static const char* kFalse[] = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
  static const char* kNull[] = {"", "~", "null", "Null", "NULL"};
  for (const char* w : kTrue) {
    if (s == w) return Json(true);
  }
  for (const char* w : kFalse) {
    if (s == w) return Json(false);
  }
  for (const char* w : kNull) {
    if (s == w) return Json(nullptr);
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return Json(std::nan(""));
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF") return Json(HUGE_VAL);
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return Json(-HUGE_VAL);
  const char c = s[0];
  if (c == '.') {
    if (yaml_float_syntax(s)) return Json(std::strtod(s.c_str(), nullptr));
    return std::nullopt;
  }
  if (c == '+' || c == '-' || (c >= '0' && c <= '9')) {
    std::string plain;
    for (char ch : s) {
      if (ch != '_') plain += ch;
    }
    if (auto i = go_parse_int(plain)) return i;
    if (yaml_float_syntax(plain)) {
      double d = std::strtod(plain.c_str(), nullptr);
      if (!std::isinf(d)) return Json(d);  // ParseFloat refuses what overflows
    }
  }
  return std::nullopt;
}

class FieldCopier {
 public:
  explicit FieldCopier(TextRenderer& text) : text_(text) {}

  // A string value: rendered, then read again as YAML; what reads as a string stays the rendered text.
  Json from_string(const std::string& s) {
    std::string rendered = text_(s);
    if (text_.failed()) return Json(rendered);
    auto tree = config::parse_yaml_tree(rendered);
    if (!tree) return Json(rendered);
    if (tree->kind == config::YamlTree::Kind::kNull) return Json(nullptr);
    if (tree->kind == config::YamlTree::Kind::kScalar) {
      if (!tree->plain) return Json(rendered);
      auto typed = resolve_plain(tree->scalar);
      return typed ? *typed : Json(rendered);
    }
    return copy(*tree);
  }

  Json copy(const config::YamlTree& t) {
    switch (t.kind) {
      case config::YamlTree::Kind::kNull:
        return Json(nullptr);
      case config::YamlTree::Kind::kScalar: {
        if (t.plain) {
          if (auto typed = resolve_plain(t.scalar)) return *typed;
        }
        return from_string(t.scalar);
      }
      case config::YamlTree::Kind::kSeq: {
        Json a = Json::array();
        for (const auto& item : t.items) a.push_back(copy(item));
        return a;
      }
      case config::YamlTree::Kind::kMap: {
        Json o = Json::object();
        for (const auto& [k, v] : t.entries) {
          // Keys that YAML reads as anything but a string are dropped; string keys are rendered.
          if (k.kind != config::YamlTree::Kind::kScalar) continue;
          if (k.plain && resolve_plain(k.scalar)) continue;
          o[text_(k.scalar)] = copy(v);
        }
        return o;
      }
    }
    return Json(nullptr);
  }

 private:
  TextRenderer& text_;
};

// The config keeps a scalar field as its text and a map or a list as flow YAML. A text that opens with
// "{{" is a template (a flow map never starts so unless its first key is itself a map, which the
// reference drops); one that opens otherwise with '{' or '[' reads the same either way, as the reference
// re-reads every rendered string as YAML.
Json custom_field(const std::string& stored, TextRenderer& text) {
  FieldCopier copier(text);
  const bool collection = !stored.empty() && (stored.front() == '[' || (stored.front() == '{' && stored.rfind("{{", 0) != 0));
  if (collection) {
    if (auto tree = config::parse_yaml_tree(stored)) return copier.copy(*tree);
  }
  return copier.from_string(stored);
}

Json name_value(const std::string& name) {
  Json o = Json::object();
  if (!name.empty()) o["name"] = name;
  return o;
}

// ---- the notifier ----

struct JiraAnswer {
  NotifyResult result;
  std::string body;
};

class JiraNotifier final : public Notifier {
 public:
  JiraNotifier(config::JiraConfig cfg, TemplatesPtr t)
      : cfg_(std::move(cfg)), templates_(templates_or_defaults(std::move(t))) {}

  NotifyResult notify(const NotifyContext& ctx, const AlertList& alerts) override {
    auto opts = client_options(cfg_.http_config);
    if (!opts) return NotifyResult::failure(opts.error(), false);
    opts_ = std::move(*opts);
    const bool firing = !all_resolved(ctx, alerts);
    const std::string hash = sha256_hex(ctx.group_key);
    tmpl::Value data = template_data(ctx, alerts);
    TextRenderer text(*templates_, data);

    // 1. The group's issue, if there is one.
    std::string project = text(cfg_.project);
    if (text.failed()) {
      return NotifyResult::failure("failed to look up existing issues: invalid project template or value: " + text.error(),
                                   false);
    }
    const std::string jql = jira_search_jql(cfg_, project, hash, firing);
    JiraAnswer search = request(ctx, "POST", jira_search_url(cfg_.api_url, cfg_.api_type), jira_search_body(jql));
    if (!search.result.ok) {
      return NotifyResult::failure("failed to look up existing issues: HTTP request to JIRA API: " + search.result.error,
                                   search.result.retry);
    }
    if (std::string syntax = gourl::json_syntax_error(search.body); !syntax.empty()) {
      return NotifyResult::failure("failed to look up existing issues: " + syntax, false);
    }
    auto found = nlohmann::json::parse(search.body, nullptr, false);
    std::string key, category;
    bool has_status = false;
    if (found.is_object() && found.contains("issues") && found["issues"].is_array() && !found["issues"].empty()) {
      const auto& issue = found["issues"][0];
      if (found["issues"].size() > 1) {
        LOG_WARN({"integration", "jira"}, {"msg", "more than one issue matched, selecting the most recently resolved"},
                 {"group_key", ctx.group_key}, {"selected_issue", issue.value("key", "")});
      }
      key = issue.is_object() && issue.contains("key") && issue["key"].is_string() ? issue["key"].get<std::string>() : "";
      if (issue.is_object() && issue.contains("fields") && issue["fields"].is_object()) {
        const auto& f = issue["fields"];
        if (f.contains("status") && f["status"].is_object()) {
          has_status = true;
          const auto& st = f["status"];
          if (st.contains("statusCategory") && st["statusCategory"].is_object()) {
            category = st["statusCategory"].value("key", "");
          }
        }
      }
    }
    const bool exists = found.is_object() && found.contains("issues") && found["issues"].is_array() &&
                        !found["issues"].empty();

    // 2. Create or update it; a resolved group without an issue needs none.
    if (!exists && !firing) return NotifyResult::success();
    const std::string path = exists ? "issue/" + key : "issue";
    const std::string method = exists ? "PUT" : "POST";
    auto body = jira_issue_body(cfg_, *templates_, ctx, alerts);
    if (!body) {
      // A body the encoder refuses (NaN in a custom field) fails as the request would.
      if (body.error().rfind("json: ", 0) == 0) {
        return NotifyResult::failure("failed to " + method + " request to " + gourl::quote(path) + ": " + body.error(),
                                     false);
      }
      return NotifyResult::failure(body.error(), false);
    }
    JiraAnswer sent = request(ctx, method, gourl::join_path(cfg_.api_url, path), *body);
    if (!sent.result.ok) {
      return NotifyResult::failure("failed to " + method + " request to " + gourl::quote(path) + ": " + sent.result.error,
                                   sent.result.retry);
    }

    // 3. Reopen a done issue that fires again, resolve an open one whose alerts are resolved.
    if (!exists || key.empty() || !has_status) return NotifyResult::success();
    if (firing == (category != "done")) return NotifyResult::success();
    const std::string& transition = firing ? cfg_.reopen_transition : cfg_.resolve_transition;
    const std::string tpath = "issue/" + key + "/transitions";
    JiraAnswer list = request(ctx, "GET", gourl::join_path(cfg_.api_url, tpath), "");
    if (!list.result.ok) return list.result;
    if (std::string syntax = gourl::json_syntax_error(list.body); !syntax.empty()) {
      return NotifyResult::failure(syntax, false);
    }
    auto transitions = nlohmann::json::parse(list.body, nullptr, false);
    std::string id;
    bool matched = false;
    if (transitions.is_object() && transitions.contains("transitions") && transitions["transitions"].is_array()) {
      for (const auto& t : transitions["transitions"]) {
        if (t.is_object() && t.value("name", "") == transition) {
          id = t.value("id", "");
          matched = true;
          break;
        }
      }
    }
    if (!matched) return NotifyResult::failure("can't find transition " + transition + " for issue " + key, false);
    JiraAnswer moved = request(ctx, "POST", gourl::join_path(cfg_.api_url, tpath), jira_transition_body(id));
    return moved.result;
  }

 private:
  // One API call. A transport error is not retried (the reference returns it without asking its
  // retrier); an answer is judged by the retrier: 2xx ok, 429 and 5xx retried, the body in the error.
  JiraAnswer request(const NotifyContext& ctx, const std::string& method, const std::string& url,
                     const std::string& body) {
    net::OutgoingRequest req;
    req.method = method;
    req.url = url;
    req.options = opts_;
    req.options.timeout = request_timeout(ctx);
    req.headers.set("Content-Type", "application/json");
    req.headers.set("Accept-Language", "en");
    req.body = body;
    auto resp = net::http_send(req);
    JiraAnswer out;
    if (resp.status == 0) {
      std::string verb = method == "PUT" ? "Put" : method == "GET" ? "Get" : "Post";
      out.result = NotifyResult::failure(verb + " " + gourl::quote(url) + ": " + resp.error, false);
      return out;
    }
    if (resp.status / 100 != 2) {
      std::string msg = "unexpected status code " + std::to_string(resp.status);
      if (!resp.body.empty()) msg += ": " + resp.body;
      out.result = NotifyResult::failure(msg, resp.status / 100 == 5 || resp.status == 429);
      return out;
    }
    out.result = NotifyResult::success();
    out.body = std::move(resp.body);
    return out;
  }

  config::JiraConfig cfg_;
  TemplatesPtr templates_;
  net::ClientOptions opts_;
};

}  // namespace

std::string go_float_text(double v) {
  char buf[64];
  const double a = std::fabs(v);
  const bool exp = a != 0 && (a < 1e-6 || a >= 1e21);
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v, exp ? std::chars_format::scientific : std::chars_format::fixed);
  std::string s(buf, ec == std::errc() ? p : buf);
  if (exp) {
    // Go writes e-07 as e-7 (and e+21 stays).
    size_t n = s.size();
    if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') s.erase(n - 2, 1);
  }
  return s;
}

std::string jira_search_jql(const config::JiraConfig& cfg, const std::string& project, const std::string& group_hash,
                            bool firing) {
  std::string jql;
  if (!cfg.wont_fix_resolution.empty()) jql += "resolution != " + gourl::quote(cfg.wont_fix_resolution) + " and ";
  const int64_t minutes = std::chrono::duration_cast<std::chrono::minutes>(cfg.reopen_duration).count();
  if (firing && !cfg.reopen_transition.empty() && minutes > 0) {
    jql += "(resolutiondate is EMPTY OR resolutiondate >= -" + std::to_string(minutes) + "m) and ";
  } else {
    jql += "statusCategory != Done and ";
  }
  jql += "project=" + gourl::quote(project) + " and labels=" + gourl::quote("ALERT{" + group_hash + "}") +
         " order by status ASC,resolutiondate DESC";
  return jql;
}

std::string jira_search_url(const std::string& api_url, const std::string& api_type) {
  const std::string host = gourl::url_host(api_url);
  const std::string suffix = "atlassian.net";
  const bool cloud_host =
      host.size() >= suffix.size() && host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  if (api_type == "cloud" || (api_type == "auto" && cloud_host)) {
    // The reference swaps the first "/2" of the whole URL for "/3".
    std::string u = gourl::join_path(api_url, "/search/jql");
    if (size_t at = u.find("/2"); at != std::string::npos) u.replace(at, 2, "/3");
    return u;
  }
  return gourl::join_path(api_url, "/search");
}

std::string jira_search_body(const std::string& jql) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["fields"] = nlohmann::ordered_json::array({"status"});
  j["jql"] = jql;
  j["maxResults"] = 2;
  return go_json_text(j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

Result<std::string> jira_issue_body(const config::JiraConfig& cfg, const tmpl::Templates& templates,
                                    const NotifyContext& ctx, const AlertList& alerts) {
  tmpl::Value data = template_data(ctx, alerts);
  TextRenderer text(templates, data);
  // Rendered in the reference's order, so that the first error named is the same.
  std::string summary = text(cfg.summary);
  if (text.failed()) return Error{"summary template: " + text.error()};
  std::string project = text(cfg.project);
  if (text.failed()) return Error{"project template: " + text.error()};
  std::string issue_type = text(cfg.issue_type);
  if (text.failed()) return Error{"issue_type template: " + text.error()};
  Json custom = Json::object();
  for (const auto& [k, v] : cfg.fields) {
    custom[k] = custom_field(v, text);
    if (text.failed()) return Error{"fields template: " + text.error()};
  }
  bool truncated = false;
  summary = truncate_in_runes(summary, kMaxSummaryRunes, &truncated);
  if (truncated) {
    LOG_WARN({"integration", "jira"}, {"msg", "Truncated summary"}, {"group_key", ctx.group_key},
             {"max_runes", kMaxSummaryRunes});
  }
  std::string description = text(cfg.description);
  if (text.failed()) return Error{"description template: " + text.error()};
  description = truncate_in_runes(description, kMaxDescriptionRunes, &truncated);
  if (truncated) {
    LOG_WARN({"integration", "jira"}, {"msg", "Truncated description"}, {"group_key", ctx.group_key},
             {"max_runes", kMaxDescriptionRunes});
  }
  Json fields = Json::object();
  const std::string path = gourl::url_path(cfg.api_url);
  if (path.size() >= 2 && path.compare(path.size() - 2, 2, "/3") == 0) {
    // API v3 takes the description as an Atlassian Document: the rendered text must be its JSON.
    if (std::string syntax = gourl::json_syntax_error(description); !syntax.empty()) {
      return Error{"description unmarshaling: " + syntax};
    }
    fields["description"] = as_go_any(Json::parse(description));
  } else {
    fields["description"] = description;
  }
  std::vector<std::string> labels;
  for (size_t i = 0; i < cfg.labels.size(); ++i) {
    labels.push_back(text(cfg.labels[i]));
    if (text.failed()) return Error{"labels[" + std::to_string(i) + "] template: " + text.error()};
  }
  labels.push_back("ALERT{" + sha256_hex(ctx.group_key) + "}");
  std::sort(labels.begin(), labels.end());
  std::string priority = text(cfg.priority);
  if (text.failed()) return Error{"priority template: " + text.error()};

  fields["issuetype"] = name_value(issue_type);
  fields["labels"] = labels;
  if (!priority.empty()) fields["priority"] = name_value(priority);
  fields["project"] = Json{{"key", project}};
  fields["summary"] = summary;
  for (auto& [k, v] : custom.items()) fields[k] = v;
  Json issue = Json::object();
  issue["fields"] = std::move(fields);
  return encode(issue);
}

std::string jira_transition_body(const std::string& id) {
  Json t = Json::object();
  if (!id.empty()) t["id"] = id;
  Json j = Json::object();
  j["transition"] = std::move(t);
  auto r = encode(j);
  return r ? *r : std::string();
}

std::shared_ptr<Notifier> make_jira(const config::JiraConfig& c, TemplatesPtr t) {
  return std::make_shared<JiraNotifier>(c, std::move(t));
}

}  // namespace tocsin::receivers

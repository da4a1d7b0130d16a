// opsgenie.cpp: builds the reference's OpsGenie requests (its Go structs' field order and omitempty
// rules, details merged over the common labels, responders with "teams" expanded) and sends them in
// order with the GenieKey header.
#include "receivers/opsgenie/opsgenie.hpp"

#include <map>
#include "core/log.hpp"
#include "receivers/http_options.hpp"
#include "receivers/integrations.hpp"
#include "receivers/json_body.hpp"
#include "receivers/notify_util.hpp"
#include "receivers/pagerduty/sha256.hpp"
#include "receivers/url_util.hpp"

namespace tocsin::receivers {

namespace {

// OpsGenie's Alert API documents 130 characters for a message.
constexpr size_t kMaxMessageRunes = 130;

// The string split at `sep` after trimming it, empty pieces dropped; the pieces themselves keep their
// spaces ("a, b" gives "a" and " b"), as the reference sends them.
std::vector<std::string> split_nonempty(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string t = gourl::trim_space(s);
  size_t i = 0;
  while (i <= t.size()) {
    size_t j = t.find(sep, i);
    std::string piece = t.substr(i, j == std::string::npos ? std::string::npos : j - i);
    if (!piece.empty()) out.push_back(std::move(piece));
    if (j == std::string::npos) break;
    i = j + 1;
  }
  return out;
}

Json string_array(const std::vector<std::string>& v) {
  Json a = Json::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

}  // namespace

Result<OpsGenieRequests> opsgenie_requests(const config::OpsGenieConfig& cfg, const std::string& api_key,
                                           const tmpl::Templates& templates, const NotifyContext& ctx,
                                           const AlertList& alerts) {
  tmpl::Value data = template_data(ctx, alerts);
  TextRenderer text(templates, data);
  const std::string alias = sha256_hex(ctx.group_key);
  const std::pair<std::string, std::string> by_alias{"identifierType", "alias"};

  // The common labels, then the configured details over them; a Go map, so written in key order.
  std::map<std::string, std::string> details;
  for (const auto& [k, v] : common_labels(alerts, false)) details[std::string(k)] = std::string(v);
  for (const auto& [k, v] : cfg.details) details[k] = text(v);

  OpsGenieRequests out;
  if (all_resolved(ctx, alerts)) {
    Json close = Json::object();
    close["source"] = text(cfg.source);
    out.requests.push_back({"POST", gourl::append_path(cfg.api_url, "v2/alerts/" + alias + "/close", &by_alias),
                            go_json(close)});
  } else {
    bool truncated = false;
    std::string message = truncate_in_runes(text(cfg.message), kMaxMessageRunes, &truncated);
    if (truncated) {
      LOG_WARN({"integration", "opsgenie"}, {"msg", "Truncated message"}, {"alert", ctx.group_key},
               {"max_runes", kMaxMessageRunes});
    }
    Json responders = Json::array();
    for (const auto& r : cfg.responders) {
      std::string id = text(r.id), name = text(r.name), username = text(r.username), type = text(r.type);
      if (id.empty() && name.empty() && username.empty() && type.empty()) {
        continue;  // a responder filled from labels that this group lacks
      }
      if (type == "teams") {
        // One team responder per name; the reference renders each name (and "team") once more.
        for (const auto& team : split_nonempty(name, ',')) {
          Json jt = Json::object();
          set_nonempty(jt, "name", text(team));
          jt["type"] = text("team");
          responders.push_back(std::move(jt));
        }
        continue;
      }
      Json jr = Json::object();
      set_nonempty(jr, "id", std::move(id));
      set_nonempty(jr, "name", std::move(name));
      set_nonempty(jr, "username", std::move(username));
      jr["type"] = std::move(type);
      responders.push_back(std::move(jr));
    }
    const std::string description = text(cfg.description);
    Json create = Json::object();
    create["alias"] = alias;
    create["message"] = message;
    set_nonempty(create, "description", description);
    create["details"] = Json::object();
    for (const auto& [k, v] : details) create["details"][k] = v;
    create["source"] = text(cfg.source);
    if (!responders.empty()) create["responders"] = std::move(responders);
    auto tags = split_nonempty(text(cfg.tags), ',');
    if (!tags.empty()) create["tags"] = string_array(tags);
    set_nonempty(create, "note", text(cfg.note));
    set_nonempty(create, "priority", text(cfg.priority));
    set_nonempty(create, "entity", text(cfg.entity));
    auto actions = split_nonempty(text(cfg.actions), ',');
    if (!actions.empty()) create["actions"] = string_array(actions);
    out.requests.push_back({"POST", gourl::append_path(cfg.api_url, "v2/alerts"), go_json(create)});

    if (cfg.update_alerts) {
      Json m = Json::object();
      set_nonempty(m, "message", message);
      out.requests.push_back(
          {"PUT", gourl::append_path(cfg.api_url, "v2/alerts/" + alias + "/message", &by_alias), go_json(m)});
      Json d = Json::object();
      set_nonempty(d, "description", description);
      out.requests.push_back(
          {"PUT", gourl::append_path(cfg.api_url, "v2/alerts/" + alias + "/description", &by_alias), go_json(d)});
    }
  }
  out.api_key = text(api_key);
  if (text.failed()) {
    return Error{"templating error: " + text.error()};
  }
  return out;
}

NotifyResult opsgenie_check_response(const net::ClientResponse& resp, const std::string& method,
                                     const std::string& url) {
  if (resp.status == 0) {
    // As Go's client words it: `Post "https://…": dial tcp …` (the URL holds no secret here).
    std::string verb = method == "PUT" ? "Put" : "Post";
    return NotifyResult::failure(verb + " \"" + url + "\": " + resp.error, true);
  }
  NotifyResult r = check_status("opsgenie", resp);
  if (!r.ok && resp.status == 429) {
    r.retry = true;  // OpsGenie's rate limit
  }
  return r;
}

namespace {

NotifyResult send_opsgenie(const config::OpsGenieConfig& cfg, const tmpl::Templates& templates,
                           const NotifyContext& ctx, const AlertList& alerts) {
  std::string key = cfg.api_key.value();
  if (key.empty()) {
    auto k = read_secret_file(cfg.api_key_file);
    if (!k) {
      return NotifyResult::failure("read key_file error: " + k.error(), false);
    }
    key = *k;
  }
  auto built = opsgenie_requests(cfg, key, templates, ctx, alerts);
  if (!built) {
    return NotifyResult::failure(built.error(), false);
  }
  auto opts = client_options(cfg.http_config);
  if (!opts) {
    return NotifyResult::failure(opts.error(), false);
  }
  for (auto& r : built->requests) {
    net::OutgoingRequest req;
    req.method = r.method;
    req.url = r.url;
    req.options = *opts;
    req.options.timeout = request_timeout(ctx);
    req.headers.set("Content-Type", "application/json");
    req.headers.set("Authorization", "GenieKey " + built->api_key);
    req.body = std::move(r.body);
    NotifyResult res = opsgenie_check_response(net::http_send(req), r.method, r.url);
    if (!res.ok) {
      return res;
    }
  }
  return NotifyResult::success();
}

}  // namespace

std::shared_ptr<Notifier> make_opsgenie(const config::OpsGenieConfig& c, TemplatesPtr t) {
  return make_stateless_notifier(c, std::move(t), &send_opsgenie);
}

}  // namespace tocsin::receivers

// wechat.cpp: the reference's WeChat exchange. gettoken?corpid=&corpsecret= (GET) gives an access token,
// kept for two hours from the flush that fetched it; message/send?access_token= (POST) carries the
// message. The answer is judged as the reference 0.25 judges it: a status other than 200 is retried;
// then its JSON "code" (not WeChat's "errcode", a quirk kept so that both agree) decides: 0 succeeds,
// 42001 (token expired) drops the token and is retried, anything else fails for good with "error".
#include "receivers/wechat/wechat.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>

#include "core/log.hpp"
#include "receivers/http_options.hpp"
#include "receivers/integrations.hpp"
#include "receivers/json_body.hpp"
#include "receivers/notify_util.hpp"

namespace tocsin::receivers {

namespace {

constexpr auto kTokenLifetime = std::chrono::hours(2);
constexpr int kCodeTokenExpired = 42001;

bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The first non-space byte of s, or 0.
char first_byte(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return c;
  }
  return 0;
}

// Parses a JSON answer into an object as Go's decoder would accept it; on failure returns Go's wording
// (close to it for the rarer syntax errors). `stream`: json.Decoder (a first value, trailing bytes
// ignored; an empty body is "EOF") rather than json.Unmarshal.
Result<Json> parse_answer(const std::string& body, bool stream, const std::string& type_name) {
  if (first_byte(body) == 0) {
    return Error{stream ? "EOF" : "unexpected end of JSON input"};
  }
  Json j;
  if (stream) {
    // A first value only: parse the longest valid prefix by letting the parser stop after one value.
    try {
      j = Json::parse(body.begin(), body.end(), nullptr, true, false);
    } catch (const Json::parse_error& e) {
      // Trailing bytes after a complete value are no error for a stream: retry on the prefix.
      if (e.byte > 1 && Json::accept(body.substr(0, e.byte - 1))) {
        j = Json::parse(body.substr(0, e.byte - 1));
      } else {
        char c = e.byte >= 1 && e.byte <= body.size() ? body[e.byte - 1] : 0;
        if (c == 0) return Error{"unexpected EOF"};
        return Error{std::string("invalid character '") + c + "' looking for beginning of value"};
      }
    }
  } else {
    try {
      j = Json::parse(body);
    } catch (const Json::parse_error& e) {
      if (e.byte > body.size()) return Error{"unexpected end of JSON input"};
      char c = body[e.byte - 1];
      bool after = e.byte > 1 && Json::accept(body.substr(0, e.byte - 1));
      return Error{std::string("invalid character '") + c + "' " +
                   (after ? "after top-level value" : "looking for beginning of value")};
    }
  }
  if (!j.is_object() && !j.is_null()) {
    const char* kind = j.is_array() ? "array" : j.is_string() ? "string" : j.is_boolean() ? "bool" : "number";
    return Error{std::string("json: cannot unmarshal ") + kind + " into Go value of type " + type_name};
  }
  return j;
}

// The value of `key` (matched case-insensitively, the last match winning, as Go's decoder does).
const Json* field(const Json& obj, std::string_view key) {
  const Json* out = nullptr;
  if (!obj.is_object()) return out;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (ascii_iequal(it.key(), key)) out = &it.value();
  }
  return out;
}

std::string go_kind(const Json& v) {
  return v.is_array()     ? "array"
         : v.is_object()  ? "object"
         : v.is_string()  ? "string"
         : v.is_boolean() ? "bool"
                          : "number";
}

struct SplitUrl {
  std::string base, query;  // base: scheme://host/path, query without '?'
};

SplitUrl split_url(const std::string& url) {
  std::string u = url.substr(0, url.find('#'));
  auto q = u.find('?');
  if (q == std::string::npos) return {u, ""};
  return {u.substr(0, q), u.substr(q + 1)};
}

class WechatNotifier final : public Notifier {
 public:
  WechatNotifier(config::WechatConfig cfg, TemplatesPtr templates)
      : cfg_(std::move(cfg)), templates_(templates_or_defaults(std::move(templates))) {}

  NotifyResult notify(const NotifyContext& ctx, const AlertList& alerts) override {
    auto opts = client_options(cfg_.http_config);
    if (!opts) {
      return NotifyResult::failure(opts.error(), false);
    }
    opts->timeout = request_timeout(ctx);

    std::string token;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (token_.empty() || ctx.now - token_at_ > kTokenLifetime) {
        auto r = fetch_token(ctx, alerts, *opts);
        if (!r.ok) {
          return r;
        }
      }
      token = token_;
    }

    auto body = wechat_message(cfg_, *templates_, ctx, alerts);
    if (!body) {
      return NotifyResult::failure(body.error(), false);
    }
    net::OutgoingRequest req;
    req.method = "POST";
    SplitUrl u = split_url(cfg_.api_url);
    req.url = u.base + "message/send?" + with_param(u.query, "access_token", token);
    req.options = *opts;
    req.headers.set("Content-Type", "application/json");
    req.body = std::move(*body);
    auto resp = net::http_send(req);
    if (resp.status == 0) {
      return NotifyResult::failure(post_error(resp), true);
    }
    if (resp.status != 200) {
      return NotifyResult::failure("unexpected status code " + std::to_string(resp.status), true);
    }
    LOG_DEBUG({"integration", "wechat"}, {"response", resp.body}, {"incident", ctx.group_key});
    auto answer = parse_answer(resp.body, false, "wechat.weChatResponse");
    if (!answer) {
      return NotifyResult::failure(answer.error(), true);
    }
    int64_t code = 0;
    std::string error;
    if (const Json* c = field(*answer, "code"); c != nullptr && !c->is_null()) {
      if (!c->is_number_integer() && !c->is_number_unsigned()) {
        std::string kind = c->is_number() ? "number " + c->dump() : go_kind(*c);
        return NotifyResult::failure(
            "json: cannot unmarshal " + kind + " into Go struct field weChatResponse.code of type int", true);
      }
      code = c->get<int64_t>();
    }
    if (const Json* e = field(*answer, "error"); e != nullptr && !e->is_null()) {
      if (!e->is_string()) {
        return NotifyResult::failure(
            "json: cannot unmarshal " + go_kind(*e) + " into Go struct field weChatResponse.error of type string",
            true);
      }
      error = e->get<std::string>();
    }
    if (code == 0) {
      return NotifyResult::success();
    }
    if (code == kCodeTokenExpired) {
      std::lock_guard<std::mutex> lock(mu_);
      token_.clear();
      return NotifyResult::failure(error, true);
    }
    return NotifyResult::failure(error, false);
  }

 private:
  // Adds key=value to a raw query and re-encodes it sorted by key, as Go's url.Values.Encode does.
  static std::string with_param(const std::string& raw, const std::string& key, const std::string& value) {
    std::vector<std::pair<std::string, std::string>> kv;
    size_t pos = 0;
    while (pos <= raw.size() && !raw.empty()) {
      size_t amp = raw.find('&', pos);
      std::string part = raw.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
      if (!part.empty()) {
        auto eq = part.find('=');
        std::string k = part.substr(0, eq);
        std::string v = eq == std::string::npos ? "" : part.substr(eq + 1);
        // Kept percent-encoded as written; only the key decides order, and `key` replaces its values.
        if (k != key) kv.emplace_back(k, v);
      }
      if (amp == std::string::npos) break;
      pos = amp + 1;
    }
    kv.emplace_back(go_query_escape(key), go_query_escape(value));
    std::stable_sort(kv.begin(), kv.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string out;
    for (const auto& [k, v] : kv) {
      out += (out.empty() ? "" : "&") + k + "=" + v;
    }
    return out;
  }

  // Fetches a token into token_ (mu_ held). The reference does not look at the answer's status: a
  // JSON answer without access_token is a bad secret, an answer that is not JSON an error, neither retried.
  NotifyResult fetch_token(const NotifyContext& ctx, const AlertList& alerts, const net::ClientOptions& opts) {
    tmpl::Value data = template_data(ctx, alerts);
    TextRenderer text(*templates_, data);
    std::string secret = text(cfg_.api_secret.value());
    std::string corp = text(cfg_.corp_id);
    if (text.failed()) {
      return NotifyResult::failure("templating error: " + text.error(), false);
    }
    net::OutgoingRequest req;
    req.method = "GET";
    req.url = split_url(cfg_.api_url).base + "gettoken?corpid=" + go_query_escape(corp) +
              "&corpsecret=" + go_query_escape(secret);
    req.options = opts;
    auto resp = net::http_send(req);
    if (resp.status == 0) {
      return NotifyResult::failure("Get \"<redacted>\": " + resp.error, true);
    }
    auto answer = parse_answer(resp.body, true, "wechat.token");
    if (!answer) {
      return NotifyResult::failure(answer.error(), false);
    }
    std::string token;
    if (const Json* t = field(*answer, "access_token"); t != nullptr && !t->is_null()) {
      if (!t->is_string()) {
        return NotifyResult::failure(
            "json: cannot unmarshal " + go_kind(*t) + " into Go struct field token.access_token of type string", false);
      }
      token = t->get<std::string>();
    }
    if (token.empty()) {
      return NotifyResult::failure("invalid APISecret for CorpID: " + cfg_.corp_id, false);
    }
    token_ = std::move(token);
    token_at_ = ctx.now;
    return NotifyResult::success();
  }

  config::WechatConfig cfg_;
  TemplatesPtr templates_;
  std::mutex mu_;
  std::string token_;
  TimePoint token_at_{};
};

}  // namespace

std::string go_query_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

Result<std::string> wechat_message(const config::WechatConfig& cfg, const tmpl::Templates& templates,
                                   const NotifyContext& ctx, const AlertList& alerts) {
  tmpl::Value data = template_data(ctx, alerts);
  TextRenderer text(templates, data);
  std::string to_user = text(cfg.to_user);
  std::string to_party = text(cfg.to_party);
  std::string to_tag = text(cfg.to_tag);
  std::string agent_id = text(cfg.agent_id);
  std::string message = text(cfg.message);
  if (text.failed()) {
    return Error{"templating error: " + text.error()};
  }
  const bool markdown = cfg.message_type == "markdown";
  Json msg = Json::object();
  msg["text"] = Json{{"content", markdown ? std::string() : message}};
  set_nonempty(msg, "touser", std::move(to_user));
  set_nonempty(msg, "toparty", std::move(to_party));
  set_nonempty(msg, "totag", std::move(to_tag));
  set_nonempty(msg, "agentid", std::move(agent_id));
  msg["safe"] = "0";
  set_nonempty(msg, "msgtype", cfg.message_type);
  msg["markdown"] = Json{{"content", markdown ? message : std::string()}};
  return go_json(msg);
}

std::shared_ptr<Notifier> make_wechat(const config::WechatConfig& c, TemplatesPtr t) {
  return std::make_shared<WechatNotifier>(c, std::move(t));
}

}  // namespace tocsin::receivers

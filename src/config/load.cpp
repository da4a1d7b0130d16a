// load.cpp: alertmanager.yml → Config. A strict reader over yaml-cpp (unknown and duplicate keys
// rejected, YAML line and dotted path in every error), the per-struct checks of the reference's
// UnmarshalYAML methods, then the whole-config checks and global fallbacks of config.Load.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "config/config.hpp"
#include "config/fields.hpp"
#include "core/labels.hpp"

namespace tocsin::config {

ConfigError::ConfigError(std::string path, std::string reason, std::string file, int line)
    : std::runtime_error((path.empty() ? std::string() : path + ": ") + reason + " (" + file +
                         (line > 0 ? ":" + std::to_string(line) : std::string()) + ")"),
      path_(std::move(path)),
      reason_(std::move(reason)),
      line_(line) {}

namespace {

using fields::Omit;

std::string quote(std::string_view s) { return go_quote(s); }

struct Ctx {
  std::string file;
  std::map<std::string, int> lines;  // path → 1-based line, for checks made after parsing
};

int line_of(const YAML::Node& n) {
  if (!n.IsDefined()) return 0;
  int l = n.Mark().line;
  return l >= 0 ? l + 1 : 0;
}

std::string join_key(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string join_index(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

const char* kind_name(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "!!map";
    case YAML::NodeType::Sequence: return "!!seq";
    case YAML::NodeType::Null: return "!!null";
    default: return "!!str";
  }
}

bool is_plain(const YAML::Node& n) { return n.Tag() != "!"; }

std::optional<bool> yaml_bool(const YAML::Node& n) {
  if (!n.IsScalar() || !is_plain(n)) return std::nullopt;
  static const char* const kTrue[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
  static const char* const kFalse[] = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
  const std::string& s = n.Scalar();
  for (const char* t : kTrue) {
    if (s == t) return true;
  }
  for (const char* f : kFalse) {
    if (s == f) return false;
  }
  return std::nullopt;
}

std::optional<int64_t> yaml_int(const YAML::Node& n) {
  if (!n.IsScalar() || !is_plain(n)) return std::nullopt;
  std::string s = n.Scalar();
  s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
  if (s.empty()) return std::nullopt;
  try {
    size_t pos = 0;
    long long v = std::stoll(s, &pos, 0);
    if (pos != s.size()) return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

// Go's url.Parse + the reference's parseURL checks (http/https with a host).
std::optional<std::string> check_url(const std::string& s) {
  size_t colon = s.find(':');
  std::string scheme;
  if (colon != std::string::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(s[0]))) {
    bool ok = true;
    for (size_t i = 0; i < colon; ++i) {
      char c = s[i];
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') ok = false;
    }
    if (ok) scheme = s.substr(0, colon);
  }
  std::string lower = scheme;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower != "http" && lower != "https") return "unsupported scheme " + quote(lower) + " for URL";
  std::string rest = s.substr(colon + 1);
  if (rest.rfind("//", 0) != 0) return std::string("missing host for URL");
  rest = rest.substr(2);
  size_t end = rest.find_first_of("/?#");
  std::string host = rest.substr(0, end);
  size_t at = host.rfind('@');
  if (at != std::string::npos) host = host.substr(at + 1);
  if (host.empty()) return std::string("missing host for URL");
  return std::nullopt;
}

// Go's net.SplitHostPort plus the reference's non-empty port rule.
std::optional<std::string> check_hostport(const std::string& s) {
  std::string port;
  if (!s.empty() && s[0] == '[') {
    size_t close = s.find(']');
    if (close == std::string::npos) return "address " + s + ": missing ']' in address";
    if (close + 1 >= s.size() || s[close + 1] != ':') return "address " + s + ": missing port in address";
    port = s.substr(close + 2);
  } else {
    size_t colon = s.rfind(':');
    if (colon == std::string::npos) return "address " + s + ": missing port in address";
    if (s.find(':') != colon) return "address " + s + ": too many colons in address";
    port = s.substr(colon + 1);
  }
  if (port.empty()) return "address " + quote(s) + ": port cannot be empty";
  return std::nullopt;
}

bool is_classic_label_name(std::string_view s) { return is_valid_label_name(s); }

// net/textproto.CanonicalMIMEHeaderKey.
std::string canonical_mime_key(const std::string& k) {
  for (char c : k) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || (c != ' ' && c > 0x20 && c < 0x7f &&
                                                                         std::string_view("\"(),/:;<=>?@[\\]{}").find(c) == std::string_view::npos);
    if (!ok) return k;
  }
  std::string out = k;
  bool upper = true;
  for (char& c : out) {
    if (upper && c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    } else if (!upper && c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    upper = c == '-';
  }
  return out;
}

class Reader;
template <class T>
void validate(Reader&, T&) {}

// A strict view of one YAML mapping: every field read marks its key known; finish() rejects the rest.
class Reader {
 public:
  Reader(Ctx& ctx, YAML::Node node, std::string path, const YAML::Node& key_for_line = YAML::Node())
      : ctx_(ctx), node_(std::move(node)), path_(std::move(path)) {
    line_ = line_of(node_);
    if (line_ == 0) line_ = line_of(key_for_line);
    ctx_.lines.emplace(path_, line_);
    if (node_.IsNull() || !node_.IsDefined()) return;
    if (!node_.IsMap()) fail("cannot unmarshal " + std::string(kind_name(node_)) + " into a mapping");
    std::set<std::string> seen;
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      if (is_merge_key(it->first)) {
        merge(it->second, 0);
        continue;
      }
      std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string();
      if (!seen.insert(k).second) fail_at(it->first, join_key(path_, k), "key " + quote(k) + " already set in map");
      keys_.emplace_back(k, it->first);
      entries_.push_back({k, it->second, false});
    }
  }

  const std::string& path() const { return path_; }
  int line() const { return line_; }
  Ctx& ctx() { return ctx_; }

  [[noreturn]] void fail(const std::string& reason) const { throw ConfigError(path_, reason, ctx_.file, line_); }
  [[noreturn]] void fail_at(const YAML::Node& n, const std::string& path, const std::string& reason) const {
    int l = line_of(n);
    throw ConfigError(path, reason, ctx_.file, l > 0 ? l : line_);
  }

  // The value under `key` (undefined when absent); marks the key known.
  YAML::Node take(const std::string& key) {
    known_.insert(key);
    const Entry* merged = nullptr;
    for (const auto& e : entries_) {
      if (e.key != key) continue;
      if (!e.merged) return e.value;  // the mapping's own key wins over any merged one
      if (merged == nullptr) merged = &e;
    }
    return merged ? merged->value : YAML::Node(YAML::NodeType::Undefined);
  }
  // Every value under `key`, merged ones included, in document order: yaml.v2 decodes a merged
  // mapping into the same struct, so the matcher lists and label maps of both add up.
  std::vector<YAML::Node> take_all(const std::string& key) {
    known_.insert(key);
    std::vector<YAML::Node> out;
    for (const auto& e : entries_) {
      if (e.key == key) out.push_back(e.value);
    }
    return out;
  }
  bool present(const YAML::Node& n) const { return n.IsDefined() && !n.IsNull(); }

  void finish() {
    for (const auto& [k, n] : keys_) {
      if (!known_.count(k)) fail_at(n, join_key(path_, k), "unknown field " + quote(k));
    }
  }

  std::string sub(const std::string& key) const { return join_key(path_, key); }

  std::string scalar_string(const YAML::Node& n, const std::string& key) {
    if (n.IsNull() || !n.IsDefined()) return "";
    if (!n.IsScalar()) fail_at(n, sub(key), "cannot unmarshal " + std::string(kind_name(n)) + " into string");
    return n.Scalar();
  }

  // ---- the visitor interface used by fields::visit ----
  void str(const std::string& key, std::string& out, Omit) {
    YAML::Node n = take(key);
    if (!n.IsDefined()) return;
    out = scalar_string(n, key);
    record(key, n);
  }
  void secret(const std::string& key, Secret& out, Omit) {
    YAML::Node n = take(key);
    if (!n.IsDefined()) return;
    out = Secret(scalar_string(n, key));
    record(key, n);
  }
  void url(const std::string& key, std::string& out, Omit) {
    YAML::Node n = take(key);
    if (!n.IsDefined()) return;
    if (n.IsNull()) {
      out.clear();
      return;
    }
    std::string s = scalar_string(n, key);
    if (auto err = check_url(s)) fail_at(n, sub(key), *err);
    out = s;
    record(key, n);
  }
  void secret_url(const std::string& key, Secret& out, Omit) {
    YAML::Node n = take(key);
    if (!n.IsDefined()) return;
    if (n.IsNull()) {
      out = Secret();
      return;
    }
    std::string s = scalar_string(n, key);
    // "<secret>" round-trips a config printed by the API back in (as the reference allows).
    if (s != kSecretToken) {
      if (auto err = check_url(s)) fail_at(n, sub(key), *err);
    }
    out = Secret(s);
    record(key, n);
  }
  // A URL 0.25 keeps as a plain URL (the webhook's): printed in clear, so "<secret>" is no URL here.
  void plain_secret_url(const std::string& key, Secret& out, Omit o) {
    std::string s = out.value();
    url(key, s, o);
    out = Secret(s);
  }
  void url_unless(const std::string& key, std::string& out, const char* /*dflt*/) { url(key, out, fields::kOmit); }
  void hostport(const std::string& key, std::string& out, Omit) {
    YAML::Node n = take(key);
    if (!n.IsDefined()) return;
    std::string s = scalar_string(n, key);
    if (!s.empty()) {
      if (auto err = check_hostport(s)) fail_at(n, sub(key), *err);
    }
    out = s;
    record(key, n);
  }
  void boolean(const std::string& key, bool& out, Omit) {
    YAML::Node n = take(key);
    if (!n.IsDefined()) return;
    if (n.IsNull()) {
      out = false;
      return;
    }
    auto b = yaml_bool(n);
    if (!b) fail_at(n, sub(key), "cannot unmarshal " + describe(n) + " into bool");
    out = *b;
    record(key, n);
  }
  void opt_bool(const std::string& key, std::optional<bool>& out) {
    bool v = false, set = false;
    bool_set(key, v, set);
    if (set) out = v;
  }
  void bool_set(const std::string& key, bool& out, bool& set) {
    YAML::Node n = take(key);
    if (!present(n)) return;
    boolean(key, out, fields::kKeep);
    set = true;
  }
  void int64(const std::string& key, int64_t& out, Omit) {
    YAML::Node n = take(key);
    if (!n.IsDefined()) return;
    if (n.IsNull()) {
      out = 0;
      return;
    }
    auto v = yaml_int(n);
    if (!v) fail_at(n, sub(key), "cannot unmarshal " + describe(n) + " into int64");
    out = *v;
    record(key, n);
  }
  void uint64(const std::string& key, uint64_t& out, Omit) {
    YAML::Node n = take(key);
    if (!n.IsDefined()) return;
    if (n.IsNull()) {
      out = 0;
      return;
    }
    auto v = yaml_int(n);
    if (!v || *v < 0) fail_at(n, sub(key), "cannot unmarshal " + describe(n) + " into uint64");
    out = static_cast<uint64_t>(*v);
    record(key, n);
  }
  void duration(const std::string& key, Duration& out, Omit) {
    YAML::Node n = take(key);
    if (!present(n)) return;
    std::string s = scalar_string(n, key);
    auto d = parse_duration(s);
    // model.ParseDuration's own words: also "empty duration string" and "duration out of range".
    if (!d) fail_at(n, sub(key), d.error());
    out = *d;
    record(key, n);
  }
  std::optional<Duration> opt_duration(const std::string& key) {
    YAML::Node n = take(key);
    if (!present(n)) return std::nullopt;
    Duration d{};
    duration(key, d, fields::kKeep);
    return d;
  }
  void go_duration(const std::string& key, Duration& out, Omit) {
    YAML::Node n = take(key);
    if (!present(n)) return;
    if (auto i = yaml_int(n)) {  // yaml.v2 accepts an integer count of nanoseconds
      out = Duration(*i);
      return;
    }
    std::string s = scalar_string(n, key);
    auto d = parse_go_duration(s);
    if (!d) fail_at(n, sub(key), "time: invalid duration " + quote(s));
    out = *d;
    record(key, n);
  }
  void string_map(const std::string& key, std::map<std::string, std::string>& out, Omit) {
    YAML::Node n = take(key);
    if (!n.IsDefined()) return;
    out.clear();
    if (n.IsNull()) return;
    if (!n.IsMap()) fail_at(n, sub(key), "cannot unmarshal " + std::string(kind_name(n)) + " into map[string]string");
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string k = scalar_string(it->first, key);
      if (out.count(k)) fail_at(it->first, sub(key), "key " + quote(k) + " already set in map");
      out[k] = scalar_string(it->second, key + "." + k);
    }
    record(key, n);
  }
  void any_map(const std::string& key, std::map<std::string, std::string>& out) {
    YAML::Node n = take(key);
    if (!present(n)) return;
    if (!n.IsMap()) fail_at(n, sub(key), "cannot unmarshal " + std::string(kind_name(n)) + " into map[string]any");
    for (auto it = n.begin(); it != n.end(); ++it) {
      YAML::Emitter e;
      e << YAML::Flow << it->second;
      out[scalar_string(it->first, key)] = it->second.IsScalar() ? it->second.Scalar() : std::string(e.c_str());
    }
  }
  void header_map(const std::string& key, std::map<std::string, std::vector<Secret>>& out) {
    YAML::Node n = take(key);
    if (!present(n)) return;
    if (!n.IsMap()) fail_at(n, sub(key), "cannot unmarshal " + std::string(kind_name(n)) + " into config.Header");
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string k = scalar_string(it->first, key);
      std::vector<Secret> vals;
      for (const std::string& s : string_seq(it->second, sub(key) + "." + k)) vals.emplace_back(s);
      out[k] = std::move(vals);
    }
  }
  std::vector<std::string> string_seq(const YAML::Node& n, const std::string& path) {
    std::vector<std::string> out;
    if (n.IsNull() || !n.IsDefined()) return out;
    if (!n.IsSequence()) fail_at(n, path, "cannot unmarshal " + std::string(kind_name(n)) + " into []string");
    for (size_t i = 0; i < n.size(); ++i) {
      const YAML::Node& item = n[i];
      if (item.IsNull()) {
        out.emplace_back();
        continue;
      }
      if (!item.IsScalar()) fail_at(item, join_index(path, i), "cannot unmarshal " + std::string(kind_name(item)) + " into string");
      out.push_back(item.Scalar());
    }
    return out;
  }
  void string_list(const std::string& key, std::vector<std::string>& out, Omit) {
    YAML::Node n = take(key);
    if (!n.IsDefined()) return;
    out = string_seq(n, sub(key));
    record(key, n);
  }
  void http(const std::string& key, HttpClientConfig& out, bool& set) {
    YAML::Node n = take(key);
    if (!present(n)) return;
    out = HttpClientConfig{};
    object(key, out, fields::kKeep);
    set = true;
  }
  void tls(const std::string& key, TlsConfig& out, Omit o) { object(key, out, o); }
  void tls_set(const std::string& key, TlsConfig& out, bool& set) {
    YAML::Node n = take(key);
    if (!present(n)) return;
    object(key, out, fields::kKeep);
    set = true;
  }
  template <class T>
  void object(const std::string& key, T& out, Omit) {
    YAML::Node n = take(key);
    if (!present(n)) return;
    Reader child(ctx_, n, sub(key));
    fields::visit(child, out);
    child.finish();
    validate(child, out);
  }
  template <class T>
  void opt_object(const std::string& key, std::optional<T>& out) {
    YAML::Node n = take(key);
    if (!present(n)) return;
    T v{};
    object(key, v, fields::kKeep);
    out = std::move(v);
  }
  template <class T>
  void list(const std::string& key, std::vector<T>& out, Omit) {
    YAML::Node n = take(key);
    if (!present(n)) return;
    if (!n.IsSequence()) fail_at(n, sub(key), "cannot unmarshal " + std::string(kind_name(n)) + " into a list");
    out.clear();
    for (size_t i = 0; i < n.size(); ++i) {
      T v{};
      Reader child(ctx_, n[i], join_index(sub(key), i));
      if (!n[i].IsNull()) {
        fields::visit(child, v);
        child.finish();
      }
      validate(child, v);
      out.push_back(std::move(v));
    }
  }

 private:
  void record(const std::string& key, const YAML::Node& n) { ctx_.lines.emplace(sub(key), line_of(n)); }
  static std::string describe(const YAML::Node& n) {
    if (n.IsScalar()) return std::string(is_plain(n) && yaml_int(n) ? "!!int" : "!!str") + " `" + n.Scalar() + "`";
    return kind_name(n);
  }

  // YAML merge keys ("<<: *anchor", or a list of anchors), as yaml.v2 reads them: the merged
  // mapping's keys are added unless the mapping sets them itself; in a list, earlier ones win.
  static bool is_merge_key(const YAML::Node& k) {
    return k.IsScalar() && k.Scalar() == "<<" && (k.Tag() == "?" || k.Tag() == "tag:yaml.org,2002:merge");
  }
  // go-yaml's words, "yaml: " included, as the reference reports it.
  static constexpr const char* kMergeNeedsMaps = "yaml: map merge requires map or sequence of maps as the value";

  void merge(const YAML::Node& from, int depth) {
    if (depth > 32) fail("map merge nested too deeply");
    if (from.IsSequence()) {
      for (size_t i = 0; i < from.size(); ++i) {
        if (!from[i].IsMap()) fail_at(from[i], path_, kMergeNeedsMaps);
        merge(from[i], depth + 1);
      }
      return;
    }
    if (!from.IsMap()) fail_at(from, path_, kMergeNeedsMaps);
    for (auto it = from.begin(); it != from.end(); ++it) {
      if (is_merge_key(it->first)) {
        merge(it->second, depth + 1);
        continue;
      }
      std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string();
      keys_.emplace_back(k, it->first);
      entries_.push_back({k, it->second, true});
    }
  }

  struct Entry {
    std::string key;
    YAML::Node value;
    bool merged;  // from a "<<" merge key
  };
  Ctx& ctx_;
  YAML::Node node_;
  std::string path_;
  int line_ = 0;
  std::vector<std::pair<std::string, YAML::Node>> keys_;
  std::vector<Entry> entries_;  // in document order, merge keys expanded where they stand
  std::set<std::string> known_;
};

// ---- per-struct checks (the reference's UnmarshalYAML methods) ----

void at_most_one(Reader& r, bool a, bool b, const std::string& what) {
  if (a && b) r.fail("at most one of " + what + " must be configured");
}

void validate(Reader& r, TlsConfig& c) {
  if (!c.ca.empty() && !c.ca_file.empty()) r.fail("at most one of ca and ca_file must be configured");
  if (!c.cert.empty() && !c.cert_file.empty()) r.fail("at most one of cert and cert_file must be configured");
  if (!c.key.empty() && !c.key_file.empty()) r.fail("at most one of key and key_file must be configured");
  bool has_cert = !c.cert.empty() || !c.cert_file.empty();
  bool has_key = !c.key.empty() || !c.key_file.empty();
  if (has_cert && !has_key) r.fail("exactly one of key or key_file must be configured when a client certificate is configured");
  if (has_key && !has_cert) r.fail("exactly one of cert or cert_file must be configured when a client key is configured");
  for (const std::string* v : {&c.min_version, &c.max_version}) {
    if (!v->empty() && *v != "TLS10" && *v != "TLS11" && *v != "TLS12" && *v != "TLS13") {
      r.fail("unknown TLS version: " + *v);
    }
  }
}

void validate(Reader& r, HttpClientConfig& c) {
  at_most_one(r, !c.bearer_token.empty(), !c.bearer_token_file.empty(), "bearer_token & bearer_token_file");
  bool has_bearer = !c.bearer_token.empty() || !c.bearer_token_file.empty();
  if ((c.basic_auth || c.oauth2) && has_bearer) {
    r.fail("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
  }
  if (c.basic_auth && !c.basic_auth->password.empty() && !c.basic_auth->password_file.empty()) {
    r.fail("at most one of basic_auth password & password_file must be configured");
  }
  if (c.authorization) {
    if (has_bearer) r.fail("authorization is not compatible with bearer_token & bearer_token_file");
    if (!c.authorization->credentials.empty() && !c.authorization->credentials_file.empty()) {
      r.fail("at most one of authorization credentials & credentials_file must be configured");
    }
    std::string& t = c.authorization->type;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.erase(0, 1);
    if (t.empty()) t = "Bearer";
    std::string lower = t;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower == "basic") r.fail(R"(authorization type cannot be set to "basic", use "basic_auth" instead)");
    if (c.basic_auth || c.oauth2) r.fail("at most one of basic_auth, oauth2 & authorization must be configured");
  } else if (has_bearer) {
    // The deprecated bearer_token fields become an Authorization, as the reference does.
    Authorization a;
    a.credentials = c.bearer_token;
    a.credentials_file = c.bearer_token_file;
    c.authorization = a;
    c.bearer_token = Secret();
    c.bearer_token_file.clear();
  }
  if (c.oauth2) {
    if (c.basic_auth) r.fail("at most one of basic_auth, oauth2 & authorization must be configured");
    if (c.oauth2->client_id.empty()) r.fail("oauth2 client_id must be configured");
    if (c.oauth2->client_secret.empty() && c.oauth2->client_secret_file.empty()) {
      r.fail("either oauth2 client_secret or client_secret_file must be configured");
    }
    if (c.oauth2->token_url.empty()) r.fail("oauth2 token_url must be configured");
  }
  // proxy_url is only parsed (url.Parse) by the reference: any scheme, even no host, loads.
  if (c.proxy_from_environment && !c.proxy_url.empty()) {
    r.fail("if proxy_from_environment is configured, proxy_url must not be configured");
  }
  if (c.proxy_from_environment && !c.no_proxy.empty()) {
    r.fail("if proxy_from_environment is configured, no_proxy must not be configured");
  }
  if (!c.no_proxy.empty() && c.proxy_url.empty()) r.fail("if no_proxy is configured, proxy_url must also be configured");
  if (!c.proxy_connect_header.empty() && c.proxy_url.empty() && !c.proxy_from_environment) {
    r.fail("if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured");
  }
}

void validate(Reader& r, WebhookConfig& c) {
  if (c.url.empty() && c.url_file.empty()) r.fail("one of url or url_file must be configured");
  at_most_one(r, !c.url.empty(), !c.url_file.empty(), "url & url_file");
}

void validate(Reader& r, SlackConfirmationField& c) {
  if (c.text.empty()) r.fail("missing text in Slack confirmation configuration");
}

void validate(Reader& r, SlackAction& c) {
  if (c.type.empty()) r.fail("missing type in Slack action configuration");
  if (c.text.empty()) r.fail("missing text in Slack action configuration");
  if (!c.url.empty()) {
    c.name.clear();
    c.value.clear();
    c.confirm.reset();
  } else if (c.name.empty()) {
    r.fail("missing name or url in Slack action configuration");
  }
}

void validate(Reader& r, SlackField& c) {
  if (c.title.empty()) r.fail("missing title in Slack field configuration");
  if (c.value.empty()) r.fail("missing value in Slack field configuration");
}

void validate(Reader& r, SlackConfig& c) {
  at_most_one(r, !c.api_url.empty(), !c.api_url_file.empty(), "api_url & api_url_file");
}

void validate(Reader& r, EmailConfig& c) {
  if (c.to.empty()) r.fail("missing to address in email config");
  std::map<std::string, std::string> normalized;
  for (const auto& [k, v] : c.headers) {
    std::string n = canonical_mime_key(k);
    if (normalized.count(n)) r.fail("duplicate header " + quote(n) + " in email config");
    normalized[n] = v;
  }
  c.headers = std::move(normalized);
  // auth_password and auth_password_file together load, as in 0.25 (the file wins when sending).
  at_most_one(r, !c.auth_secret.empty(), !c.auth_secret_file.empty(), "auth_secret & auth_secret_file");
}

void validate(Reader& r, PagerdutyConfig& c) {
  if (c.routing_key.empty() && c.service_key.empty() && c.routing_key_file.empty() && c.service_key_file.empty()) {
    r.fail("missing service or routing key in PagerDuty config");
  }
  at_most_one(r, !c.routing_key.empty(), !c.routing_key_file.empty(), "routing_key & routing_key_file");
  at_most_one(r, !c.service_key.empty(), !c.service_key_file.empty(), "service_key & service_key_file");
  if (c.source.empty()) c.source = c.client;
  static const std::pair<const char*, const char*> kDetails[] = {
      {"firing", R"({{ template "pagerduty.default.instances" .Alerts.Firing }})"},
      {"resolved", R"({{ template "pagerduty.default.instances" .Alerts.Resolved }})"},
      {"num_firing", "{{ .Alerts.Firing | len }}"},
      {"num_resolved", "{{ .Alerts.Resolved | len }}"},
  };
  for (const auto& [k, v] : kDetails) c.details.emplace(k, v);
}

std::string responder_repr(const OpsGenieResponder& r) {
  return "{" + r.id + " " + r.name + " " + r.username + " " + r.type + "}";
}

void validate(Reader& r, OpsGenieConfig& c) {
  at_most_one(r, !c.api_key.empty(), !c.api_key_file.empty(), "api_key & api_key_file");
  for (auto& resp : c.responders) {
    if (resp.id.empty() && resp.username.empty() && resp.name.empty()) {
      r.fail("opsGenieConfig responder " + responder_repr(resp) +
             " has to have at least one of id, username or name specified");
    }
    if (resp.type.find("{{") != std::string::npos) continue;  // a template, checked when rendered
    // Checked lower-cased but kept as written: the reference lower-cases a copy.
    std::string type = resp.type;
    for (char& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    static const std::set<std::string> kTypes = {"team", "teams", "user", "escalation", "schedule"};
    if (!kTypes.count(type)) {
      r.fail("opsGenieConfig responder " + responder_repr(resp) +
             " type does not match valid options ^(team|teams|user|escalation|schedule)$");
    }
  }
}

void validate(Reader& r, WechatConfig& c) {
  if (c.message_type.empty()) c.message_type = "text";
  if (c.message_type != "text" && c.message_type != "markdown") {
    r.fail("weChat message type " + quote(c.message_type) + " does not match valid options ^(text|markdown)$");
  }
}

void validate(Reader& r, VictorOpsConfig& c) {
  if (c.routing_key.empty()) r.fail("missing Routing key in VictorOps config");
  at_most_one(r, !c.api_key.empty(), !c.api_key_file.empty(), "api_key & api_key_file");
  for (const char* f : {"routing_key", "message_type", "state_message", "entity_display_name", "monitoring_tool",
                        "entity_id", "entity_state"}) {
    if (c.custom_fields.count(f)) {
      r.fail(std::string("victorOps config contains custom field ") + f +
             " which cannot be used as it conflicts with the fixed/static fields");
    }
  }
}

void validate(Reader& r, PushoverConfig& c) {
  if (c.user_key.empty() && c.user_key_file.empty()) r.fail("one of user_key or user_key_file must be configured");
  at_most_one(r, !c.user_key.empty(), !c.user_key_file.empty(), "user_key & user_key_file");
  if (c.token.empty() && c.token_file.empty()) r.fail("one of token or token_file must be configured");
  at_most_one(r, !c.token.empty(), !c.token_file.empty(), "token & token_file");
  at_most_one(r, c.html, c.monospace, "monospace & html");
}

void validate(Reader& r, SnsConfig& c) {
  // The reference's (a == "") != (b == "") != (c == "") check, kept as is.
  bool t = c.target_arn.empty(), p = c.topic_arn.empty(), ph = c.phone_number.empty();
  if ((t != p) != ph) r.fail("must provide either a Target ARN, Topic ARN, or Phone Number for SNS config");
}

void validate(Reader& r, TelegramConfig& c) {
  if (c.bot_token.empty() && c.bot_token_file.empty()) r.fail("missing bot_token or bot_token_file on telegram_config");
  at_most_one(r, !c.bot_token.empty(), !c.bot_token_file.empty(), "bot_token & bot_token_file");
  if (c.chat_id == 0) r.fail("missing chat_id on telegram_config");
  if (!c.parse_mode.empty() && c.parse_mode != "Markdown" && c.parse_mode != "MarkdownV2" && c.parse_mode != "HTML") {
    r.fail("unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string");
  }
}

void validate(Reader& r, WebexConfig& c) {
  if (c.room_id.empty()) r.fail("missing room_id on webex_config");
  if (!c.http_config_set || !c.http_config.authorization) r.fail("missing webex_configs.http_config.authorization");
}

template <class T>
void validate_webhook_url(Reader& r, T& c) {
  if (c.webhook_url.empty() && c.webhook_url_file.empty()) {
    r.fail("one of webhook_url or webhook_url_file must be configured");
  }
  at_most_one(r, !c.webhook_url.empty(), !c.webhook_url_file.empty(), "webhook_url & webhook_url_file");
}
void validate(Reader& r, DiscordConfig& c) { validate_webhook_url(r, c); }
void validate(Reader& r, MsTeamsConfig& c) { validate_webhook_url(r, c); }
void validate(Reader& r, MsTeamsV2Config& c) { validate_webhook_url(r, c); }

void validate(Reader& r, JiraConfig& c) {
  if (c.project.empty()) r.fail("missing project in jira_config");
  if (c.issue_type.empty()) r.fail("missing issue_type in jira_config");
  if (c.api_type != "auto" && c.api_type != "cloud" && c.api_type != "datacenter") {
    r.fail("unknown api_type on jira_config, must be auto, cloud or datacenter");
  }
}

void validate(Reader& r, RocketchatConfig& c) {
  at_most_one(r, !c.token.empty(), !c.token_file.empty(), "token & token_file");
  at_most_one(r, !c.token_id.empty(), !c.token_id_file.empty(), "token_id & token_id_file");
}

void validate(Reader& r, IncidentioConfig& c) {
  if (c.url.empty() && c.url_file.empty()) r.fail("one of url or url_file must be configured");
  at_most_one(r, !c.url.empty(), !c.url_file.empty(), "url & url_file");
  at_most_one(r, !c.alert_source_token.empty(), !c.alert_source_token_file.empty(),
              "alert_source_token & alert_source_token_file");
}

void validate(Reader& r, Receiver& c) {
  if (c.name.empty()) r.fail("missing name in receiver");
}

// ---- matchers, routes, inhibit rules, time intervals ----

bool matcher_less(const Matcher& a, const Matcher& b) {
  if (a.name() != b.name()) return a.name() < b.name();
  if (a.value() != b.value()) return a.value() < b.value();
  return static_cast<int>(a.type()) < static_cast<int>(b.type());
}

void sort_matchers(Matchers& ms) { std::stable_sort(ms.begin(), ms.end(), matcher_less); }

std::map<std::string, std::string> read_label_map(Reader& r, const std::string& key, bool regex, Matchers& into) {
  std::map<std::string, std::string> m;
  for (const YAML::Node& n : r.take_all(key)) {
    if (!r.present(n)) continue;
    if (!n.IsMap()) r.fail_at(n, r.sub(key), "cannot unmarshal " + std::string(kind_name(n)) + " into map[string]string");
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string k = r.scalar_string(it->first, key);
      std::string path = r.sub(key) + "." + k;
      if (m.count(k)) r.fail_at(it->first, path, "key " + quote(k) + " already set in map");
      if (!is_classic_label_name(k)) r.fail_at(it->first, path, "invalid label name " + quote(k));
      std::string v = r.scalar_string(it->second, key);
      auto mt = Matcher::make(regex ? MatchType::kRegex : MatchType::kEqual, k, v);
      if (!mt) r.fail_at(it->second, path, regex ? "invalid regexp value for " + quote(k) + ": " + mt.error() : mt.error());
      into.push_back(*mt);
      m[k] = v;
    }
  }
  return m;
}

Matchers read_matchers(Reader& r, const std::string& key) {
  Matchers out;
  for (const YAML::Node& n : r.take_all(key)) {
    if (!r.present(n)) continue;
    std::vector<std::string> lines = r.string_seq(n, r.sub(key));
    for (size_t i = 0; i < lines.size(); ++i) {
      auto ms = parse_matchers(lines[i]);
      if (!ms) r.fail_at(n[i], join_index(r.sub(key), i), ms.error());
      out.insert(out.end(), ms->begin(), ms->end());
    }
  }
  sort_matchers(out);
  return out;
}

std::shared_ptr<Route> read_route(Ctx& ctx, const YAML::Node& node, const std::string& path) {
  auto route = std::make_shared<Route>();
  Route& rt = *route;
  Reader r(ctx, node, path);
  YAML::Node recv = r.take("receiver");
  if (recv.IsDefined()) {
    rt.receiver = r.scalar_string(recv, "receiver");
    rt.receiver_set = !rt.receiver.empty();
    ctx.lines.emplace(r.sub("receiver"), line_of(recv));  // for "undefined receiver", checked later
  }
  YAML::Node gb = r.take("group_by");
  if (r.present(gb)) {
    rt.group_by_written = r.string_seq(gb, r.sub("group_by"));
    std::set<std::string> seen;
    for (size_t i = 0; i < rt.group_by_written.size(); ++i) {
      const std::string& l = rt.group_by_written[i];
      if (l == "...") {
        rt.group_by_all = true;
        continue;
      }
      if (!is_classic_label_name(l)) r.fail_at(gb[i], r.sub("group_by"), "invalid label name " + quote(l) + " in group_by list");
      rt.group_by.push_back(l);
    }
    if (!rt.group_by.empty() && rt.group_by_all) {
      r.fail_at(gb, r.sub("group_by"), "cannot have wildcard group_by (`...`) and other labels at the same time");
    }
    for (const auto& l : rt.group_by) {
      if (!seen.insert(l).second) r.fail_at(gb, r.sub("group_by"), "duplicated label " + quote(l) + " in group_by");
    }
    rt.group_by_set = !rt.group_by.empty();
  }
  Matchers merged;
  rt.match = read_label_map(r, "match", false, merged);
  rt.match_re = read_label_map(r, "match_re", true, merged);
  rt.matchers_written = read_matchers(r, "matchers");
  merged.insert(merged.end(), rt.matchers_written.begin(), rt.matchers_written.end());
  sort_matchers(merged);
  rt.matchers = std::move(merged);
  r.string_list("mute_time_intervals", rt.mute_time_intervals, fields::kOmit);
  r.string_list("active_time_intervals", rt.active_time_intervals, fields::kOmit);
  r.boolean("continue", rt.continue_, fields::kKeep);
  if (auto d = r.opt_duration("group_wait")) {
    rt.group_wait = *d;
    rt.group_wait_set = true;
  }
  if (auto d = r.opt_duration("group_interval")) {
    if (d->count() == 0) r.fail_at(r.take("group_interval"), r.sub("group_interval"), "group_interval cannot be zero");
    rt.group_interval = *d;
    rt.group_interval_set = true;
  }
  if (auto d = r.opt_duration("repeat_interval")) {
    if (d->count() == 0) r.fail_at(r.take("repeat_interval"), r.sub("repeat_interval"), "repeat_interval cannot be zero");
    rt.repeat_interval = *d;
    rt.repeat_interval_set = true;
  }
  YAML::Node children = r.take("routes");
  if (r.present(children)) {
    if (!children.IsSequence()) r.fail_at(children, r.sub("routes"), "cannot unmarshal " + std::string(kind_name(children)) + " into a list");
    for (size_t i = 0; i < children.size(); ++i) {
      rt.routes.push_back(read_route(ctx, children[i], join_index(r.sub("routes"), i)));
    }
  }
  r.finish();
  return route;
}

// Indexes the children of a wide route by the label most of them pin to literal values.
void build_child_index(Route& rt) {
  constexpr size_t kMinChildren = 8;
  rt.child_index = ChildIndex{};
  if (rt.routes.size() < kMinChildren) return;
  std::map<std::string, size_t> pinned;
  for (const auto& c : rt.routes) {
    std::set<std::string> names;
    for (const auto& m : c->matchers) {
      if (m.has_literal_values() && (m.type() == MatchType::kEqual || m.type() == MatchType::kRegex)) names.insert(m.name());
    }
    for (const auto& n : names) ++pinned[n];
  }
  std::string best;
  size_t best_count = 0;
  for (const auto& [n, count] : pinned) {
    if (count > best_count) {
      best = n;
      best_count = count;
    }
  }
  if (best_count * 2 < rt.routes.size()) return;
  ChildIndex idx;
  idx.label = best;
  for (uint32_t i = 0; i < rt.routes.size(); ++i) {
    std::optional<std::vector<std::string>> values;
    for (const auto& m : rt.routes[i]->matchers) {
      if (m.name() == best && m.has_literal_values() && (m.type() == MatchType::kEqual || m.type() == MatchType::kRegex)) {
        values = m.literal_values();
        break;
      }
    }
    if (!values) {
      idx.rest.push_back(i);
      continue;
    }
    std::set<std::string> distinct(values->begin(), values->end());
    for (const auto& v : distinct) idx.by_value[v].push_back(i);
  }
  rt.child_index = std::move(idx);
}

// The route's matchers as the reference's Route.Key() prints them: a match_re value is the anchored
// pattern 0.25's config.Regexp holds ("^(?:v)$"), and all are sorted by name, value, then type on
// those values. The group keys in notifications start with this.
std::string key_matchers_string(const Route& rt) {
  struct Shown {
    std::string name, value;
    MatchType type;
  };
  std::vector<Shown> shown;
  for (const auto& [k, v] : rt.match) shown.push_back({k, v, MatchType::kEqual});
  for (const auto& [k, v] : rt.match_re) shown.push_back({k, "^(?:" + v + ")$", MatchType::kRegex});
  for (const auto& m : rt.matchers_written) shown.push_back({m.name(), m.value(), m.type()});
  std::stable_sort(shown.begin(), shown.end(), [](const Shown& a, const Shown& b) {
    if (a.name != b.name) return a.name < b.name;
    if (a.value != b.value) return a.value < b.value;
    return static_cast<int>(a.type) < static_cast<int>(b.type);
  });
  Matchers ms;
  for (const auto& sh : shown) {
    auto m = Matcher::make(sh.type, sh.name, sh.value);
    if (!m) m = Matcher::make(MatchType::kEqual, sh.name, sh.value);  // only printed
    if (m) ms.push_back(*m);
  }
  return matchers_to_string(ms);
}

// Children take the parent's receiver, grouping and timers when they do not set them (the reference
// does this in dispatch.NewRoute; we resolve once at load), and get their Key()/ID() strings.
void resolve_route(Route& rt, const Route* parent, size_t index) {
  if (parent != nullptr) {
    if (!rt.receiver_set) rt.receiver = parent->receiver;
    if (!rt.group_by_set) {
      rt.group_by = parent->group_by;
      rt.group_by_all = rt.group_by_all || parent->group_by_all;
    } else {
      rt.group_by_all = false;
    }
    if (!rt.group_wait_set) rt.group_wait = parent->group_wait;
    if (!rt.group_interval_set) rt.group_interval = parent->group_interval;
    if (!rt.repeat_interval_set) rt.repeat_interval = parent->repeat_interval;
  }
  std::string ms = key_matchers_string(rt);
  rt.key_ = parent != nullptr ? parent->key_ + "/" + ms : ms;
  rt.id_ = parent != nullptr ? parent->id_ + "/" + ms + "/" + std::to_string(index) : ms;
  for (size_t i = 0; i < rt.routes.size(); ++i) resolve_route(*rt.routes[i], &rt, i);
  build_child_index(rt);
}

InhibitRule read_inhibit_rule(Ctx& ctx, const YAML::Node& node, const std::string& path) {
  InhibitRule ir;
  Reader r(ctx, node, path);
  r.str("name", ir.name, fields::kOmit);
  ir.source_match = read_label_map(r, "source_match", false, ir.source_matchers);
  ir.source_match_re = read_label_map(r, "source_match_re", true, ir.source_matchers);
  ir.source_matchers_written = read_matchers(r, "source_matchers");
  ir.target_match = read_label_map(r, "target_match", false, ir.target_matchers);
  ir.target_match_re = read_label_map(r, "target_match_re", true, ir.target_matchers);
  ir.target_matchers_written = read_matchers(r, "target_matchers");
  ir.source_matchers.insert(ir.source_matchers.end(), ir.source_matchers_written.begin(), ir.source_matchers_written.end());
  ir.target_matchers.insert(ir.target_matchers.end(), ir.target_matchers_written.begin(), ir.target_matchers_written.end());
  sort_matchers(ir.source_matchers);
  sort_matchers(ir.target_matchers);
  YAML::Node eq = r.take("equal");
  if (r.present(eq)) {
    ir.equal = r.string_seq(eq, r.sub("equal"));
    for (size_t i = 0; i < ir.equal.size(); ++i) {
      if (!is_classic_label_name(ir.equal[i])) {
        r.fail_at(eq[i], join_index(r.sub("equal"), i), "invalid label name " + quote(ir.equal[i]) + " in equal list");
      }
    }
  }
  r.finish();
  return ir;
}

std::optional<int> parse_int(const std::string& s) {
  if (s.empty()) return std::nullopt;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  for (size_t j = i; j < s.size(); ++j) {
    if (!std::isdigit(static_cast<unsigned char>(s[j]))) return std::nullopt;
  }
  try {
    return std::stoi(s);
  } catch (...) {
    return std::nullopt;
  }
}

int weekday_from(const std::string& s) {
  static const char* const kDays[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
  for (int i = 0; i < 7; ++i) {
    if (s == kDays[i]) return i;
  }
  throw std::invalid_argument(s + " is not a valid weekday");
}

int month_from(const std::string& s) {
  static const char* const kMonths[] = {"january", "february", "march", "april", "may", "june", "july",
                                        "august", "september", "october", "november", "december"};
  for (int i = 0; i < 12; ++i) {
    if (s == kMonths[i]) return i + 1;
  }
  if (auto n = parse_int(s)) return *n;
  throw std::invalid_argument(s + " is not a valid month");
}

int number_from(const std::string& s) {
  if (auto n = parse_int(s)) return *n;
  throw std::invalid_argument("strconv.Atoi: parsing " + quote(s) + ": invalid syntax");
}

// The reference's stringableRangeFromString: "a" or "a:b", lower-cased.
template <class F>
InclusiveRange parse_range(std::string in, F member) {
  for (char& c : in) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t colon = in.find(':');
  if (colon == std::string::npos) {
    int v = member(in);
    return {v, v};
  }
  if (in.find(':', colon + 1) != std::string::npos) throw std::invalid_argument("couldn't parse range " + in + ", invalid format");
  return {member(in.substr(0, colon)), member(in.substr(colon + 1))};
}

std::string month_name(int m) {
  static const char* const kMonths[] = {"january", "february", "march", "april", "may", "june", "july",
                                        "august", "september", "october", "november", "december"};
  return m >= 1 && m <= 12 ? kMonths[m - 1] : std::string();
}

int parse_clock(const std::string& s) {
  static const auto valid = [](const std::string& t) {
    if (t == "24:00") return true;
    if (t.size() != 5 || t[2] != ':') return false;
    if (!std::isdigit(static_cast<unsigned char>(t[0])) || !std::isdigit(static_cast<unsigned char>(t[1])) ||
        !std::isdigit(static_cast<unsigned char>(t[3])) || !std::isdigit(static_cast<unsigned char>(t[4]))) {
      return false;
    }
    int h = (t[0] - '0') * 10 + (t[1] - '0');
    return h <= 23 && t[3] <= '5';
  };
  if (!valid(s)) throw std::invalid_argument("couldn't parse timestamp " + s + ", invalid format");
  return std::stoi(s.substr(0, 2)) * 60 + std::stoi(s.substr(3, 2));
}

bool zone_exists(const std::string& name) {
  if (name.empty() || name == "UTC" || name == "Local") return true;
  if (name.front() == '/' || name.find("..") != std::string::npos) return false;
  for (const char* dir : {"/usr/share/zoneinfo/", "/usr/share/lib/zoneinfo/", "/usr/lib/locale/TZ/"}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(std::string(dir) + name, ec)) return true;
  }
  return false;
}

TimeInterval read_time_interval(Ctx& ctx, const YAML::Node& node, const std::string& path) {
  TimeInterval ti;
  Reader r(ctx, node, path);
  auto each = [&](const char* key, auto fn) {
    YAML::Node n = r.take(key);
    if (!r.present(n)) return;
    std::vector<std::string> items = r.string_seq(n, r.sub(key));
    for (size_t i = 0; i < items.size(); ++i) {
      try {
        fn(items[i]);
      } catch (const std::invalid_argument& e) {
        r.fail_at(n[i], join_index(r.sub(key), i), e.what());
      }
    }
  };
  YAML::Node times = r.take("times");
  if (r.present(times)) {
    if (!times.IsSequence()) r.fail_at(times, r.sub("times"), "cannot unmarshal " + std::string(kind_name(times)) + " into a list");
    for (size_t i = 0; i < times.size(); ++i) {
      Reader tr(ctx, times[i], join_index(r.sub("times"), i));
      std::string start, end;
      tr.str("start_time", start, fields::kKeep);
      tr.str("end_time", end, fields::kKeep);
      tr.finish();
      if (start.empty() || end.empty()) tr.fail("both start and end times must be provided");
      TimeRange range;
      try {
        range.start_minute = parse_clock(start);
        range.end_minute = parse_clock(end);
      } catch (const std::invalid_argument& e) {
        tr.fail(e.what());
      }
      if (range.start_minute >= range.end_minute) tr.fail("start time cannot be equal or greater than end time");
      ti.times.push_back(range);
    }
  }
  each("weekdays", [&](const std::string& s) {
    InclusiveRange ir = parse_range(s, weekday_from);
    if (ir.begin > ir.end) throw std::invalid_argument("start day cannot be before end day");
    ti.weekdays.push_back(ir);
  });
  each("days_of_month", [&](const std::string& s) {
    InclusiveRange ir = parse_range(s, number_from);
    if (ir.begin == 0 || ir.begin < -31 || ir.begin > 31) {
      throw std::invalid_argument(std::to_string(ir.begin) + " is not a valid day of the month: out of range");
    }
    if (ir.end == 0 || ir.end < -31 || ir.end > 31) {
      throw std::invalid_argument(std::to_string(ir.end) + " is not a valid day of the month: out of range");
    }
    if (ir.begin < 0 && ir.end > 0) throw std::invalid_argument("end day must be negative if start day is negative");
    int b = ir.begin < 0 ? 28 + ir.begin : ir.begin;
    int e = ir.end < 0 ? 28 + ir.end : ir.end;
    if (b > e) {
      throw std::invalid_argument("end day " + std::to_string(ir.end) + " is always before start day " + std::to_string(ir.begin));
    }
    ti.days_of_month.push_back(ir);
  });
  each("months", [&](const std::string& s) {
    InclusiveRange ir = parse_range(s, month_from);
    if (ir.begin > ir.end) {
      throw std::invalid_argument("end month " + month_name(ir.end) + " is before start month " + month_name(ir.begin));
    }
    ti.months.push_back(ir);
  });
  each("years", [&](const std::string& s) {
    InclusiveRange ir = parse_range(s, number_from);
    if (ir.begin > ir.end) {
      throw std::invalid_argument("end year " + std::to_string(ir.end) + " is before start year " + std::to_string(ir.begin));
    }
    ti.years.push_back(ir);
  });
  YAML::Node loc = r.take("location");
  if (r.present(loc)) {
    std::string name = r.scalar_string(loc, "location");
    if (!zone_exists(name)) r.fail_at(loc, r.sub("location"), "unknown time zone " + name);
    ti.location = name.empty() ? "UTC" : name;
  }
  r.finish();
  return ti;
}

void read_named_intervals(Ctx& ctx, Reader& top, const char* key, Config& cfg, std::vector<std::string>& names,
                          const char* what) {
  YAML::Node list = top.take(key);
  if (!top.present(list)) return;
  if (!list.IsSequence()) top.fail_at(list, key, "cannot unmarshal " + std::string(kind_name(list)) + " into a list");
  for (size_t i = 0; i < list.size(); ++i) {
    std::string path = join_index(key, i);
    Reader r(ctx, list[i], path);
    std::string name;
    r.str("name", name, fields::kKeep);
    std::vector<TimeInterval> intervals;
    YAML::Node tis = r.take("time_intervals");
    if (r.present(tis)) {
      if (!tis.IsSequence()) r.fail_at(tis, r.sub("time_intervals"), "cannot unmarshal " + std::string(kind_name(tis)) + " into a list");
      for (size_t j = 0; j < tis.size(); ++j) {
        intervals.push_back(read_time_interval(ctx, tis[j], join_index(r.sub("time_intervals"), j)));
      }
    }
    r.finish();
    if (name.empty()) r.fail(std::string("missing name in ") + what);
    if (cfg.time_intervals.count(name)) r.fail(std::string(what) + " " + quote(name) + " is not unique");
    cfg.time_intervals[name] = std::move(intervals);
    names.push_back(name);
  }
}

// ---- whole-config checks and global fallbacks (the reference's Config.UnmarshalYAML) ----

class Checker {
 public:
  Checker(Ctx& ctx, Config& cfg) : ctx_(ctx), cfg_(cfg) {}

  [[noreturn]] void fail(const std::string& path, const std::string& reason) {
    auto it = ctx_.lines.find(path);
    throw ConfigError(path, reason, ctx_.file, it == ctx_.lines.end() ? 0 : it->second);
  }

  template <class T>
  void inherit_http(std::vector<T>& list) {
    for (auto& c : list) {
      if (!c.http_config_set) c.http_config = cfg_.global.http_config;
    }
  }

  void run() {
    Global& g = cfg_.global;
    // Each secret of the global section comes inline or from a file, never both.
    auto at_most_one = [this](const std::string& name, const auto& inline_value, const std::string& file) {
      if (!inline_value.empty() && !file.empty()) {
        fail("global", "at most one of " + name + " & " + name + "_file must be configured");
      }
    };
    at_most_one("slack_api_url", g.slack_api_url, g.slack_api_url_file);
    at_most_one("opsgenie_api_key", g.opsgenie_api_key, g.opsgenie_api_key_file);
    at_most_one("victorops_api_key", g.victorops_api_key, g.victorops_api_key_file);
    at_most_one("smtp_auth_password", g.smtp_auth_password, g.smtp_auth_password_file);
    at_most_one("smtp_auth_secret", g.smtp_auth_secret, g.smtp_auth_secret_file);
    at_most_one("rocketchat_token", g.rocketchat_token, g.rocketchat_token_file);
    at_most_one("rocketchat_token_id", g.rocketchat_token_id, g.rocketchat_token_id_file);

    std::set<std::string> names;
    for (size_t i = 0; i < cfg_.receivers.size(); ++i) {
      Receiver& rcv = cfg_.receivers[i];
      std::string rp = join_index("receivers", i);
      if (names.count(rcv.name)) fail(rp + ".name", "notification config name " + quote(rcv.name) + " is not unique");
      names.insert(rcv.name);
      receiver_defaults(rcv, rp);
    }

    const Route& root = *cfg_.route;
    if (root.receiver.empty()) fail("route", "root route must specify a default receiver");
    if (!root.match.empty() || !root.match_re.empty() || !root.matchers_written.empty()) {
      fail("route", "root route must not have any matchers");
    }
    if (!root.mute_time_intervals.empty()) fail("route", "root route must not have any mute time intervals");
    if (!root.active_time_intervals.empty()) fail("route", "root route must not have any active time intervals");
    check_receivers(root, "route", names);
    check_time_intervals(root, "route");
    if (root.continue_) fail("route", "cannot have continue in root route");
  }

 private:
  void receiver_defaults(Receiver& rcv, const std::string& rp) {
    Global& g = cfg_.global;
    for (size_t j = 0; j < rcv.email_configs.size(); ++j) {
      EmailConfig& ec = rcv.email_configs[j];
      std::string p = join_index(rp + ".email_configs", j);
      if (ec.smarthost.empty()) {
        if (g.smtp_smarthost.empty()) fail(p, "no global SMTP smarthost set");
        ec.smarthost = g.smtp_smarthost;
      }
      if (ec.from.empty()) {
        if (g.smtp_from.empty()) fail(p, "no global SMTP from set");
        ec.from = g.smtp_from;
      }
      if (ec.hello.empty()) ec.hello = g.smtp_hello;
      if (ec.auth_username.empty()) ec.auth_username = g.smtp_auth_username;
      if (ec.auth_password.empty() && ec.auth_password_file.empty()) {
        ec.auth_password = g.smtp_auth_password;
        ec.auth_password_file = g.smtp_auth_password_file;
      }
      if (ec.auth_secret.empty() && ec.auth_secret_file.empty()) {
        ec.auth_secret = g.smtp_auth_secret;
        ec.auth_secret_file = g.smtp_auth_secret_file;
      }
      if (ec.auth_identity.empty()) ec.auth_identity = g.smtp_auth_identity;
      if (!ec.require_tls_set) ec.require_tls = g.smtp_require_tls;
      if (!ec.tls_config_set) ec.tls_config = g.smtp_tls_config;
      ec.http_config = g.http_config;
      // The reference's email notifier adds these when it is built; doing it here makes to_yaml agree.
      ec.headers.emplace("Subject", kDefaultEmailSubject);
      ec.headers.emplace("To", ec.to);
      ec.headers.emplace("From", ec.from);
    }
    inherit_http(rcv.webhook_configs);
    for (size_t j = 0; j < rcv.slack_configs.size(); ++j) {
      SlackConfig& sc = rcv.slack_configs[j];
      if (!sc.http_config_set) sc.http_config = g.http_config;
      if (sc.api_url.empty() && sc.api_url_file.empty()) {
        if (g.slack_api_url.empty() && g.slack_api_url_file.empty()) {
          fail(join_index(rp + ".slack_configs", j), "no global Slack API URL set either inline or in a file");
        }
        sc.api_url = g.slack_api_url;
        sc.api_url_file = g.slack_api_url_file;
      }
    }
    inherit_http(rcv.pushover_configs);
    for (auto& pd : rcv.pagerduty_configs) {
      if (!pd.http_config_set) pd.http_config = g.http_config;
      if (pd.url.empty()) pd.url = g.pagerduty_url;
    }
    for (size_t j = 0; j < rcv.opsgenie_configs.size(); ++j) {
      OpsGenieConfig& oc = rcv.opsgenie_configs[j];
      std::string p = join_index(rp + ".opsgenie_configs", j);
      if (!oc.http_config_set) oc.http_config = g.http_config;
      if (oc.api_url.empty()) {
        if (g.opsgenie_api_url.empty()) fail(p, "no global OpsGenie URL set");
        oc.api_url = g.opsgenie_api_url;
      }
      oc.api_url = with_trailing_slash(oc.api_url);
      if (oc.api_key.empty() && oc.api_key_file.empty()) {
        if (g.opsgenie_api_key.empty() && g.opsgenie_api_key_file.empty()) {
          fail(p, "no global OpsGenie API Key set either inline or in a file");
        }
        oc.api_key = g.opsgenie_api_key;
        oc.api_key_file = g.opsgenie_api_key_file;
      }
    }
    for (size_t j = 0; j < rcv.wechat_configs.size(); ++j) {
      WechatConfig& wc = rcv.wechat_configs[j];
      std::string p = join_index(rp + ".wechat_configs", j);
      if (!wc.http_config_set) wc.http_config = g.http_config;
      if (wc.api_url.empty()) {
        if (g.wechat_api_url.empty()) fail(p, "no global Wechat URL set");
        wc.api_url = g.wechat_api_url;
      }
      if (wc.api_secret.empty()) {
        if (g.wechat_api_secret.empty()) fail(p, "no global Wechat ApiSecret set");
        wc.api_secret = g.wechat_api_secret;
      }
      if (wc.corp_id.empty()) {
        if (g.wechat_api_corp_id.empty()) fail(p, "no global Wechat CorpID set");
        wc.corp_id = g.wechat_api_corp_id;
      }
      wc.api_url = with_trailing_slash(wc.api_url);
    }
    for (size_t j = 0; j < rcv.victorops_configs.size(); ++j) {
      VictorOpsConfig& vc = rcv.victorops_configs[j];
      std::string p = join_index(rp + ".victorops_configs", j);
      if (!vc.http_config_set) vc.http_config = g.http_config;
      if (vc.api_url.empty()) {
        if (g.victorops_api_url.empty()) fail(p, "no global VictorOps URL set");
        vc.api_url = g.victorops_api_url;
      }
      vc.api_url = with_trailing_slash(vc.api_url);
      if (vc.api_key.empty() && vc.api_key_file.empty()) {
        if (g.victorops_api_key.empty() && g.victorops_api_key_file.empty()) fail(p, "no global VictorOps API Key set");
        vc.api_key = g.victorops_api_key;
        vc.api_key_file = g.victorops_api_key_file;
      }
    }
    inherit_http(rcv.sns_configs);
    for (auto& tc : rcv.telegram_configs) {
      if (!tc.http_config_set) tc.http_config = g.http_config;
      if (tc.api_url.empty()) tc.api_url = g.telegram_api_url;
    }
    inherit_http(rcv.discord_configs);
    for (size_t j = 0; j < rcv.webex_configs.size(); ++j) {
      WebexConfig& wc = rcv.webex_configs[j];
      if (wc.api_url.empty()) {
        if (g.webex_api_url.empty()) fail(join_index(rp + ".webex_configs", j), "no global Webex URL set");
        wc.api_url = g.webex_api_url;
      }
    }
    inherit_http(rcv.msteams_configs);
    inherit_http(rcv.msteamsv2_configs);
    for (size_t j = 0; j < rcv.jira_configs.size(); ++j) {
      JiraConfig& jc = rcv.jira_configs[j];
      if (!jc.http_config_set) jc.http_config = g.http_config;
      if (jc.api_url.empty()) {
        if (g.jira_api_url.empty()) fail(join_index(rp + ".jira_configs", j), "no global Jira Cloud URL set");
        jc.api_url = g.jira_api_url;
      }
    }
    for (size_t j = 0; j < rcv.rocketchat_configs.size(); ++j) {
      RocketchatConfig& rc = rcv.rocketchat_configs[j];
      std::string p = join_index(rp + ".rocketchat_configs", j);
      if (!rc.http_config_set) rc.http_config = g.http_config;
      if (rc.api_url.empty()) rc.api_url = g.rocketchat_api_url;
      if (rc.token_id.empty() && rc.token_id_file.empty()) {
        if (g.rocketchat_token_id.empty() && g.rocketchat_token_id_file.empty()) {
          fail(p, "no global Rocketchat TokenID set either inline or in a file");
        }
        rc.token_id = g.rocketchat_token_id;
        rc.token_id_file = g.rocketchat_token_id_file;
      }
      if (rc.token.empty() && rc.token_file.empty()) {
        if (g.rocketchat_token.empty() && g.rocketchat_token_file.empty()) {
          fail(p, "no global Rocketchat Token set either inline or in a file");
        }
        rc.token = g.rocketchat_token;
        rc.token_file = g.rocketchat_token_file;
      }
    }
    inherit_http(rcv.incidentio_configs);
  }

  static std::string with_trailing_slash(const std::string& url) {
    // Appended to the URL's path, before any query or fragment.
    size_t scheme = url.find("://");
    size_t path_start = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    size_t qf = url.find_first_of("?#", scheme == std::string::npos ? 0 : scheme + 3);
    size_t end = qf == std::string::npos ? url.size() : qf;
    if (path_start != std::string::npos && path_start < end && url[end - 1] == '/') return url;
    return url.substr(0, end) + "/" + url.substr(end);
  }

  void check_receivers(const Route& r, const std::string& path, const std::set<std::string>& names) {
    for (size_t i = 0; i < r.routes.size(); ++i) check_receivers(*r.routes[i], join_index(path + ".routes", i), names);
    if (!r.receiver_set) return;
    if (!names.count(r.receiver)) fail(path + ".receiver", "undefined receiver " + quote(r.receiver) + " used in route");
  }

  void check_time_intervals(const Route& r, const std::string& path) {
    for (size_t i = 0; i < r.routes.size(); ++i) check_time_intervals(*r.routes[i], join_index(path + ".routes", i));
    for (const auto& ti : r.active_time_intervals) {
      if (!cfg_.time_intervals.count(ti)) fail(path + ".active_time_intervals", "undefined time interval " + quote(ti) + " used in route");
    }
    for (const auto& ti : r.mute_time_intervals) {
      if (!cfg_.time_intervals.count(ti)) fail(path + ".mute_time_intervals", "undefined time interval " + quote(ti) + " used in route");
    }
  }

  Ctx& ctx_;
  Config& cfg_;
};

std::string yaml_error_reason(const YAML::Exception& e) {
  std::string m = e.msg;
  return "yaml: " + m;
}

// yaml-cpp builds an anchor that contains itself as a cyclic graph, and expands aliases of aliases
// without limit; the reader below would recurse forever or for ages. Refused up front, as yaml.v2
// refuses them, by one walk without recursion that stops at a fixed number of nodes.
// The anchor written before the node that starts at `pos` ("&r" of "route: &r"), found in the text
// as yaml-cpp keeps no anchor names; "" when there is none to read.
std::string anchor_before(std::string_view text, size_t pos) {
  auto blank = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  if (pos < text.size() && text[pos] == '&') {
    size_t end = pos + 1;
    while (end < text.size() && !blank(text[end])) ++end;
    return std::string(text.substr(pos + 1, end - pos - 1));
  }
  size_t end = std::min(pos, text.size());
  while (end > 0 && blank(text[end - 1])) --end;
  size_t start = end;
  while (start > 0 && !blank(text[start - 1])) --start;
  if (end - start < 2 || text[start] != '&') return "";
  return std::string(text.substr(start + 1, end - start - 1));
}

void check_graph(const YAML::Node& doc, Ctx& ctx, std::string_view text) {
  constexpr size_t kMaxVisits = 1000000;
  constexpr size_t kMaxDepth = 1000;
  struct Frame {
    YAML::Node node;
    std::vector<YAML::Node> children;
    size_t next = 0;
  };
  auto children_of = [](const YAML::Node& n) {
    std::vector<YAML::Node> out;
    if (n.IsSequence()) {
      for (size_t i = 0; i < n.size(); ++i) out.push_back(n[i]);
    } else if (n.IsMap()) {
      for (auto it = n.begin(); it != n.end(); ++it) {
        out.push_back(it->first);
        out.push_back(it->second);
      }
    }
    return out;
  };
  std::vector<Frame> path;
  path.push_back({doc, children_of(doc), 0});
  size_t visits = 0;
  while (!path.empty()) {
    Frame& f = path.back();
    if (f.next == f.children.size()) {
      path.pop_back();
      continue;
    }
    YAML::Node child = f.children[f.next++];
    if (++visits > kMaxVisits) throw ConfigError("", "yaml: document contains excessive aliasing", ctx.file, 0);
    if (!child.IsMap() && !child.IsSequence()) continue;
    for (const Frame& up : path) {
      if (up.node.is(child)) {
        // go-yaml names the anchor: "yaml: anchor 'r' value contains itself".
        const int at = child.Mark().pos;
        const std::string name = at >= 0 ? anchor_before(text, static_cast<size_t>(at)) : "";
        throw ConfigError("", name.empty() ? "yaml: anchor value contains itself"
                                           : "yaml: anchor '" + name + "' value contains itself",
                          ctx.file, line_of(child));
      }
    }
    if (path.size() >= kMaxDepth) throw ConfigError("", "yaml: exceeded max depth of 1000", ctx.file, line_of(child));
    path.push_back({child, children_of(child), 0});
  }
}

Config parse(std::string_view text, Ctx& ctx) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw ConfigError("", yaml_error_reason(e), ctx.file, e.mark.line >= 0 ? e.mark.line + 1 : 0);
  }
  check_graph(doc, ctx, text);
  if (!doc.IsDefined() || doc.IsNull()) throw ConfigError("", "no route provided in config", ctx.file, 0);
  Config cfg;
  cfg.original = std::string(text);
  Reader top(ctx, doc, "");
  YAML::Node g = top.take("global");
  if (top.present(g)) {
    Reader gr(ctx, g, "global");
    fields::visit(gr, cfg.global);
    gr.finish();
    cfg.global_set = true;
  }
  YAML::Node route = top.take("route");
  std::shared_ptr<Route> root;
  if (top.present(route)) root = read_route(ctx, route, "route");
  YAML::Node inh = top.take("inhibit_rules");
  if (top.present(inh)) {
    if (!inh.IsSequence()) top.fail_at(inh, "inhibit_rules", "cannot unmarshal " + std::string(kind_name(inh)) + " into a list");
    for (size_t i = 0; i < inh.size(); ++i) cfg.inhibit_rules.push_back(read_inhibit_rule(ctx, inh[i], join_index("inhibit_rules", i)));
  }
  top.list("receivers", cfg.receivers, fields::kOmit);
  top.string_list("templates", cfg.templates, fields::kKeep);
  read_named_intervals(ctx, top, "mute_time_intervals", cfg, cfg.mute_time_interval_names, "mute time interval");
  read_named_intervals(ctx, top, "time_intervals", cfg, cfg.time_interval_names, "time interval");
  top.finish();
  if (!root) throw ConfigError("route", "no routes provided", ctx.file, 0);
  cfg.route = root;
  Checker(ctx, cfg).run();
  resolve_route(*root, nullptr, 0);
  return cfg;
}

}  // namespace

const Receiver* Config::find_receiver(std::string_view name) const {
  for (const auto& r : receivers) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::vector<std::string> Receiver::unsupported_integrations() const {
  std::vector<std::string> out;
  auto add = [&](const char* key, size_t n) {
    if (n > 0) out.emplace_back(key);
  };
  return out;
}

size_t Receiver::integration_count() const {
  return discord_configs.size() + email_configs.size() + incidentio_configs.size() + pagerduty_configs.size() +
         slack_configs.size() + webhook_configs.size() + opsgenie_configs.size() + wechat_configs.size() +
         pushover_configs.size() + victorops_configs.size() + sns_configs.size() + telegram_configs.size() +
         webex_configs.size() + msteams_configs.size() + msteamsv2_configs.size() + jira_configs.size() +
         rocketchat_configs.size();
}

Result<Config> load_string(std::string_view yaml, const std::string& filename_for_errors) {
  Ctx ctx{filename_for_errors, {}};
  try {
    return parse(yaml, ctx);
  } catch (const ConfigError& e) {
    return make_error(e.what());
  }
}

Result<Config> load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("open " + path + ": no such file or directory");
  std::stringstream ss;
  ss << in.rdbuf();
  auto cfg = load_string(ss.str(), path);
  if (!cfg) return cfg;
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  for (auto& t : cfg->templates) {
    if (!t.empty() && t.front() != '/') t = (dir / t).lexically_normal().string();
  }
  return cfg;
}

}  // namespace tocsin::config

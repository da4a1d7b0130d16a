// config.hpp: alertmanager.yml (the schema of Alertmanager 0.34, a superset of 0.25) parsed once into
// immutable, validated structs. Defaults are data here, unknown keys are rejected, every error names the
// file, the YAML line and the dotted field path. The only module that includes yaml-cpp (in its .cpp files).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/matcher.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace tocsin::config {

// A value that must never be printed: to_yaml writes "<secret>" for a non-empty one.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string v) : value_(std::move(v)) {}
  const std::string& value() const { return value_; }
  bool empty() const { return value_.empty(); }
  friend bool operator==(const Secret&, const Secret&) = default;

 private:
  std::string value_;
};

inline constexpr const char* kSecretToken = "<secret>";

// Thrown by the parser; load_* turn it into an Error whose message is what().
// what() reads "<path>: <reason> (<file>:<line>)".
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string path, std::string reason, std::string file, int line);
  const std::string& path() const { return path_; }
  const std::string& reason() const { return reason_; }
  int line() const { return line_; }

 private:
  std::string path_, reason_;
  int line_ = 0;
};

// ---- Prometheus common HTTP client config ----
struct TlsConfig {
  std::string ca, ca_file, cert, cert_file;
  Secret key;
  std::string key_file, server_name;
  bool insecure_skip_verify = false;
  std::string min_version, max_version;  // "TLS10".."TLS13" or ""
};

struct BasicAuth {
  std::string username;
  Secret password;
  std::string password_file;
};

struct Authorization {
  std::string type = "Bearer";
  Secret credentials;
  std::string credentials_file;
};

struct OAuth2 {
  std::string client_id;
  Secret client_secret;
  std::string client_secret_file;
  std::vector<std::string> scopes;
  std::string token_url;
  std::map<std::string, std::string> endpoint_params;
  TlsConfig tls_config;
  std::string proxy_url;
};

struct HttpClientConfig {
  std::optional<BasicAuth> basic_auth;
  std::optional<Authorization> authorization;  // bearer_token(_file) are folded into this at load
  std::optional<OAuth2> oauth2;
  Secret bearer_token;
  std::string bearer_token_file;
  std::string proxy_url, no_proxy;
  bool proxy_from_environment = false;
  std::map<std::string, std::vector<Secret>> proxy_connect_header;
  TlsConfig tls_config;
  bool follow_redirects = true;
  bool enable_http2 = true;
};

// ---- global ----
struct Global {
  Duration resolve_timeout = std::chrono::minutes(5);
  HttpClientConfig http_config;
  std::string jira_api_url;
  std::string smtp_from;
  std::string smtp_hello = "localhost";
  std::string smtp_smarthost;  // "host:port" or ""
  std::string smtp_auth_username;
  Secret smtp_auth_password;
  std::string smtp_auth_password_file;
  Secret smtp_auth_secret;
  std::string smtp_auth_secret_file;
  std::string smtp_auth_identity;
  bool smtp_require_tls = true;
  TlsConfig smtp_tls_config;
  Secret slack_api_url;
  std::string slack_api_url_file;
  std::string pagerduty_url = "https://events.pagerduty.com/v2/enqueue";
  std::string opsgenie_api_url = "https://api.opsgenie.com/";
  Secret opsgenie_api_key;
  std::string opsgenie_api_key_file;
  std::string wechat_api_url = "https://qyapi.weixin.qq.com/cgi-bin/";
  Secret wechat_api_secret;
  std::string wechat_api_corp_id;
  std::string victorops_api_url = "https://alert.victorops.com/integrations/generic/20131114/alert/";
  Secret victorops_api_key;
  std::string victorops_api_key_file;
  std::string telegram_api_url = "https://api.telegram.org";
  std::string webex_api_url = "https://webexapis.com/v1/messages";
  std::string rocketchat_api_url = "https://open.rocket.chat/";
  Secret rocketchat_token;
  std::string rocketchat_token_file;
  Secret rocketchat_token_id;
  std::string rocketchat_token_id_file;
};

// ---- integrations ----
// Common to every integration. http_config is the integration's own, or a copy of global.http_config.
struct NotifierBase {
  bool send_resolved = false;
  HttpClientConfig http_config;
  bool http_config_set = false;  // written in the file (rather than copied from global)
};

struct WebhookConfig : NotifierBase {
  WebhookConfig() { send_resolved = true; }
  Secret url;
  std::string url_file;
  uint64_t max_alerts = 0;
  Duration timeout{0};  // 0: no timeout
};

struct SlackConfirmationField {
  std::string text, title, ok_text, dismiss_text;
};
struct SlackAction {
  std::string type, text, url, style, name, value;
  std::optional<SlackConfirmationField> confirm;
};
struct SlackField {
  std::string title, value;
  std::optional<bool> short_;
};
struct SlackConfig : NotifierBase {
  Secret api_url;
  std::string api_url_file;
  std::string channel;
  std::string username = R"({{ template "slack.default.username" . }})";
  std::string color = R"({{ if eq .Status "firing" }}danger{{ else }}good{{ end }})";
  std::string title = R"({{ template "slack.default.title" . }})";
  std::string title_link = R"({{ template "slack.default.titlelink" . }})";
  std::string pretext = R"({{ template "slack.default.pretext" . }})";
  std::string text = R"({{ template "slack.default.text" . }})";
  std::vector<SlackField> fields;
  bool short_fields = false;
  std::string footer = R"({{ template "slack.default.footer" . }})";
  std::string fallback = R"({{ template "slack.default.fallback" . }})";
  std::string callback_id = R"({{ template "slack.default.callbackid" . }})";
  std::string icon_emoji = R"({{ template "slack.default.iconemoji" . }})";
  std::string icon_url = R"({{ template "slack.default.iconurl" . }})";
  std::string image_url, thumb_url;
  bool link_names = false;
  std::vector<std::string> mrkdwn_in;
  std::vector<SlackAction> actions;
};

inline constexpr const char* kDefaultEmailSubject = R"({{ template "email.default.subject" . }})";

struct EmailConfig : NotifierBase {
  std::string to, from, hello;
  std::string smarthost;  // "host:port"
  std::string auth_username;
  Secret auth_password;
  std::string auth_password_file;
  Secret auth_secret;
  std::string auth_secret_file;
  std::string auth_identity;
  // Canonical MIME keys; To, From and Subject are filled in at load as the reference's notifier does.
  std::map<std::string, std::string> headers;
  std::string html = R"({{ template "email.default.html" . }})";
  std::string text;
  bool require_tls = true;  // from global smtp_require_tls when not written
  bool require_tls_set = false;
  TlsConfig tls_config;
  bool tls_config_set = false;
};

struct PagerdutyImage {
  std::string src, alt, href;
};
struct PagerdutyLink {
  std::string href, text;
};
struct PagerdutyConfig : NotifierBase {
  PagerdutyConfig() { send_resolved = true; }
  Secret service_key;
  std::string service_key_file;
  Secret routing_key;
  std::string routing_key_file;
  std::string url;  // from global pagerduty_url when not written
  std::string client = R"({{ template "pagerduty.default.client" . }})";
  std::string client_url = R"({{ template "pagerduty.default.clientURL" . }})";
  std::string description = R"({{ template "pagerduty.default.description" .}})";
  std::map<std::string, std::string> details;  // the four default details are added when missing
  std::vector<PagerdutyImage> images;
  std::vector<PagerdutyLink> links;
  std::string source;  // defaults to client
  std::string severity, class_, component, group;
};

struct OpsGenieResponder {
  std::string id, name, username, type;
};
struct OpsGenieConfig : NotifierBase {
  OpsGenieConfig() { send_resolved = true; }
  Secret api_key;
  std::string api_key_file;
  std::string api_url;
  std::string message = R"({{ template "opsgenie.default.message" . }})";
  std::string description = R"({{ template "opsgenie.default.description" . }})";
  std::string source = R"({{ template "opsgenie.default.source" . }})";
  std::map<std::string, std::string> details;
  std::string entity;
  std::vector<OpsGenieResponder> responders;
  std::string actions, tags, note, priority;
  bool update_alerts = false;
};

struct WechatConfig : NotifierBase {
  Secret api_secret;
  std::string corp_id;
  std::string message = R"({{ template "wechat.default.message" . }})";
  std::string api_url;
  std::string to_user = R"({{ template "wechat.default.to_user" . }})";
  std::string to_party = R"({{ template "wechat.default.to_party" . }})";
  std::string to_tag = R"({{ template "wechat.default.to_tag" . }})";
  std::string agent_id = R"({{ template "wechat.default.agent_id" . }})";
  std::string message_type = "text";
};

struct VictorOpsConfig : NotifierBase {
  VictorOpsConfig() { send_resolved = true; }
  Secret api_key;
  std::string api_key_file;
  std::string api_url;
  std::string routing_key;
  std::string message_type = "CRITICAL";
  std::string state_message = R"({{ template "victorops.default.state_message" . }})";
  std::string entity_display_name = R"({{ template "victorops.default.entity_display_name" . }})";
  std::string monitoring_tool = R"({{ template "victorops.default.monitoring_tool" . }})";
  std::map<std::string, std::string> custom_fields;
};

struct PushoverConfig : NotifierBase {
  PushoverConfig() { send_resolved = true; }
  Secret user_key;
  std::string user_key_file;
  Secret token;
  std::string token_file;
  std::string title = R"({{ template "pushover.default.title" . }})";
  std::string message = R"({{ template "pushover.default.message" . }})";
  std::string url = R"({{ template "pushover.default.url" . }})";
  std::string url_title, device, sound;
  std::string priority = R"({{ if eq .Status "firing" }}2{{ else }}0{{ end }})";
  Duration retry = std::chrono::minutes(1);
  Duration expire = std::chrono::hours(1);
  Duration ttl{0};
  bool html = false;
  bool monospace = false;
};

struct SigV4Config {
  std::string region, access_key;
  Secret secret_key;
  std::string profile, role_arn;
};
struct SnsConfig : NotifierBase {
  SnsConfig() { send_resolved = true; }
  std::string api_url;
  SigV4Config sigv4;
  std::string topic_arn, phone_number, target_arn;
  std::string subject = R"({{ template "sns.default.subject" . }})";
  std::string message = R"({{ template "sns.default.message" . }})";
  std::map<std::string, std::string> attributes;
};

struct TelegramConfig : NotifierBase {
  TelegramConfig() { send_resolved = true; }
  std::string api_url;
  Secret bot_token;
  std::string bot_token_file;
  int64_t chat_id = 0;
  int64_t message_thread_id = 0;
  std::string message = R"({{ template "telegram.default.message" . }})";
  bool disable_notifications = false;
  std::string parse_mode = "HTML";
};

struct WebexConfig : NotifierBase {
  WebexConfig() { send_resolved = true; }
  std::string api_url;
  std::string message = R"({{ template "webex.default.message" . }})";
  std::string room_id;
};

struct DiscordConfig : NotifierBase {
  DiscordConfig() { send_resolved = true; }
  Secret webhook_url;
  std::string webhook_url_file;
  std::string content;
  std::string title = R"({{ template "discord.default.title" . }})";
  std::string message = R"({{ template "discord.default.message" . }})";
  std::string username, avatar_url;
};

struct MsTeamsConfig : NotifierBase {
  MsTeamsConfig() { send_resolved = true; }
  Secret webhook_url;
  std::string webhook_url_file;
  std::string title = R"({{ template "msteams.default.title" . }})";
  std::string summary = R"({{ template "msteams.default.summary" . }})";
  std::string text = R"({{ template "msteams.default.text" . }})";
};

struct MsTeamsV2Config : NotifierBase {
  MsTeamsV2Config() { send_resolved = true; }
  Secret webhook_url;
  std::string webhook_url_file;
  std::string title = R"({{ template "msteamsv2.default.title" . }})";
  std::string text = R"({{ template "msteamsv2.default.text" . }})";
};

struct JiraConfig : NotifierBase {
  JiraConfig() { send_resolved = true; }
  std::string api_url;  // from global jira_api_url when not written
  std::string api_type = "auto";  // auto, cloud or datacenter: which search endpoint (Alertmanager 0.29+)
  std::string project;
  std::string summary = R"({{ template "jira.default.summary" . }})";
  std::string description = R"({{ template "jira.default.description" . }})";
  std::vector<std::string> labels;
  std::string priority = R"({{ template "jira.default.priority" . }})";
  std::string issue_type;
  std::string reopen_transition, resolve_transition, wont_fix_resolution;
  Duration reopen_duration{0};
  // Free-form issue fields: kept as their YAML text, one entry a field.
  std::map<std::string, std::string> fields;
};

struct RocketchatField {
  std::optional<bool> short_;
  std::string title, value;
};
struct RocketchatAction {
  std::string type, text, url, msg;
};
struct RocketchatConfig : NotifierBase {
  std::string api_url;
  Secret token_id;
  std::string token_id_file;
  Secret token;
  std::string token_file;
  std::string channel;
  std::string color = R"({{ if eq .Status "firing" }}red{{ else }}green{{ end }})";
  std::string title = R"({{ template "rocketchat.default.title" . }})";
  std::string title_link = R"({{ template "rocketchat.default.titlelink" . }})";
  std::string text = R"({{ template "rocketchat.default.text" . }})";
  std::vector<RocketchatField> fields;
  bool short_fields = false;
  std::string emoji = R"({{ template "rocketchat.default.emoji" . }})";
  std::string icon_url = R"({{ template "rocketchat.default.iconurl" . }})";
  std::string image_url, thumb_url;
  bool link_names = false;
  std::vector<RocketchatAction> actions;
};

struct IncidentioConfig : NotifierBase {
  IncidentioConfig() { send_resolved = true; }
  Secret url;
  std::string url_file;
  Secret alert_source_token;
  std::string alert_source_token_file;
  uint64_t max_alerts = 0;
  Duration timeout{0};
};

struct Receiver {
  std::string name;
  std::vector<DiscordConfig> discord_configs;
  std::vector<EmailConfig> email_configs;
  std::vector<IncidentioConfig> incidentio_configs;
  std::vector<PagerdutyConfig> pagerduty_configs;
  std::vector<SlackConfig> slack_configs;
  std::vector<WebhookConfig> webhook_configs;
  std::vector<OpsGenieConfig> opsgenie_configs;
  std::vector<WechatConfig> wechat_configs;
  std::vector<PushoverConfig> pushover_configs;
  std::vector<VictorOpsConfig> victorops_configs;
  std::vector<SnsConfig> sns_configs;
  std::vector<TelegramConfig> telegram_configs;
  std::vector<WebexConfig> webex_configs;
  std::vector<MsTeamsConfig> msteams_configs;
  std::vector<MsTeamsV2Config> msteamsv2_configs;
  std::vector<JiraConfig> jira_configs;
  std::vector<RocketchatConfig> rocketchat_configs;

  // The "<kind>_configs" keys present here that tocsin has no notifier for (none since Jira, Rocket.Chat
  // and incident.io are implemented; kept for the next integration upstream adds).
  std::vector<std::string> unsupported_integrations() const;
  // Total number of integrations configured.
  size_t integration_count() const;
};

// ---- routing ----
// An index over a route's children, built at load for wide trees: the children whose matchers pin one
// label (the one most of them pin) to a few literal values, by value; the others in `rest`. Matching
// looks at by_value[value of label] and rest, in child order, instead of at every child.
struct ChildIndex {
  std::string label;  // empty: no index, every child is tried
  std::unordered_map<std::string, std::vector<uint32_t>> by_value;
  std::vector<uint32_t> rest;
};

struct Route {
  // Effective values (inherited from the parent when not written, resolved at load).
  std::string receiver;
  std::vector<std::string> group_by;  // label names, without "..."
  bool group_by_all = false;
  Matchers matchers;  // match + match_re (anchored) + matchers, sorted as the reference sorts them
  bool continue_ = false;
  Duration group_wait = std::chrono::seconds(30);
  Duration group_interval = std::chrono::minutes(5);
  Duration repeat_interval = std::chrono::hours(4);
  std::vector<std::string> mute_time_intervals, active_time_intervals;  // not inherited
  std::vector<std::shared_ptr<Route>> routes;
  ChildIndex child_index;  // derived at load

  // As written in the file (for to_yaml).
  std::vector<std::string> group_by_written;
  std::map<std::string, std::string> match, match_re;
  Matchers matchers_written;
  bool receiver_set = false, group_by_set = false, group_wait_set = false, group_interval_set = false,
       repeat_interval_set = false;

  // Alertmanager's Route.Key(): the parent's key, "/", then this route's matchers string ("{}" at root).
  const std::string& key() const { return key_; }
  // Alertmanager's Route.ID() (0.26+): like key(), plus "/<index among siblings>" below the root.
  const std::string& id() const { return id_; }

  std::string key_, id_;  // filled at load
};

struct InhibitRule {
  std::string name;  // optional (0.29+)
  Matchers source_matchers, target_matchers;  // merged and sorted
  std::vector<std::string> equal;
  // As written (for to_yaml).
  std::map<std::string, std::string> source_match, source_match_re, target_match, target_match_re;
  Matchers source_matchers_written, target_matchers_written;
};

// ---- time intervals (evaluation lives in src/timeinterval) ----
struct TimeRange {
  int start_minute = 0, end_minute = 0;  // minutes of the day, end exclusive (24:00 = 1440)
};
struct InclusiveRange {
  int begin = 0, end = 0;
};
struct TimeInterval {
  std::vector<TimeRange> times;
  std::vector<InclusiveRange> weekdays;       // 0 = sunday .. 6 = saturday
  std::vector<InclusiveRange> days_of_month;  // 1..31 or -31..-1
  std::vector<InclusiveRange> months;         // 1..12
  std::vector<InclusiveRange> years;
  std::optional<std::string> location;  // IANA name, "Local" or "UTC"
};

struct Config {
  Global global;
  std::shared_ptr<const Route> route;
  std::vector<InhibitRule> inhibit_rules;
  std::vector<Receiver> receivers;
  std::vector<std::string> templates;  // globs, joined with the config file's directory
  // Both `time_intervals` and the deprecated `mute_time_intervals`, by name.
  std::map<std::string, std::vector<TimeInterval>> time_intervals;
  std::vector<std::string> mute_time_interval_names;  // in file order, from `mute_time_intervals`
  std::vector<std::string> time_interval_names;       // in file order, from `time_intervals`
  bool global_set = false;
  std::string original;  // the file's text

  const Receiver* find_receiver(std::string_view name) const;
};

// Reads and validates a file; relative template paths are joined with the file's directory.
Result<Config> load_file(const std::string& path);
// Validates YAML text; `filename_for_errors` only names the source in error messages.
Result<Config> load_string(std::string_view yaml, const std::string& filename_for_errors);

// The reference's Config.String(): the whole config with defaults filled and secrets as <secret>,
// formatted as Go's yaml.v2 formats it (what `amtool config show` and /api/v2/status print).
std::string to_yaml(const Config& cfg);

// Parses the template files a config names (globs); supplied by the template module. Without one,
// templates count as fine.
using TemplateCheck = std::function<Result<void>(const std::vector<std::string>& globs)>;

// What `amtool check-config` prints for one file: "Checking '<path>'  SUCCESS\nFound:\n - global config\n
// ..." or "Checking '<path>'  FAILED: <error>\n\n".
std::string check_config_report(const std::string& path, const Result<Config>& result,
                                 const TemplateCheck& check_templates = {});
// Loads `path` and returns the report; `ok` says whether it loaded.
std::string check_config_report(const std::string& path, bool* ok = nullptr,
                                const TemplateCheck& check_templates = {});

}  // namespace tocsin::config

// sns.cpp: the reference's SNS notifier, which runs the AWS SDK for Go v1: credentials (sigv4 keys,
// else the environment, else the shared credentials file; then a role assumed through STS when
// role_arn is set), the region, the endpoint (api_url, else
// sns.<region>.amazonaws.com), the Publish form, SigV4, the SDK's own retries (3, with its backoff,
// for 500, throttling answers and transport errors) and then the reference's rule on the final answer
// (5xx retried by the pipeline, other codes not, a transport error retried).
#include "receivers/sns/sns.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "core/log.hpp"
#include "receivers/http_options.hpp"
#include "receivers/integrations.hpp"
#include "receivers/notify_util.hpp"
#include "receivers/pagerduty/sha256.hpp"
#include "receivers/sns/sigv4.hpp"
#include "receivers/wechat/wechat.hpp"

namespace tocsin::receivers {

namespace {

constexpr size_t kMaxMessageBytes = 256 * 1024;
constexpr size_t kMaxSmsBytes = 1600;
constexpr int kSdkMaxRetries = 3;
constexpr const char* kSdkUserAgent = "aws-sdk-go/1.44.133 (go1.19.8; linux; amd64)";
constexpr const char* kFormType = "application/x-www-form-urlencoded; charset=utf-8";

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d >> 6) != 0x2) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n;
  }
  return true;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  return s.substr(b);
}

// The shared credentials file's [profile] section (an INI file).
sigv4::Credentials from_shared_file(const std::string& profile) {
  std::string path = env("AWS_SHARED_CREDENTIALS_FILE");
  if (path.empty()) {
    std::string home = env("HOME");
    if (home.empty()) return {};
    path = home + "/.aws/credentials";
  }
  std::ifstream in(path);
  sigv4::Credentials c;
  std::string line, section;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    if (section != profile) continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = trim(line.substr(0, eq)), v = trim(line.substr(eq + 1));
    if (k == "aws_access_key_id") c.access_key = v;
    if (k == "aws_secret_access_key") c.secret_key = v;
    if (k == "aws_session_token") c.session_token = v;
  }
  return c;
}

// The SDK's chain, as far as tocsin follows it: explicit keys, then the environment, then the shared
// credentials file. (No EC2/ECS instance roles, no web identity tokens.)
Result<sigv4::Credentials> credentials(const config::SigV4Config& s) {
  if (!s.access_key.empty() && !s.secret_key.empty()) {
    return sigv4::Credentials{s.access_key, s.secret_key.value(), ""};
  }
  sigv4::Credentials c;
  c.access_key = env("AWS_ACCESS_KEY_ID");
  if (c.access_key.empty()) c.access_key = env("AWS_ACCESS_KEY");
  c.secret_key = env("AWS_SECRET_ACCESS_KEY");
  if (c.secret_key.empty()) c.secret_key = env("AWS_SECRET_KEY");
  c.session_token = env("AWS_SESSION_TOKEN");
  if (!c.access_key.empty() && !c.secret_key.empty()) return c;
  std::string profile = s.profile;
  if (profile.empty()) profile = env("AWS_PROFILE");
  if (profile.empty()) profile = "default";
  c = from_shared_file(profile);
  if (!c.access_key.empty() && !c.secret_key.empty()) return c;
  return Error{"NoCredentialProviders: no valid providers in chain. Deprecated.\n"
               "\tFor verbose messaging see aws.Config.CredentialsChainVerboseErrors"};
}

struct Endpoint {
  std::string url;   // what is requested
  std::string host;  // the Host header (no default port)
  std::string path, query;
};

// The SDK's endpoint handling: a missing scheme is https; the operation's path "/" is appended to the
// endpoint's path (once: an endpoint ending in '/' is kept as is).
Endpoint endpoint(std::string raw, const std::string& region) {
  if (raw.empty()) raw = "https://sns." + region + ".amazonaws.com";
  if (raw.find("://") == std::string::npos) raw = "https://" + raw;
  Endpoint e;
  const std::string scheme = raw.substr(0, raw.find("://"));
  std::string rest = raw.substr(scheme.size() + 3);
  rest = rest.substr(0, rest.find('#'));
  size_t q = rest.find('?');
  if (q != std::string::npos) {
    e.query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  size_t slash = rest.find('/');
  e.host = rest.substr(0, slash);
  e.path = slash == std::string::npos ? "" : rest.substr(slash);
  if (e.path.empty() || e.path.back() != '/') e.path += "/";
  if (auto at = e.host.rfind('@'); at != std::string::npos) e.host = e.host.substr(at + 1);
  const std::string default_port = scheme == "https" ? ":443" : scheme == "http" ? ":80" : "";
  if (!default_port.empty() && e.host.size() > default_port.size() &&
      e.host.compare(e.host.size() - default_port.size(), default_port.size(), default_port) == 0) {
    e.host.resize(e.host.size() - default_port.size());
  }
  e.url = scheme + "://" + rest.substr(0, slash) + e.path + (e.query.empty() ? "" : "?" + e.query);
  return e;
}

std::string xml_unescape(std::string s) {
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&lt;", "<"},     {"&gt;", ">"},   {"&quot;", "\""}, {"&apos;", "'"},
      {"&#xA;", "\n"}, {"&#10;", "\n"}, {"&amp;", "&"}};
  for (const auto& [from, to] : kEntities) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + std::string_view(to).size())) {
      s.replace(p, std::string_view(from).size(), to);
    }
  }
  return s;
}

// The text of the first <tag>...</tag> in xml (entities decoded), or nullopt.
std::optional<std::string> xml_text(const std::string& xml, const std::string& tag) {
  size_t b = xml.find("<" + tag + ">");
  if (b == std::string::npos) return std::nullopt;
  b += tag.size() + 2;
  size_t e = xml.find("</" + tag + ">", b);
  if (e == std::string::npos) return std::nullopt;
  return xml_unescape(xml.substr(b, e - b));
}

// An error answer as the SDK's query protocol reads it.
struct AwsError {
  std::string code, message;
  bool unreadable = false;  // not an <ErrorResponse> (the SDK's SerializationError)
};

AwsError read_error(const std::string& body) {
  AwsError e;
  std::string b = trim(body);
  if (b.empty()) return e;
  // Skip an XML declaration, then look at the root element's name.
  size_t p = 0;
  if (b.compare(0, 5, "<?xml") == 0) {
    p = b.find("?>");
    p = p == std::string::npos ? b.size() : p + 2;
    while (p < b.size() && std::isspace(static_cast<unsigned char>(b[p]))) ++p;
  }
  auto root_is = [&](const std::string& name) {
    return b.compare(p, name.size() + 1, "<" + name) == 0 &&
           (p + name.size() + 1 < b.size() && (b[p + name.size() + 1] == '>' || b[p + name.size() + 1] == ' '));
  };
  if (root_is("ServiceUnavailableException")) {
    return {"ServiceUnavailableException", "service is unavailable", false};
  }
  if (!root_is("ErrorResponse")) {
    return {"SerializationError", "failed to unmarshal error message", true};
  }
  e.code = trim(xml_text(b, "Code").value_or(""));
  e.message = trim(xml_text(b, "Message").value_or(""));
  return e;
}

bool sdk_retryable(int status, const AwsError& e) {
  static const std::set<std::string> kCodes = {"RequestError",  "RequestTimeout", "ResponseTimeout",
                                               "RequestTimeoutException", "ExpiredToken",
                                               "ExpiredTokenException", "RequestExpired"};
  return status == 500 || e.unreadable || kCodes.count(e.code) > 0;
}

bool sdk_throttle(int status, const AwsError& e) {
  static const std::set<std::string> kCodes = {
      "ProvisionedThroughputExceededException", "ThrottledException", "Throttling", "ThrottlingException",
      "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", "TooManyRequestsException",
      "PriorRequestNotComplete", "TransactionInProgressException", "EC2ThrottledException"};
  return status == 429 || status == 502 || status == 503 || status == 504 || kCodes.count(e.code) > 0;
}

// The SDK's DefaultRetryer delay before retry number `n` (0-based): 2^n times a jittered minimum
// (30 ms, 500 ms when throttled), plus Retry-After seconds on a throttled 429 or 503.
std::chrono::milliseconds sdk_delay(int n, bool throttle, int status, const net::ClientResponse& resp) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const int64_t min_ms = throttle ? 500 : 30;
  std::uniform_int_distribution<int64_t> jitter(min_ms, 2 * min_ms - 1);
  int64_t ms = (int64_t{1} << n) * jitter(rng);
  if (throttle && (status == 429 || status == 503)) {
    if (const std::string* ra = resp.headers.get("Retry-After"); ra != nullptr) {
      char* end = nullptr;
      long secs = std::strtol(ra->c_str(), &end, 10);
      if (end != ra->c_str() && *end == '\0') ms += int64_t{secs} * 1000;
    }
  }
  return std::chrono::milliseconds(ms);
}

// One Query API call as the SDK makes it: signed, retried by the SDK's rules, then judged by the
// reference's (2xx succeeds; else "unexpected status code N: <AWS message>", 5xx retried by the
// pipeline; a transport error retried). `body` carries the call's answer on success.
struct AwsCall {
  Endpoint ep;
  std::string form;  // the request body
  std::string region, service;
  net::ClientOptions options;
};

NotifyResult aws_call(const AwsCall& call, const sigv4::Credentials& creds, const NotifyContext& ctx,
                      std::string* body) {
  // The SDK's own retries happen inside this attempt: time goes on from the attempt's start on the
  // injected clock, measured by the steady clock (the signature carries the time of each request).
  const TimePoint start = is_zero(ctx.attempt_at) ? ctx.now : ctx.attempt_at;
  const auto steady_start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - steady_start);
  };
  for (int attempt = 0;; ++attempt) {
    NotifyContext actx = ctx;
    actx.attempt_at = start + elapsed();
    net::OutgoingRequest req;
    req.method = "POST";
    req.url = call.ep.url;
    req.options = call.options;
    req.options.timeout = request_timeout(actx);
    req.body = call.form;
    sigv4::Request sr{"POST", call.ep.host, call.ep.path, call.ep.query,
                      {{"Content-Length", std::to_string(req.body.size())}, {"Content-Type", kFormType}},
                      req.body};
    auto s = sigv4::sign(sr, creds, call.region, call.service, actx.attempt_at);
    req.headers.set("User-Agent", kSdkUserAgent);
    req.headers.set("Content-Type", kFormType);
    req.headers.set("X-Amz-Date", s.amz_date);
    if (!creds.session_token.empty()) req.headers.set("X-Amz-Security-Token", creds.session_token);
    req.headers.set("Authorization", s.authorization);
    auto resp = net::http_send(req);

    AwsError err;
    bool retry_in_sdk = false, throttle = false;
    if (resp.status == 0) {
      retry_in_sdk = true;
    } else if (resp.status / 100 == 2) {
      *body = std::move(resp.body);
      return NotifyResult::success();
    } else {
      err = read_error(resp.body);
      throttle = sdk_throttle(resp.status, err);
      retry_in_sdk = throttle || sdk_retryable(resp.status, err);
    }
    if (retry_in_sdk && attempt < kSdkMaxRetries) {
      auto delay = sdk_delay(attempt, throttle, resp.status, resp);
      if (is_zero(ctx.deadline) || start + elapsed() + delay < ctx.deadline) {
        std::this_thread::sleep_for(delay);
        continue;
      }
    }
    if (resp.status == 0) {
      return NotifyResult::failure(
          "RequestError: send request failed\ncaused by: Post \"" + call.ep.url + "\": " + resp.error, true);
    }
    std::string msg = "unexpected status code " + std::to_string(resp.status);
    if (!err.message.empty()) msg += ": " + err.message;
    return NotifyResult::failure(msg, resp.status / 100 == 5);
  }
}

// The STS endpoint the SDK (1.44, legacy STS endpoints) picks for a region, and its signing region.
std::pair<std::string, std::string> sts_endpoint(const std::string& region) {
  static const std::set<std::string> kGlobal = {
      "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "aws-global", "ca-central-1",
      "eu-central-1",   "eu-north-1", "eu-west-1",      "eu-west-2",      "eu-west-3",  "sa-east-1",
      "us-east-1",      "us-east-2",  "us-west-1",      "us-west-2"};
  if (env("AWS_STS_REGIONAL_ENDPOINTS") != "regional" && kGlobal.count(region) > 0) {
    return {"https://sts.amazonaws.com", "us-east-1"};
  }
  const bool china = region.rfind("cn-", 0) == 0;
  return {"https://sts." + region + (china ? ".amazonaws.com.cn" : ".amazonaws.com"), region};
}

class SnsNotifier final : public Notifier {
 public:
  SnsNotifier(config::SnsConfig cfg, TemplatesPtr templates)
      : cfg_(std::move(cfg)), templates_(templates_or_defaults(std::move(templates))) {}

  NotifyResult notify(const NotifyContext& ctx, const AlertList& alerts) override {
    auto creds = credentials(cfg_.sigv4);
    if (!creds) {
      return NotifyResult::failure(creds.error(), true);
    }
    std::string region = cfg_.sigv4.region.empty() ? env("AWS_REGION") : cfg_.sigv4.region;
    if (region.empty()) {
      return NotifyResult::failure("region not configured in sns.sigv4.region or in default credentials chain", true);
    }
    // The reference renders api_url and drops a template error (the field renders empty).
    tmpl::Value data = template_data(ctx, alerts);
    TextRenderer url_text(*templates_, data);
    AwsCall call;
    call.ep = endpoint(url_text(cfg_.api_url), region);
    call.region = region;
    call.service = "sns";

    auto publish = sns_publish(cfg_, *templates_, ctx, alerts);
    if (!publish) {
      return NotifyResult::failure(publish.error(), true);
    }
    call.form = std::move(publish->body);
    auto opts = client_options(cfg_.http_config);
    if (!opts) {
      return NotifyResult::failure(opts.error(), false);
    }
    call.options = std::move(*opts);

    if (!cfg_.sigv4.role_arn.empty()) {
      auto [sts_url, sts_region] = sts_endpoint(region);
      auto role = assumed(sts_url, sts_region, *creds, call.options, ctx);
      if (!role.ok) {
        return role;
      }
      std::lock_guard<std::mutex> lock(mu_);
      *creds = role_creds_;
    }
    std::string answer;
    auto r = aws_call(call, *creds, ctx, &answer);
    if (r.ok) {
      LOG_DEBUG({"integration", "sns"}, {"msg", "SNS message successfully published"},
                {"message_id", xml_text(answer, "MessageId").value_or("")});
    }
    return r;
  }

 private:
  // The role's credentials, from the cache while they last (a minute's margin), else from STS.
  NotifyResult assumed(const std::string& sts_url, const std::string& sts_region, const sigv4::Credentials& base,
                       const net::ClientOptions& options, const NotifyContext& ctx) {
    std::lock_guard<std::mutex> lock(mu_);
    const TimePoint now = is_zero(ctx.attempt_at) ? ctx.now : ctx.attempt_at;
    if (!role_creds_.access_key.empty() && now + std::chrono::minutes(1) < role_expires_) {
      return NotifyResult::success();
    }
    AssumedRole role;
    auto r = sts_assume_role(sts_url, sts_region, base, cfg_.sigv4.role_arn, options, ctx, &role);
    if (!r.ok) {
      return r;
    }
    role_creds_ = role.creds;
    role_expires_ = role.expires;
    return r;
  }

  config::SnsConfig cfg_;
  TemplatesPtr templates_;
  std::mutex mu_;
  sigv4::Credentials role_creds_;
  TimePoint role_expires_{};
};

}  // namespace

Result<SnsPublish> sns_publish(const config::SnsConfig& cfg, const tmpl::Templates& templates,
                               const NotifyContext& ctx, const AlertList& alerts) {
  tmpl::Value data = template_data(ctx, alerts);
  TextRenderer text(templates, data);
  SnsPublish out;
  auto& p = out.params;
  // Attributes first, as the reference renders them before the rest.
  std::vector<std::pair<std::string, std::string>> attrs;
  for (const auto& [k, v] : cfg.attributes) {
    std::string name = text(k);
    attrs.emplace_back(name, text(v));
  }
  size_t limit = kMaxMessageBytes;
  if (!cfg.topic_arn.empty()) {
    std::string topic = text(cfg.topic_arn);
    p.emplace_back("TopicArn", topic);
    if (topic.size() >= 5 && topic.compare(topic.size() - 5, 5, ".fifo") == 0) {
      // A FIFO topic wants a deduplication id and a message group: both the group key's hash.
      const std::string h = sha256_hex(ctx.group_key);
      p.emplace_back("MessageDeduplicationId", h);
      p.emplace_back("MessageGroupId", h);
    }
  }
  if (!cfg.phone_number.empty()) {
    p.emplace_back("PhoneNumber", text(cfg.phone_number));
    limit = kMaxSmsBytes;  // an SMS
  }
  if (!cfg.target_arn.empty()) {
    p.emplace_back("TargetArn", text(cfg.target_arn));
  }
  std::string message = text(cfg.message);
  if (!valid_utf8(message)) {
    return Error{"non utf8 encoded message string"};
  }
  if (message.size() > limit) {
    // Cut at the byte, as the reference does (a rune may be split).
    message.resize(limit);
    out.truncated = true;
    attrs.emplace_back("truncated", "true");
  }
  p.emplace_back("Message", message);
  if (!cfg.subject.empty()) {
    p.emplace_back("Subject", text(cfg.subject));
  }
  if (text.failed()) {
    LOG_WARN({"integration", "sns"}, {"msg", "template error: the field and the ones after it are sent empty"},
             {"err", text.error()});
  }
  // A map in the reference: one entry a name, serialised sorted by name.
  std::map<std::string, std::string> sorted;
  for (auto& [k, v] : attrs) sorted[k] = v;
  if (sorted.empty()) {
    // The SDK writes a set but empty map as the bare name.
    p.emplace_back("MessageAttributes", "");
  }
  int n = 1;
  for (const auto& [k, v] : sorted) {
    const std::string prefix = "MessageAttributes.entry." + std::to_string(n++);
    p.emplace_back(prefix + ".Name", k);
    p.emplace_back(prefix + ".Value.DataType", "String");
    p.emplace_back(prefix + ".Value.StringValue", v);
  }
  p.emplace_back("Action", "Publish");
  p.emplace_back("Version", "2010-03-31");
  std::stable_sort(p.begin(), p.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [k, v] : p) {
    out.body += (out.body.empty() ? "" : "&") + go_query_escape(k) + "=" + go_query_escape(v);
  }
  return out;
}

NotifyResult sts_assume_role(const std::string& sts_url, const std::string& sts_region,
                             const sigv4::Credentials& base, const std::string& role_arn,
                             const net::ClientOptions& options, const NotifyContext& ctx, AssumedRole* out) {
  const TimePoint now = is_zero(ctx.attempt_at) ? ctx.now : ctx.attempt_at;
  AwsCall call;
  call.ep = endpoint(sts_url, sts_region);
  call.region = sts_region;
  call.service = "sts";
  call.options = options;
  // The SDK's AssumeRoleProvider: 15 minutes, the session named by the time in nanoseconds.
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  call.form = "Action=AssumeRole&DurationSeconds=900&RoleArn=" + go_query_escape(role_arn) +
              "&RoleSessionName=" + std::to_string(nanos) + "&Version=2011-06-15";
  std::string answer;
  auto r = aws_call(call, base, ctx, &answer);
  if (!r.ok) {
    return r;
  }
  out->creds.access_key = xml_text(answer, "AccessKeyId").value_or("");
  out->creds.secret_key = xml_text(answer, "SecretAccessKey").value_or("");
  out->creds.session_token = xml_text(answer, "SessionToken").value_or("");
  auto exp = parse_rfc3339(trim(xml_text(answer, "Expiration").value_or("")));
  if (out->creds.access_key.empty() || out->creds.secret_key.empty() || !exp) {
    return NotifyResult::failure("SerializationError: failed decoding Query response", true);
  }
  out->expires = *exp;
  return NotifyResult::success();
}

std::shared_ptr<Notifier> make_sns(const config::SnsConfig& c, TemplatesPtr t) {
  return std::make_shared<SnsNotifier>(c, std::move(t));
}

}  // namespace tocsin::receivers

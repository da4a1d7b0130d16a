// more_b_test.cpp: Discord, Webex, WeChat and SNS payload builders, and SigV4 against the values AWS
// publishes (the signing-key example of its documentation, the test suite's get-vanilla, the IAM
// ListUsers example). End-to-end comparisons with the reference: tests/integration/test_receivers_more_b.py.
#include <doctest/doctest.h>

#include <cstdlib>

#include "receivers/discord/discord.hpp"
#include "receivers/integrations.hpp"
#include "receivers/sns/sigv4.hpp"
#include "receivers/sns/sns.hpp"
#include "receivers/webex/webex.hpp"
#include "receivers/wechat/wechat.hpp"
#include "recv_test_util.hpp"
#include "template/template.hpp"

using namespace tocsin;
using namespace tocsin::receivers;
using namespace tocsin::receivers::test;

namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

TimePoint at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

tmpl::Templates defaults() {
  auto t = tmpl::Templates::with_defaults();
  REQUIRE(t);
  return std::move(*t);
}

}  // namespace

TEST_CASE("sigv4: HMAC-SHA256 of RFC 4231 test case 2") {
  CHECK(sigv4::hex(sigv4::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("sigv4: the signing key of AWS's documentation example") {
  std::string k = sigv4::hmac_sha256(std::string("AWS4") + kSecret, "20120215");
  for (const char* p : {"us-east-1", "iam", "aws4_request"}) k = sigv4::hmac_sha256(k, p);
  CHECK(sigv4::hex(k) == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST_CASE("sigv4: get-vanilla of the AWS SigV4 test suite") {
  sigv4::Request r{"GET", "example.amazonaws.com", "/", "", {}, ""};
  auto s = sigv4::sign(r, {"AKIDEXAMPLE", kSecret, ""}, "us-east-1", "service", at("2015-08-30T12:36:00Z"));
  CHECK(s.amz_date == "20150830T123600Z");
  CHECK(s.authorization ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST_CASE("sigv4: IAM ListUsers example (query string, content-type)") {
  sigv4::Request r{"GET", "iam.amazonaws.com", "/", "Version=2010-05-08&Action=ListUsers",
                   {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}, ""};
  auto s = sigv4::sign(r, {"AKIDEXAMPLE", kSecret, ""}, "us-east-1", "iam", at("2015-08-30T12:36:00Z"));
  CHECK(s.authorization.find("SignedHeaders=content-type;host;x-amz-date, "
                             "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7") !=
        std::string::npos);
}

TEST_CASE("webex: truncate_in_bytes as the reference's TruncateInBytes") {
  bool cut = false;
  CHECK(truncate_in_bytes("abc", 3, &cut) == "abc");
  CHECK_FALSE(cut);
  CHECK(truncate_in_bytes("abcd", 3, &cut) == "\xE2\x80\xA6");
  CHECK(cut);
  CHECK(truncate_in_bytes("abcd", 2) == "..");
  // "é" is two bytes: 7 - 3 = 4 bytes of text fit, so "a", one "é" and no half of the second.
  CHECK(truncate_in_bytes("a\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 7) == "a\xC3\xA9\xE2\x80\xA6");
  CHECK(truncate_in_bytes("a\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 8) == "a\xC3\xA9\xC3\xA9\xE2\x80\xA6");
  CHECK(truncate_in_bytes("abcdefghij", 8) == "abcde\xE2\x80\xA6");
}

TEST_CASE("discord: body, colours and the 256-character title") {
  auto cfg = load_team("  discord_configs:\n  - webhook_url: http://127.0.0.1:1/x\n    title: '{{ .Status }} <t>'\n"
                       "    message: 'm & {{ len .Alerts }}'\n");
  auto t = defaults();
  const auto& dc = cfg.receivers[0].discord_configs[0];
  auto firing = discord_payload(dc, t, disk_context(), disk_alerts(false));
  REQUIRE(firing);
  CHECK(*firing == "{\"content\":\"\",\"embeds\":[{\"title\":\"firing \\u003ct\\u003e\","
                   "\"description\":\"m \\u0026 2\","
                   "\"color\":10038562}]}\n");
  auto resolved = discord_payload(dc, t, disk_context(), disk_alerts(true));
  REQUIRE(resolved);
  CHECK(resolved->find("\"color\":3066993") != std::string::npos);
  config::DiscordConfig longer = dc;
  longer.title = std::string(300, 'x');
  auto cut = discord_payload(longer, t, disk_context(), disk_alerts(false));
  REQUIRE(cut);
  CHECK(cut->find(std::string(255, 'x') + "\xE2\x80\xA6\"") != std::string::npos);
}

TEST_CASE("wechat: text and markdown bodies, query escaping") {
  auto cfg = load_team("  wechat_configs:\n  - corp_id: c\n    api_secret: s\n    api_url: http://127.0.0.1:1/\n"
                       "    agent_id: '7'\n    to_user: '@all'\n    message: 'hi <{{ .Status }}>'\n"
                       "  - corp_id: c\n    api_secret: s\n    api_url: http://127.0.0.1:1/\n"
                       "    message_type: markdown\n    message: '**x**'\n");
  auto t = defaults();
  auto text = wechat_message(cfg.receivers[0].wechat_configs[0], t, disk_context(), disk_alerts());
  REQUIRE(text);
  CHECK(*text == "{\"text\":{\"content\":\"hi \\u003cfiring\\u003e\"},\"touser\":\"@all\",\"agentid\":\"7\","
                 "\"safe\":\"0\",\"msgtype\":\"text\",\"markdown\":{\"content\":\"\"}}\n");
  auto md = wechat_message(cfg.receivers[0].wechat_configs[1], t, disk_context(), disk_alerts());
  REQUIRE(md);
  CHECK(*md == "{\"text\":{\"content\":\"\"},\"safe\":\"0\",\"msgtype\":\"markdown\","
               "\"markdown\":{\"content\":\"**x**\"}}\n");
  CHECK(go_query_escape("a b/c+d&é~") == "a+b%2Fc%2Bd%26%C3%A9~");
}

TEST_CASE("sns: the Publish form, FIFO ids, SMS truncation and the truncated attribute") {
  auto cfg = load_team(
      "  sns_configs:\n  - topic_arn: arn:aws:sns:us-east-1:1:t.fifo\n    sigv4: {region: us-east-1}\n"
      "    subject: 's {{ .Status }}'\n    message: 'm & <{{ len .Alerts }}>'\n"
      "    attributes: {zeta: '{{ .Status }}', alpha: 'a b'}\n"
      "  - phone_number: '+1555'\n    sigv4: {region: us-east-1}\n    message: '{{ .CommonAnnotations.long }}'\n");
  auto t = defaults();
  auto p = sns_publish(cfg.receivers[0].sns_configs[0], t, disk_context(), disk_alerts());
  REQUIRE(p);
  const std::string hash = "17c4e445d234645c9e547ff6d32a864af0ebdadcd1902771c24c8d366637ff41";
  CHECK(p->body.rfind("Action=Publish&Message=m+%26+%3C2%3E&MessageAttributes.entry.1.Name=alpha&"
                      "MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=a+b&"
                      "MessageAttributes.entry.2.Name=zeta&MessageAttributes.entry.2.Value.DataType=String&"
                      "MessageAttributes.entry.2.Value.StringValue=firing&MessageDeduplicationId=" + hash,
                      0) == 0);
  CHECK(p->body.find("MessageDeduplicationId=" + hash + "&MessageGroupId=" + hash +
                     "&Subject=s+firing&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3At.fifo&Version=2010-03-31") !=
        std::string::npos);
  CHECK_FALSE(p->truncated);

  auto alerts = disk_alerts();
  for (auto& a : alerts) {
    auto copy = std::make_shared<Alert>(*a);
    copy->annotations = LabelSet({{"long", "x" + std::string(1000, 'y') + std::string(700, 'z')}});
    a = copy;
  }
  auto sms = sns_publish(cfg.receivers[0].sns_configs[1], t, disk_context(), alerts);
  REQUIRE(sms);
  CHECK(sms->truncated);
  CHECK(sms->body.find("MessageAttributes.entry.1.Name=truncated") != std::string::npos);
  CHECK(sms->body.find("PhoneNumber=%2B1555") != std::string::npos);
  const auto m = sms->body.find("Message=") + 8;
  CHECK(sms->body.find('&', m) - m == 1600);
}

TEST_CASE("sns: STS AssumeRole request, its answer read, an error answer") {
  Sink sink;
  sink.respond(200, "text/xml",
               "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>"
               "<Credentials>"
               "<AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>role/secret</SecretAccessKey>"
               "<SessionToken>tok&amp;en</SessionToken><Expiration>2026-01-01T12:15:00Z</Expiration></Credentials>"
               "</AssumeRoleResult></AssumeRoleResponse>");
  NotifyContext ctx = disk_context();
  AssumedRole role;
  auto r = sts_assume_role(sink.url("/"), "us-east-1", {"AKIDEXAMPLE", kSecret, ""}, "arn:aws:iam::123:role/am", {},
                           ctx, &role);
  REQUIRE(r.ok);
  CHECK(role.creds.access_key == "ASIAEXAMPLE");
  CHECK(role.creds.secret_key == "role/secret");
  CHECK(role.creds.session_token == "tok&en");
  CHECK(role.expires == at("2026-01-01T12:15:00Z"));
  REQUIRE(sink.got.size() == 1);
  const auto& req = sink.got[0];
  CHECK(req.body == "Action=AssumeRole&DurationSeconds=900&RoleArn=arn%3Aaws%3Aiam%3A%3A123%3Arole%2Fam&"
                    "RoleSessionName=1767268800000000000&Version=2011-06-15");
  const std::string* auth = req.headers.get("Authorization");
  REQUIRE(auth != nullptr);
  CHECK(auth->find("Credential=AKIDEXAMPLE/20260101/us-east-1/sts/aws4_request, "
                   "SignedHeaders=content-length;content-type;host;x-amz-date, Signature=") == 17);

  sink.respond(403, "text/xml",
               "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed</Message>"
               "</Error><RequestId>r</RequestId></ErrorResponse>");
  r = sts_assume_role(sink.url("/"), "us-east-1", {"AKIDEXAMPLE", kSecret, ""}, "arn:aws:iam::123:role/am", {}, ctx,
                      &role);
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.retry);
  CHECK(r.error == "unexpected status code 403: not allowed");
}

TEST_CASE("sns: credentials from the environment, with a session token signed as X-Amz-Security-Token") {
  Sink sink;
  sink.respond(200, "text/xml",
               "<PublishResponse><PublishResult><MessageId>m</MessageId></PublishResult></PublishResponse>");
  auto cfg = load_team("  sns_configs:\n  - api_url: " + sink.url("/") +
                       "\n    topic_arn: arn:aws:sns:us-east-1:1:t\n    sigv4: {region: us-east-1}\n");
  ::setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", kSecret, 1);
  ::setenv("AWS_SESSION_TOKEN", "session-token", 1);
  auto n = make_sns(cfg.receivers[0].sns_configs[0], nullptr);
  NotifyContext ctx = disk_context();
  ctx.now = std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
  auto r = n->notify(ctx, disk_alerts());
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ::unsetenv("AWS_SESSION_TOKEN");
  CHECK(r.ok);
  REQUIRE(sink.got.size() == 1);
  const auto& req = sink.got[0];
  REQUIRE(req.headers.get("X-Amz-Security-Token") != nullptr);
  CHECK(*req.headers.get("X-Amz-Security-Token") == "session-token");
  CHECK(req.headers.get("Authorization")->find("Credential=AKIDENV/") != std::string::npos);
  CHECK(req.headers.get("Authorization")->find("SignedHeaders=content-length;content-type;host;x-amz-date;"
                                               "x-amz-security-token,") != std::string::npos);
  CHECK(*req.headers.get("User-Agent") == "aws-sdk-go/1.44.133 (go1.19.8; linux; amd64)");
}

TEST_CASE("sns: a 400 with an AWS error is not retried; a 500 is retried by the SDK's rule, then by the pipeline") {
  Sink sink;
  auto cfg = load_team("  sns_configs:\n  - api_url: " + sink.url("/") +
                       "\n    topic_arn: arn:aws:sns:us-east-1:1:t\n"
                       "    sigv4: {region: us-east-1, access_key: AK, secret_key: SK}\n");
  auto n = make_sns(cfg.receivers[0].sns_configs[0], nullptr);
  NotifyContext ctx = disk_context();
  sink.respond(400, "text/xml",
               "<ErrorResponse><Error><Code>InvalidParameter</Code><Message>Invalid parameter: TopicArn</Message>"
               "</Error></ErrorResponse>");
  auto r = n->notify(ctx, disk_alerts());
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.retry);
  CHECK(r.error == "unexpected status code 400: Invalid parameter: TopicArn");
  CHECK(sink.got.size() == 1);
  sink.respond(500, "text/plain", "");
  r = n->notify(ctx, disk_alerts());
  CHECK_FALSE(r.ok);
  CHECK(r.retry);
  CHECK(r.error == "unexpected status code 500");
  CHECK(sink.got.size() == 1 + 4);  // the first try and the SDK's 3 retries
}

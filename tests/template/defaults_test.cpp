// defaults_test.cpp: the default templates' one-line outputs, each expected string recorded from
// `amtool template render` (Alertmanager 0.25) on the same data: the example data amtool uses without a
// data file, and the JSON files in tests/template/data/.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "template/data.hpp"
#include "template/template.hpp"

using namespace tocsin::tmpl;

namespace {

struct Case {
  const char* data;
  const char* name;
  const char* expected;
};

const Case kCases[] = {
    {"example", "__alertmanager", "Alertmanager"},
    {"example", "__alertmanagerURL", "https://example.com/#/alerts?receiver=receiver"},
    {"example", "__subject", "[ALERTSTATUS] grouplabelvalue1 grouplabelvalue2 "},
    {"example", "__description", ""},
    {"example", "slack.default.title", "[ALERTSTATUS] grouplabelvalue1 grouplabelvalue2 "},
    {"example", "slack.default.username", "Alertmanager"},
    {"example", "slack.default.fallback", "[ALERTSTATUS] grouplabelvalue1 grouplabelvalue2  | https://example.com/#/alerts?receiver=receiver"},
    {"example", "slack.default.callbackid", ""},
    {"example", "slack.default.pretext", ""},
    {"example", "slack.default.titlelink", "https://example.com/#/alerts?receiver=receiver"},
    {"example", "slack.default.iconemoji", ""},
    {"example", "slack.default.iconurl", ""},
    {"example", "slack.default.text", ""},
    {"example", "slack.default.footer", ""},
    {"example", "pagerduty.default.description", "[ALERTSTATUS] grouplabelvalue1 grouplabelvalue2 "},
    {"example", "pagerduty.default.client", "Alertmanager"},
    {"example", "pagerduty.default.clientURL", "https://example.com/#/alerts?receiver=receiver"},
    {"example", "opsgenie.default.message", "[ALERTSTATUS] grouplabelvalue1 grouplabelvalue2 "},
    {"example", "opsgenie.default.source", "https://example.com/#/alerts?receiver=receiver"},
    {"example", "wechat.default.to_user", ""},
    {"example", "wechat.default.to_party", ""},
    {"example", "wechat.default.to_tag", ""},
    {"example", "wechat.default.agent_id", ""},
    {"example", "victorops.default.entity_display_name", "[ALERTSTATUS] grouplabelvalue1 grouplabelvalue2 "},
    {"example", "victorops.default.monitoring_tool", "Alertmanager"},
    {"example", "pushover.default.title", "[ALERTSTATUS] grouplabelvalue1 grouplabelvalue2 "},
    {"example", "pushover.default.url", "https://example.com/#/alerts?receiver=receiver"},
    {"example", "sns.default.subject", "[ALERTSTATUS] grouplabelvalue1 grouplabelvalue2 "},
    {"example", "discord.default.title", "[ALERTSTATUS] grouplabelvalue1 grouplabelvalue2 "},
    {"example", "email.default.subject", "[ALERTSTATUS] grouplabelvalue1 grouplabelvalue2 "},
    {"firing_and_resolved.json", "__alertmanager", "Alertmanager"},
    {"firing_and_resolved.json", "__alertmanagerURL", "http://am.example:9093/#/alerts?receiver=team-x%2Fpager"},
    {"firing_and_resolved.json", "__subject", "[FIRING:2] DiskFull (critical)"},
    {"firing_and_resolved.json", "__description", ""},
    {"firing_and_resolved.json", "slack.default.title", "[FIRING:2] DiskFull (critical)"},
    {"firing_and_resolved.json", "slack.default.username", "Alertmanager"},
    {"firing_and_resolved.json", "slack.default.fallback", "[FIRING:2] DiskFull (critical) | http://am.example:9093/#/alerts?receiver=team-x%2Fpager"},
    {"firing_and_resolved.json", "slack.default.callbackid", ""},
    {"firing_and_resolved.json", "slack.default.pretext", ""},
    {"firing_and_resolved.json", "slack.default.titlelink", "http://am.example:9093/#/alerts?receiver=team-x%2Fpager"},
    {"firing_and_resolved.json", "slack.default.iconemoji", ""},
    {"firing_and_resolved.json", "slack.default.iconurl", ""},
    {"firing_and_resolved.json", "slack.default.text", ""},
    {"firing_and_resolved.json", "slack.default.footer", ""},
    {"firing_and_resolved.json", "pagerduty.default.description", "[FIRING:2] DiskFull (critical)"},
    {"firing_and_resolved.json", "pagerduty.default.client", "Alertmanager"},
    {"firing_and_resolved.json", "pagerduty.default.clientURL", "http://am.example:9093/#/alerts?receiver=team-x%2Fpager"},
    {"firing_and_resolved.json", "opsgenie.default.message", "[FIRING:2] DiskFull (critical)"},
    {"firing_and_resolved.json", "opsgenie.default.source", "http://am.example:9093/#/alerts?receiver=team-x%2Fpager"},
    {"firing_and_resolved.json", "wechat.default.to_user", ""},
    {"firing_and_resolved.json", "wechat.default.to_party", ""},
    {"firing_and_resolved.json", "wechat.default.to_tag", ""},
    {"firing_and_resolved.json", "wechat.default.agent_id", ""},
    {"firing_and_resolved.json", "victorops.default.entity_display_name", "[FIRING:2] DiskFull (critical)"},
    {"firing_and_resolved.json", "victorops.default.monitoring_tool", "Alertmanager"},
    {"firing_and_resolved.json", "pushover.default.title", "[FIRING:2] DiskFull (critical)"},
    {"firing_and_resolved.json", "pushover.default.url", "http://am.example:9093/#/alerts?receiver=team-x%2Fpager"},
    {"firing_and_resolved.json", "sns.default.subject", "[FIRING:2] DiskFull (critical)"},
    {"firing_and_resolved.json", "discord.default.title", "[FIRING:2] DiskFull (critical)"},
    {"firing_and_resolved.json", "email.default.subject", "[FIRING:2] DiskFull (critical)"},
    {"resolved_offset_time.json", "__alertmanager", "Alertmanager"},
    {"resolved_offset_time.json", "__alertmanagerURL", "https://am.example/sub/#/alerts?receiver=ops"},
    {"resolved_offset_time.json", "__subject", "[RESOLVED] Up node (warning)"},
    {"resolved_offset_time.json", "__description", ""},
    {"resolved_offset_time.json", "slack.default.title", "[RESOLVED] Up node (warning)"},
    {"resolved_offset_time.json", "slack.default.username", "Alertmanager"},
    {"resolved_offset_time.json", "slack.default.fallback", "[RESOLVED] Up node (warning) | https://am.example/sub/#/alerts?receiver=ops"},
    {"resolved_offset_time.json", "slack.default.callbackid", ""},
    {"resolved_offset_time.json", "slack.default.pretext", ""},
    {"resolved_offset_time.json", "slack.default.titlelink", "https://am.example/sub/#/alerts?receiver=ops"},
    {"resolved_offset_time.json", "slack.default.iconemoji", ""},
    {"resolved_offset_time.json", "slack.default.iconurl", ""},
    {"resolved_offset_time.json", "slack.default.text", ""},
    {"resolved_offset_time.json", "slack.default.footer", ""},
    {"resolved_offset_time.json", "pagerduty.default.description", "[RESOLVED] Up node (warning)"},
    {"resolved_offset_time.json", "pagerduty.default.client", "Alertmanager"},
    {"resolved_offset_time.json", "pagerduty.default.clientURL", "https://am.example/sub/#/alerts?receiver=ops"},
    {"resolved_offset_time.json", "opsgenie.default.message", "[RESOLVED] Up node (warning)"},
    {"resolved_offset_time.json", "opsgenie.default.source", "https://am.example/sub/#/alerts?receiver=ops"},
    {"resolved_offset_time.json", "wechat.default.to_user", ""},
    {"resolved_offset_time.json", "wechat.default.to_party", ""},
    {"resolved_offset_time.json", "wechat.default.to_tag", ""},
    {"resolved_offset_time.json", "wechat.default.agent_id", ""},
    {"resolved_offset_time.json", "victorops.default.entity_display_name", "[RESOLVED] Up node (warning)"},
    {"resolved_offset_time.json", "victorops.default.monitoring_tool", "Alertmanager"},
    {"resolved_offset_time.json", "pushover.default.title", "[RESOLVED] Up node (warning)"},
    {"resolved_offset_time.json", "pushover.default.url", "https://am.example/sub/#/alerts?receiver=ops"},
    {"resolved_offset_time.json", "sns.default.subject", "[RESOLVED] Up node (warning)"},
    {"resolved_offset_time.json", "discord.default.title", "[RESOLVED] Up node (warning)"},
    {"resolved_offset_time.json", "email.default.subject", "[RESOLVED] Up node (warning)"},
};

NotificationData load(const std::string& which) {
  if (which == "example") {
    return example_data(tocsin::TimePoint(std::chrono::seconds(1700000000)));
  }
  std::ifstream f(std::string(TOCSIN_SOURCE_DIR) + "/tests/template/data/" + which);
  std::stringstream ss;
  ss << f.rdbuf();
  auto d = data_from_json(ss.str());
  REQUIRE_MESSAGE(d.ok(), d.error());
  return *d;
}

}  // namespace

TEST_CASE("default one-liners match amtool template render") {
  auto t = Templates::with_defaults();
  REQUIRE_MESSAGE(t.ok(), t.error());
  for (const auto& c : kCases) {
    Value data = make_data(load(c.data));
    std::string text = std::string("{{ template \"") + c.name + "\" . }}";
    auto r = t->execute_text(text, data);
    INFO(c.data, " ", c.name);
    REQUIRE_MESSAGE(r.ok(), r.error());
    CHECK(*r == c.expected);
  }
}

// jira.hpp: Jira (Alertmanager 0.28+): one issue per alert group, found again by its ALERT{<sha256 of the
// group key>} label. A flush searches for the issue (JQL), creates it (POST issue) or updates it (PUT
// issue/<key>), then reopens or resolves it through the configured transitions.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "net/http.hpp"
#include "receivers/notifier.hpp"
#include "template/template.hpp"

namespace tocsin::receivers {

// The JQL that finds the group's issue: open ones, or with a reopen transition and reopen_duration
// those resolved within it; never those resolved as wont_fix_resolution.
std::string jira_search_jql(const config::JiraConfig& cfg, const std::string& project, const std::string& group_hash,
                            bool firing);

// The search endpoint for api_url: Jira Cloud has only POST /rest/api/3/search/jql, Data Center only
// /rest/api/2/search. api_type "cloud" takes the first, "datacenter" the second, "auto" the first for a
// host ending in atlassian.net.
std::string jira_search_url(const std::string& api_url, const std::string& api_type);

// {"fields":["status"],"jql":...,"maxResults":2}, as json.Encoder writes the reference's issueSearch.
std::string jira_search_body(const std::string& jql);

// The issue body of a create or an update: every field rendered (summary cut at 255 runes, description
// at 32767, and parsed as JSON (ADF) when api_url's path ends in /3), labels sorted with the group's
// ALERT{hash} label, custom fields templated and re-read as YAML; keys in Go's map order.
Result<std::string> jira_issue_body(const config::JiraConfig& cfg, const tmpl::Templates& templates,
                                    const NotifyContext& ctx, const AlertList& alerts);

// {"transition":{"id":...}}.
std::string jira_transition_body(const std::string& id);

// The reference's encoding/json number text of a float64 (1, 0.5, 1e+21, 1e-7).
std::string go_float_text(double v);

}  // namespace tocsin::receivers

// sns.hpp: the Amazon SNS integration: one Publish call of the Query API (a form POST), to a topic, a
// phone number (SMS) or a target (endpoint) ARN, signed with AWS Signature Version 4.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers {

struct SnsPublish {
  std::vector<std::pair<std::string, std::string>> params;  // the form's fields, sorted by name
  std::string body;                                         // params encoded as Go's url.Values.Encode does
  bool truncated = false;                                   // the message was cut to SNS's limit
};

// The Publish request's form (exposed for unit tests). Fails only on a message that is not UTF-8; a
// template error leaves that field and the ones rendered after it empty, as the reference does.
Result<SnsPublish> sns_publish(const config::SnsConfig& cfg, const tmpl::Templates& templates,
                               const NotifyContext& ctx, const AlertList& alerts);

}  // namespace tocsin::receivers

// sns.hpp: the Amazon SNS integration: one Publish call of the Query API (a form POST), to a topic, a
// phone number (SMS) or a target (endpoint) ARN, signed with AWS Signature Version 4, with the keys
// given, the environment's, the shared credentials file's, or those of a role assumed through STS.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "net/http.hpp"
#include "receivers/notifier.hpp"
#include "receivers/sns/sigv4.hpp"

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

struct AssumedRole {
  sigv4::Credentials creds;
  TimePoint expires{};
};

// STS AssumeRole as the SDK's provider calls it for sigv4.role_arn (15 minutes, the session named by
// the time), signed with `base`, POSTed to `sts_url` (exposed so that a test can point it at a sink).
NotifyResult sts_assume_role(const std::string& sts_url, const std::string& sts_region,
                             const sigv4::Credentials& base, const std::string& role_arn,
                             const net::ClientOptions& options, const NotifyContext& ctx, AssumedRole* out);

}  // namespace tocsin::receivers

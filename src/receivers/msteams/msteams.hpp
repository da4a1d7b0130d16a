// msteams.hpp: Microsoft Teams, both of the reference's integrations (Alertmanager 0.26+ and 0.28+):
// msteams_configs post an Office 365 connector MessageCard, msteamsv2_configs a Power Automate
// workflow message carrying an Adaptive Card.
#pragma once

#include <string>

#include "config/config.hpp"
#include "receivers/notifier.hpp"
#include "template/template.hpp"

namespace tocsin::receivers {

// The JSON bodies, as json.Encoder writes them (exposed for tests).
Result<std::string> msteams_payload(const config::MsTeamsConfig& cfg, const tmpl::Templates& templates,
                                    const NotifyContext& ctx, const AlertList& alerts);
Result<std::string> msteamsv2_payload(const config::MsTeamsV2Config& cfg, const tmpl::Templates& templates,
                                      const NotifyContext& ctx, const AlertList& alerts);

}  // namespace tocsin::receivers

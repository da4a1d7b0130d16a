// discord.hpp: the Discord integration: one webhook message with one embed (title, description and a
// colour by the group's status), posted to webhook_url / webhook_url_file.
#pragma once

#include <string>

#include "config/config.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers {

// Renders the fields and encodes the request body as the reference's encoder writes it (exposed for
// unit tests). Fails with the first template error.
Result<std::string> discord_payload(const config::DiscordConfig& cfg, const tmpl::Templates& templates,
                                    const NotifyContext& ctx, const AlertList& alerts);

}  // namespace tocsin::receivers

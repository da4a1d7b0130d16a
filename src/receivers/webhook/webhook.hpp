// webhook.hpp: the generic webhook integration (payload version 4).
#pragma once

#include <cstdint>
#include <string_view>

#include "config/config.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers {

class WebhookNotifier final : public Notifier {
 public:
  explicit WebhookNotifier(config::WebhookConfig cfg) : cfg_(std::move(cfg)) {}
  NotifyResult notify(const NotifyContext& ctx, const AlertList& alerts) override;

 private:
  config::WebhookConfig cfg_;
};

// The JSON body the webhook posts (exposed for tests). incident.io posts the same message with its own
// `version`, and lists only the first `listed` alerts when the whole is too large for it (the status,
// the common labels and truncatedAlerts stay those of the alerts after max_alerts).
std::string webhook_payload(const NotifyContext& ctx, const AlertList& alerts, uint64_t max_alerts,
                            std::string_view version = "4", size_t listed = SIZE_MAX);

}  // namespace tocsin::receivers

// webhook.hpp: the generic webhook integration (payload version 4).
#pragma once

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

// The JSON body the webhook posts (exposed for tests).
std::string webhook_payload(const NotifyContext& ctx, const AlertList& alerts, uint64_t max_alerts);

}  // namespace tocsin::receivers

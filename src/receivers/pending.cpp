// pending.cpp: the factories of integrations not written yet. They are never called:
// config::Receiver::unsupported_integrations() still lists these kinds, and the registry refuses a
// receiver that uses one before it reaches its factory. Each integration, once written, moves its
// factory into its own folder and leaves that list.
#include "receivers/integrations.hpp"

namespace tocsin::receivers {

std::shared_ptr<Notifier> make_discord(const config::DiscordConfig&, TemplatesPtr) { return nullptr; }
std::shared_ptr<Notifier> make_webex(const config::WebexConfig&, TemplatesPtr) { return nullptr; }
std::shared_ptr<Notifier> make_wechat(const config::WechatConfig&, TemplatesPtr) { return nullptr; }
std::shared_ptr<Notifier> make_sns(const config::SnsConfig&, TemplatesPtr) { return nullptr; }

}  // namespace tocsin::receivers

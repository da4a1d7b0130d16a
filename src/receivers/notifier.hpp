// notifier.hpp: what every integration implements (one verb: notify), the context a flush gives it,
// and the registry that turns a config::Receiver into its integrations.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/alert.hpp"
#include "core/result.hpp"

namespace tocsin::config {
struct Receiver;
struct Config;
}  // namespace tocsin::config
namespace tocsin::tmpl {
class Templates;
}

namespace tocsin::receivers {

struct NotifyContext {
  std::string receiver;  // the receiver's name
  std::string group_key;
  LabelSet group_labels;
  TimePoint now{};       // the flush's time
  TimePoint deadline{};  // the retry stage gives up after this
  std::string external_url;
  std::string notification_reason;  // why this send happens (first, changed, repeat, resolved)
  TimePoint attempt_at{};  // when this attempt starts (zero: at `now`): a request may take until `deadline`
};

struct NotifyResult {
  bool ok = false;
  bool retry = false;  // on failure: whether trying again may help
  std::string error;
  static NotifyResult success() { return {true, false, {}}; }
  static NotifyResult failure(std::string e, bool retry) { return {false, retry, std::move(e)}; }
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual NotifyResult notify(const NotifyContext& ctx, const AlertList& alerts) = 0;
};

struct Integration {
  std::string name;  // "webhook", "slack", "email", "pagerduty" …
  int index = 0;     // its position among the receiver's configs of that kind
  bool send_resolved = false;
  std::shared_ptr<Notifier> notifier;
};

// Builds the integrations of one receiver. `templates` may be null when the receiver needs none.
Result<std::vector<Integration>> build_integrations(const config::Receiver& r, const config::Config& cfg,
                                                    std::shared_ptr<const tmpl::Templates> templates);

// Shared by integrations: the reference's template.Data pieces.
LabelSet common_labels(const AlertList& alerts, bool annotations);
// Go's regexp.QuoteMeta (the reference quotes the receiver name in template data).
std::string quote_meta(std::string_view s);

}  // namespace tocsin::receivers

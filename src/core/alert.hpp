// alert.hpp: the Alert value as the alert store keeps it and the pipeline passes it on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/labels.hpp"
#include "core/shared_string.hpp"
#include "core/time.hpp"

namespace tocsin {

struct Alert {
  LabelSet labels;
  LabelSet annotations;
  TimePoint starts_at;
  TimePoint ends_at;     // zero: not set by the client and not yet resolved by resolve_timeout
  TimePoint updated_at;
  SharedString generator_url;  // shared: every alert of a rule has the same one
  bool timeout = false;  // ends_at was filled in from resolve_timeout, not sent by the client
  Fingerprint fingerprint = 0;
  // When the alert store last wrote this alert's row (not itself stored).
  TimePoint persisted_at{};
  // The seq of this alert's row in the store's log, 0 for none (not itself stored).
  std::uint64_t log_seq = 0;

  // Resolved: an end time is set and lies at or before `now`.
  bool resolved_at(TimePoint now) const { return !is_zero(ends_at) && ends_at <= now; }
  // "firing" or "resolved" at `now`.
  const char* status_at(TimePoint now) const { return resolved_at(now) ? "resolved" : "firing"; }
};

using AlertPtr = std::shared_ptr<const Alert>;
using AlertList = std::vector<AlertPtr>;

}  // namespace tocsin

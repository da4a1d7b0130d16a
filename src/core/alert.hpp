// alert.hpp: the Alert value as the alert store keeps it and the pipeline passes it on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/labels.hpp"
#include "core/shared_string.hpp"
#include "core/slab.hpp"
#include "core/time.hpp"

namespace tocsin {

struct Alert {
  LabelSet labels;
  LabelSet annotations;
  TimePoint starts_at;
  TimePoint ends_at;     // zero: not set by the client and not yet resolved by resolve_timeout
  TimePoint updated_at;
  SharedString generator_url;  // shared: every alert of a rule has the same one
  Fingerprint fingerprint = 0;
  // The seq of this alert's row in the store's log, 0 for none (not itself stored).
  std::uint64_t log_seq = 0;
  // When the alert store last wrote this alert's row, in whole seconds since the epoch, rounded down
  // (not itself stored). 32 bits, next to `timeout`: 72 bytes an Alert, an 88-byte block with its
  // shared_ptr count (make_alert) instead of 96; 100,000 alerts make that 0.8 MB.
  std::uint32_t persisted_s = 0;
  bool timeout = false;  // ends_at was filled in from resolve_timeout, not sent by the client

  // Resolved: an end time is set and lies at or before `now`.
  bool resolved_at(TimePoint now) const { return !is_zero(ends_at) && ends_at <= now; }
  // For persisted_s.
  static std::uint32_t seconds_of(TimePoint t) {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    return s <= 0 ? 0 : static_cast<std::uint32_t>(s);
  }
  TimePoint persisted_at() const { return TimePoint{std::chrono::seconds(persisted_s)}; }

  // "firing" or "resolved" at `now`.
  const char* status_at(TimePoint now) const { return resolved_at(now) ? "resolved" : "firing"; }
};

// With make_shared's count block, an Alert of 72 bytes fits an 88-byte block (see persisted_s).
static_assert(sizeof(Alert) <= 72, "Alert grew past 72 bytes: 100,000 alerts take 1.6 MB more");

using AlertPtr = std::shared_ptr<const Alert>;
using AlertList = std::vector<AlertPtr>;

// The stored alert with its shared_ptr count in one slab block (88 bytes; malloc took 96).
inline AlertPtr make_alert(Alert a) { return std::allocate_shared<const Alert>(SlabAllocator<Alert>{}, std::move(a)); }

}  // namespace tocsin

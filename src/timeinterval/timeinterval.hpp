// timeinterval.hpp: evaluation of time intervals (times, weekdays, days_of_month, months, years,
// location) at an instant, and the mute/active rule routes apply at flush time.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/time.hpp"

namespace tocsin::timeinterval {

// Whether `t` falls inside the interval (all its given fields match, in its location; UTC if none).
bool contains(const config::TimeInterval& ti, TimePoint t);

class Intervals {
 public:
  explicit Intervals(std::map<std::string, std::vector<config::TimeInterval>> defs);
  // Whether any of the named intervals contains `t` (unknown names never do).
  bool any_contains(const std::vector<std::string>& names, TimePoint t) const;
  // The reference's rule at flush time: muted when a mute interval contains `now`, or when active
  // intervals are given and none of them contains `now`.
  bool muted(const std::vector<std::string>& mute, const std::vector<std::string>& active, TimePoint now) const;

 private:
  std::map<std::string, std::vector<config::TimeInterval>> defs_;
};

}  // namespace tocsin::timeinterval

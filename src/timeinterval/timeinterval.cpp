// timeinterval.cpp: whether an instant falls in a time interval, and the mute/active decision the
// notify pipeline's time stages take at flush time.
#include "timeinterval/timeinterval.hpp"

#include <algorithm>

#include "timeinterval/zone.hpp"

namespace tocsin::timeinterval {
namespace {

bool any_range_holds(const std::vector<config::InclusiveRange>& ranges, int v) {
  return std::any_of(ranges.begin(), ranges.end(), [v](const auto& r) { return v >= r.begin && v <= r.end; });
}

int clamp_day(int n, int days) { return std::clamp(n, -days, days); }

// Negative days count back from the month's end (-1 = last day). A range starting past the end of a
// short month matches nothing; otherwise both ends are clamped into the month. The month's length is
// calendar arithmetic: the reference 0.25 divides elapsed hours by 24, which makes a month with a
// spring-forward change one day short (-1 = the 30th of March in Berlin); upstream has since fixed
// that, and we follow the fix.
bool day_of_month_holds(const std::vector<config::InclusiveRange>& ranges, const CivilTime& ct) {
  int days = days_in_month(ct.year, ct.month);
  for (const auto& r : ranges) {
    int begin = r.begin < 0 ? days + r.begin + 1 : r.begin;
    int end = r.end < 0 ? days + r.end + 1 : r.end;
    if (begin > days) {
      continue;
    }
    begin = clamp_day(begin, days);
    end = clamp_day(end, days);
    if (ct.day >= begin && ct.day <= end) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool contains(const config::TimeInterval& ti, TimePoint t) {
  std::shared_ptr<const Zone> zone;
  if (ti.location) {
    // An unloadable zone (the config check refuses those, but tzdata may change under us) is
    // evaluated in UTC, as Go falls back for a bad TZ: predictable, and never throws mid-pipeline.
    zone = find_zone(*ti.location);
  }
  CivilTime ct = civil_time(t, zone.get());
  if (!ti.times.empty()) {
    bool in = std::any_of(ti.times.begin(), ti.times.end(), [&](const config::TimeRange& r) {
      return ct.minute_of_day >= r.start_minute && ct.minute_of_day < r.end_minute;
    });
    if (!in) {
      return false;
    }
  }
  if (!ti.days_of_month.empty() && !day_of_month_holds(ti.days_of_month, ct)) {
    return false;
  }
  if (!ti.months.empty() && !any_range_holds(ti.months, ct.month)) {
    return false;
  }
  if (!ti.weekdays.empty() && !any_range_holds(ti.weekdays, ct.weekday)) {
    return false;
  }
  if (!ti.years.empty() && !any_range_holds(ti.years, ct.year)) {
    return false;
  }
  return true;
}

Intervals::Intervals(std::map<std::string, std::vector<config::TimeInterval>> defs) : defs_(std::move(defs)) {}

bool Intervals::any_contains(const std::vector<std::string>& names, TimePoint t) const {
  for (const auto& name : names) {
    auto it = defs_.find(name);
    if (it == defs_.end()) {
      continue;
    }
    for (const auto& ti : it->second) {
      if (contains(ti, t)) {
        return true;
      }
    }
  }
  return false;
}

bool Intervals::muted(const std::vector<std::string>& mute, const std::vector<std::string>& active, TimePoint now) const {
  if (any_contains(mute, now)) {
    return true;
  }
  return !active.empty() && !any_contains(active, now);
}

}  // namespace tocsin::timeinterval

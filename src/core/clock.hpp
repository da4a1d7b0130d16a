// clock.hpp: the one source of time. Nothing else calls system_clock::now(); tests inject FakeClock.
#pragma once

#include <atomic>

#include "core/time.hpp"

namespace tocsin {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
};

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_(start.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint{Duration{now_.load()}}; }
  void set(TimePoint t) { now_ = t.time_since_epoch().count(); }
  void advance(Duration d) { now_ += d.count(); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace tocsin

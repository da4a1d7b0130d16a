// clock.cpp: the system clock, the only place that reads the wall clock.
#include "core/clock.hpp"

namespace tocsin {

TimePoint SystemClock::now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

}  // namespace tocsin

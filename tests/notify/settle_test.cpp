// settle_test.cpp: the reference's gossip settling for a single node, on given times (no clock, no sleep).
#include <doctest/doctest.h>

#include "notify/settle.hpp"

using namespace tocsin;
using namespace std::chrono_literals;

TEST_CASE("gossip settle: a lone node settles at the fifth poll, ten gossip intervals apart") {
  const TimePoint t0 = TimePoint{} + 1000h;
  notify::GossipSettle s(t0, 2s, 60s);
  CHECK_FALSE(s.settled());
  CHECK_FALSE(s.flag()->load());
  for (int k = 1; k <= 4; ++k) {
    s.poll(t0 + k * 2s);  // 0 -> 1 peer, then three polls seeing the same count
    CHECK_FALSE(s.settled());
  }
  s.poll(t0 + 10s);
  CHECK(s.settled());
  CHECK(s.flag()->load());
  s.poll(t0 + 12s);  // later polls change nothing
  s.timed_out(t0 + 60s);
  CHECK(s.settled());
}

TEST_CASE("gossip settle: the settle timeout ends the wait before the polls do") {
  const TimePoint t0 = TimePoint{} + 1000h;
  notify::GossipSettle s(t0, 2s, 3s);
  s.poll(t0 + 2s);
  CHECK_FALSE(s.settled());
  s.timed_out(t0 + 3s);
  CHECK(s.settled());
}

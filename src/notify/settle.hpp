// settle.hpp: the reference's gossip settling, played out for a single node. With clustering on, the
// reference polls its member list every ten gossip intervals after it starts, calls the gossip settled
// after three polls that saw the same peers (or at --cluster.settle-timeout), reports "settling" until
// then, and sends no notification before (its pipeline's first stage waits). tocsin gossips with no
// one, so it sees itself only: the first poll finds the count changed (0 -> 1), the fifth ends it.
#pragma once

#include <atomic>

#include "core/time.hpp"

namespace tocsin::notify {

class GossipSettle {
 public:
  // start: when the reference would begin waiting; interval: ten gossip intervals.
  GossipSettle(TimePoint start, Duration interval, Duration timeout);
  // One poll of the settle loop at `now` (due every interval after start), logged as the reference's.
  void poll(TimePoint now);
  // The settle timeout at `now`: settles ("not settled but continuing anyway") if not yet settled.
  void timed_out(TimePoint now);
  bool settled() const { return settled_.load(); }
  // What the pipeline and the status API read.
  const std::atomic<bool>* flag() const { return &settled_; }
  Duration interval() const { return interval_; }
  Duration timeout() const { return timeout_; }

 private:
  TimePoint start_;
  Duration interval_, timeout_;
  std::atomic<bool> settled_{false};
  int polls_ = 0, okay_ = 0, peers_ = 0;
};

}  // namespace tocsin::notify

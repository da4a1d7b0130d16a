// settle.cpp: see settle.hpp.
#include "notify/settle.hpp"

#include "core/log.hpp"

namespace tocsin::notify {

GossipSettle::GossipSettle(TimePoint start, Duration interval, Duration timeout)
    : start_(start), interval_(interval), timeout_(timeout) {
  LOG_INFO({"component", "cluster"}, {"msg", "Waiting for gossip to settle..."}, {"interval", format_go_duration(interval_)});
}

void GossipSettle::poll(TimePoint now) {
  if (settled_) return;
  const std::string elapsed = format_go_duration(now - start_);
  constexpr int kOkayRequired = 3;
  if (okay_ >= kOkayRequired) {
    LOG_INFO({"component", "cluster"}, {"msg", "gossip settled; proceeding"}, {"elapsed", elapsed});
    settled_ = true;
    return;
  }
  const int peers = 1;  // this node
  if (peers == peers_) {
    ++okay_;
    LOG_DEBUG({"component", "cluster"}, {"msg", "gossip looks settled"}, {"elapsed", elapsed});
  } else {
    okay_ = 0;
    LOG_INFO({"component", "cluster"}, {"msg", "gossip not settled"}, {"polls", static_cast<long long>(polls_)},
             {"before", static_cast<long long>(peers_)}, {"now", static_cast<long long>(peers)}, {"elapsed", elapsed});
  }
  peers_ = peers;
  ++polls_;
}

void GossipSettle::timed_out(TimePoint now) {
  if (settled_) return;
  LOG_INFO({"component", "cluster"}, {"msg", "gossip not settled but continuing anyway"},
           {"polls", static_cast<long long>(polls_)}, {"elapsed", format_go_duration(now - start_)});
  settled_ = true;
}

}  // namespace tocsin::notify

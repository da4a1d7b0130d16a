// driver.cpp: the dispatcher's timer thread.
#include "dispatch/driver.hpp"

#include "core/clock.hpp"

namespace tocsin::dispatch {

Driver::Driver(Dispatcher& d, const Clock& clock, Submit submit)
    : d_(d), clock_(clock), submit_(std::move(submit)) {}

Driver::~Driver() { stop(); }

void Driver::start() {
  // A deadline already passed is the caller's to flush (flush_due): waking this thread for it too
  // would only make the two race for the same flush, with a context switch on the way.
  d_.on_earlier_deadline([this](TimePoint t) {
    if (t > clock_.now()) wake();
  });
  thread_ = std::thread([this] { run(); });
}

void Driver::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Driver::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

void Driver::flush_due() {
  const TimePoint now = clock_.now();
  const auto dl = d_.next_deadline();
  if (!dl || *dl > now) return;
  bool any = false;
  for (auto& job : d_.take_due(now)) {
    submit_(std::move(job));
    any = true;
  }
  // Let the notifier start before the caller goes on (with a POST: its database commit), which on a
  // busy or single core would otherwise come first.
  if (any) std::this_thread::yield();
}

void Driver::complete(const FlushJob& job, bool ok) {
  d_.complete(job, ok);
  flush_due();
}

void Driver::add_periodic(Duration every, std::function<void()> fn) {
  std::lock_guard lock(mu_);
  periodic_.push_back({every, clock_.now() + every, std::move(fn)});
}

void Driver::run() {
  // Lock order: the dispatcher calls wake() under its own lock, so this thread never holds mu_ while
  // it calls into the dispatcher.
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      woken_ = false;
    }
    const TimePoint now = clock_.now();
    for (auto& job : d_.take_due(now)) submit_(std::move(job));
    TimePoint next = now + std::chrono::seconds(1);
    for (auto& p : periodic_) {  // periodic_ is only changed before start()
      if (p.next <= now) {
        p.next = now + p.every;
        p.fn();
      }
      next = std::min(next, p.next);
    }
    if (auto dl = d_.next_deadline()) next = std::min(next, *dl);
    const auto wait = next - clock_.now();
    std::unique_lock lock(mu_);
    if (stop_) return;
    if (woken_ || wait <= Duration::zero()) continue;
    cv_.wait_for(lock, wait, [this] { return stop_ || woken_; });
  }
}

}  // namespace tocsin::dispatch

// driver.hpp: runs a Dispatcher on the real clock: a thread sleeps until the earliest group timer,
// takes the due flushes and hands each to `submit` (the notification pipeline's executor).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "dispatch/dispatcher.hpp"

namespace tocsin {
class Clock;
}

namespace tocsin::dispatch {

class Driver {
 public:
  using Submit = std::function<void(FlushJob)>;
  Driver(Dispatcher& d, const Clock& clock, Submit submit);
  ~Driver();
  void start();
  void stop();
  // Re-reads the earliest deadline (a timer was set earlier than the one being waited for).
  void wake();
  // Takes the flushes already due and submits them from the calling thread: an alert that opens a
  // group with group_wait 0 goes out without a hop through the driver thread. Whoever feeds the
  // dispatcher calls it afterwards: the driver thread is not woken for deadlines already passed.
  void flush_due();
  // A flush's end, from the thread that ran it: tells the dispatcher, then sends at once the flush
  // whose timer came due while this one was running (the reference's group loop picks its fired timer
  // up right after a long flush returns; left to the driver thread it would wait for its next wake-up,
  // up to a second later).
  void complete(const FlushJob& job, bool ok);
  // Periodic housekeeping run on the driver thread every `every` (empty-group removal, GC).
  void add_periodic(Duration every, std::function<void()> fn);

 private:
  void run();
  Dispatcher& d_;
  const Clock& clock_;
  Submit submit_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  struct Periodic {
    Duration every;
    TimePoint next;
    std::function<void()> fn;
  };
  std::vector<Periodic> periodic_;
  std::thread thread_;
};

}  // namespace tocsin::dispatch

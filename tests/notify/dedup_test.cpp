// dedup_test.cpp: the notification-log dedup rule, case by case, as the reference decides.
#include <doctest/doctest.h>

#include "notify/pipeline.hpp"

using namespace tocsin;
using namespace std::chrono_literals;
using notify::DedupInput;
using notify::needs_update;

namespace {
const TimePoint now = TimePoint{} + std::chrono::hours(24 * 365 * 50);
DedupInput entry(std::vector<uint64_t> firing, std::vector<uint64_t> resolved, TimePoint at) {
  return DedupInput{true, std::move(firing), std::move(resolved), at};
}
}  // namespace

TEST_CASE("no entry: send if anything fires") {
  CHECK(needs_update({}, {1}, {}, true, 4h, now));
  CHECK_FALSE(needs_update({}, {}, {1}, true, 4h, now));
}

TEST_CASE("a new firing alert is sent at once") {
  CHECK(needs_update(entry({1}, {}, now - 1min), {1, 2}, {}, true, 4h, now));
}

TEST_CASE("unchanged: only after repeat_interval") {
  CHECK_FALSE(needs_update(entry({1, 2}, {}, now - 1h), {1, 2}, {}, true, 4h, now));
  CHECK(needs_update(entry({1, 2}, {}, now - 5h), {1, 2}, {}, true, 4h, now));
}

TEST_CASE("a newly resolved alert: sent only with send_resolved") {
  CHECK(needs_update(entry({1, 2}, {}, now - 1min), {1}, {2}, true, 4h, now));
  CHECK_FALSE(needs_update(entry({1, 2}, {}, now - 1min), {1}, {2}, false, 4h, now));
}

TEST_CASE("all resolved: sent whatever send_resolved says, if firing alerts were notified") {
  CHECK(needs_update(entry({1}, {}, now - 1min), {}, {1}, false, 4h, now));
  CHECK_FALSE(needs_update(entry({}, {1}, now - 1min), {}, {1}, true, 4h, now));
}

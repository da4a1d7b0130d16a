// alert_store_test.cpp: merge rules, listeners and GC of the alert store.
#include <doctest/doctest.h>

#include "alerts/alert_store.hpp"

using namespace tocsin;
using namespace std::chrono_literals;

namespace {
const TimePoint t0 = TimePoint{} + std::chrono::hours(24 * 365 * 50);
Alert mk(TimePoint starts, TimePoint ends, TimePoint updated, bool timeout = false) {
  Alert a;
  a.labels = {{"alertname", "A"}};
  a.starts_at = starts;
  a.ends_at = ends;
  a.updated_at = updated;
  a.timeout = timeout;
  return a;
}
}  // namespace

TEST_CASE("merge keeps the earliest start and the younger alert's fields") {
  auto m = alerts::merge(mk(t0, t0 + 5min, t0, true), mk(t0 + 1min, t0 + 6min, t0 + 1min, true));
  CHECK(m.starts_at == t0);
  CHECK(m.ends_at == t0 + 6min);
  CHECK(m.updated_at == t0 + 1min);
}

TEST_CASE("an explicit end time later than the younger timeout one wins") {
  auto m = alerts::merge(mk(t0, t0 + 10min, t0, false), mk(t0 + 1min, t0 + 6min, t0 + 1min, true));
  CHECK(m.ends_at == t0 + 10min);
}

TEST_CASE("store: put merges overlapping updates, notifies listeners, GC removes resolved") {
  alerts::AlertStore s(nullptr);
  int calls = 0;
  s.subscribe([&](const std::vector<AlertPtr>& batch) { calls += static_cast<int>(batch.size()); });
  int gced = 0;
  s.on_gc([&](const AlertPtr&) { ++gced; });
  s.put({mk(t0, t0 + 5min, t0, true)});
  s.put({mk(t0 + 1min, t0 + 6min, t0 + 1min, true)});
  CHECK(calls == 2);
  REQUIRE(s.size() == 1);
  CHECK(s.list()[0]->starts_at == t0);
  CHECK(s.gc(t0 + 5min) == 0);
  CHECK(s.gc(t0 + 6min) == 1);
  CHECK(gced == 1);
  CHECK(s.size() == 0);
}

TEST_CASE("encode/decode round trip") {
  Alert a = mk(t0, t0 + 5min, t0 + 1s, true);
  a.annotations = {{"summary", "x \"y\""}};
  a.generator_url = "http://g";
  auto b = alerts::decode_alert(alerts::encode_alert(a));
  REQUIRE(b.ok());
  CHECK(b->labels == a.labels);
  CHECK(b->annotations == a.annotations);
  CHECK(b->ends_at == a.ends_at);
  CHECK(b->timeout);
}

// alert_store_test.cpp: merge rules, listeners, GC and persistence (on a real store) of the alert store.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include "alerts/alert_store.hpp"
#include "store/store.hpp"

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

namespace {
// A version 1 row, as tocsin wrote them before version 2: 8-byte little-endian counts and lengths.
std::string encode_v1(const Alert& a) {
  std::string out(1, '\1');
  auto u64 = [&](uint64_t v) {
    for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  };
  auto str = [&](std::string_view s) {
    u64(s.size());
    out.append(s);
  };
  for (const LabelSet* ls : {&a.labels, &a.annotations}) {
    u64(ls->size());
    for (const auto& [k, v] : *ls) {
      str(k);
      str(v);
    }
  }
  u64(static_cast<uint64_t>(a.starts_at.time_since_epoch().count()));
  u64(static_cast<uint64_t>(a.ends_at.time_since_epoch().count()));
  u64(static_cast<uint64_t>(a.updated_at.time_since_epoch().count()));
  str(a.generator_url.view());
  out += a.timeout ? '\1' : '\0';
  return out;
}
}  // namespace

TEST_CASE("stored rows: version 2 is written, version 1 still read, long strings and damage handled") {
  Alert a = mk(t0, t0 + 5min, t0 + 1s, true);
  const std::string long_value(300, 'v');  // a length that takes two varint bytes
  a.labels = {{"alertname", "A"}, {"long", long_value}, {"empty", ""}};
  a.annotations = {{"summary", std::string(127, 's')}, {"d", std::string(128, 'd')}};
  a.generator_url = std::string(20000, 'u');  // three varint bytes
  const std::string v2 = alerts::encode_alert(a);
  REQUIRE(v2[0] == '\2');
  CHECK(v2.size() < encode_v1(a).size());
  for (const std::string& row : {v2, encode_v1(a)}) {
    auto b = alerts::decode_alert(row);
    REQUIRE(b.ok());
    CHECK(b->labels == a.labels);
    CHECK(b->annotations == a.annotations);
    CHECK(b->starts_at == a.starts_at);
    CHECK(b->ends_at == a.ends_at);
    CHECK(b->updated_at == a.updated_at);
    CHECK(b->generator_url == a.generator_url);
    CHECK(b->timeout);
    // Every cut of the row is an error, never a crash or a different alert.
    for (size_t n = 0; n < row.size(); n += (n < 400 ? 1 : 997)) {
      CHECK_FALSE(alerts::decode_alert(std::string_view(row).substr(0, n)).ok());
    }
  }
  CHECK_FALSE(alerts::decode_alert(std::string("\3", 1)).ok());
  // A varint that never ends.
  CHECK_FALSE(alerts::decode_alert(std::string("\2") + std::string(12, '\xff')).ok());
}

namespace {
struct TempDb {
  std::filesystem::path dir;
  TempDb() {
    static int counter = 0;
    dir = std::filesystem::temp_directory_path() /
          ("tocsin-alerts-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir);
  }
  ~TempDb() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::unique_ptr<store::Store> open() const {
    auto s = store::open(store::Options{(dir / "tocsin.db").string()});
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error()));
    return std::move(s).value();
  }
};
Alert named(std::string name, TimePoint updated, TimePoint ends) {
  Alert a = mk(t0, ends, updated);
  a.labels = {{"alertname", std::move(name)}};
  return a;
}
}  // namespace

TEST_CASE("persistence: one row per alert; a rewrite supersedes the row, GC erases it; reload") {
  TempDb tmp;
  {
    auto db = tmp.open();
    alerts::AlertStore s(db.get());
    CHECK(s.put({named("A", t0, t0 + 1h), named("B", t0, t0 + 1h), named("C", t0, t0 + 2min)}) == 3);
    CHECK(s.put({named("A", t0 + 1s, t0 + 2h)}) == 0);     // a re-post within kPersistEvery: no row
    CHECK(s.put({named("A", t0 + 2min, t0 + 2h)}) == 1);   // a row that supersedes A's first
    CHECK(s.put({named("B", t0 + 2min, t0 + 2min)}) == 1);  // resolved
    CHECK(s.gc(t0 + 3min) == 2);  // B and C
    REQUIRE(s.sync().ok());
    auto rows = db->load_log("alerts");
    REQUIRE(rows.ok());
    CHECK(rows->size() == 1);
  }
  auto db = tmp.open();
  alerts::AlertStore s(db.get());
  REQUIRE(s.load().value() == 1);
  REQUIRE(s.size() == 1);
  auto a = s.list()[0];
  CHECK(a->labels == LabelSet{{"alertname", "A"}});
  CHECK(a->log_seq != 0);
  // A rewrite after the reload supersedes the loaded row.
  s.put({named("A", t0 + 5min, t0 + 6min)});
  REQUIRE(s.sync().ok());
  auto rows = db->load_log("alerts");
  REQUIRE(rows->size() == 1);
  CHECK(rows->front().seq > a->log_seq);
}

TEST_CASE("persistence: two rows of one alert (a crash between append and erase): load keeps the newer") {
  TempDb tmp;
  {
    auto db = tmp.open();
    db->append("alerts", alerts::encode_alert(named("A", t0, t0 + 1h)));
    db->append("alerts", alerts::encode_alert(named("A", t0 + 1min, t0 + 2h)));
  }
  auto db = tmp.open();
  alerts::AlertStore s(db.get());
  REQUIRE(s.load().value() == 1);
  REQUIRE(s.size() == 1);
  CHECK(s.list()[0]->updated_at == t0 + 1min);
  REQUIRE(s.sync().ok());
  CHECK(db->load_log("alerts")->size() == 1);
}

TEST_CASE("put_and_sync: the rows are committed when it returns, superseded rows erased") {
  TempDb tmp;
  auto db = tmp.open();
  alerts::AlertStore s(db.get());
  REQUIRE(s.put_and_sync({named("A", t0, t0 + 1h), named("B", t0, t0 + 1h)}).ok());
  CHECK(db->load_log("alerts")->size() == 2);
  REQUIRE(s.put_and_sync({named("A", t0 + 2min, t0 + 2h)}).ok());  // supersedes A's row
  REQUIRE(s.put_and_sync({named("A", t0 + 3min, t0 + 2h)}).ok());  // a re-post: no row, nothing to sync
  auto rows = db->load_log("alerts");
  REQUIRE(rows->size() == 2);
  CHECK(rows->back().seq == s.get(LabelSet{{"alertname", "A"}}.fingerprint())->log_seq);
  alerts::AlertStore memory_only(nullptr);
  CHECK(memory_only.put_and_sync({named("A", t0, t0 + 1h)}).ok());
}

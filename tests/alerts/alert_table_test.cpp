// alert_table_test.cpp: the alert store's open-addressing table against std::unordered_map, with
// fingerprints chosen to collide (same home slot, runs that wrap around the end of the array).
#include <doctest/doctest.h>

#include <random>
#include <unordered_map>

#include "alerts/alert_table.hpp"

using tocsin::AlertPtr;
using tocsin::Fingerprint;
using tocsin::alerts::AlertTable;

namespace {

AlertPtr alert_with(Fingerprint fp) {
  auto a = std::make_shared<tocsin::Alert>();
  a->fingerprint = fp;
  return a;
}

void check_same(const AlertTable& t, const std::unordered_map<Fingerprint, AlertPtr>& want) {
  REQUIRE(t.size() == want.size());
  for (const auto& [fp, a] : want) {
    const AlertPtr* got = t.find(fp);
    REQUIRE(got != nullptr);
    CHECK(got->get() == a.get());
  }
  size_t seen = 0;
  t.for_each([&](const AlertPtr& a) {
    ++seen;
    auto it = want.find(a->fingerprint);
    REQUIRE(it != want.end());
    CHECK(it->second.get() == a.get());
  });
  CHECK(seen == want.size());
}

}  // namespace

TEST_CASE("AlertTable: insert, replace, find and erase agree with unordered_map") {
  AlertTable t;
  CHECK(t.find(1) == nullptr);
  CHECK_FALSE(t.erase(1));
  std::unordered_map<Fingerprint, AlertPtr> want;
  std::mt19937_64 rng(42);
  // Few distinct keys drawn from a small range and from keys that differ only in their low bits
  // (as the fingerprints of one shard do), so that probe runs form and get cut by erases.
  std::vector<Fingerprint> keys;
  for (Fingerprint k = 0; k < 200; ++k) keys.push_back(k * 16);
  for (Fingerprint k = 0; k < 200; ++k) keys.push_back(rng());
  for (int step = 0; step < 20000; ++step) {
    const Fingerprint fp = keys[rng() % keys.size()];
    if (rng() % 3 == 0) {
      CHECK(t.erase(fp) == (want.erase(fp) == 1));
    } else {
      auto a = alert_with(fp);
      t.insert_or_assign(fp, a);
      want[fp] = a;
    }
    if (step % 997 == 0) check_same(t, want);
  }
  check_same(t, want);
  for (Fingerprint fp : keys) {
    t.erase(fp);
    want.erase(fp);
  }
  check_same(t, want);
  CHECK(t.size() == 0);
}

TEST_CASE("AlertTable grows and shrinks back without losing alerts") {
  AlertTable t;
  std::unordered_map<Fingerprint, AlertPtr> want;
  for (Fingerprint fp = 1; fp <= 5000; ++fp) {
    auto a = alert_with(fp * 0x100000001ULL);
    t.insert_or_assign(a->fingerprint, a);
    want[a->fingerprint] = a;
  }
  check_same(t, want);
  for (Fingerprint fp = 1; fp <= 4990; ++fp) {
    REQUIRE(t.erase(fp * 0x100000001ULL));
    want.erase(fp * 0x100000001ULL);
    if (fp % 500 == 0) check_same(t, want);
  }
  check_same(t, want);
  CHECK_FALSE(t.empty());
}

TEST_CASE("FingerprintTable holds move-only values and lists its entries") {
  tocsin::alerts::FingerprintTable<std::unique_ptr<int>> t;
  for (int i = 1; i <= 100; ++i) t.insert_or_assign(static_cast<Fingerprint>(i) << 40, std::make_unique<int>(i));
  REQUIRE(t.size() == 100);
  REQUIRE(t.find(Fingerprint{7} << 40) != nullptr);
  **t.find(Fingerprint{7} << 40) = 700;  // values are reachable for change through find()
  long sum = 0;
  t.for_each_entry([&](Fingerprint fp, const std::unique_ptr<int>& v) {
    CHECK(((fp >> 40) == 7 ? 700 : static_cast<int>(fp >> 40)) == *v);
    sum += *v;
  });
  CHECK(sum == 5050 - 7 + 700);
  for (int i = 1; i <= 100; i += 2) CHECK(t.erase(static_cast<Fingerprint>(i) << 40));
  CHECK(t.size() == 50);
  CHECK(t.find(Fingerprint{3} << 40) == nullptr);
  CHECK(**t.find(Fingerprint{4} << 40) == 4);
}

// AlertTable against std::unordered_map under a random sequence of puts and erases, including
// fingerprints that collide on their home slot.
#include <doctest/doctest.h>

#include <random>
#include <unordered_map>

#include "core/alert_table.hpp"

using namespace tocsin;

namespace {
AlertPtr alert(Fingerprint fp, int version) {
  auto a = std::make_shared<Alert>();
  a->fingerprint = fp;
  a->log_seq = static_cast<uint64_t>(version);
  return a;
}
}  // namespace

TEST_CASE("AlertTable finds, replaces and erases like a map") {
  AlertTable t;
  CHECK(t.empty());
  CHECK(t.find(1) == nullptr);
  CHECK_FALSE(t.erase(1));
  t.put(alert(1, 1));
  t.put(alert(2, 1));
  t.put(alert(1, 2));  // replaces
  CHECK(t.size() == 2);
  REQUIRE(t.find(1) != nullptr);
  CHECK((*t.find(1))->log_seq == 2);
  CHECK(t.erase(1));
  CHECK(t.find(1) == nullptr);
  CHECK(t.size() == 1);
  size_t seen = 0;
  for (const AlertPtr& a : t) {
    CHECK(a->fingerprint == 2);
    ++seen;
  }
  CHECK(seen == 1);
  auto gone = t.erase_if([](const AlertPtr& a) { return a->fingerprint == 2; });
  CHECK(gone.size() == 1);
  CHECK(t.empty());
  CHECK(t.begin() == t.end());
}

TEST_CASE("AlertTable matches std::unordered_map over random puts and erases") {
  std::mt19937_64 rng(42);
  AlertTable t;
  std::unordered_map<Fingerprint, uint64_t> ref;
  // Small key spaces force long probe runs and wrap-around; the big one grows and shrinks the table.
  for (uint64_t space : {uint64_t{16}, uint64_t{300}, uint64_t{1} << 40}) {
    CAPTURE(space);
    for (int step = 0; step < 20000; ++step) {
      const Fingerprint fp = (rng() % space) * 0x100000001ULL;  // many share low bits
      const int op = static_cast<int>(rng() % 3);
      if (op < 2) {
        t.put(alert(fp, step));
        ref[fp] = static_cast<uint64_t>(step);
      } else {
        CHECK(t.erase(fp) == (ref.erase(fp) == 1));
      }
      if (step % 997 == 0) {
        REQUIRE(t.size() == ref.size());
        for (const auto& [k, v] : ref) {
          const AlertPtr* a = t.find(k);
          REQUIRE(a != nullptr);
          CHECK((*a)->log_seq == v);
        }
        size_t n = 0;
        for (const AlertPtr& a : t) n += ref.count(a->fingerprint);
        CHECK(n == ref.size());
      }
    }
    // Empty it: shrinking rehashes keep every remaining alert findable.
    std::vector<Fingerprint> keys;
    for (const auto& [k, _] : ref) keys.push_back(k);
    for (size_t i = 0; i < keys.size(); ++i) {
      CHECK(t.erase(keys[i]));
      ref.erase(keys[i]);
      if (i % 101 == 0) {
        for (const auto& [k, _] : ref) REQUIRE(t.find(k) != nullptr);
      }
    }
    CHECK(t.empty());
  }
}

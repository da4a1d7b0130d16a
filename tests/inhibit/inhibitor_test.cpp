// inhibitor_test.cpp: inhibition as the reference's Mutes decides it: target/source matching, equal
// labels (absent on both sides counts as equal), no self-inhibition, resolved sources ignored.
#include "inhibit/inhibitor.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace std::chrono_literals;
using tocsin::Alert;
using tocsin::AlertPtr;
using tocsin::LabelSet;
using tocsin::Matcher;
using tocsin::MatchType;
using tocsin::TimePoint;
using tocsin::inhibit::InhibitRule;
using tocsin::inhibit::Inhibitor;

namespace {

const TimePoint kNow = TimePoint{} + std::chrono::hours(24 * 365 * 50);

Matcher eq(const char* n, const char* v) { return *Matcher::make(MatchType::kEqual, n, v); }
Matcher re(const char* n, const char* v) { return *Matcher::make(MatchType::kRegex, n, v); }

AlertPtr alert(LabelSet ls, TimePoint ends_at = {}) {
  auto a = std::make_shared<Alert>();
  a->labels = std::move(ls);
  a->starts_at = kNow - 1h;
  a->ends_at = ends_at;
  a->fingerprint = a->labels.fingerprint();
  return a;
}

std::optional<std::string> check(const Inhibitor& ih, const LabelSet& ls, TimePoint now = kNow) {
  return ih.inhibited_by(ls, ls.fingerprint(), now);
}

}  // namespace

TEST_CASE("a firing source with equal labels inhibits a matching target") {
  Inhibitor ih({InhibitRule{{eq("severity", "critical")}, {eq("severity", "warning")}, {"cluster"}}});
  auto src = alert({{"alertname", "Down"}, {"severity", "critical"}, {"cluster", "eu"}});
  ih.update(src);

  LabelSet target{{"alertname", "Slow"}, {"severity", "warning"}, {"cluster", "eu"}};
  auto by = check(ih, target);
  REQUIRE(by);
  CHECK(*by == tocsin::fingerprint_hex(src->fingerprint));

  CHECK_FALSE(check(ih, {{"alertname", "Slow"}, {"severity", "warning"}, {"cluster", "us"}}));
  CHECK_FALSE(check(ih, {{"alertname", "Slow"}, {"severity", "warning"}}));  // "" vs "eu"
  CHECK_FALSE(check(ih, {{"alertname", "Slow"}, {"severity", "info"}, {"cluster", "eu"}}));
  // The source does not inhibit itself: it does not match the target matchers.
  CHECK_FALSE(check(ih, src->labels));
}

TEST_CASE("equal on a label missing on both sides counts as equal") {
  Inhibitor ih({InhibitRule{{eq("severity", "critical")}, {eq("severity", "warning")}, {"cluster", "dc"}}});
  ih.update(alert({{"alertname", "Down"}, {"severity", "critical"}, {"cluster", "eu"}}));
  CHECK(check(ih, {{"alertname", "Slow"}, {"severity", "warning"}, {"cluster", "eu"}}));
  CHECK_FALSE(check(ih, {{"alertname", "Slow"}, {"severity", "warning"}, {"cluster", "eu"}, {"dc", "1"}}));
  // An empty value reads the same as an absent label, as in the reference.
  CHECK(check(ih, {{"alertname", "Slow"}, {"severity", "warning"}, {"cluster", "eu"}, {"dc", ""}}));
}

TEST_CASE("no equal labels: any firing source inhibits every target") {
  Inhibitor ih({InhibitRule{{eq("alertname", "Maintenance")}, {re("alertname", ".+")}, {}}});
  CHECK_FALSE(check(ih, {{"alertname", "Disk"}}));
  ih.update(alert({{"alertname", "Maintenance"}}));
  CHECK(check(ih, {{"alertname", "Disk"}}));
  CHECK(check(ih, {{"alertname", "Cpu"}, {"team", "x"}}));
}

TEST_CASE("an alert matching both sides never inhibits itself, but others of its kind may") {
  // Source and target overlap: every "severity=~warning|critical" alert is both.
  Inhibitor ih({InhibitRule{{re("severity", "warning|critical")}, {re("severity", "warning|critical")}, {"cluster"}}});
  auto a = alert({{"alertname", "A"}, {"severity", "warning"}, {"cluster", "eu"}});
  ih.update(a);
  CHECK_FALSE(check(ih, a->labels));
  auto b = alert({{"alertname", "B"}, {"severity", "critical"}, {"cluster", "eu"}});
  ih.update(b);
  // Two-sided sources are excluded for two-sided targets, so neither inhibits the other.
  CHECK_FALSE(check(ih, a->labels));
  CHECK_FALSE(check(ih, b->labels));

  // A source that matches only the source side still inhibits a two-sided target.
  Inhibitor ih2({InhibitRule{{re("severity", "critical|page")}, {re("severity", "warning|critical")}, {}}});
  auto crit = alert({{"alertname", "C"}, {"severity", "critical"}});
  ih2.update(crit);
  CHECK_FALSE(check(ih2, crit->labels));
  auto page = alert({{"alertname", "P"}, {"severity", "page"}});
  ih2.update(page);
  auto by = check(ih2, crit->labels);
  REQUIRE(by);
  CHECK(*by == tocsin::fingerprint_hex(page->fingerprint));
}

TEST_CASE("resolved sources do not inhibit; a re-fire does again") {
  Inhibitor ih({InhibitRule{{eq("severity", "critical")}, {eq("severity", "warning")}, {"cluster"}}});
  LabelSet src_labels{{"alertname", "Down"}, {"severity", "critical"}, {"cluster", "eu"}};
  LabelSet target{{"alertname", "Slow"}, {"severity", "warning"}, {"cluster", "eu"}};
  ih.update(alert(src_labels, kNow + 5min));  // ends in the future: still firing now
  CHECK(check(ih, target));
  CHECK_FALSE(check(ih, target, kNow + 5min));  // resolved at its end time
  ih.update(alert(src_labels, kNow - 1s));
  CHECK_FALSE(check(ih, target));
  ih.update(alert(src_labels));
  CHECK(check(ih, target));

  ih.update(alert(src_labels, kNow - 1s));
  ih.gc(kNow);
  ih.update(alert({{"alertname", "Other"}, {"severity", "critical"}, {"cluster", "us"}}));
  CHECK_FALSE(check(ih, target));
}

TEST_CASE("remove forgets a source; several rules are tried in order") {
  Inhibitor ih({InhibitRule{{eq("a", "1")}, {eq("t", "x")}, {}}, InhibitRule{{eq("b", "1")}, {eq("t", "x")}, {}}});
  CHECK(ih.rule_count() == 2);
  auto a = alert({{"a", "1"}});
  auto b = alert({{"b", "1"}});
  ih.update(a);
  ih.update(b);
  LabelSet target{{"t", "x"}};
  CHECK(*check(ih, target) == tocsin::fingerprint_hex(a->fingerprint));
  ih.remove(a->fingerprint);
  CHECK(*check(ih, target) == tocsin::fingerprint_hex(b->fingerprint));
  ih.remove(b->fingerprint);
  CHECK_FALSE(check(ih, target));
}

TEST_CASE("many sources: only the bucket with the target's equal values is consulted, correctly") {
  Inhibitor ih({InhibitRule{{eq("severity", "critical")}, {eq("severity", "warning")}, {"instance"}}});
  for (int i = 0; i < 5000; ++i) {
    ih.update(alert({{"severity", "critical"}, {"instance", "h" + std::to_string(i)}}));
  }
  for (int i = 0; i < 5000; i += 97) {
    CHECK(check(ih, {{"severity", "warning"}, {"instance", "h" + std::to_string(i)}}));
  }
  CHECK_FALSE(check(ih, {{"severity", "warning"}, {"instance", "h5000"}}));
}

TEST_CASE("a batch update equals its alerts updated one by one; without rules it is a no-op") {
  auto rules = [] {
    return std::vector<InhibitRule>{InhibitRule{{eq("severity", "critical")}, {eq("severity", "warning")}, {"cluster"}}};
  };
  Inhibitor one(rules());
  Inhibitor batch(rules());
  std::vector<AlertPtr> alerts{
      alert({{"alertname", "Down"}, {"severity", "critical"}, {"cluster", "eu"}}),
      alert({{"alertname", "Down"}, {"severity", "critical"}, {"cluster", "us"}}, kNow - 1min),  // resolved
      alert({{"alertname", "Other"}, {"severity", "warning"}, {"cluster", "us"}}),
      // A third cluster, after a target-only alert.
      alert({{"alertname", "Down"}, {"severity", "critical"}, {"cluster", "ap"}}),
  };
  for (const auto& a : alerts) one.update(a);
  batch.update(alerts);
  for (const char* cluster : {"eu", "us", "ap", "none"}) {
    CAPTURE(cluster);
    LabelSet target{{"alertname", "Slow"}, {"severity", "warning"}, {"cluster", cluster}};
    CHECK(check(one, target) == check(batch, target));
  }
  Inhibitor none({});
  none.update(alerts);
  none.update(alerts[0]);
  CHECK_FALSE(check(none, {{"severity", "warning"}, {"cluster", "eu"}}));
}

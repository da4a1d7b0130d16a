// inhibitor.hpp: the inhibition engine, first stage of every notify pipeline. Keeps, per rule, the
// alerts matching the rule's source matchers, and answers whether a target alert is inhibited.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/alert.hpp"
#include "core/labels.hpp"
#include "core/matcher.hpp"
#include "core/time.hpp"

namespace tocsin::inhibit {

// One inhibit rule: alerts matching `target` are muted while an alert matching `source` fires with the
// same values of the `equal` labels. The config's deprecated source_match(_re)/target_match(_re) are
// folded into `source`/`target` as =/=~ matchers by whoever builds this.
struct InhibitRule {
  Matchers source, target;
  std::vector<std::string> equal;
};

// Thread-safe.
class Inhibitor {
 public:
  explicit Inhibitor(std::vector<InhibitRule> rules);

  // Called for every alert put into the alert store: caches it in each rule whose source matchers
  // match (a later version of the same fingerprint replaces the earlier one).
  void update(const AlertPtr& alert);
  // update() for each alert of a batch, under one lock (and none without rules).
  void update(const std::vector<AlertPtr>& alerts);
  // Forgets an alert (removed from the alert store).
  void remove(Fingerprint fp);
  // Drops cached sources resolved at `now`; they no longer inhibit anyway.
  void gc(TimePoint now);

  // The fingerprint (16 hex digits) of one alert inhibiting `target` (fingerprint `fp`) at `now`, as the
  // reference's Mutes: among the rules whose target matchers match, a source alert not resolved at
  // `now` whose `equal` labels have the target's values (a label absent on both sides is equal); when
  // the target also matches the rule's source matchers, sources that match the target matchers are
  // skipped, so an alert never inhibits itself. nullopt: not inhibited.
  std::optional<std::string> inhibited_by(const LabelSet& target, Fingerprint fp, TimePoint now) const;

  size_t rule_count() const { return rules_.size(); }

 private:
  struct RuleState {
    InhibitRule rule;
    // Source alerts bucketed by their values of the equal labels, so a lookup only visits candidates.
    std::unordered_map<std::string, std::map<Fingerprint, AlertPtr>> by_equal;
    std::unordered_map<Fingerprint, std::string> bucket_of;
  };
  static std::string equal_key(const InhibitRule& r, const LabelSet& ls);
  static void erase_from(RuleState& rs, Fingerprint fp);
  void update_locked(const AlertPtr& alert);

  mutable std::mutex mu_;
  std::vector<RuleState> rules_;  // sized once by the constructor: its size may be read without mu_
};

}  // namespace tocsin::inhibit

// inhibitor.cpp: per-rule caches of source alerts bucketed by their equal-label values, and the
// reference's muting rule over them.
#include "inhibit/inhibitor.hpp"

#include <utility>

namespace tocsin::inhibit {

Inhibitor::Inhibitor(std::vector<InhibitRule> rules) {
  rules_.reserve(rules.size());
  for (auto& r : rules) {
    RuleState rs;
    rs.rule = std::move(r);
    rules_.push_back(std::move(rs));
  }
}

std::string Inhibitor::equal_key(const InhibitRule& r, const LabelSet& ls) {
  // Values joined with a byte that cannot occur in UTF-8 label values; an absent label reads as "",
  // which is how the reference compares them.
  std::string key;
  for (const auto& name : r.equal) {
    key.append(ls.value(name));
    key.push_back('\xff');
  }
  return key;
}

void Inhibitor::erase_from(RuleState& rs, Fingerprint fp) {
  auto it = rs.bucket_of.find(fp);
  if (it == rs.bucket_of.end()) {
    return;
  }
  auto b = rs.by_equal.find(it->second);
  if (b != rs.by_equal.end()) {
    b->second.erase(fp);
    if (b->second.empty()) {
      rs.by_equal.erase(b);
    }
  }
  rs.bucket_of.erase(it);
}

void Inhibitor::update(const AlertPtr& alert) {
  if (rules_.empty()) {
    return;
  }
  std::lock_guard lock(mu_);
  update_locked(alert);
}

void Inhibitor::update(const std::vector<AlertPtr>& alerts) {
  if (rules_.empty()) {
    return;  // most configurations: no lock per posted batch for nothing
  }
  std::lock_guard lock(mu_);
  for (const auto& a : alerts) {
    update_locked(a);
  }
}

void Inhibitor::update_locked(const AlertPtr& alert) {
  if (!alert) {
    return;
  }
  const Fingerprint fp = alert->fingerprint != 0 ? alert->fingerprint : alert->labels.fingerprint();
  for (auto& rs : rules_) {
    if (!matches_all(rs.rule.source, alert->labels)) {
      erase_from(rs, fp);
      continue;
    }
    std::string key = equal_key(rs.rule, alert->labels);
    auto it = rs.bucket_of.find(fp);
    if (it != rs.bucket_of.end() && it->second != key) {
      erase_from(rs, fp);
    }
    rs.by_equal[key][fp] = alert;
    rs.bucket_of[fp] = std::move(key);
  }
}

void Inhibitor::remove(Fingerprint fp) {
  if (rules_.empty()) return;
  std::lock_guard lock(mu_);
  for (auto& rs : rules_) {
    erase_from(rs, fp);
  }
}

void Inhibitor::gc(TimePoint now) {
  std::lock_guard lock(mu_);
  for (auto& rs : rules_) {
    std::vector<Fingerprint> doomed;
    for (const auto& [key, bucket] : rs.by_equal) {
      for (const auto& [fp, a] : bucket) {
        if (a->resolved_at(now)) {
          doomed.push_back(fp);
        }
      }
    }
    for (Fingerprint fp : doomed) {
      erase_from(rs, fp);
    }
  }
}

std::optional<std::string> Inhibitor::inhibited_by(const LabelSet& target, Fingerprint fp,
                                                   TimePoint now) const {
  if (rules_.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  for (const auto& rs : rules_) {
    if (!matches_all(rs.rule.target, target)) {
      continue;
    }
    const bool exclude_two_sided = matches_all(rs.rule.source, target);
    auto b = rs.by_equal.find(equal_key(rs.rule, target));
    if (b == rs.by_equal.end()) {
      continue;
    }
    for (const auto& [src_fp, a] : b->second) {
      if (a->resolved_at(now)) {
        continue;
      }
      if (exclude_two_sided && matches_all(rs.rule.target, a->labels)) {
        continue;
      }
      return fingerprint_hex(src_fp);
    }
  }
  return std::nullopt;
}

}  // namespace tocsin::inhibit

// common.cpp: helpers every integration shares.
#include <cstring>

#include "receivers/notifier.hpp"

namespace tocsin::receivers {

LabelSet common_labels(const AlertList& alerts, bool annotations) {
  if (alerts.empty()) return {};
  LabelSet common = annotations ? alerts.front()->annotations : alerts.front()->labels;
  for (size_t i = 1; i < alerts.size(); ++i) {
    const LabelSet& ls = annotations ? alerts[i]->annotations : alerts[i]->labels;
    std::vector<std::string> drop;
    for (const auto& [k, v] : common) {
      auto other = ls.get(k);
      if (!other || *other != v) drop.emplace_back(k);
    }
    for (const auto& k : drop) common.erase(k);
  }
  return common;
}

std::string quote_meta(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::strchr("\\.+*?()|[]{}^$", c) && c != '\0') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace tocsin::receivers

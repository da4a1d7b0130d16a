// yaml_tree.hpp: a YAML text read into a plain tree, for the receivers that re-read rendered text as
// YAML (Jira's custom fields, as the reference's DeepCopyWithTemplate does). yaml-cpp stays in config.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace tocsin::config {

struct YamlEntry;

struct YamlTree {
  enum class Kind { kNull, kScalar, kSeq, kMap };
  Kind kind = Kind::kNull;
  std::string scalar;
  bool plain = true;  // a scalar written without quotes (and without a tag): its type is resolved
  std::vector<YamlTree> items;                            // kSeq
  std::vector<YamlEntry> entries;                         // kMap, in document order
};

// One key and value of a map (a struct rather than std::pair, which needs YamlTree complete).
struct YamlEntry {
  YamlTree first, second;
};

// The first document of `text` (an empty text is a null node); an error when it is no YAML.
Result<YamlTree> parse_yaml_tree(std::string_view text);

}  // namespace tocsin::config

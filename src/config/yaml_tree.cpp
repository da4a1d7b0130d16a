// yaml_tree.cpp: see yaml_tree.hpp.
#include "config/yaml_tree.hpp"

#include <yaml-cpp/yaml.h>

namespace tocsin::config {

namespace {

YamlTree convert(const YAML::Node& n, int depth) {
  YamlTree t;
  if (depth > 200) return t;  // deeper than any field value needs: cut rather than recurse on
  switch (n.Type()) {
    case YAML::NodeType::Scalar:
      t.kind = YamlTree::Kind::kScalar;
      t.scalar = n.Scalar();
      t.plain = n.Tag() == "?";
      return t;
    case YAML::NodeType::Sequence:
      t.kind = YamlTree::Kind::kSeq;
      for (const auto& item : n) t.items.push_back(convert(item, depth + 1));
      return t;
    case YAML::NodeType::Map:
      t.kind = YamlTree::Kind::kMap;
      for (auto it = n.begin(); it != n.end(); ++it) {
        t.entries.push_back(YamlEntry{convert(it->first, depth + 1), convert(it->second, depth + 1)});
      }
      return t;
    default:
      return t;
  }
}

}  // namespace

Result<YamlTree> parse_yaml_tree(std::string_view text) {
  try {
    return convert(YAML::Load(std::string(text)), 0);
  } catch (const std::exception& e) {
    return Error{e.what()};
  }
}

}  // namespace tocsin::config

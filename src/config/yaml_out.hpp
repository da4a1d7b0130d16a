// yaml_out.hpp: a tiny YAML document tree and an emitter that formats it the way Go's gopkg.in/yaml.v2
// does (indentless sequences in mappings, its quoting choices, folding of long scalars at column 80),
// so to_yaml matches the reference's Config.String() byte for byte where we can.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tocsin::config::yaml_out {

struct Node {
  enum class Kind { kNull, kRaw, kString, kMap, kSeq };
  Kind kind = Kind::kNull;
  std::string text;  // kRaw: printed as is (bools, numbers); kString: quoted as yaml.v2 would
  std::vector<std::pair<std::string, Node>> map;
  std::vector<Node> seq;
  // The value's field is tagged ",flow" in the reference's structs: a sequence or mapping is written
  // [a, b] / {k: v}; on a scalar (a time interval's location) the flag carries over to the next
  // collection written, as yaml.v2's encoder does (see Writer::pending_flow).
  bool flow = false;

  // User-provided (so Node is no aggregate): clang with libstdc++ 12 otherwise instantiates
  // pair<string, Node> while Node is incomplete, checking whether Node is implicitly default-constructible.
  Node() {}
  Node(Kind k, std::string t, bool f = false) : kind(k), text(std::move(t)), flow(f) {}

  static Node raw(std::string s);
  static Node str(std::string s);
  static Node boolean(bool b);
  static Node mapping();
  static Node sequence(bool flow = false);
  void add(std::string key, Node v);
};

inline Node Node::raw(std::string s) { return Node(Kind::kRaw, std::move(s)); }
inline Node Node::str(std::string s) { return Node(Kind::kString, std::move(s)); }
inline Node Node::boolean(bool b) { return raw(b ? "true" : "false"); }
inline Node Node::mapping() { return Node(Kind::kMap, {}); }
inline Node Node::sequence(bool flow) { return Node(Kind::kSeq, {}, flow); }
inline void Node::add(std::string key, Node v) { map.emplace_back(std::move(key), std::move(v)); }

// The document text, ending with a newline.
std::string emit(const Node& root);

// Whether yaml.v2 would resolve this plain scalar to something other than a string (bool, null,
// number, timestamp, base-60 float), in which case it double-quotes it.
bool resolves_to_non_string(const std::string& s);

}  // namespace tocsin::config::yaml_out

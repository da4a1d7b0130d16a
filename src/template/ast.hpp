// ast.hpp: the parse tree of Go's text/template, shared by the parser (parse.cpp) and the evaluator
// (exec.cpp). Internal to src/template.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace tocsin::tmpl {

struct Node;
using NodePtr = std::unique_ptr<Node>;

struct Node {
  enum class Kind {
    List, Text, Action, If, Range, With, Template, Break, Continue,  // statements
    Pipe, Command,                                                    // expressions
    Field, Variable, Identifier, Dot, Nil, Bool, Number, String, Chain
  };
  Kind kind;
  size_t pos = 0;  // byte offset in the tree's source, for "name:line:col" in errors
  int line = 1;
  std::string text;                 // Text body, Identifier name, Template name, String value, literal source
  std::vector<std::string> idents;  // Field/Variable/Chain names; Pipe's declared variables
  bool is_assign = false;           // Pipe: `$x = ` rather than `$x := `
  std::vector<NodePtr> children;    // List items, Pipe commands, Command args
  NodePtr pipe, list, else_list;    // If/Range/With/Template/Action; Chain's operand in `pipe`
  bool bval = false;
  bool is_int = false;
  int64_t ival = 0;
  double fval = 0;

  Node(Kind k, size_t p, int l) : kind(k), pos(p), line(l) {}
  // Go's Node.String(), used as the context of execution errors: ".Foo", "index . 1".
  std::string to_string() const;
};

// One named template: its body and the source it was parsed from.
struct Tree {
  std::string name;        // the template's name ("__subject")
  std::string parse_name;  // the name of the file or text it was parsed from
  std::shared_ptr<const std::string> source;
  NodePtr root;            // a List
};
using TreePtr = std::shared_ptr<const Tree>;

// Parses `text` (named `name`): returns the top-level tree (named `name`) followed by every
// {{define}}/{{block}} tree. `is_function` tells whether an identifier names a function.
Result<std::vector<TreePtr>> parse_templates(const std::string& name, std::string text,
                                             const std::function<bool(const std::string&)>& is_function);

// Whether a tree holds only whitespace text (Go keeps an older non-empty definition over it).
bool is_empty_tree(const Tree& t);

}  // namespace tocsin::tmpl

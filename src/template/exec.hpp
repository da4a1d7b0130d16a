// exec.hpp: the evaluator of parsed templates (Go's text/template execution rules). Internal.
#pragma once

#include <map>
#include <string>

#include "template/ast.hpp"
#include "template/funcs.hpp"
#include "template/template.hpp"
#include "template/value.hpp"

namespace tocsin::tmpl {

using TreeMap = std::map<std::string, TreePtr, std::less<>>;

struct ExecOptions {
  bool html = false;
  ExecLimits limits;
  FuncContext ctx;
};

// Runs `tree` with `data` as dot; {{template}} calls resolve in `set`.
Result<std::string> execute_tree(const TreeMap& set, const Tree& tree, const Value& data,
                                 const ExecOptions& options);
// Whether `name` is a builtin or Alertmanager function (the parser rejects unknown names).
bool is_known_function(const std::string& name);

}  // namespace tocsin::tmpl

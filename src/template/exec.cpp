// exec.cpp: walks a parsed template over a Value, with Go's rules for dot, variables, pipelines,
// truthiness and builtins. Errors unwind as a C++ exception inside this file only (as Go's panics do
// inside text/template) and leave as a Result with Go's "template: name:line:col: executing ..." text.
#include "template/exec.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

namespace tocsin::tmpl {

namespace {

struct ExecError {
  std::string message;
};

enum class Flow { Normal, Break, Continue };

const std::set<std::string, std::less<>>& builtin_names() {
  static const std::set<std::string, std::less<>> names = {
      "and", "or", "not", "len", "index", "slice", "print", "printf", "println", "html", "js",
      "urlquery", "eq", "ne", "lt", "le", "gt", "ge", "call"};
  return names;
}

bool is_basic(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Bool:
    case Value::Kind::Int:
    case Value::Kind::Double:
    case Value::Kind::String:
    case Value::Kind::Duration:
      return true;
    default:
      return false;
  }
}

class Exec {
 public:
  Exec(const TreeMap& set, const ExecOptions& opt) : set_(set), opt_(opt) {
    start_ = std::chrono::steady_clock::now();
  }

  std::string run(const Tree& tree, const Value& data) {
    tree_ = &tree;
    vars_.push_back({"$", data});
    walk(data, *tree.root);
    return std::move(out_);
  }

 private:
  [[noreturn]] void errorf(const std::string& msg) {
    if (node_ == nullptr) {
      throw ExecError{"template: " + tree_->name + ": " + msg};
    }
    const std::string& src = *tree_->source;
    size_t pos = std::min(node_->pos, src.size());
    std::string_view before(src.data(), pos);
    size_t nl = before.rfind('\n');
    size_t col = nl == std::string_view::npos ? pos : pos - (nl + 1);
    int line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    throw ExecError{"template: " + tree_->parse_name + ":" + std::to_string(line) + ":" + std::to_string(col) +
                    ": executing \"" + tree_->name + "\" at <" + node_->to_string() + ">: " + msg};
  }

  void step() {
    if (++steps_ > opt_.limits.max_steps) {
      errorf("exceeded the evaluation step limit (" + std::to_string(opt_.limits.max_steps) + ")");
    }
    if ((steps_ & 0x3ff) == 0 && std::chrono::steady_clock::now() - start_ > opt_.limits.max_time) {
      errorf("exceeded the execution time limit");
    }
  }

  void write(std::string_view s) {
    if (out_.size() + s.size() > opt_.limits.max_output_bytes) {
      errorf("output exceeds the limit of " + std::to_string(opt_.limits.max_output_bytes) + " bytes");
    }
    out_.append(s);
  }

  Flow walk(const Value& dot, const Node& n) {
    step();
    switch (n.kind) {
      case Node::Kind::List:
        for (const auto& c : n.children) {
          Flow f = walk(dot, *c);
          if (f != Flow::Normal) {
            return f;
          }
        }
        return Flow::Normal;
      case Node::Kind::Text:
        if (opt_.html) {
          write_html_text(n.text);
        } else {
          write(n.text);
        }
        return Flow::Normal;
      case Node::Kind::Action: {
        Value v = eval_pipeline(dot, *n.pipe);
        if (n.pipe->idents.empty()) {
          print_value(n, v);
        }
        return Flow::Normal;
      }
      case Node::Kind::If:
      case Node::Kind::With:
        return walk_if_with(dot, n);
      case Node::Kind::Range:
        return walk_range(dot, n);
      case Node::Kind::Template:
        walk_template(dot, n);
        return Flow::Normal;
      case Node::Kind::Break:
        return Flow::Break;
      case Node::Kind::Continue:
        return Flow::Continue;
      default:
        node_ = &n;
        errorf("unknown node: " + n.to_string());
    }
  }

  // html/template rewrites a '<' of the template text that cannot open a tag (as before an action) to
  // "&lt;".
  // It also drops the HTML comments of the template text ("<!-- ... -->", possibly spanning actions,
  // whose output is dropped with them).
  void write_html_text(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
      if (in_html_comment_) {
        size_t end = text.find("-->", i);
        if (end == std::string::npos) {
          break;
        }
        in_html_comment_ = false;
        i = end + 2;
        continue;
      }
      if (text.compare(i, 4, "<!--") == 0) {
        in_html_comment_ = true;
        i += 3;
        continue;
      }
      char next = i + 1 < text.size() ? text[i + 1] : '\0';
      bool opens = std::isalpha(static_cast<unsigned char>(next)) || next == '/' || next == '!' || next == '?';
      if (text[i] == '<' && !opens) {
        out += "&lt;";
      } else {
        out += text[i];
      }
    }
    write(out);
  }

  void print_value(const Node& n, const Value& v) {
    node_ = &n;
    if (in_html_comment_) {
      return;
    }
    std::string s = v.is_null() ? "<no value>" : v.to_string();
    if (opt_.html && !v.is_safe_html()) {
      if (v.is_null()) {
        s.clear();
      }
      write(html_template_escape(s));
      return;
    }
    write(s);
  }

  Flow walk_if_with(const Value& dot, const Node& n) {
    size_t mark = vars_.size();
    Value v = eval_pipeline(dot, *n.pipe);
    Flow f = Flow::Normal;
    if (v.truthy()) {
      f = walk(n.kind == Node::Kind::With ? v : dot, *n.list);
    } else if (n.else_list) {
      f = walk(dot, *n.else_list);
    }
    vars_.resize(mark);
    return f;
  }

  Flow walk_range(const Value& dot, const Node& n) {
    size_t mark = vars_.size();
    Value v = eval_pipeline(dot, *n.pipe);
    size_t iter_mark = vars_.size();
    auto one = [&](const Value& index, const Value& elem) -> Flow {
      step();
      const auto& decl = n.pipe->idents;
      if (!decl.empty()) {
        if (n.pipe->is_assign) {
          if (decl.size() == 2) {
            set_var(decl[0], index);
            set_var(decl[1], elem);
          } else {
            set_var(decl[0], elem);
          }
        } else {
          vars_[iter_mark - 1].second = elem;
          if (decl.size() == 2) {
            vars_[iter_mark - 2].second = index;
          }
        }
      }
      Flow f = walk(elem, *n.list);
      vars_.resize(iter_mark);
      return f;
    };
    bool any = false;
    switch (v.kind()) {
      case Value::Kind::List: {
        const List& l = v.as_list();
        for (size_t i = 0; i < l.size(); ++i) {
          any = true;
          if (one(Value(static_cast<int64_t>(i)), l[i]) == Flow::Break) {
            break;
          }
        }
        break;
      }
      case Value::Kind::Map:
        if (v.type() != nullptr && v.type()->is_struct) {
          node_ = n.pipe.get();
          errorf("range can't iterate over " + v.to_string());
        }
        for (const auto& [k, e] : v.as_map()) {
          any = true;
          if (one(Value(k), e) == Flow::Break) {
            break;
          }
        }
        break;
      case Value::Kind::Int: {
        for (int64_t i = 0; i < v.as_int(); ++i) {
          any = true;
          if (one(Value(i), Value(i)) == Flow::Break) {
            break;
          }
        }
        break;
      }
      case Value::Kind::Null:
        break;
      default:
        node_ = n.pipe.get();
        errorf("range can't iterate over " + v.to_string());
    }
    if (!any && n.else_list) {
      walk(dot, *n.else_list);
    }
    vars_.resize(mark);
    return Flow::Normal;
  }

  void walk_template(const Value& dot, const Node& n) {
    node_ = &n;
    auto it = set_.find(n.text);
    if (it == set_.end()) {
      errorf("template \"" + n.text + "\" not defined");
    }
    if (depth_ >= opt_.limits.max_depth) {
      errorf("exceeded maximum template depth (" + std::to_string(opt_.limits.max_depth) + ")");
    }
    Value new_dot = n.pipe ? eval_pipeline(dot, *n.pipe) : Value();
    // A called template sees only `$` (its dot) and reports errors under its own name.
    std::vector<std::pair<std::string, Value>> saved_vars;
    saved_vars.swap(vars_);
    vars_.push_back({"$", new_dot});
    const Tree* saved_tree = tree_;
    tree_ = it->second.get();
    ++depth_;
    walk(new_dot, *tree_->root);
    --depth_;
    tree_ = saved_tree;
    vars_.swap(saved_vars);
  }

  Value lookup_var(const std::string& name) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->first == name) {
        return it->second;
      }
    }
    errorf("undefined variable: " + name);
  }

  void set_var(const std::string& name, const Value& v) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->first == name) {
        it->second = v;
        return;
      }
    }
    errorf("undefined variable: " + name);
  }

  Value eval_pipeline(const Value& dot, const Node& pipe) {
    node_ = &pipe;
    std::optional<Value> value;
    for (const auto& cmd : pipe.children) {
      value = eval_command(dot, *cmd, value);
    }
    Value v = value ? *value : Value();
    for (const auto& name : pipe.idents) {
      if (pipe.is_assign) {
        set_var(name, v);
      } else {
        vars_.push_back({name, v});
      }
    }
    return v;
  }

  void not_a_function(const Node& cmd, const std::optional<Value>& final) {
    if (cmd.children.size() > 1 || final) {
      errorf("can't give argument to non-function " + cmd.children[0]->to_string());
    }
  }

  Value eval_command(const Value& dot, const Node& cmd, const std::optional<Value>& final) {
    const Node& first = *cmd.children[0];
    switch (first.kind) {
      case Node::Kind::Field:
        return eval_field_chain(dot, dot, first, first.idents, 0, &cmd, final);
      case Node::Kind::Chain:
        return eval_chain(dot, first, &cmd, final);
      case Node::Kind::Identifier:
        return eval_function(dot, first, &cmd, final);
      case Node::Kind::Pipe:
        node_ = &first;
        not_a_function(cmd, final);
        return eval_pipeline(dot, first);
      case Node::Kind::Variable:
        return eval_variable(dot, first, &cmd, final);
      default:
        break;
    }
    node_ = &first;
    not_a_function(cmd, final);
    switch (first.kind) {
      case Node::Kind::Bool:
        return Value(first.bval);
      case Node::Kind::Dot:
        return dot;
      case Node::Kind::Nil:
        errorf("nil is not a command");
      case Node::Kind::Number:
        return number(first);
      case Node::Kind::String:
        return Value(first.text);
      default:
        errorf("can't evaluate command " + first.to_string());
    }
  }

  static Value number(const Node& n) {
    if (n.is_int) {
      return Value(n.ival);
    }
    return Value(n.fval);
  }

  Value eval_arg(const Value& dot, const Node& n) {
    step();
    node_ = &n;
    switch (n.kind) {
      case Node::Kind::Dot:
        return dot;
      case Node::Kind::Nil:
        return Value();
      case Node::Kind::Field:
        return eval_field_chain(dot, dot, n, n.idents, 0, nullptr, std::nullopt);
      case Node::Kind::Variable:
        return eval_variable(dot, n, nullptr, std::nullopt);
      case Node::Kind::Pipe:
        return eval_pipeline(dot, n);
      case Node::Kind::Identifier:
        return eval_function(dot, n, nullptr, std::nullopt);
      case Node::Kind::Chain:
        return eval_chain(dot, n, nullptr, std::nullopt);
      case Node::Kind::Bool:
        return Value(n.bval);
      case Node::Kind::Number:
        return number(n);
      case Node::Kind::String:
        return Value(n.text);
      default:
        errorf("can't handle " + n.to_string() + " for arg");
    }
  }

  Value eval_variable(const Value& dot, const Node& n, const Node* cmd, const std::optional<Value>& final) {
    node_ = &n;
    Value v = lookup_var(n.idents[0]);
    if (n.idents.size() == 1) {
      if (cmd != nullptr) {
        not_a_function(*cmd, final);
      }
      return v;
    }
    return eval_field_chain(dot, v, n, n.idents, 1, cmd, final);
  }

  Value eval_chain(const Value& dot, const Node& n, const Node* cmd, const std::optional<Value>& final) {
    Value v = eval_arg(dot, *n.pipe);
    return eval_field_chain(dot, v, n, n.idents, 0, cmd, final);
  }

  // Evaluates receiver.idents[from].idents[from+1]...; the last one gets the command's arguments.
  Value eval_field_chain(const Value& dot, Value receiver, const Node& n, const std::vector<std::string>& idents,
                         size_t from, const Node* cmd, const std::optional<Value>& final) {
    for (size_t i = from; i < idents.size(); ++i) {
      bool last = i + 1 == idents.size();
      if (i > from && receiver.is_null()) {
        node_ = &n;
        errorf("nil pointer evaluating interface {}." + idents[i]);
      }
      receiver = eval_field(dot, idents[i], n, last ? cmd : nullptr, last ? final : std::nullopt, receiver);
    }
    return receiver;
  }

  Value eval_field(const Value& dot, const std::string& name, const Node& n, const Node* cmd,
                   const std::optional<Value>& final, const Value& receiver) {
    node_ = &n;
    if (receiver.is_null()) {
      return Value();
    }
    bool has_args = (cmd != nullptr && cmd->children.size() > 1) || final.has_value();
    auto args = [&]() {
      std::vector<Value> a;
      if (cmd != nullptr) {
        for (size_t i = 1; i < cmd->children.size(); ++i) {
          a.push_back(eval_arg(dot, *cmd->children[i]));
        }
      }
      if (final) {
        a.push_back(*final);
      }
      node_ = &n;
      return a;
    };
    if (const TypeInfo* t = receiver.type(); t != nullptr && t->method) {
      std::vector<Value> a = has_args ? args() : std::vector<Value>{};
      if (auto r = t->method(receiver, name, a)) {
        if (!r->ok()) {
          errorf("error calling " + name + ": " + r->error());
        }
        return std::move(*r).value();
      }
    }
    if (receiver.kind() == Value::Kind::Time || receiver.kind() == Value::Kind::Duration) {
      std::vector<Value> a = has_args ? args() : std::vector<Value>{};
      return time_method(receiver, name, a);
    }
    if (receiver.is_map()) {
      const TypeInfo* t = receiver.type();
      bool is_struct = t != nullptr && t->is_struct;
      auto it = receiver.as_map().find(name);
      if (is_struct) {
        if (it == receiver.as_map().end()) {
          errorf("can't evaluate field " + name + " in type " + receiver.type_name());
        }
        if (has_args) {
          errorf(name + " has arguments but cannot be invoked as function");
        }
        return it->second;
      }
      if (has_args) {
        errorf(name + " is not a method but has arguments");
      }
      if (it != receiver.as_map().end()) {
        return it->second;
      }
      if (t != nullptr && t->string_elems) {
        return Value("");
      }
      return Value();
    }
    errorf("can't evaluate field " + name + " in type " + receiver.type_name());
  }

  Value time_method(const Value& recv, const std::string& name, const std::vector<Value>& a) {
    auto want = [&](size_t n) {
      if (a.size() != n) {
        errorf("wrong number of args for " + name + ": want " + std::to_string(n) + " got " +
               std::to_string(a.size()));
      }
    };
    if (recv.kind() == Value::Kind::Duration) {
      Duration d = recv.as_duration();
      double ns = static_cast<double>(d.count());
      if (name == "Seconds") {
        want(0);
        return Value(ns / 1e9);
      }
      if (name == "Minutes") {
        want(0);
        return Value(ns / 6e10);
      }
      if (name == "Hours") {
        want(0);
        return Value(ns / 3.6e12);
      }
      if (name == "Milliseconds") {
        want(0);
        return Value(static_cast<int64_t>(d.count() / 1000000));
      }
      if (name == "Nanoseconds") {
        want(0);
        return Value(static_cast<int64_t>(d.count()));
      }
      if (name == "Round" || name == "Truncate") {
        // time.Duration.Round (halves away from zero) and Truncate (toward zero); m <= 0 returns d.
        want(1);
        if (a[0].kind() != Value::Kind::Duration && !a[0].is_int()) {
          errorf("wrong type for value; expected time.Duration; got " + a[0].type_name());
        }
        const int64_t m = a[0].as_int();
        if (m <= 0) {
          return Value::duration(d);
        }
        int64_t r = d.count() % m;
        int64_t q = d.count() - r;
        if (name == "Round") {
          int64_t ar = r < 0 ? -r : r;
          if (ar + ar >= m) {
            q += r < 0 ? -m : m;
          }
        }
        return Value::duration(Duration(q));
      }
      if (name == "String") {
        want(0);
        return Value(go_duration_string(d));
      }
      errorf("can't evaluate field " + name + " in type time.Duration");
    }
    const TimeValue& t = recv.as_time();
    int64_t ns = t.at.time_since_epoch().count();
    auto floor_div = [](int64_t x, int64_t y) { return x / y - ((x % y != 0) && ((x < 0) != (y < 0))); };
    if (name == "Format") {
      want(1);
      if (!a[0].is_string()) {
        errorf("wrong type for value; expected string; got " + a[0].type_name());
      }
      return Value(go_time_format(t, a[0].as_string()));
    }
    if (name == "String") {
      want(0);
      return Value(go_time_string(t));
    }
    if (name == "Unix") {
      want(0);
      return Value(floor_div(ns, 1000000000));
    }
    if (name == "UnixMilli") {
      want(0);
      return Value(floor_div(ns, 1000000));
    }
    if (name == "UnixNano") {
      want(0);
      return Value(ns);
    }
    if (name == "IsZero") {
      want(0);
      return Value(t.go_zero);
    }
    if (name == "UTC") {
      want(0);
      TimeValue u = utc_time(t.at);
      u.go_zero = t.go_zero;
      return Value(u);
    }
    if (name == "Local") {
      want(0);
      auto r = time_in_zone(t, "Local");
      return r.ok() ? Value(*r) : Value(utc_time(t.at));
    }
    if (name == "Add") {
      want(1);
      if (a[0].kind() != Value::Kind::Duration && !a[0].is_int()) {
        errorf("wrong type for value; expected time.Duration; got " + a[0].type_name());
      }
      TimeValue r = t;
      r.at += Duration(a[0].as_int());
      return Value(r);
    }
    if (name == "Sub") {
      want(1);
      if (a[0].kind() != Value::Kind::Time) {
        errorf("wrong type for value; expected time.Time; got " + a[0].type_name());
      }
      return Value::duration(t.at - a[0].as_time().at);
    }
    if (name == "Before" || name == "After" || name == "Equal") {
      want(1);
      if (a[0].kind() != Value::Kind::Time) {
        errorf("wrong type for value; expected time.Time; got " + a[0].type_name());
      }
      TimePoint o = a[0].as_time().at;
      return Value(name == "Before" ? t.at < o : name == "After" ? t.at > o : t.at == o);
    }
    errorf("can't evaluate field " + name + " in type time.Time");
  }

  Value eval_function(const Value& dot, const Node& n, const Node* cmd, const std::optional<Value>& final) {
    node_ = &n;
    const std::string& name = n.text;
    size_t nargs = (cmd != nullptr ? cmd->children.size() - 1 : 0) + (final ? 1 : 0);
    if (name == "and" || name == "or") {
      if (nargs < 1) {
        errorf("wrong number of args for " + name + ": want at least 1 got 0");
      }
      Value v;
      size_t count = cmd != nullptr ? cmd->children.size() : 1;
      for (size_t i = 1; i < count; ++i) {
        v = eval_arg(dot, *cmd->children[i]);
        if (v.truthy() != (name == "and")) {
          return v;
        }
      }
      if (final) {
        v = *final;
      }
      return v;
    }
    std::vector<Value> args;
    if (cmd != nullptr) {
      for (size_t i = 1; i < cmd->children.size(); ++i) {
        args.push_back(eval_arg(dot, *cmd->children[i]));
      }
    }
    if (final) {
      args.push_back(*final);
    }
    // Go reports a failing call at the whole command ("at <index .L 5>").
    node_ = cmd != nullptr ? cmd : &n;
    if (builtin_names().count(name) != 0) {
      return call_builtin(name, args);
    }
    const auto& funcs = alertmanager_funcs();
    auto it = funcs.find(name);
    if (it == funcs.end()) {
      errorf("\"" + name + "\" is not a defined function");
    }
    const FuncSpec& spec = it->second;
    size_t np = spec.params.size();
    if (spec.variadic) {
      if (args.size() < np - 1) {
        errorf("wrong number of args for " + name + ": want at least " + std::to_string(np - 1) + " got " +
               std::to_string(args.size()));
      }
    } else if (args.size() != np) {
      errorf("wrong number of args for " + name + ": want " + std::to_string(np) + " got " +
             std::to_string(args.size()));
    }
    for (size_t i = 0; i < args.size(); ++i) {
      check_arg(spec.params[std::min(i, np - 1)], args[i]);
    }
    auto r = spec.fn(opt_.ctx, args);
    if (!r.ok()) {
      errorf("error calling " + name + ": " + r.error());
    }
    return std::move(r).value();
  }

  void check_arg(ArgType t, const Value& v) {
    auto bad = [&](const char* want) {
      if (v.is_null()) {
        errorf(std::string("invalid value; expected ") + want);
      }
      errorf(std::string("wrong type for value; expected ") + want + "; got " + v.type_name());
    };
    switch (t) {
      case ArgType::Any:
        return;
      case ArgType::String:
        if (!v.is_string()) {
          bad("string");
        }
        return;
      case ArgType::Int:
        if (!v.is_int()) {
          bad("int");
        }
        return;
      case ArgType::Time:
        if (v.kind() != Value::Kind::Time) {
          bad("time.Time");
        }
        return;
      case ArgType::StringList:
        if (!v.is_list() || v.type() != nullptr && v.type()->name != "[]string") {
          bad("[]string");
        }
        for (const auto& e : v.as_list()) {
          if (!e.is_string()) {
            bad("[]string");
          }
        }
        return;
    }
  }

  void want_args(const std::string& name, const std::vector<Value>& a, size_t n, bool at_least = false) {
    if (at_least ? a.size() < n : a.size() != n) {
      errorf("wrong number of args for " + name + ": want " + (at_least ? "at least " : "") + std::to_string(n) +
             " got " + std::to_string(a.size()));
    }
  }

  static std::string eval_args_string(const std::vector<Value>& a) {
    if (a.size() == 1 && a[0].is_string()) {
      return a[0].as_string();
    }
    return go_sprint(a);
  }

  // Go's basic-kind comparison; returns -1/0/1, or errors for mismatched or unordered kinds.
  int compare(const Value& a, const Value& b, bool ordered) {
    if (!is_basic(a) || !is_basic(b)) {
      if (!ordered && a.is_null() && b.is_null()) {
        return 0;
      }
      if (!ordered && (a.is_null() || b.is_null())) {
        errorf("error calling eq: incompatible types for comparison");
      }
      errorf(std::string("error calling ") + (ordered ? "lt" : "eq") + ": invalid type for comparison");
    }
    auto kind = [](const Value& v) {
      return v.kind() == Value::Kind::Duration ? Value::Kind::Int : v.kind();
    };
    if (kind(a) != kind(b)) {
      errorf(std::string("error calling ") + (ordered ? "lt" : "eq") + ": incompatible types for comparison");
    }
    switch (kind(a)) {
      case Value::Kind::Bool:
        if (ordered) {
          errorf("error calling lt: invalid type for comparison");
        }
        return a.as_bool() == b.as_bool() ? 0 : 1;
      case Value::Kind::Int:
        return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int() ? 1 : 0;
      case Value::Kind::Double:
        return a.as_double() < b.as_double() ? -1 : a.as_double() > b.as_double() ? 1 : 0;
      case Value::Kind::String:
        return a.as_string().compare(b.as_string()) < 0 ? -1 : a.as_string() == b.as_string() ? 0 : 1;
      default:
        return 0;
    }
  }

  Value call_builtin(const std::string& name, std::vector<Value>& a) {
    if (name == "not") {
      want_args(name, a, 1);
      return Value(!a[0].truthy());
    }
    if (name == "len") {
      want_args(name, a, 1);
      const Value& v = a[0];
      if (v.is_string()) {
        return Value(static_cast<int64_t>(v.as_string().size()));
      }
      if (v.is_list() && !(v.type() && v.type()->is_struct)) {
        return Value(static_cast<int64_t>(v.as_list().size()));
      }
      if (v.is_map() && !(v.type() && v.type()->is_struct)) {
        return Value(static_cast<int64_t>(v.as_map().size()));
      }
      errorf("error calling len: len of type " + v.type_name());
    }
    if (name == "index") {
      want_args(name, a, 1, true);
      Value item = a[0];
      for (size_t i = 1; i < a.size(); ++i) {
        const Value& k = a[i];
        if (item.is_null()) {
          errorf("error calling index: index of untyped nil");
        }
        if (item.is_list() || item.is_string()) {
          if (!k.is_int()) {
            errorf("error calling index: cannot index slice/array with type " + k.type_name());
          }
          int64_t idx = k.as_int();
          int64_t size = item.is_list() ? static_cast<int64_t>(item.as_list().size())
                                        : static_cast<int64_t>(item.as_string().size());
          if (idx < 0 || idx >= size) {
            errorf("error calling index: index out of range: " + std::to_string(idx));
          }
          item = item.is_list() ? item.as_list()[static_cast<size_t>(idx)]
                                : Value(static_cast<int64_t>(static_cast<unsigned char>(
                                      item.as_string()[static_cast<size_t>(idx)])));
        } else if (item.is_map()) {
          if (!k.is_string()) {
            errorf("error calling index: value has type " + k.type_name() + "; should be string");
          }
          auto it = item.as_map().find(k.as_string());
          if (it != item.as_map().end()) {
            item = it->second;
          } else {
            item = item.type() != nullptr && item.type()->string_elems ? Value("") : Value();
          }
        } else {
          errorf("error calling index: can't index item of type " + item.type_name());
        }
      }
      return item;
    }
    if (name == "slice") {
      want_args(name, a, 1, true);
      const Value& item = a[0];
      if (!item.is_list() && !item.is_string()) {
        errorf("error calling slice: can't slice item of type " + item.type_name());
      }
      int64_t size = item.is_list() ? static_cast<int64_t>(item.as_list().size())
                                    : static_cast<int64_t>(item.as_string().size());
      if (a.size() > 3 || (item.is_string() && a.size() > 3)) {
        errorf("error calling slice: too many slice indexes: " + std::to_string(a.size() - 1));
      }
      int64_t idx[2] = {0, size};
      for (size_t i = 1; i < a.size(); ++i) {
        if (!a[i].is_int()) {
          errorf("error calling slice: cannot index slice/array with type " + a[i].type_name());
        }
        idx[i - 1] = a[i].as_int();
        if (idx[i - 1] < 0 || idx[i - 1] > size) {
          errorf("error calling slice: index out of range: " + std::to_string(idx[i - 1]));
        }
      }
      if (idx[0] > idx[1]) {
        errorf("error calling slice: invalid slice index: " + std::to_string(idx[0]) + " > " +
               std::to_string(idx[1]));
      }
      if (item.is_string()) {
        return Value(item.as_string().substr(static_cast<size_t>(idx[0]), static_cast<size_t>(idx[1] - idx[0])));
      }
      List out(item.as_list().begin() + idx[0], item.as_list().begin() + idx[1]);
      Value r(std::move(out));
      return item.type_ptr() ? r.with_type(item.type_ptr()) : r;
    }
    if (name == "print") {
      return Value(go_sprint(a));
    }
    if (name == "println") {
      return Value(go_sprintln(a));
    }
    if (name == "printf") {
      want_args(name, a, 1, true);
      if (!a[0].is_string()) {
        errorf("wrong type for value; expected string; got " + a[0].type_name());
      }
      std::vector<Value> rest(a.begin() + 1, a.end());
      return Value(go_sprintf(a[0].as_string(), rest));
    }
    if (name == "html") {
      return Value(html_escape(eval_args_string(a)));
    }
    if (name == "js") {
      return Value(js_escape(eval_args_string(a)));
    }
    if (name == "urlquery") {
      return Value(url_query_escape(eval_args_string(a)));
    }
    if (name == "eq") {
      want_args(name, a, 1, true);
      if (a.size() == 1) {
        errorf("error calling eq: missing argument for comparison");
      }
      for (size_t i = 1; i < a.size(); ++i) {
        if (compare(a[0], a[i], false) == 0) {
          return Value(true);
        }
      }
      return Value(false);
    }
    if (name == "ne") {
      want_args(name, a, 2);
      return Value(compare(a[0], a[1], false) != 0);
    }
    if (name == "lt" || name == "le" || name == "gt" || name == "ge") {
      want_args(name, a, 2);
      int c = compare(a[0], a[1], true);
      if (name == "lt") {
        return Value(c < 0);
      }
      if (name == "le") {
        return Value(c <= 0);
      }
      if (name == "gt") {
        return Value(c > 0);
      }
      return Value(c >= 0);
    }
    errorf("\"" + name + "\" is not a defined function");
  }

  const TreeMap& set_;
  const ExecOptions& opt_;
  bool in_html_comment_ = false;  // inside an HTML comment of the template text (HTML output only)
  const Tree* tree_ = nullptr;
  const Node* node_ = nullptr;
  std::string out_;
  std::vector<std::pair<std::string, Value>> vars_;
  int depth_ = 0;
  uint64_t steps_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

bool is_known_function(const std::string& name) {
  return builtin_names().count(name) != 0 || alertmanager_funcs().count(name) != 0;
}

Result<std::string> execute_tree(const TreeMap& set, const Tree& tree, const Value& data,
                                 const ExecOptions& options) {
  try {
    Exec e(set, options);
    return e.run(tree, data);
  } catch (const ExecError& err) {
    return make_error(err.message);
  }
}

}  // namespace tocsin::tmpl

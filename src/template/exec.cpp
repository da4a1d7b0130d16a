// exec.cpp: walks a parsed template over a Value, with Go's rules for dot, variables, pipelines,
// truthiness and builtins. Errors unwind as a C++ exception inside this file only (as Go's panics do
// inside text/template) and leave as a Result with Go's "template: name:line:col: executing ..." text.
#include "template/exec.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>
#include <set>

#include "template/html_context.hpp"

namespace tocsin::tmpl {

namespace {

// Nanoseconds since the Unix epoch, Go's zero time (year 1) included, which TimePoint cannot hold.
__int128 go_abs_ns(const TimeValue& t) {
  if (t.go_zero) {
    return static_cast<__int128>(-62135596800LL) * 1000000000;
  }
  return t.at.time_since_epoch().count();
}

// time.Month and time.Weekday: integers that print as their English names.
Value go_month(int64_t m) {
  static const auto type = [] {
    auto t = std::make_shared<TypeInfo>();
    t->name = "time.Month";
    t->int_names = {"", "January", "February", "March", "April", "May", "June", "July", "August",
                    "September", "October", "November", "December"};
    return t;
  }();
  return Value(m).with_type(type);
}

Value go_weekday(const std::string& name) {
  static const std::vector<std::string> kNames = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                                  "Thursday", "Friday", "Saturday"};
  static const auto type = [] {
    auto t = std::make_shared<TypeInfo>();
    t->name = "time.Weekday";
    t->int_names = kNames;
    return t;
  }();
  int64_t d = std::find(kNames.begin(), kNames.end(), name) - kNames.begin();
  return Value(d).with_type(type);
}

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
    if (opt_.html) {
      std::set<const Tree*> seen;
      check_templates_exist(tree, *tree.root, seen);
    }
    vars_.push_back({"$", data});
    walk(data, *tree.root);
    if (opt_.html && !html_ctx_.at_text()) {
      throw ExecError{"html/template: ends in a non-text context: " + html_ctx_.go_context()};
    }
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

  // "name:line:col" of a node in a tree's source, as Go's ErrorContext.
  static std::string location(const Tree& tree, const Node& n) {
    const std::string& src = *tree.source;
    size_t pos = std::min(n.pos, src.size());
    std::string_view before(src.data(), pos);
    size_t nl = before.rfind('\n');
    size_t col = nl == std::string_view::npos ? pos : pos - (nl + 1);
    int line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    return tree.parse_name + ":" + std::to_string(line) + ":" + std::to_string(col);
  }

  // html/template escapes every branch before executing, so a {{template}} of an undefined name fails
  // even where it would not run.
  void check_templates_exist(const Tree& tree, const Node& n, std::set<const Tree*>& seen) {
    if (n.kind == Node::Kind::Template) {
      auto it = set_.find(n.text);
      if (it == set_.end()) {
        throw ExecError{"html/template:" + location(tree, n) + ": no such template \"" + n.text + "\""};
      }
      const Tree* called = it->second.get();
      if (seen.insert(called).second) {
        check_templates_exist(*called, *called->root, seen);
      }
    }
    for (const auto& c : n.children) {
      check_templates_exist(tree, *c, seen);
    }
    for (const NodePtr* p : {&n.list, &n.else_list}) {
      if (*p) {
        check_templates_exist(tree, **p, seen);
      }
    }
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
          write(html_ctx_.text(n.text));
        } else {
          write(n.text);
        }
        return Flow::Normal;
      case Node::Kind::Action: {
        Value v = eval_pipeline(dot, *n.pipe);
        if (n.pipe->idents.empty()) {
          // html/template merges a pipeline's final predefined escaper (html, urlquery) with its own.
          const Node* last = n.pipe->children.empty() ? nullptr : n.pipe->children.back().get();
          predefined_ = HtmlContext::Predefined::None;
          if (last != nullptr && !last->children.empty() && last->children[0]->kind == Node::Kind::Identifier) {
            const std::string& id = last->children[0]->text;
            predefined_ = id == "html"       ? HtmlContext::Predefined::Html
                        : id == "urlquery" ? HtmlContext::Predefined::UrlQuery
                                           : HtmlContext::Predefined::None;
          }
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
  void print_value(const Node& n, const Value& v) {
    node_ = &n;
    if (opt_.html) {
      if (html_ctx_.in_js_template()) {
        throw ExecError{"html/template:" + location(*tree_, n) + ": " + n.to_string() +
                        " appears in a JS template literal"};
      }
      write(html_ctx_.escape(v, predefined_));
      return;
    }
    write(v.is_null() ? "<no value>" : v.to_string());
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
          errorf("range can't iterate over " + v.to_string());
        }
        for (const auto& [k, e] : v.as_map()) {
          any = true;
          if (one(Value(k), e) == Flow::Break) {
            break;
          }
        }
        break;
      case Value::Kind::Null:
        break;
      default:
        // Go 1.19 (the reference's) cannot range over an integer either. The error is reported at the
        // node evaluated last, as Go's s.node is.
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
    // Go reports a failing field of a chain ("(index .A 0).Nope") at the node it evaluated last.
    const bool chain = n.kind == Node::Kind::Chain;
    if (!chain) {
      node_ = &n;
    }
    if (receiver.is_null()) {
      return Value();
    }
    bool has_args = (cmd != nullptr && cmd->children.size() > 1) || final.has_value();
    // The parameter types of the methods that take arguments, for Go's errors on literal arguments.
    const bool timeish = receiver.kind() == Value::Kind::Time || receiver.kind() == Value::Kind::Duration;
    const std::optional<ArgType> param =
        name == "Remove" && !timeish                                  ? std::optional(ArgType::StringList)
        : timeish && name == "Format"                                 ? std::optional(ArgType::String)
        : timeish && (name == "Add" || name == "Round" || name == "Truncate" || name == "AddDate")
            ? std::optional(ArgType::Int)
        : timeish && (name == "Sub" || name == "Before" || name == "After" || name == "Equal")
            ? std::optional(ArgType::Time)
            : std::nullopt;
    auto args = [&]() {
      std::vector<Value> a;
      if (cmd != nullptr) {
        for (size_t i = 1; i < cmd->children.size(); ++i) {
          const Node& arg = *cmd->children[i];
          a.push_back(eval_arg(dot, arg));
          if (param && is_literal(arg)) {
            check_arg(*param, a.back(), &arg);
          }
        }
      }
      if (final) {
        a.push_back(*final);
      }
      if (!chain) {
        node_ = &n;
      }
      return a;
    };
    if (const TypeInfo* t = receiver.type(); t != nullptr && t->method) {
      std::vector<Value> a = has_args ? args() : std::vector<Value>{};
      if (auto r = t->method(receiver, name, a)) {
        if (!r->ok()) {
          // Argument count and type errors are Go's own, not the method's.
          const std::string& e = r->error();
          if (e.rfind("wrong number of args", 0) == 0 || e.rfind("wrong type for value", 0) == 0) {
            errorf(e);
          }
          errorf("error calling " + name + ": " + e);
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
    if (name == "Unix" || name == "UnixMilli" || name == "UnixMicro" || name == "UnixNano") {
      want(0);
      if (t.go_zero) {
        // Go's zero time (year 1); UnixNano wraps around int64 as Go's multiplication does.
        constexpr int64_t kZeroUnix = -62135596800LL;
        return Value(name == "Unix"        ? kZeroUnix
                     : name == "UnixMilli" ? kZeroUnix * 1000
                     : name == "UnixMicro" ? kZeroUnix * 1000000
                                           : static_cast<int64_t>(static_cast<uint64_t>(kZeroUnix) * 1000000000ULL));
      }
      const int64_t unit = name == "Unix" ? 1000000000 : name == "UnixMilli" ? 1000000 : name == "UnixMicro" ? 1000 : 1;
      return Value(floor_div(ns, unit));
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
      if (r.mono_ns) {
        *r.mono_ns += a[0].as_int();
      }
      return Value(r);
    }
    if (name == "Sub") {
      want(1);
      if (a[0].kind() != Value::Kind::Time) {
        errorf("wrong type for value; expected time.Time; got " + a[0].type_name());
      }
      // Go saturates at the int64 bounds: a firing alert's zero EndsAt minus its StartsAt is
      // -2562047h47m16.854775808s, not a wrapped value.
      const TimeValue& u = a[0].as_time();
      // With a monotonic reading on both, Go subtracts those.
      const __int128 diff = t.mono_ns && u.mono_ns ? static_cast<__int128>(*t.mono_ns) - *u.mono_ns
                                                    : go_abs_ns(t) - go_abs_ns(u);
      const __int128 lo = std::numeric_limits<int64_t>::min();
      const __int128 hi = std::numeric_limits<int64_t>::max();
      return Value::duration(Duration(static_cast<int64_t>(diff < lo ? lo : diff > hi ? hi : diff)));
    }
    if (name == "Year" || name == "Day" || name == "Hour" || name == "Minute" || name == "Second" ||
        name == "YearDay") {
      want(0);
      const char* layout = name == "Year" ? "2006" : name == "Day" ? "2" : name == "Hour" ? "15"
                         : name == "Minute" ? "4" : name == "Second" ? "5" : "002";
      return Value(static_cast<int64_t>(std::stoll(go_time_format(t, layout))));
    }
    if (name == "Month" || name == "Weekday") {
      want(0);
      return name == "Month" ? go_month(std::stoll(go_time_format(t, "1")))
                             : go_weekday(go_time_format(t, "Monday"));
    }
    if (name == "Nanosecond") {
      want(0);
      return Value(t.go_zero ? int64_t{0} : ((ns % 1000000000) + 1000000000) % 1000000000);
    }
    if (name == "IsDST") {
      want(0);
      return Value(false);
    }
    if (name == "Round" || name == "Truncate") {
      // Relative to Go's zero time, as time.Time.Round and Truncate are; d <= 0 returns t unchanged but
      // for its monotonic reading, which both drop.
      want(1);
      if (a[0].kind() != Value::Kind::Duration && !a[0].is_int()) {
        errorf("wrong type for value; expected time.Duration; got " + a[0].type_name());
      }
      const int64_t d = a[0].as_int();
      if (d <= 0 || t.go_zero) {
        TimeValue same = t;
        same.mono_ns.reset();
        return Value(same);
      }
      __int128 r = (go_abs_ns(t) + static_cast<__int128>(62135596800LL) * 1000000000) % d;
      if (r < 0) {
        r += d;
      }
      TimeValue out = t;
      out.mono_ns.reset();
      __int128 shift = (name == "Round" && r + r >= d) ? d - r : -r;
      out.at += Duration(static_cast<int64_t>(shift));
      return Value(out);
    }
    if (name == "Date" || name == "Clock" || name == "ISOWeek" || name == "Zone") {
      const int results = name == "Date" || name == "Clock" ? 3 : 2;
      errorf("can't call method/function \"" + name + "\" with " + std::to_string(results) + " results");
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
    // Go checks the number of arguments before evaluating them, and reports it at the identifier.
    const auto& funcs = alertmanager_funcs();
    const bool builtin = builtin_names().count(name) != 0;
    auto it = funcs.find(name);
    if (!builtin && it == funcs.end()) {
      errorf("\"" + name + "\" is not a defined function");
    }
    size_t want = 0;
    bool variadic = false;
    std::vector<ArgType> params;
    if (builtin) {
      static const std::map<std::string, std::pair<size_t, bool>, std::less<>> kArity = {
          {"not", {1, false}},    {"len", {1, false}},  {"index", {1, true}}, {"slice", {1, true}},
          {"print", {0, true}},   {"println", {0, true}}, {"printf", {1, true}}, {"html", {0, true}},
          {"js", {0, true}},      {"urlquery", {0, true}}, {"eq", {1, true}},   {"ne", {2, false}},
          {"lt", {2, false}},     {"le", {2, false}},   {"gt", {2, false}},   {"ge", {2, false}},
          {"call", {1, true}}};
      auto a = kArity.find(name);
      if (a != kArity.end()) {
        want = a->second.first;
        variadic = a->second.second;
      }
      if (name == "printf") {
        params = {ArgType::String, ArgType::Any};
      }
    } else {
      params = it->second.params;
      variadic = it->second.variadic;
      want = variadic ? params.size() - 1 : params.size();
    }
    if (variadic ? nargs < want : nargs != want) {
      errorf("wrong number of args for " + name + ": want " + (variadic ? "at least " : "") + std::to_string(want) +
             " got " + std::to_string(nargs));
    }
    std::vector<Value> args;
    if (cmd != nullptr) {
      for (size_t i = 1; i < cmd->children.size(); ++i) {
        const Node& arg = *cmd->children[i];
        args.push_back(eval_arg(dot, arg));
        if (!params.empty()) {
          check_arg(params[std::min(i - 1, params.size() - 1)], args.back(), &arg);
        }
      }
    }
    if (final) {
      args.push_back(*final);
      if (!params.empty()) {
        check_arg(params[std::min(args.size() - 1, params.size() - 1)], args.back(), nullptr);
      }
    }
    // Go reports a failing call at the whole command ("at <index .L 5>"); after a call that succeeds, the
    // node evaluated last stays its argument's.
    const Node* last_evaluated = node_;
    node_ = cmd != nullptr ? cmd : &n;
    if (builtin) {
      Value v = call_builtin(name, args);
      node_ = last_evaluated;
      return v;
    }
    auto r = it->second.fn(opt_.ctx, args);
    if (!r.ok()) {
      errorf("error calling " + name + ": " + r.error());
    }
    node_ = last_evaluated;
    return std::move(r).value();
  }

  // Checks one argument against a parameter type. A literal of the wrong type is reported at the literal
  // in Go's words ("expected string; found 1"); any other value at the node evaluated last.
  static bool is_literal(const Node& n) {
    return n.kind == Node::Kind::Number || n.kind == Node::Kind::String || n.kind == Node::Kind::Bool ||
           n.kind == Node::Kind::Nil;
  }

  void check_arg(ArgType t, const Value& v, const Node* arg) {
    auto bad = [&](const char* want) {
      if (arg != nullptr && is_literal(*arg)) {
        node_ = arg;
        if (arg->kind == Node::Kind::Nil) {
          errorf(std::string("cannot assign nil to ") + want);
        }
        if (t == ArgType::String || t == ArgType::Int) {
          errorf(std::string("expected ") + (t == ArgType::String ? "string" : "integer") + "; found " +
                 arg->to_string());
        }
        errorf("can't handle " + arg->to_string() + " for arg of type " + want);
      }
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
    // Go's evalArgs prints a missing value as "<no value>", not fmt's "<nil>".
    std::vector<Value> printable = a;
    for (auto& v : printable) {
      if (v.is_null()) {
        v = Value("<no value>");
      }
    }
    return go_sprint(printable);
  }

  // Go's basic-kind comparison for lt/le/gt/ge (and eq of two basic values); returns -1/0/1, or errors
  // "error calling <name>: ..." for mismatched or unordered kinds.
  int compare(const std::string& name, const Value& a, const Value& b, bool ordered) {
    if (!is_basic(a) || !is_basic(b)) {
      errorf("error calling " + name + ": invalid type for comparison");
    }
    auto kind = [](const Value& v) {
      return v.kind() == Value::Kind::Duration ? Value::Kind::Int : v.kind();
    };
    if (kind(a) != kind(b)) {
      errorf("error calling " + name + ": incompatible types for comparison");
    }
    switch (kind(a)) {
      case Value::Kind::Bool:
        if (ordered) {
          errorf("error calling " + name + ": invalid type for comparison");
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

  // reflect.Kind of a non-basic value, for eq's "non-comparable types" check.
  static const char* reflect_kind(const Value& v) {
    if (v.kind() == Value::Kind::Time || (v.type() != nullptr && v.type()->is_struct)) {
      return "struct";
    }
    return v.is_list() ? "slice" : "map";
  }

  // Whether Go's == works on the value's type: times and structs of strings (Pair) do; slices, maps and
  // structs holding them (Alert, Data) do not.
  static bool comparable(const Value& v) {
    if (v.kind() == Value::Kind::Time) {
      return true;
    }
    if (v.type() == nullptr || !v.type()->is_struct) {
      return false;
    }
    return std::all_of(v.as_map().begin(), v.as_map().end(), [](const auto& kv) { return is_basic(kv.second); });
  }

  // Go 1.19's eq of two values: basic kinds compare, nil equals only nil (without an error), and other
  // values compare when their type is comparable.
  bool equal(const std::string& name, const Value& a, const Value& b) {
    const bool ba = is_basic(a);
    const bool bb = is_basic(b);
    if (ba && bb) {
      return compare(name, a, b, false) == 0;
    }
    if (ba != bb) {
      if (!a.is_null() && !b.is_null()) {
        errorf("error calling " + name + ": incompatible types for comparison");
      }
      return false;
    }
    if (a.is_null() || b.is_null()) {
      return a.is_null() && b.is_null();
    }
    if (std::string_view(reflect_kind(a)) != reflect_kind(b)) {
      errorf("error calling " + name + ": non-comparable types " + go_sprintf("%s", {a}) + ": " + a.type_name() +
             ", " + b.type_name() + ": " + go_sprintf("%v", {b}));
    }
    if (!comparable(b) || a.type_name() != b.type_name()) {
      errorf("error calling " + name + ": non-comparable type " + go_sprintf("%s", {b}) + ": " + b.type_name());
    }
    if (a.kind() == Value::Kind::Time) {
      const TimeValue& x = a.as_time();
      const TimeValue& y = b.as_time();
      return x.at == y.at && x.go_zero == y.go_zero && x.offset_seconds == y.offset_seconds && x.zone == y.zone;
    }
    for (const auto& [k, v] : a.as_map()) {
      auto it = b.as_map().find(k);
      if (it == b.as_map().end() || compare(name, v, it->second, false) != 0) {
        return false;
      }
    }
    return true;
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
      if (v.is_null()) {
        errorf("error calling len: reflect: call of reflect.Value.Type on zero Value");
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
        } else if (item.is_map() && !(item.type() != nullptr && item.type()->is_struct)) {
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
      if (a.size() > 4) {
        errorf("error calling slice: too many slice indexes: " + std::to_string(a.size() - 1));
      }
      if (item.is_string() && a.size() == 4) {
        errorf("error calling slice: cannot 3-index slice a string");
      }
      int64_t idx[3] = {0, size, size};
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
      if (a.size() == 4 && idx[1] > idx[2]) {
        errorf("error calling slice: invalid slice index: " + std::to_string(idx[1]) + " > " +
               std::to_string(idx[2]));
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
      try {
        return Value(go_sprintf(a[0].as_string(), rest, opt_.limits.max_output_bytes));
      } catch (const FormatTooLarge&) {
        // tocsin's own limit (Go has none): no more padding than a template may output.
        errorf("error calling printf: its widths pad past the output limit of " +
               std::to_string(opt_.limits.max_output_bytes) + " bytes");
      }
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
        if (equal(name, a[0], a[i])) {
          return Value(true);
        }
      }
      return Value(false);
    }
    if (name == "ne") {
      want_args(name, a, 2);
      return Value(!equal(name, a[0], a[1]));
    }
    if (name == "lt" || name == "le" || name == "gt" || name == "ge") {
      want_args(name, a, 2);
      int c = compare(name, a[0], a[1], true);
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
    if (name == "call") {
      // Template data holds no functions: whatever is called is not one.
      if (a[0].is_null()) {
        errorf("error calling call: call of nil");
      }
      errorf("error calling call: non-function of type " + a[0].type_name());
    }
    errorf("\"" + name + "\" is not a defined function");
  }

  const TreeMap& set_;
  const ExecOptions& opt_;
  HtmlContext html_ctx_;  // the HTML around the output so far (HTML output only)
  HtmlContext::Predefined predefined_ = HtmlContext::Predefined::None;
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

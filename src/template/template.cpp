// template.cpp: Templates, the named template set (defaults embedded at build time, then user files) and
// its entry points for receivers: execute an inline config field, a named template, or HTML.
#include "template/template.hpp"

#include <glob.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "template/exec.hpp"

namespace tocsin::tmpl {

namespace {

// templates/*.tmpl, embedded by cmake/embed.cmake.
const std::pair<const char*, const char*> kDefaultTemplates[] = {
#include "default_templates.inc"
};

}  // namespace

struct Templates::Impl {
  TreeMap trees;
  ExecLimits limits;
  std::function<TimePoint()> now;

  void add(const std::vector<TreePtr>& parsed) {
    for (const auto& t : parsed) {
      auto it = trees.find(t->name);
      // As in Go, an empty definition does not replace an existing one.
      if (it != trees.end() && is_empty_tree(*t)) {
        continue;
      }
      trees[t->name] = t;
    }
  }

  ExecOptions options(bool html) const {
    ExecOptions o;
    o.html = html;
    o.limits = limits;
    o.ctx.now = now;
    return o;
  }
};

Templates::Templates() : impl_(std::make_unique<Impl>()) {}
Templates::~Templates() = default;
Templates::Templates(Templates&&) noexcept = default;
Templates& Templates::operator=(Templates&&) noexcept = default;
Templates::Templates(const Templates& o) : impl_(std::make_unique<Impl>(*o.impl_)) {}
Templates& Templates::operator=(const Templates& o) {
  if (this != &o) {
    impl_ = std::make_unique<Impl>(*o.impl_);
  }
  return *this;
}

Result<Templates> Templates::with_defaults() {
  Templates t;
  for (const auto& [name, text] : kDefaultTemplates) {
    auto r = t.add_text(name, text);
    if (!r.ok()) {
      return make_error(r.error());
    }
  }
  return t;
}

Result<void> Templates::add_text(const std::string& name, std::string_view text) {
  auto parsed = parse_templates(name, std::string(text), is_known_function);
  if (!parsed.ok()) {
    return make_error(parsed.error());
  }
  impl_->add(*parsed);
  return {};
}

Result<void> Templates::add_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    return make_error("open " + path + ": no such file or directory");
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  return add_text(base, ss.str());
}

Result<void> Templates::add_glob(const std::string& pattern) {
  glob_t g{};
  int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
  if (rc == GLOB_NOMATCH) {
    globfree(&g);
    return {};
  }
  if (rc != 0) {
    globfree(&g);
    return make_error("syntax error in pattern: " + pattern);
  }
  std::vector<std::string> paths(g.gl_pathv, g.gl_pathv + g.gl_pathc);
  globfree(&g);
  for (const auto& p : paths) {
    auto r = add_file(p);
    if (!r.ok()) {
      return r;
    }
  }
  return {};
}

namespace {

Result<std::string> execute_inline(const TreeMap& set, std::string_view text, const Value& data,
                                   const ExecOptions& opt) {
  if (text.empty()) {
    return std::string();
  }
  auto parsed = parse_templates("", std::string(text), is_known_function);
  if (!parsed.ok()) {
    return make_error(parsed.error());
  }
  const auto& trees = *parsed;
  if (trees.size() == 1) {
    return execute_tree(set, *trees[0], data, opt);
  }
  // The inline text defines templates of its own: they live in a copy of the set, as Go's Clone does.
  TreeMap copy = set;
  for (size_t i = 1; i < trees.size(); ++i) {
    auto it = copy.find(trees[i]->name);
    if (it != copy.end() && is_empty_tree(*trees[i])) {
      continue;
    }
    copy[trees[i]->name] = trees[i];
  }
  return execute_tree(copy, *trees[0], data, opt);
}

}  // namespace

Result<std::string> Templates::execute_text(std::string_view text, const Value& data) const {
  return execute_inline(impl_->trees, text, data, impl_->options(false));
}

Result<std::string> Templates::execute_html(std::string_view text, const Value& data) const {
  return execute_inline(impl_->trees, text, data, impl_->options(true));
}

Result<std::string> Templates::execute_named(const std::string& name, const Value& data, bool html) const {
  auto it = impl_->trees.find(name);
  if (it == impl_->trees.end()) {
    return make_error("template: no template \"" + name + "\" associated with template \"\"");
  }
  return execute_tree(impl_->trees, *it->second, data, impl_->options(html));
}

bool Templates::has(const std::string& name) const { return impl_->trees.count(name) != 0; }

void Templates::set_limits(const ExecLimits& limits) { impl_->limits = limits; }

void Templates::set_now(std::function<TimePoint()> now) { impl_->now = std::move(now); }

}  // namespace tocsin::tmpl

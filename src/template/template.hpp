// template.hpp: the notification template set receivers render with: Go text/template syntax,
// Alertmanager's functions and default templates, and html/template-like escaping for email bodies.
// Namespace tocsin::tmpl (`template` is a C++ keyword).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/time.hpp"

namespace tocsin::tmpl {

class Value;

// Bounds on one execution, so a template cannot exhaust memory or hang a notification.
struct ExecLimits {
  int max_depth = 1000;                   // nested {{template}} calls (Go allows 100000)
  size_t max_output_bytes = 10u << 20;    // 10 MiB of output
  uint64_t max_steps = 20'000'000;        // nodes evaluated, range iterations included
  std::chrono::milliseconds max_time{5000};
};

class Templates {
 public:
  Templates();
  ~Templates();
  Templates(Templates&&) noexcept;
  Templates& operator=(Templates&&) noexcept;
  Templates(const Templates&);
  Templates& operator=(const Templates&);

  // A set holding the default templates embedded from templates/*.tmpl.
  static Result<Templates> with_defaults();

  // Parses a file; its {{define}}s join the set (replacing earlier ones of the same name, unless empty).
  Result<void> add_file(const std::string& path);
  // Parses every file the glob matches, in sorted order; a glob matching nothing is not an error.
  Result<void> add_glob(const std::string& pattern);
  // Parses `text` as the template `name` and its {{define}}s.
  Result<void> add_text(const std::string& name, std::string_view text);

  // Parses an inline template (a receiver's config field) against the set and runs it; "" gives "".
  Result<std::string> execute_text(std::string_view text, const Value& data) const;
  // Like execute_text, escaping what actions print for HTML (values from safeHtml excepted).
  Result<std::string> execute_html(std::string_view text, const Value& data) const;
  // Runs the template `name` defined in the set.
  Result<std::string> execute_named(const std::string& name, const Value& data, bool html = false) const;
  bool has(const std::string& name) const;

  void set_limits(const ExecLimits& limits);
  // The clock `since` reads (defaults to the system clock).
  void set_now(std::function<TimePoint()> now);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tocsin::tmpl

// fuzz_template.cpp: the template engine (Go text/template syntax, Alertmanager's functions, the
// default templates) on `amtool template render`'s example data, with small execution limits so a
// hostile template is cut off instead of timing the fuzzer out. The input is added as a file (its
// {{define}}s join a copy of the set), run by name, then run inline as text and as HTML.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "template/data.hpp"
#include "template/template.hpp"

namespace {

struct Fixture {
  tocsin::tmpl::Templates base;
  tocsin::tmpl::Value data;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    auto t = tocsin::tmpl::Templates::with_defaults();
    if (!t) std::abort();
    tocsin::tmpl::ExecLimits limits;
    limits.max_depth = 50;
    limits.max_output_bytes = 64 << 10;
    limits.max_steps = 50'000;
    limits.max_time = std::chrono::milliseconds(200);
    t->set_limits(limits);
    auto now = tocsin::TimePoint{std::chrono::seconds(1'700'000'000)};
    t->set_now([now] { return now; });
    return Fixture{std::move(*t), tocsin::tmpl::make_data(tocsin::tmpl::example_data(now))};
  }();
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const Fixture& f = fixture();
  (void)f.base.execute_text(in, f.data);
  (void)f.base.execute_html(in, f.data);
  tocsin::tmpl::Templates set = f.base;
  if (set.add_text("fuzz", in)) {
    (void)set.execute_named("fuzz", f.data);
    (void)set.execute_named("fuzz", f.data, true);
    (void)set.execute_named("slack.default.text", f.data);
  }
  return 0;
}

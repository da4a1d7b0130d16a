// fuzz_matcher.cpp: the matcher parsers (UTF-8 syntax with classic fallback, and each alone); what
// parses is evaluated against a label set, so the regexes it compiled run too.
#include <cstdint>
#include <string_view>

#include "core/labels.hpp"
#include "core/matcher.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  static const tocsin::LabelSet labels{{"alertname", "HighLatency"}, {"severity", "critical"}, {"job", "api"}};
  for (auto parse : {tocsin::parse_matchers, tocsin::parse_matchers_classic, tocsin::parse_matchers_utf8}) {
    if (auto ms = parse(in)) {
      (void)tocsin::matches_all(*ms, labels);
      (void)tocsin::matchers_to_string(*ms);
    }
  }
  if (auto m = tocsin::parse_matcher(in)) (void)tocsin::matchers_to_string({*m});
  return 0;
}

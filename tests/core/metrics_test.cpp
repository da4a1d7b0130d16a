// metrics_test.cpp: the exposition text as the reference's client library writes it.
#include <doctest/doctest.h>

#include "core/metrics.hpp"

using tocsin::metrics::format_value;

TEST_CASE("values and bucket bounds are formatted as Go's strconv 'g', -1") {
  CHECK(format_value(0) == "0");
  CHECK(format_value(1) == "1");
  CHECK(format_value(-1) == "-1");
  CHECK(format_value(2) == "2");
  CHECK(format_value(100) == "100");
  CHECK(format_value(123456) == "123456");
  CHECK(format_value(1e6) == "1e+06");
  CHECK(format_value(1e8) == "1e+08");
  CHECK(format_value(1234567) == "1.234567e+06");
  CHECK(format_value(190047769052730) == "1.9004776905273e+14");
  CHECK(format_value(1795677074.0183353) == "1.7956770740183353e+09");
  CHECK(format_value(0.05) == "0.05");
  CHECK(format_value(0.005) == "0.005");
  CHECK(format_value(0.0001) == "0.0001");
  CHECK(format_value(0.00001) == "1e-05");
  CHECK(format_value(4.3384000000000003e-05) == "4.3384000000000003e-05");
  CHECK(format_value(4.3384e-05) == "4.3384e-05");
  CHECK(format_value(2.5) == "2.5");
  CHECK(format_value(0.1 + 0.2) == "0.30000000000000004");
  CHECK(format_value(1.0 / 0.0) == "+Inf");
}

TEST_CASE("a summary renders _sum and _count under its TYPE") {
  tocsin::metrics::Registry r;
  auto& s = r.summary("x_seconds", "help").summary();
  s.observe(0.5);
  s.observe_many(1.5, 3);
  const std::string out = r.render();
  CHECK(out == "# HELP x_seconds help\n# TYPE x_seconds summary\nx_seconds_sum 2\nx_seconds_count 4\n");
}

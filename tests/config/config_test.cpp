// config_test.cpp: unit tests of src/config: good and bad snippets, defaults, inheritance, to_yaml.
#include <doctest/doctest.h>

#include "config/config.hpp"

using namespace tocsin::config;

TEST_CASE("minimal config loads") {
  auto c = load_string("route:\n  receiver: a\nreceivers:\n- name: a\n", "x.yml");
  REQUIRE_MESSAGE(c.ok(), c.error());
}

// config_test.cpp: unit tests of src/config: good and bad snippets, defaults, inheritance, to_yaml.
#include <doctest/doctest.h>

#include "config/config.hpp"

using namespace tocsin::config;

TEST_CASE("minimal config loads") {
  auto c = load_string("route:\n  receiver: a\nreceivers:\n- name: a\n", "x.yml");
  REQUIRE_MESSAGE(c.ok(), c.error());
}

#include <fstream>
#include <sstream>

static std::string read_all(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("to_yaml matches the reference's output for the full fixture") {
  auto c = load_string(read_all(TOCSIN_SOURCE_DIR "/tests/config/fixtures/full.yml"), "full.yml");
  REQUIRE_MESSAGE(c.ok(), c.error());
  std::string got = to_yaml(*c);
  std::string want = read_all(TOCSIN_SOURCE_DIR "/tests/config/fixtures/full.golden.yml");
  if (got != want) {
    std::ofstream("/tmp/full.got.yml") << got;
  }
  CHECK(got == want);
}

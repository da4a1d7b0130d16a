// SharedString: equal texts share one copy; values behave like strings.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "core/shared_string.hpp"

using tocsin::SharedString;

TEST_CASE("SharedString shares equal texts and compares by value") {
  std::string url = "http://prometheus.local/graph?g0.expr=up";
  SharedString a = url;
  SharedString b = std::string_view(url);
  CHECK(&a.str() == &b.str());  // one copy
  CHECK(a == b);
  CHECK(a == url);
  CHECK(a == "http://prometheus.local/graph?g0.expr=up");
  CHECK(a.size() == url.size());
  SharedString c = "http://other";
  CHECK_FALSE(a == c);
  CHECK(&a.str() != &c.str());
  c = url;
  CHECK(&c.str() == &a.str());
  SharedString empty;
  CHECK(empty.empty());
  CHECK(empty.str().empty());
  CHECK(empty == SharedString(""));
  std::string copy = a;  // converts like a std::string
  CHECK(copy == url);
}

TEST_CASE("SharedString: texts nobody holds are dropped, threads intern safely") {
  // Many distinct texts, each let go at once: the table sweeps them and stays usable.
  for (int i = 0; i < 5000; ++i) {
    SharedString s = "text-" + std::to_string(i);
    CHECK(s.str() == "text-" + std::to_string(i));
  }
  SharedString again = "text-7";
  CHECK(again == "text-7");
  std::vector<std::thread> ts;
  std::vector<std::vector<SharedString>> held(4);
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([t, &held] {
      for (int i = 0; i < 2000; ++i) held[t].push_back(SharedString("u" + std::to_string(i % 50)));
    });
  }
  for (auto& th : ts) th.join();
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 2000; ++i) {
      CHECK(held[t][i] == "u" + std::to_string(i % 50));
      CHECK(&held[t][i].str() == &held[0][i].str());  // the same copy across threads
    }
  }
}

// route_tests.hpp: the routing test files of routes/*.tests.yml (alert labels → the receivers that must
// get them, in routing order), read for `tocsin routes test`. The routing itself is dispatch's job; this
// only turns the YAML into plain structs, with the file, line and field path in every error.
//
//   config: alertmanager.yml          # the routing tree under test, relative to this file
//   tests:
//     - name: db pages at noon        # optional
//       labels: {team: db, severity: critical}
//       receivers: [audit-log, team-db-pager]
//       at: 2024-06-03T10:00:00Z      # optional: also check which of those routes are muted then
//       muted: [team-db-pager]        # with `at`: the receivers muted at that instant (default none)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/labels.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace tocsin::config {

struct RouteTestCase {
  std::string name;  // "" when not given
  int line = 0;      // 1-based line of the case in its file
  LabelSet labels;
  std::vector<std::string> receivers;
  std::optional<TimePoint> at;
  std::vector<std::string> muted;  // only meaningful with `at`
};

struct RouteTestFile {
  std::string path;         // the test file as given
  std::string config_path;  // `config`, joined with the test file's directory
  std::vector<RouteTestCase> tests;
};

// Reads one test file. Unknown keys, a missing `config` or a case without `labels` are errors.
Result<RouteTestFile> load_route_tests(const std::string& path);

}  // namespace tocsin::config

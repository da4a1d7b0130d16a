// routes_cmd.hpp: `tocsin routes show` (the tree as `amtool config routes show` prints it) and
// `tocsin routes test` (amtool's one-alert test, or the test files of routes/*.tests.yml).
#pragma once

namespace tocsin::app {

// argv[1] is "routes". Returns the exit code.
int routes_command(int argc, char** argv);

}  // namespace tocsin::app

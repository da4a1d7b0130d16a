// subcommands.hpp: `tocsin check-config`, `tocsin routes show|test`, `tocsin template render`.
#pragma once

namespace tocsin::app {

// argv[1] names the subcommand. Returns the exit code.
int run_subcommand(int argc, char** argv);

}  // namespace tocsin::app

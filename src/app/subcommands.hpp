// subcommands.hpp: `tocsin check-config`, `tocsin routes show|test`, `tocsin template render`.
#pragma once

#include <optional>
#include <string>

namespace tocsin::app {

// argv[1] names the subcommand. Returns the exit code.
int run_subcommand(int argc, char** argv);

// kingpin's ExistingFile check, as amtool words it: "path 'x' does not exist", "'x' is a directory".
std::optional<std::string> missing_file_error(const std::string& path);

}  // namespace tocsin::app

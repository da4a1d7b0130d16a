// subcommands.cpp: the offline tools that share the daemon's parsers.
#include "app/subcommands.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

#include "app/routes_cmd.hpp"
#include "app/template_cmd.hpp"
#include "config/config.hpp"
#include "template/template.hpp"

namespace tocsin::app {

std::optional<std::string> missing_file_error(const std::string& path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(st)) return "path '" + path + "' does not exist";
  if (std::filesystem::is_directory(st)) {
    // kingpin names the directory by its base name, as Go's FileInfo.Name().
    std::string base = path;
    while (base.size() > 1 && base.back() == '/') base.pop_back();
    if (const size_t slash = base.rfind('/'); slash != std::string::npos && base.size() > 1) {
      base = base.substr(slash + 1);
    }
    return "'" + base + "' is a directory";
  }
  return std::nullopt;
}

namespace {

// As amtool: errors end with an empty line (its kingpin.Fatalf("%v\n")), but for the terminal check.
int check_config(int argc, char** argv) {
  std::vector<std::string> files(argv + 2, argv + argc);
  if (files.size() == 1 && (files[0] == "-h" || files[0] == "--help")) {
    std::printf("usage: tocsin check-config [FILE...]\n\nValidates Alertmanager configuration files and the "
                "templates they name; without a file, reads standard input.\n");
    return 0;
  }
  if (files.empty()) {
    // No file: the configuration comes on standard input, as amtool reads it (not from a terminal).
    if (isatty(STDIN_FILENO) != 0) {
      std::fprintf(stderr, "tocsin: error: Failed to read from standard input\n");
      return 1;
    }
    files.emplace_back("/dev/stdin");
  }
  // As amtool's kingpin ExistingFiles argument: a missing path stops everything before any check.
  for (const auto& f : files) {
    if (auto bad = missing_file_error(f)) {
      std::fprintf(stderr, "tocsin: error: %s\n\n", bad->c_str());
      return 1;
    }
  }
  int failed = 0;
  for (const auto& file : files) {
    bool ok = false;
    // Template files are parsed as the daemon would load them, on top of the default templates.
    auto check_templates = [](const std::vector<std::string>& globs) -> Result<void> {
      auto t = tmpl::Templates::with_defaults();
      if (!t) return Error{t.error()};
      for (const auto& g : globs) {
        if (auto r = t->add_glob(g); !r) return Error{r.error()};
      }
      return {};
    };
    std::cout << config::check_config_report(file, &ok, check_templates);
    if (!ok) ++failed;
  }
  std::cout.flush();
  if (failed > 0) {
    std::fprintf(stderr, "tocsin: error: failed to validate %d file(s)\n\n", failed);
    return 1;
  }
  return 0;
}

}  // namespace

int run_subcommand(int argc, char** argv) {
  const std::string cmd = argv[1];
  if (cmd == "check-config") return check_config(argc, argv);
  if (cmd == "routes") return routes_command(argc, argv);
  if (cmd == "template") return template_command(argc, argv);
  std::fprintf(stderr, "tocsin: error: unknown command \"%s\", try --help\n", cmd.c_str());
  return 1;
}

}  // namespace tocsin::app

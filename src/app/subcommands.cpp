// subcommands.cpp: the offline tools that share the daemon's parsers.
#include "app/subcommands.hpp"

#include <cstdio>
#include <filesystem>
#include <system_error>
#include <iostream>
#include <string>

#include "app/routes_cmd.hpp"
#include "app/template_cmd.hpp"
#include "config/config.hpp"
#include "template/template.hpp"

namespace tocsin::app {

namespace {

int check_config(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: tocsin check-config FILE...\n");
    return 1;
  }
  // As amtool's kingpin ExistingFiles argument: a missing path stops everything before any check.
  for (int i = 2; i < argc; ++i) {
    std::error_code ec;
    if (!std::filesystem::exists(argv[i], ec)) {
      std::fprintf(stderr, "tocsin: error: path '%s' does not exist\n", argv[i]);
      return 1;
    }
  }
  int failed = 0;
  for (int i = 2; i < argc; ++i) {
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
    std::cout << config::check_config_report(argv[i], &ok, check_templates);
    if (!ok) ++failed;
  }
  std::cout.flush();
  if (failed > 0) {
    std::fprintf(stderr, "tocsin: error: failed to validate %d file(s)\n", failed);
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

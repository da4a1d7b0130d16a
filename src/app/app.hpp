// app.hpp: tocsin's lifecycle: flags, wiring of every module, reload, signals, subcommands.
// The only module that knows every other; src/main.cpp only calls run().
#pragma once

namespace tocsin::app {

// Runs the daemon or a subcommand (check-config, routes, template); returns the exit code.
int run(int argc, char** argv);

}  // namespace tocsin::app

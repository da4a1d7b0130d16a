// process_metrics.hpp: the process_* metrics the reference's client library exposes (CPU, memory,
// file descriptors, start time), read from /proc at scrape time.
#pragma once

namespace tocsin::app {

// Registers the process_* collector on the global registry; harmless when /proc is missing (the
// values it cannot read are left out).
void register_process_metrics();

}  // namespace tocsin::app

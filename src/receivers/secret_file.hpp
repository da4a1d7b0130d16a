// secret_file.hpp: a secret read from a *_file setting as the newer integrations (Rocket.Chat,
// incident.io) read it: the whole file with white space cut at both ends (Go's strings.TrimSpace), and a
// failure worded as Go's os.ReadFile words it ("open <path>: no such file or directory").
#pragma once

#include <string>

#include "core/result.hpp"

namespace tocsin::receivers {

Result<std::string> read_trimmed_file(const std::string& path);

}  // namespace tocsin::receivers

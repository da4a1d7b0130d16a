// fuzz_config.cpp: the alertmanager.yml loader and validator; a config that loads is printed back
// (the /api/v2/status form, secrets hidden).
#include <cstdint>
#include <string_view>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto cfg = tocsin::config::load_string(in, "fuzz.yml")) (void)tocsin::config::to_yaml(*cfg);
  return 0;
}

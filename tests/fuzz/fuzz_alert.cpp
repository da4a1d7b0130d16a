// fuzz_alert.cpp: the alert JSON decoder (the store's alert rows); a decoded alert encodes and decodes
// back to the same labels.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "alerts/alert_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto a = tocsin::alerts::decode_alert(in)) {
    auto back = tocsin::alerts::decode_alert(tocsin::alerts::encode_alert(*a));
    if (!back || !(back->labels == a->labels)) std::abort();
  }
  return 0;
}

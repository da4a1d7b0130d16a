// sha256.hpp: SHA-256 as lowercase hex, for the PagerDuty dedup key (the reference hashes the group
// key), and as raw bytes for SNS's SigV4 HMACs. Written here rather than taken from OpenSSL, which
// only src/net may include.
#pragma once

#include <string>
#include <string_view>

namespace tocsin::receivers {

std::string sha256_hex(std::string_view data);
// The 32-byte digest itself (SigV4 signing for SNS).
std::string sha256(std::string_view data);

}  // namespace tocsin::receivers

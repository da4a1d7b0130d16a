// flags.hpp: the reference's command-line flags (kingpin style: --flag value, --flag=value,
// --[no-]bool, repeatable flags), their defaults, and --help text.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace tocsin::app {

struct Flags {
  std::string config_file = "alertmanager.yml";
  std::string storage_path = "data/";
  std::string data_retention = "120h";
  std::string data_maintenance_interval = "15m";
  std::string alerts_gc_interval = "30m";
  std::vector<std::string> web_listen_addresses;  // default {":9093"}
  std::string web_config_file;
  std::string web_external_url;
  std::string web_route_prefix;
  std::string web_timeout = "0";
  std::string web_get_concurrency = "0";
  std::string web_max_request_body_bytes = "33554432";  // tocsin's own: larger bodies get 413
  bool storage_fsync = false;  // tocsin only: fsync every durable commit (power-loss durability)
  bool web_systemd_socket = false;
  std::string cluster_listen_address = "0.0.0.0:9094";
  std::string cluster_advertise_address;
  std::vector<std::string> cluster_peers;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  std::vector<std::string> enable_features;
  bool version = false;
  bool help = false;
  std::map<std::string, std::string> other;  // accepted, not used (cluster tuning, limits …)
};

// Parses argv[first..]; positional arguments are an error.
Result<Flags> parse_flags(int argc, char** argv, int first = 1);
std::string help_text();

}  // namespace tocsin::app

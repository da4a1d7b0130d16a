// flags.cpp: a table of every flag the reference accepts; each knows whether it takes a value.
#include "app/flags.hpp"

#include <cstdlib>
#include <functional>
#include <optional>
#include <set>
#include <string_view>

#include "core/time.hpp"

namespace tocsin::app {

namespace {

struct FlagDef {
  const char* name;
  const char* help;
  const char* def;
  bool is_bool;
  std::function<void(Flags&, const std::string&)> set;
};

const std::vector<FlagDef>& defs() {
  static const std::vector<FlagDef> d = {
      {"config.file", "Alertmanager configuration file name.", "alertmanager.yml", false,
       [](Flags& f, const std::string& v) { f.config_file = v; }},
      {"storage.path", "Base path for data storage.", "data/", false,
       [](Flags& f, const std::string& v) { f.storage_path = v; }},
      {"data.retention", "How long to keep data for.", "120h", false,
       [](Flags& f, const std::string& v) { f.data_retention = v; }},
      {"data.maintenance-interval", "Interval between garbage collection and snapshotting to disk of the silences and the notification logs.", "15m", false,
       [](Flags& f, const std::string& v) { f.data_maintenance_interval = v; }},
      {"alerts.gc-interval", "Interval between alert GC.", "30m", false,
       [](Flags& f, const std::string& v) { f.alerts_gc_interval = v; }},
      {"web.listen-address", "Address to listen on for the web interface and API. Repeatable.", ":9093", false,
       [](Flags& f, const std::string& v) { f.web_listen_addresses.push_back(v); }},
      {"web.config.file", "Path to a configuration file that can enable TLS or authentication.", "", false,
       [](Flags& f, const std::string& v) { f.web_config_file = v; }},
      {"web.systemd-socket", "Use systemd socket activation listeners instead of port listeners (Linux only).", "", true,
       [](Flags& f, const std::string& v) { f.web_systemd_socket = v == "true"; }},
      {"web.external-url", "The URL under which Alertmanager is externally reachable (for example, if Alertmanager is served via a reverse proxy). Used for generating relative and absolute links back to Alertmanager itself. If the URL has a path portion, it will be used to prefix all HTTP endpoints served by Alertmanager. If omitted, relevant URL components will be derived automatically.", "", false,
       [](Flags& f, const std::string& v) { f.web_external_url = v; }},
      {"web.route-prefix", "Prefix for the internal routes of web endpoints. Defaults to path of --web.external-url.", "", false,
       [](Flags& f, const std::string& v) { f.web_route_prefix = v; }},
      {"web.get-concurrency", "Maximum number of GET requests processed concurrently. If negative or zero, the limit is GOMAXPROC or 8, whichever is larger.", "0", false,
       [](Flags& f, const std::string& v) { f.web_get_concurrency = v; }},
      {"web.timeout", "Timeout for HTTP requests. If negative or zero, no timeout is set.", "0", false,
       [](Flags& f, const std::string& v) { f.web_timeout = v; }},
      {"web.max-request-body-bytes", "tocsin only: largest request body accepted; larger ones get 413.", "33554432", false,
       [](Flags& f, const std::string& v) { f.web_max_request_body_bytes = v; }},
      {"storage.fsync", "tocsin only: fsync each commit of a silence or notification-log entry, so it also survives a power loss (a commit always survives a crash of the process).", "", true,
       [](Flags& f, const std::string& v) { f.storage_fsync = v == "true"; }},
      {"cluster.listen-address", "Listen address for cluster. Set to empty string to disable HA mode.", "0.0.0.0:9094", false,
       [](Flags& f, const std::string& v) { f.cluster_listen_address = v; }},
      {"cluster.advertise-address", "Explicit address to advertise in cluster.", "", false,
       [](Flags& f, const std::string& v) { f.cluster_advertise_address = v; }},
      {"cluster.peer", "Initial peers (may be repeated).", "", false,
       [](Flags& f, const std::string& v) { f.cluster_peers.push_back(v); }},
      {"log.level", "Only log messages with the given severity or above. One of: [debug, info, warn, error]", "info", false,
       [](Flags& f, const std::string& v) { f.log_level = v; }},
      {"log.format", "Output format of log messages. One of: [logfmt, json]", "logfmt", false,
       [](Flags& f, const std::string& v) { f.log_format = v; }},
      {"enable-feature", "Experimental features to enable. Repeatable.", "", false,
       [](Flags& f, const std::string& v) { f.enable_features.push_back(v); }},
  };
  return d;
}

// Accepted for compatibility; tocsin has no use for them yet (no gossip, no Go runtime).
const std::vector<std::pair<const char*, bool>>& accepted_only() {
  static const std::vector<std::pair<const char*, bool>> d = {
      {"cluster.peer-timeout", false},     {"cluster.gossip-interval", false},
      {"cluster.pushpull-interval", false}, {"cluster.tcp-timeout", false},
      {"cluster.probe-timeout", false},    {"cluster.probe-interval", false},
      {"cluster.settle-timeout", false},   {"cluster.reconnect-interval", false},
      {"cluster.reconnect-timeout", false}, {"cluster.tls-config", false},
      {"cluster.label", false},            {"cluster.allow-insecure-public-advertise-address-discovery", true},
      {"web.ui-path", false},
      {"alerts.max-alerts", false},        {"dispatch.max-aggregation-groups", false},
      {"silences.max-silences", false},    {"silences.max-silence-size-bytes", false},
      {"auto-gomemlimit", true},           {"auto-gomemlimit.ratio", false},
      {"auto-gomaxprocs", true},           {"alerts.per-alert-name-limit", false},
  };
  return d;
}

// Flags that may be given more than once; kingpin refuses a repeat of any other.
bool repeatable(const std::string& name) {
  return name == "web.listen-address" || name == "cluster.peer" || name == "enable-feature";
}

// The reference's kingpin Duration() flags: Go's time.ParseDuration, checked while parsing.
bool is_duration_flag(const std::string& name) {
  static const std::set<std::string> kNames = {
      "data.retention",           "data.maintenance-interval", "alerts.gc-interval",      "web.timeout",
      "cluster.peer-timeout",     "cluster.gossip-interval",   "cluster.pushpull-interval", "cluster.tcp-timeout",
      "cluster.probe-timeout",    "cluster.probe-interval",    "cluster.settle-timeout",  "cluster.reconnect-interval",
      "cluster.reconnect-timeout"};
  return kNames.count(name) > 0;
}

// kingpin's check of a flag's value, with its error text (the caller adds ", try --help").
std::optional<std::string> check_value(const std::string& name, const std::string& value) {
  if (is_duration_flag(name)) {
    if (auto d = parse_go_duration(value); !d) return d.error();
    return std::nullopt;
  }
  if (name == "web.get-concurrency") {
    char* end = nullptr;
    (void)std::strtod(value.c_str(), &end);
    if (value.empty() || end == nullptr || *end != '\0') {
      return "strconv.ParseFloat: parsing \"" + value + "\": invalid syntax";
    }
  }
  return std::nullopt;
}

}  // namespace

Result<Flags> parse_flags(int argc, char** argv, int first) {
  Flags f;
  std::set<std::string> seen;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help" || arg == "--help-long" || arg == "--help-man") {
      f.help = true;
      continue;
    }
    if (arg == "--version") {
      f.version = true;
      continue;
    }
    if (arg.size() >= 2 && arg[0] == '-' && arg[1] != '-') {
      return Error{"unknown short flag '" + arg.substr(0, 2) + "', try --help"};
    }
    if (arg.rfind("--", 0) != 0) {
      return Error{"unexpected " + arg + ", try --help"};
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    bool negated = false;
    const FlagDef* def = nullptr;
    for (const auto& d : defs()) {
      if (name == d.name) def = &d;
      if (d.is_bool && name == std::string("no-") + d.name) {
        def = &d;
        negated = true;
      }
    }
    // The flag's own name (without "no-"), for the repeat check.
    auto once = [&](const std::string& n) -> Result<void> {
      if (!repeatable(n) && !seen.insert(n).second) return Error{"flag '" + n + "' cannot be repeated, try --help"};
      return {};
    };
    if (def) {
      if (auto r = once(def->name); !r) return Error{r.error()};
      if (def->is_bool) {
        // kingpin takes no value after a boolean flag: "--flag=x" leaves "x" as an unexpected argument.
        if (value) return Error{"unexpected " + *value + ", try --help"};
        def->set(f, negated ? "false" : "true");
        continue;
      }
      if (!value) {
        if (i + 1 >= argc) return Error{"expected argument for flag '--" + name + "', try --help"};
        value = argv[++i];
      }
      if (auto err = check_value(name, *value)) return Error{*err + ", try --help"};
      def->set(f, *value);
      continue;
    }
    bool known = false;
    for (const auto& [n, is_bool] : accepted_only()) {
      if (name == n || (is_bool && name == std::string("no-") + n)) {
        known = true;
        if (auto r = once(n); !r) return Error{r.error()};
        if (is_bool && value) return Error{"unexpected " + *value + ", try --help"};
        if (!is_bool && !value) {
          if (i + 1 >= argc) return Error{"expected argument for flag '--" + name + "', try --help"};
          value = argv[++i];
        }
        if (value) {
          if (auto err = check_value(n, *value)) return Error{*err + ", try --help"};
        }
        f.other[name] = value.value_or("true");
      }
    }
    if (!known) return Error{"unknown long flag '--" + name + "', try --help"};
  }
  if (f.web_listen_addresses.empty()) f.web_listen_addresses.push_back(":9093");
  return f;
}

std::string help_text() {
  std::string s =
      "usage: tocsin [<flags>] | tocsin check-config FILE... | tocsin routes show|test ... | "
      "tocsin template render ...\n\n"
      "tocsin, an Alertmanager-compatible alert router.\n\nFlags:\n"
      "  -h, --help  Show context-sensitive help (also try --help-long and --help-man).\n";
  for (const auto& d : defs()) {
    std::string line = std::string("      --") + d.name;  // kingpin v2 prints a boolean without [no-]
    if (!d.is_bool) line += std::string("=") + (d.def[0] ? "\"" + std::string(d.def) + "\"" : "\"\"");
    s += line + "\n          " + d.help + "\n";
  }
  // The flags tocsin accepts and does not use (no gossip yet), listed so every flag of the
  // reference's --help is found here too.
  struct Listed {
    const char* name;
    const char* def;
    const char* help;
  };
  static const Listed kAccepted[] = {
      {"web.ui-path", "/usr/share/prometheus/alertmanager/ui/", "Accepted for compatibility; tocsin has no web UI."},
      {"cluster.peer-timeout", "15s", "Time to wait between peers to send notifications."},
      {"cluster.gossip-interval", "200ms", "Interval between sending gossip messages."},
      {"cluster.pushpull-interval", "1m0s", "Interval for gossip state syncs."},
      {"cluster.tcp-timeout", "10s", "Timeout for establishing a stream connection with a remote node for a full state sync."},
      {"cluster.probe-timeout", "500ms", "Timeout to wait for an ack from a probed node before assuming it is unhealthy."},
      {"cluster.probe-interval", "1s", "Interval between random node probes."},
      {"cluster.settle-timeout", "1m0s", "Maximum time to wait for cluster connections to settle before evaluating notifications."},
      {"cluster.reconnect-interval", "10s", "Interval between attempting to reconnect to lost peers."},
      {"cluster.reconnect-timeout", "6h0m0s", "Length of time to attempt to reconnect to a lost peer."},
      {"cluster.tls-config", "", "Path to config yaml file that can enable mutual TLS within the gossip protocol."},
      {"cluster.allow-insecure-public-advertise-address-discovery", nullptr,
       "Allow alertmanager to discover and listen on a public IP address."},
  };
  for (const auto& a : kAccepted) {
    std::string line = std::string("      --") + a.name;
    if (a.def) line += std::string("=\"") + a.def + "\"";
    const bool cluster = std::string_view(a.name).substr(0, 8) == "cluster.";
    // The gossip interval and the settle timeout shape the start's settling wait (notify/settle.hpp).
    const bool used = std::string_view(a.name) == "cluster.gossip-interval" || std::string_view(a.name) == "cluster.settle-timeout";
    s += line + "\n          " + a.help + (cluster && !used ? " (accepted; clustering is not implemented)" : "") + "\n";
  }
  s += "      --version  Show application version.\n";
  return s;
}

}  // namespace tocsin::app

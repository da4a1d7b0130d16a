// api.hpp: the HTTP surface: API v2 (alerts, groups, silences, receivers, status), the lifecycle
// endpoints (/-/healthy, /-/ready, /-/reload), /metrics, and v1's 410. Handlers are functions from
// request to response over the state that the app wires in here.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.hpp"
#include "core/time.hpp"
#include "net/http.hpp"

namespace tocsin {
class Clock;
}
namespace tocsin::config {
struct Config;
}
namespace tocsin::alerts {
class AlertStore;
}
namespace tocsin::silence {
class Silences;
}
namespace tocsin::inhibit {
class Inhibitor;
}
namespace tocsin::dispatch {
class Dispatcher;
}

namespace tocsin::api {

// One configuration generation: what a reload swaps as a whole.
struct Runtime {
  std::shared_ptr<const config::Config> config;
  std::shared_ptr<inhibit::Inhibitor> inhibitor;
  std::string config_yaml;  // to_yaml(config), computed once per load
};

struct ClusterInfo {
  bool enabled = false;
  std::string name, address;
  // False while the reference's gossip would still be settling (status "settling"); null: settled.
  const std::atomic<bool>* settled = nullptr;
};

struct Deps {
  alerts::AlertStore* alerts = nullptr;
  silence::Silences* silences = nullptr;
  dispatch::Dispatcher* dispatcher = nullptr;
  const Clock* clock = nullptr;
  std::function<std::shared_ptr<const Runtime>()> runtime;
  std::function<Result<void>()> reload;
  std::function<bool()> ready;
  std::string route_prefix = "/";  // "/" or "/alertmanager"
  std::string external_url;
  TimePoint start_time{};
  ClusterInfo cluster;
  std::string version = "0.1.0";
};

net::HttpHandler make_handler(Deps deps);

}  // namespace tocsin::api

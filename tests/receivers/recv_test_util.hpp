// recv_test_util.hpp: fixtures of the receiver tests: the alert group the golden bodies were captured
// with from Alertmanager 0.25, configs loaded from YAML, and a loopback HTTP sink.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "../net/net_test_util.hpp"
#include "config/config.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers::test {

// Two DiskFull alerts started 2026-01-01T10:00:00Z; resolved at 11:00 when `resolved`.
inline AlertList disk_alerts(bool resolved = false) {
  AlertList out;
  for (const char* inst : {"a:9100", "b:9100"}) {
    auto a = std::make_shared<Alert>();
    a->labels = LabelSet({{"alertname", "DiskFull"}, {"severity", "critical"}, {"instance", inst}});
    a->annotations = LabelSet({{"summary", std::string(inst) == "a:9100" ? "Disk <a> full" : "Disk b full"}});
    a->starts_at = *parse_rfc3339("2026-01-01T10:00:00Z");
    if (resolved) {
      a->ends_at = *parse_rfc3339("2026-01-01T11:00:00Z");
    }
    a->generator_url = "http://prom/graph?g0.expr=x";
    a->fingerprint = a->labels.fingerprint();
    out.push_back(a);
  }
  return out;
}

// The flush the reference made: receiver "team", grouped by alertname, at 12:00.
inline NotifyContext disk_context() {
  NotifyContext c;
  c.receiver = "team";
  c.group_key = "{}:{alertname=\"DiskFull\"}";
  c.group_labels = LabelSet({{"alertname", "DiskFull"}});
  c.now = *parse_rfc3339("2026-01-01T12:00:00Z");
  c.external_url = "http://am.example:9093";
  return c;
}

// Loads a config whose route sends everything to the receiver "team" given in `receiver_yaml`.
inline config::Config load_team(const std::string& receiver_yaml, const std::string& global_yaml = "") {
  std::string y = global_yaml + "route:\n  receiver: team\nreceivers:\n- name: team\n" + receiver_yaml;
  auto c = config::load_string(y, "test.yml");
  if (!c) {
    FAIL("config: " << c.error());
  }
  return *c;
}

// An HTTP server that records requests and answers with a settable response.
struct Sink {
  std::mutex mu;
  std::vector<net::HttpRequest> got;
  net::HttpResponse answer{200, "text/plain", "ok", {}};
  std::chrono::milliseconds delay{0};  // before answering
  std::unique_ptr<net::test::RunningServer> server;

  Sink() {
    server = net::test::start_server([this](const net::HttpRequest& r) {
      std::chrono::milliseconds wait{0};
      {
        std::lock_guard<std::mutex> l(mu);
        got.push_back(r);
        wait = delay;
      }
      std::this_thread::sleep_for(wait);
      std::lock_guard<std::mutex> l(mu);
      return answer;
    });
    REQUIRE(server != nullptr);
  }
  std::string url(const std::string& path) const { return server->base() + path; }
  void respond(int status, std::string content_type, std::string body) {
    std::lock_guard<std::mutex> l(mu);
    answer = net::HttpResponse{status, std::move(content_type), std::move(body), {}};
  }
};

}  // namespace tocsin::receivers::test

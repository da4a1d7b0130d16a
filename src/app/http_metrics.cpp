// http_metrics.cpp: see http_metrics.hpp.
#include "app/http_metrics.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/metrics.hpp"

namespace tocsin::app {

namespace {

struct HttpMetrics {
  metrics::Family& duration;
  metrics::Family& size;
  metrics::Gauge& in_flight;
  metrics::Gauge& scrapes_in_flight;
  metrics::Family& scrapes;
  metrics::Counter& limit_exceeded;
  static HttpMetrics& get() {
    auto& r = metrics::global();
    static HttpMetrics m{
        r.histogram("alertmanager_http_request_duration_seconds", "Histogram of latencies for HTTP requests.",
                    {"handler", "method"}, {.05, 0.1, .25, .5, .75, 1, 2, 5, 20, 60}),
        r.histogram("alertmanager_http_response_size_bytes", "Histogram of response size for HTTP requests.",
                    {"handler", "method"}, {100, 1000, 10000, 100000, 1e+06, 1e+07, 1e+08}),
        r.gauge("alertmanager_http_requests_in_flight", "Current number of HTTP requests being processed.", {"method"})
            .gauge({"get"}),
        r.gauge("promhttp_metric_handler_requests_in_flight", "Current number of scrapes being served.").gauge(),
        r.counter("promhttp_metric_handler_requests_total", "Total number of scrapes by HTTP status code.", {"code"}),
        r.counter("alertmanager_http_concurrency_limit_exceeded_total",
                  "Total number of times an HTTP request failed because the concurrency limit was reached.", {"method"})
            .counter({"get"}),
    };
    static const bool once = [] {
      for (const char* code : {"200", "500", "503"}) m.scrapes.counter({code});
      return true;
    }();
    (void)once;
    return m;
  }
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// API v1's routes (0.25 still serves them; tocsin answers 410): label = the route below /api/v1.
std::string v1_label(const std::string& m, std::string_view sub) {
  const bool get = m == "GET";
  if (sub == "/status" || sub == "/receivers" || sub == "/alerts/groups") return get ? std::string(sub) : "";
  if (sub == "/alerts" || sub == "/silences") return get || m == "POST" ? std::string(sub) : "";
  if (starts_with(sub, "/silence/") && sub.size() > 9 && sub.find('/', 9) == std::string_view::npos) {
    return get || m == "DELETE" ? "/silence/:sid" : "";
  }
  return "";
}

}  // namespace

std::string http_handler_label(const std::string& m, const std::string& path) {
  const bool get = m == "GET";
  const bool head = m == "HEAD";
  if (path == "/" || path == "/metrics" || path == "/script.js" || path == "/favicon.ico") return get ? path : "";
  if (path == "/-/healthy" || path == "/-/ready") return get || head ? path : "";
  if (path == "/-/reload") return m == "POST" ? path : "";
  if (starts_with(path, "/lib/")) return get ? "/lib/*path" : "";
  if (starts_with(path, "/debug/")) return get || m == "POST" ? "/debug/*subpath" : "";
  if (starts_with(path, "/api/v1/")) return v1_label(m, std::string_view(path).substr(7));
  return "";
}

net::HttpHandler with_http_metrics(net::HttpHandler inner, std::string route_prefix, int get_limit) {
  while (!route_prefix.empty() && route_prefix.back() == '/') route_prefix.pop_back();
  HttpMetrics::get();
  if (get_limit < 1) get_limit = std::max(8, static_cast<int>(std::thread::hardware_concurrency()));
  auto gets = std::make_shared<std::atomic<int>>(0);
  return [inner = std::move(inner), prefix = std::move(route_prefix), get_limit,
          gets](const net::HttpRequest& req) -> net::HttpResponse {
    auto& m = HttpMetrics::get();
    const bool get = req.method == "GET";
    if (get && gets->fetch_add(1, std::memory_order_acq_rel) >= get_limit) {
      // Refused before the router sees it: neither in flight nor observed, as the reference's limiter.
      gets->fetch_sub(1, std::memory_order_acq_rel);
      m.limit_exceeded.inc();
      net::HttpResponse busy;
      busy.status = 503;
      busy.content_type = "text/plain; charset=utf-8";
      // The reference's text, and the newline http.Error adds after it.
      busy.body = "Limit of concurrent GET requests reached (" + std::to_string(get_limit) + "), try again later.\n\n";
      busy.headers.set("X-Content-Type-Options", "nosniff");
      return busy;
    }
    struct Release {
      std::atomic<int>* n;
      ~Release() {
        if (n != nullptr) n->fetch_sub(1, std::memory_order_acq_rel);
      }
    } release{get ? gets.get() : nullptr};
    // A scrape counts itself in flight while it renders, and by its code once answered (promhttp).
    const bool scrape = get && req.path.size() == prefix.size() + 8 && starts_with(req.path, prefix) &&
                        req.path.compare(prefix.size(), 8, "/metrics") == 0;
    if (get) m.in_flight.inc();
    if (scrape) m.scrapes_in_flight.inc();
    const auto start = std::chrono::steady_clock::now();
    net::HttpResponse resp;
    try {
      resp = inner(req);
    } catch (...) {
      if (get) m.in_flight.dec();
      if (scrape) m.scrapes_in_flight.dec();
      throw;
    }
    if (get) m.in_flight.dec();
    if (scrape) {
      m.scrapes_in_flight.dec();
      if (resp.status == 200) m.scrapes.counter({"200"}).inc();
    }
    std::string label;
    if (!resp.deferred && !prefix.empty() && req.path == "/") {
      // With a route prefix the reference's root router still answers "/" (a redirect to the prefix).
      if (get) label = "/";
    } else if (!resp.deferred && starts_with(req.path, prefix)) {
      // The bare prefix ("/p") is the router's redirect to "/p/", which no handler observes.
      const std::string path = req.path.substr(prefix.size());
      label = http_handler_label(req.method, path);
    }
    if (!label.empty()) {
      const std::vector<std::string> lv{label, lower(req.method)};
      m.duration.histogram(lv).observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      m.size.histogram(lv).observe(req.method == "HEAD" ? 0.0 : static_cast<double>(resp.body.size()));
    }
    return resp;
  };
}

void register_idle_metrics(bool cluster_enabled) {
  auto& r = metrics::global();
  for (const char* what : {"nflog", "silences"}) {
    const std::string p = std::string("alertmanager_") + what;
    const std::string noun = std::string(what) == "nflog" ? "notification log" : "silence";
    r.summary(p + "_snapshot_duration_seconds", "Duration of the last " + noun + " snapshot.").summary();
    r.gauge(p + "_snapshot_size_bytes", "Size of the last " + noun + " snapshot in bytes.").gauge();
    r.counter(p + "_gossip_messages_propagated_total", "Number of received gossip messages that have been further gossiped.")
        .counter();
  }
  if (!cluster_enabled) return;
  // A cluster of one: this node, healthy, first in line.
  r.gauge("alertmanager_cluster_members", "Number indicating current number of members in cluster.").gauge().set(1);
  r.gauge("alertmanager_cluster_failed_peers", "Number indicating the current number of failed peers in the cluster.").gauge();
  r.gauge("alertmanager_cluster_health_score", "Health score of the cluster. Lower values are better and zero means 'totally healthy'.")
      .gauge();
  r.gauge("alertmanager_peer_position", "Position the Alertmanager instance believes it's in. The position determines a peer's behavior in the cluster.")
      .gauge();
  r.gauge("alertmanager_cluster_messages_queued", "Number of cluster messages which are queued.").gauge();
  // tocsin does not gossip: these stay at what a lone node shows (zero but for its own join).
  struct Help {
    const char* name;
    const char* help;
  };
  static const Help kCounters[] = {
      {"alertmanager_cluster_messages_pruned_total", "Total number of cluster messages pruned."},
      {"alertmanager_cluster_peers_joined_total", "A counter of the number of peers that have joined."},
      {"alertmanager_cluster_peers_left_total", "A counter of the number of peers that have left."},
      {"alertmanager_cluster_peers_update_total", "A counter of the number of peers that have updated metadata."},
      {"alertmanager_cluster_reconnections_failed_total", "A counter of the number of failed cluster peer reconnection attempts."},
      {"alertmanager_cluster_reconnections_total", "A counter of the number of cluster peer reconnections."},
      {"alertmanager_cluster_refresh_join_failed_total", "A counter of the number of failed cluster peer joined attempts via refresh."},
      {"alertmanager_cluster_refresh_join_total", "A counter of the number of cluster peer joined via refresh."}};
  for (const auto& c : kCounters) {
    auto& v = r.counter(c.name, c.help).counter();
    if (std::string_view(c.name) == "alertmanager_cluster_peers_joined_total") v.inc();  // this node, joining itself
  }
  static const Help kByType[] = {
      {"alertmanager_cluster_messages_received_total", "Total number of cluster messages received."},
      {"alertmanager_cluster_messages_received_size_total", "Total size of cluster messages received."},
      {"alertmanager_cluster_messages_sent_total", "Total number of cluster messages sent."},
      {"alertmanager_cluster_messages_sent_size_total", "Total size of cluster messages sent."}};
  for (const auto& c : kByType) {
    auto& f = r.counter(c.name, c.help, {"msg_type"});
    f.counter({"full_state"});
    f.counter({"update"});
  }
  static const Help kOversized[] = {
      {"alertmanager_oversized_gossip_message_dropped_total",
       "Number of oversized gossip messages that were dropped due to a full message queue."},
      {"alertmanager_oversized_gossip_message_failure_total", "Number of oversized gossip message sends that failed."},
      {"alertmanager_oversized_gossip_message_sent_total", "Number of oversized gossip message sent."}};
  for (const auto& c : kOversized) {
    auto& f = r.counter(c.name, c.help, {"key"});
    f.counter({"nfl"});
    f.counter({"sil"});
  }
  auto& h = r.histogram("alertmanager_oversize_gossip_message_duration_seconds", "Duration of oversized gossip message requests.",
                        {"key"}, {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10});
  h.histogram({"nfl"});
  h.histogram({"sil"});
}

}  // namespace tocsin::app

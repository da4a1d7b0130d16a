// app.cpp: start-up (flags → store → state → config → HTTP), the reload path (a bad config keeps the
// running one; unchanged routes keep their groups and timers), signals, and clean shutdown.
#include "app/app.hpp"
#include "app/external_url.hpp"

#include <openssl/evp.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cctype>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>

#include "alerts/alert_store.hpp"
#include "api/api.hpp"
#include "api/auth.hpp"
#include "api/request_log.hpp"
#include "app/flags.hpp"
#include "app/http_metrics.hpp"
#include "app/process_metrics.hpp"
#include "app/subcommands.hpp"
#include "config/config.hpp"
#include "config/web_config.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/time.hpp"
#include "dispatch/dispatcher.hpp"
#include "dispatch/driver.hpp"
#include "inhibit/inhibitor.hpp"
#include "net/http.hpp"
#include "nflog/nflog.hpp"
#include "notify/pipeline.hpp"
#include "notify/settle.hpp"
#include "receivers/notifier.hpp"
#include "silence/silences.hpp"
#include "store/store.hpp"
#include "template/template.hpp"
#include "timeinterval/timeinterval.hpp"

#ifndef TOCSIN_VERSION
#define TOCSIN_VERSION "0.1.0"
#endif

namespace tocsin::app {

namespace {

// Go's net.SplitHostPort errors for `addr`, then (check_port) strconv.Atoi of the port, as the
// reference's cluster package checks its addresses; nullopt when it is well formed.
std::optional<std::string> host_port_error(const std::string& addr, bool check_port = true) {
  std::string port;
  if (!addr.empty() && addr[0] == '[') {
    const size_t close = addr.find(']');
    if (close == std::string::npos) return "address " + addr + ": missing ']' in address";
    if (close + 1 >= addr.size()) return "address " + addr + ": missing port in address";
    if (addr[close + 1] != ':') return "address " + addr + ": missing port in address";
    port = addr.substr(close + 2);
  } else {
    const size_t colon = addr.rfind(':');
    if (colon == std::string::npos) return "address " + addr + ": missing port in address";
    if (addr.find(':') != colon) return "address " + addr + ": too many colons in address";
    port = addr.substr(0, colon).find_first_of("[]") != std::string::npos ? std::string() : addr.substr(colon + 1);
  }
  if (!check_port) return std::nullopt;
  bool digits = !port.empty() && port.size() <= 18;
  size_t start = (!port.empty() && (port[0] == '+' || port[0] == '-')) ? 1 : 0;
  if (start == port.size()) digits = false;
  for (size_t i = start; i < port.size() && digits; ++i) digits = port[i] >= '0' && port[i] <= '9';
  if (!digits) return "address " + addr + ": invalid port: strconv.Atoi: parsing \"" + port + "\": invalid syntax";
  return std::nullopt;
}

// The address this node advertises to its peers, as the reference's cluster chooses it: the advertise
// address when given; else the listen address when its host is specific; else (0.0.0.0, ::, empty) the
// machine's first private address (RFC 1918 and shared IPv4 space first, then IPv6 unique-local, on an
// interface that is up and not loopback) with the listen port. The listen address itself when none is found.
std::string advertised_address(const std::string& listen, const std::string& advertise) {
  if (!advertise.empty()) return advertise;
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return listen;
  std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (!host.empty() && host != "0.0.0.0" && host != "::") return listen;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return listen;
  std::string v4, v6;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
    char text[INET6_ADDRSTRLEN] = {};
    if (i->ifa_addr->sa_family == AF_INET && v4.empty()) {
      const auto* a = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      const uint32_t ip = ntohl(a->sin_addr.s_addr);
      const bool is_private = (ip >> 24) == 10 || (ip >> 20) == 0xAC1 || (ip >> 16) == 0xC0A8 || (ip >> 22) == (100u << 2 | 1u);
      if (is_private && inet_ntop(AF_INET, &a->sin_addr, text, sizeof text)) v4 = text;
    } else if (i->ifa_addr->sa_family == AF_INET6 && v6.empty()) {
      const auto* a = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      if ((a->sin6_addr.s6_addr[0] & 0xFE) == 0xFC && inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text)) v6 = text;
    }
  }
  freeifaddrs(list);
  if (!v4.empty()) return v4 + ":" + port;
  if (!v6.empty()) return "[" + v6 + "]:" + port;
  return listen;
}

// HTTP server threads: one per CPU this process may run on, at most 4. More threads than CPUs only
// add context switches (measured pinned to one CPU: a bare GET took 15 µs of CPU with one thread and
// 20 µs with four), and handlers do not block: a silence's commit is answered later (see
// net::Responder), a listing is a few milliseconds of CPU.
int http_threads() {
  cpu_set_t set;
  CPU_ZERO(&set);
  int n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 4;
  return std::clamp(n, 1, 4);
}

// A pool of up to `threads` workers, started as jobs need them, that runs flushes off the timer
// thread. Jobs carry a key (the receiver); at most `per_key` jobs of one key run at once and the rest
// wait in that key's queue, so a receiver that is down (every attempt retried until its deadline)
// holds a few threads, never the whole pool, and never delays another receiver's notifications.
class Executor {
 public:
  // Workers start when a job finds none idle: a light load runs on a few threads (each an 8 MiB
  // stack mapping and ~16 KiB of RSS), a burst grows the pool up to `threads`.
  Executor(int threads, int per_key) : max_threads_(static_cast<size_t>(threads)), per_key_(per_key) {}
  ~Executor() { stop(); }
  void submit(const std::string& key, std::function<void()> fn) {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;  // stop() drops the jobs not started; so are the ones that come after
      auto& k = keys_[key];
      if (k.running >= per_key_) {
        k.waiting.push_back(std::move(fn));
        return;
      }
      ++k.running;
      ready_.push_back({key, std::move(fn)});
      wake_one_locked();
    }
  }
  // Drops the jobs not started yet and waits up to `grace` for the running ones. Returns false when
  // some are still running then (their threads are left to the process exit).
  bool stop(Duration grace) {
    std::unique_lock lock(mu_);
    if (stopped_) return true;
    stopped_ = true;
    ready_.clear();
    for (auto& [_, k] : keys_) k.waiting.clear();
    for (auto& w : workers_) w->cv.notify_all();
    const bool done = idle_cv_.wait_for(lock, grace, [this] { return running_total() == 0; });
    lock.unlock();
    if (!done) {
      for (auto& t : threads_) t.detach();
      return false;
    }
    for (auto& t : threads_) t.join();
    return true;
  }
  void stop() { stop(std::chrono::seconds(10)); }

 private:
  struct Job {
    std::string key;
    std::function<void()> fn;
  };
  struct Key {
    int running = 0;
    std::deque<std::function<void()>> waiting;
  };
  void loop(size_t self) {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mu_);
        Worker& me = *workers_[self];
        while (!stopped_ && ready_.empty()) {
          if (!me.idle) {
            me.idle = true;
            idle_.push_back(self);
          }
          me.cv.wait(lock);
        }
        if (me.idle) {  // woken by stop() or found work without being picked: leave the idle list
          me.idle = false;
          idle_.erase(std::find(idle_.begin(), idle_.end(), self));
        }
        if (ready_.empty()) return;
        job = std::move(ready_.front());
        ready_.pop_front();
      }
      job.fn();
      std::lock_guard lock(mu_);
      auto& k = keys_[job.key];
      if (!k.waiting.empty() && !stopped_) {
        ready_.push_back({job.key, std::move(k.waiting.front())});
        k.waiting.pop_front();
        wake_one_locked();
      } else if (--k.running == 0) {
        keys_.erase(job.key);
      }
      if (stopped_) idle_cv_.notify_all();
    }
  }
  int running_total() const {
    int n = 0;
    for (const auto& [_, k] : keys_) n += k.running;
    return n;
  }
  const size_t max_threads_;
  const int per_key_;
  std::mutex mu_;
  // Idle workers wait on their own condition variable and a job wakes the one idle the shortest time
  // (a stack, not a queue): a light load keeps reusing a few threads, whose libcurl handles keep
  // their connections to the receivers open, instead of rotating through all of them.
  struct Worker {
    std::condition_variable cv;
    bool idle = false;  // in idle_
  };
  void wake_one_locked() {
    if (idle_.empty()) {
      if (threads_.size() < max_threads_) {
        const size_t self = workers_.size();
        workers_.push_back(std::make_unique<Worker>());
        try {
          threads_.emplace_back([this, self] { loop(self); });
        } catch (const std::system_error& e) {  // out of threads: the running workers take the job
          workers_.pop_back();
          LOG_ERROR({"component", "dispatcher"}, {"msg", "cannot start a notification worker"}, {"err", e.what()},
                    {"workers", std::to_string(threads_.size())});
        }
      }
      return;  // otherwise every worker is busy: one takes the job when it is done
    }
    Worker& w = *workers_[idle_.back()];
    idle_.pop_back();
    w.idle = false;
    w.cv.notify_one();
  }
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<size_t> idle_;
  std::condition_variable idle_cv_;
  std::deque<Job> ready_;
  std::map<std::string, Key> keys_;
  bool stopped_ = false;
  std::vector<std::thread> threads_;
};

// The reference's config hash metric: the first 6 bytes of the file's MD5, little-endian.
double config_hash(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  uint64_t v = 0;
  for (int i = 5; i >= 0; --i) v = (v << 8) | md[i];
  return static_cast<double>(v);
}

// The reference's build_context line, with what /api/v2/status reports as the build.
std::string build_context() {
#if defined(__x86_64__)
  const char* arch = "amd64";
#elif defined(__aarch64__)
  const char* arch = "arm64";
#else
  const char* arch = "unknown";
#endif
  return std::string("(go=none (C++20), platform=linux/") + arch + ", user=tocsin, date=" + __DATE__ + ")";
}

// A listener's address as Go's l.Addr() prints it: the wildcard as [::] (Go's dual-stack socket),
// localhost resolved, an IPv6 host bracketed, the port actually bound.
std::string bound_address(const std::string& addr, int port) {
  std::string host = addr.substr(0, addr.rfind(':'));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "0.0.0.0" || host == "::") host = "::";
  if (host == "localhost") host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return host + ":" + std::to_string(port);
}

// A listener that cannot bind, in the words of Go's net.Listen ("listen tcp A: bind: address already
// in use"); other failures keep the server's words.
std::string go_listen_error(const std::string& addr, const std::string& err) {
  static const std::pair<const char*, const char*> kBind[] = {
      {"Address already in use", "address already in use"},
      {"Permission denied", "permission denied"},
      {"Cannot assign requested address", "cannot assign requested address"},
  };
  for (const auto& [ours, go] : kBind) {
    if (err.find(ours) != std::string::npos) return "listen tcp " + addr + ": bind: " + go;
  }
  return "listen tcp " + addr + ": " + err;
}

// An error of std::filesystem::create_directories in the words of Go's os.MkdirAll: the path where it
// stopped (an existing file in the way, or the first directory it could not create) and the
// system's reason in lower case.
std::string go_mkdir_error(const std::string& path, const std::error_code& ec) {
  std::string reason = ec.message();
  if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
  std::filesystem::path at;
  for (const auto& part : std::filesystem::path(path)) {
    if (part.empty()) continue;
    at /= part;
    std::error_code e;
    const auto st = std::filesystem::status(at, e);
    if (!std::filesystem::exists(st)) return "mkdir " + at.string() + ": " + reason;
    if (!std::filesystem::is_directory(st)) return "mkdir " + at.string() + ": not a directory";
  }
  return "mkdir " + path + ": " + reason;
}

// The peer name, a ULID as the reference's: 48 bits of milliseconds since the epoch, then 80 random
// bits, in Crockford's base 32 (so it sorts by creation time and parses as a ULID).
std::string peer_name(TimePoint now) {
  static const char* kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const auto ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  std::string s;
  for (int shift = 45; shift >= 0; shift -= 5) s += kAlphabet[(ms >> shift) & 31];
  std::random_device rd;
  for (int i = 0; i < 16; ++i) s += kAlphabet[rd() % 32];
  return s;
}

// Everything built from one config file. Swapped whole on reload.
struct Generation {
  std::shared_ptr<api::Runtime> runtime;
  std::shared_ptr<notify::Pipeline> pipeline;
  std::shared_ptr<const tmpl::Templates> templates;
};

class Daemon {
 public:
  Daemon(Flags f) : flags_(std::move(f)) {}

  int main() {
    start_time_ = clock_.now();
    // The reference's first two lines, before any start-up error, with the version /api/v2/status
    // reports (the API level in version, tocsin's own in branch and revision).
    LOG_INFO({"msg", "Starting Alertmanager"},
             {"version", "(version=0.25.0, branch=tocsin, revision=tocsin-" TOCSIN_VERSION ")"});
    LOG_INFO({"build_context", build_context()});
    auto urls = resolve_external_url(flags_.web_external_url, flags_.web_listen_addresses.front(),
                                     flags_.web_route_prefix);
    if (!urls) {
      LOG_ERROR({"msg", "failed to determine external URL"}, {"err", urls.error()});
      return 1;
    }
    external_url_ = urls->url;
    route_prefix_ = urls->route_prefix;
    // The reference's duration flags are Go durations (kingpin's Duration(): "1.5h" yes, "1d" no).
    auto retention = parse_go_duration(flags_.data_retention);
    if (!retention) return fatal("invalid --data.retention: " + retention.error());
    auto gc_interval = parse_go_duration(flags_.alerts_gc_interval);
    if (!gc_interval) return fatal("invalid --alerts.gc-interval: " + gc_interval.error());
    if (gc_interval->count() <= 0) return fatal("invalid --alerts.gc-interval: must be positive");
    auto maint_interval = parse_go_duration(flags_.data_maintenance_interval);
    if (!maint_interval) return fatal("invalid --data.maintenance-interval: " + maint_interval.error());
    if (maint_interval->count() == 0) return fatal("maintenance interval must not be 0");
    if (maint_interval->count() < 0) return fatal("invalid --data.maintenance-interval: must be positive");
    // The reference creates its gossip peer before anything else and stops on a malformed address.
    if (!flags_.cluster_listen_address.empty()) {
      auto gossip_error = [this](const std::string& err) {
        LOG_ERROR({"msg", "unable to initialize gossip mesh"}, {"err", err});
        return 1;
      };
      if (auto e = host_port_error(flags_.cluster_listen_address)) return gossip_error("invalid listen address: " + *e);
      if (!flags_.cluster_advertise_address.empty()) {
        if (auto e = host_port_error(flags_.cluster_advertise_address)) {
          return gossip_error("invalid advertise address: " + *e);
        }
      }
      for (const auto& peer : flags_.cluster_peers) {
        if (auto e = host_port_error(peer, /*check_port=*/false)) {
          return gossip_error("resolve peers: split host/port for peer " + peer + ": " + *e);
        }
      }
      // Where the reference's cluster logs its first line, before the configuration is loaded.
      LOG_INFO(
          {"component", "cluster"},
          {"msg", "clustering requested but tocsin does not replicate state between peers yet; running as a single node"},
          {"listen", flags_.cluster_listen_address});
      // The reference then waits for its gossip to settle before it sends any notification
      // (notify/settle.hpp): 10 s by default.
      auto flag_duration = [this](const char* name, const char* def) {
        auto it = flags_.other.find(name);
        auto d = parse_go_duration(it == flags_.other.end() ? def : it->second);
        return d ? *d : *parse_go_duration(def);
      };
      settle_ = std::make_unique<notify::GossipSettle>(clock_.now(), 10 * flag_duration("cluster.gossip-interval", "200ms"),
                                                       flag_duration("cluster.settle-timeout", "1m0s"));
    }

    register_metrics();

    // State first: a database we cannot read stops the start, it never starts empty.
    {
      std::error_code ec;
      std::filesystem::create_directories(flags_.storage_path, ec);
      if (ec) {
        LOG_ERROR({"msg", "Unable to create data directory"}, {"err", go_mkdir_error(flags_.storage_path, ec)});
        return 1;
      }
    }
    store::Options so;
    so.path = (std::filesystem::path(flags_.storage_path) / "tocsin.db").string();
    // A commit reaches the OS before the API answers, which survives any crash of the process (the
    // reference keeps silences in memory and snapshots them every 15 minutes). --storage.fsync adds an
    // fsync per group commit for power-loss durability, at a cost in silence-creation rate.
    so.fsync_durable = flags_.storage_fsync;
    auto db = store::open(so);
    if (!db) return fatal(db.error());
    db_ = std::move(*db);
    silences_ = std::make_unique<silence::Silences>(db_.get(), clock_, *retention);
    if (auto r = silences_->load(); !r) return fatal("loading silences: " + r.error());
    nflog_ = std::make_unique<nflog::NotificationLog>(db_.get(), clock_, *retention);
    if (auto r = nflog_->load(); !r) return fatal(r.error());
    alerts_ = std::make_unique<alerts::AlertStore>(db_.get());
    auto loaded = alerts_->load();
    if (!loaded) return fatal(loaded.error());

    LOG_DEBUG({"externalURL", external_url_});
    // Config, logged as the reference's coordinator logs it.
    LOG_INFO({"component", "configuration"}, {"msg", "Loading configuration file"}, {"file", flags_.config_file});
    auto cfg = config::load_file(flags_.config_file);
    if (!cfg) {
      LOG_ERROR({"component", "configuration"}, {"msg", "Loading configuration file failed"}, {"file", flags_.config_file},
                {"err", cfg.error()});
      return 1;
    }
    LOG_INFO({"component", "configuration"}, {"msg", "Completed loading of configuration file"},
             {"file", flags_.config_file});
    auto gen = build_generation(std::make_shared<const config::Config>(std::move(*cfg)));
    if (!gen) {
      apply_failed(gen.error());
      return 1;
    }
    dispatcher_ = std::make_unique<dispatch::Dispatcher>(gen->runtime->config->route);
    install(std::move(*gen));
    config_success();

    alerts_->subscribe([this](const std::vector<AlertPtr>& batch) {
      if (log::enabled(log::Level::kDebug)) {
        const TimePoint now = clock_.now();
        for (const auto& a : batch) {
          LOG_DEBUG({"component", "dispatcher"}, {"msg", "Received alert"}, {"alert", notify::alert_log_text(*a, now)});
        }
      }
      auto gen = current();
      gen->runtime->inhibitor->update(batch);
      dispatcher_->process(batch, clock_.now());
      if (driver_) driver_->flush_due();
    });
    alerts_->on_gc([this](const AlertPtr& a) {
      dispatcher_->remove_alert(a->fingerprint);
      current()->runtime->inhibitor->remove(a->fingerprint);
    });
    // The stored alerts feed the inhibitor and the dispatcher as one batch, as a reload does.
    const auto stored = alerts_->list();
    current()->runtime->inhibitor->update(stored);
    dispatcher_->process(stored, clock_.now());
    LOG_INFO({"msg", "State loaded"}, {"alerts", std::to_string(*loaded)}, {"silences", std::to_string(silences_->size())},
             {"nflog_entries", std::to_string(nflog_->size())});

    // The reference flushes every group on its own goroutine, so twenty groups of one slow receiver
    // are all sent at once: 32 at a time per receiver keeps such a burst together (8 made the ninth
    // group wait for the first send to finish), and the pool of 128 leaves 96 threads to the other
    // receivers while one is down.
    executor_ = std::make_unique<Executor>(128, 32);
    driver_ = std::make_unique<dispatch::Driver>(*dispatcher_, clock_, [this](dispatch::FlushJob job) {
      const std::string key = job.opts.receiver;
      executor_->submit(key, [this, job = std::move(job)] {
        auto gen = current();
        const bool ok = gen->pipeline->run(job);
        driver_->complete(job, ok);
      });
    });
    driver_->add_periodic(std::chrono::seconds(30), [this] { dispatcher_->drop_empty(); });
    driver_->add_periodic(*gc_interval, [this] { alerts_->gc(clock_.now()); });
    driver_->add_periodic(*maint_interval, [this] { maintenance(); });
    if (settle_) {
      constexpr Duration kMin = std::chrono::milliseconds(1);
      driver_->add_periodic(std::max(settle_->interval(), kMin), [this] { settle_->poll(clock_.now()); });
      driver_->add_periodic(std::max(settle_->timeout(), kMin), [this] { settle_->timed_out(clock_.now()); });
    }
    driver_->start();

    if (!flags_.cluster_listen_address.empty()) {
      cluster_.enabled = true;
      cluster_.name = peer_name(clock_.now());
      cluster_.address = advertised_address(flags_.cluster_listen_address, flags_.cluster_advertise_address);
      cluster_.settled = settle_ ? settle_->flag() : nullptr;
      auto& r = metrics::global();
      r.gauge("alertmanager_cluster_peer_info", "A metric with a constant '1' value labeled by peer name.", {"peer"})
          .gauge({cluster_.name})
          .set(1);
      r.counter("alertmanager_cluster_alive_messages_total", "Total number of received alive messages.", {"peer"})
          .counter({cluster_.name})
          .inc();  // its own, at its join
    }

    api::Deps deps;
    deps.alerts = alerts_.get();
    deps.silences = silences_.get();
    deps.dispatcher = dispatcher_.get();
    deps.clock = &clock_;
    deps.runtime = [this] { return std::shared_ptr<const api::Runtime>(current()->runtime); };
    deps.reload = [this] { return reload(); };
    deps.ready = [this] { return ready_.load(); };
    deps.route_prefix = route_prefix_;
    deps.external_url = external_url_;
    deps.start_time = start_time_;
    deps.cluster = cluster_;
    deps.version = TOCSIN_VERSION;
    // --web.get-concurrency: kingpin reads it as a number; below 1, the default limit.
    const double get_limit = std::strtod(flags_.web_get_concurrency.c_str(), nullptr);
    auto handler = with_http_metrics(api::with_request_log(api::make_handler(std::move(deps)), route_prefix_),
                                     route_prefix_, get_limit >= 1 && get_limit < 1e9 ? static_cast<int>(get_limit) : 0);
    // --web.timeout: around everything the reference's mux serves, inside the web config's auth.
    if (auto timeout = parse_go_duration(flags_.web_timeout); timeout && timeout->count() > 0) {
      handler = api::with_timeout(std::move(handler), *timeout);
    }

    // --web.config.file (exporter-toolkit format): TLS on the listeners, basic auth and response headers
    // around every path, as the reference.
    std::optional<net::TlsServerConfig> tls;
    if (!flags_.web_config_file.empty()) {
      auto web = config::load_web_config(flags_.web_config_file);
      if (!web) {
        // The reference reads the file when it starts serving, and stops with this line.
        LOG_ERROR({"msg", "Listen error"}, {"err", web.error()});
        return 1;
      }
      handler = api::with_response_headers(api::with_basic_auth(std::move(handler), web->basic_auth_users),
                                           web->http.headers);
      if (web->tls.enabled()) {
        tls.emplace();
        tls->cert_file = web->tls.cert_file;
        tls->key_file = web->tls.key_file;
        tls->client_ca_file = web->tls.client_ca_file;
        tls->client_auth_type = web->tls.client_auth_type;
        tls->min_version = web->tls.min_version;
        tls->max_version = web->tls.max_version;
        tls->cipher_suites = web->tls.cipher_suites;
        tls->curve_preferences = web->tls.curve_preferences;
      }
    }
    LOG_DEBUG({"routePrefix", route_prefix_});

    net::ServerLimits limits;
    try {
      limits.max_body_bytes = std::stoull(flags_.web_max_request_body_bytes);
    } catch (const std::exception&) {
      return fatal("invalid --web.max-request-body-bytes: " + flags_.web_max_request_body_bytes);
    }
    for (const auto& addr : flags_.web_listen_addresses) {
      auto srv = net::make_http_server(addr, handler, limits, http_threads(), tls ? &*tls : nullptr);
      auto port = srv->start();
      if (!port) {
        LOG_ERROR({"msg", "Listen error"}, {"err", go_listen_error(addr, port.error())});
        return 1;
      }
      // As the exporter-toolkit logs each listener (HTTP/2 is not offered over TLS here).
      const std::string bound = bound_address(addr, *port);
      LOG_INFO({"msg", "Listening on"}, {"address", bound});
      LOG_INFO({"msg", tls ? "TLS is enabled." : "TLS is disabled."}, {"http2", false}, {"address", bound});
      servers_.push_back(std::move(srv));
    }
    ready_ = true;

    wait_for_signals();

    LOG_INFO({"msg", "Received SIGTERM, exiting gracefully..."});
    ready_ = false;
    for (auto& s : servers_) s->stop();
    driver_->stop();
    stopping_ = true;
    // In-flight notifications get a bounded time to finish; queued ones are dropped (their groups
    // flush again after the restart, and the nflog keeps what was sent from being sent twice).
    const bool drained = executor_->stop(std::chrono::seconds(5));
    // The reference's maintenance at exit (its final snapshot); here a last GC before the flush.
    maintenance();
    if (auto r = db_->flush(); !r) LOG_ERROR({"msg", "final flush failed"}, {"err", r.error()});
    db_.reset();
    if (!drained) {
      LOG_WARN({"msg", "notifications still in flight at shutdown were abandoned"});
      std::fflush(stderr);
      _exit(0);  // threads blocked in a receiver's request cannot be joined; state is already flushed
    }
    return 0;
  }

 private:
  // Silence and nflog GC, logged as the reference logs its maintenance. The state is committed as it
  // changes, so there is no snapshot to write; the maintenance counts as one in
  // alertmanager_*_snapshot_duration_seconds (its count grows once a maintenance, as the reference's),
  // and the log's size and alertmanager_*_snapshot_size_bytes hold the bytes the reference's snapshot of
  // the same state would take.
  void maintenance() {
    auto run = [](const char* component, auto&& gc, auto&& snapshot_bytes) {
      LOG_DEBUG({"component", component}, {"msg", "Running maintenance"});
      const auto start = std::chrono::steady_clock::now();
      gc();
      const auto took = std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - start);
      const size_t bytes = snapshot_bytes();
      const std::string family = std::string("alertmanager_") + component + "_snapshot";
      metrics::global().summary(family + "_duration_seconds", "").summary().observe(std::chrono::duration<double>(took).count());
      metrics::global().gauge(family + "_size_bytes", "").gauge().set(static_cast<double>(bytes));
      LOG_DEBUG({"component", component}, {"msg", "Maintenance done"}, {"duration", format_go_duration(took)},
                {"size", static_cast<long long>(bytes)});
    };
    run("nflog", [this] { nflog_->gc(); }, [this] { return nflog_->snapshot_bytes(); });
    run("silences", [this] { silences_->gc(); }, [this] { return silences_->snapshot_bytes(); });
  }

  // A start-up failure as the reference logs one from its state's constructors: an err alone.
  int fatal(const std::string& err) {
    LOG_ERROR({"err", err});
    return 1;
  }

  std::shared_ptr<Generation> current() {
    std::lock_guard lock(gen_mu_);
    return gen_;
  }

  void install(Generation g) {
    auto p = std::make_shared<Generation>(std::move(g));
    std::lock_guard lock(gen_mu_);
    gen_ = std::move(p);
  }

  Result<Generation> build_generation(std::shared_ptr<const config::Config> cfg) {
    Generation g;
    auto templates = tmpl::Templates::with_defaults();
    if (!templates) return Error{"default templates: " + templates.error()};
    for (const auto& glob : cfg->templates) {
      if (auto r = templates->add_glob(glob); !r) return Error{"failed to parse templates: " + r.error()};
    }
    g.templates = std::make_shared<const tmpl::Templates>(std::move(*templates));

    // Integrations only for receivers a route uses: an unimplemented integration fails the config
    // only when it would be needed.
    std::set<std::string> used;
    std::vector<const config::Route*> stack{cfg->route.get()};
    while (!stack.empty()) {
      const config::Route* r = stack.back();
      stack.pop_back();
      used.insert(r->receiver);
      for (const auto& c : r->routes) stack.push_back(c.get());
    }
    std::map<std::string, std::vector<receivers::Integration>> integrations;
    for (const auto& r : cfg->receivers) {
      if (!used.count(r.name)) {
        LOG_INFO({"component", "configuration"}, {"msg", "skipping creation of receiver not referenced by any route"},
                 {"receiver", r.name});
        continue;
      }
      auto ints = receivers::build_integrations(r, *cfg, g.templates);
      if (!ints) return Error{ints.error()};
      integrations[r.name] = std::move(*ints);
    }

    std::vector<inhibit::InhibitRule> rules;
    for (const auto& ir : cfg->inhibit_rules) rules.push_back({ir.source_matchers, ir.target_matchers, ir.equal});
    auto inhibitor = std::make_shared<inhibit::Inhibitor>(std::move(rules));

    auto intervals = std::make_shared<const timeinterval::Intervals>(cfg->time_intervals);
    notify::PipelineDeps deps;
    deps.nflog = nflog_.get();
    deps.clock = &clock_;
    deps.external_url = external_url_;
    deps.stopping = &stopping_;
    deps.settled = settle_ ? settle_->flag() : nullptr;
    std::weak_ptr<inhibit::Inhibitor> weak_inh = inhibitor;
    deps.muters.inhibited = [this, weak_inh](const Alert& a) {
      auto inh = weak_inh.lock();
      const bool muted = inh && inh->inhibited_by(a.labels, a.fingerprint, clock_.now()).has_value();
      if (dispatcher_) dispatcher_->mark_inhibited(a.fingerprint, muted);  // the marker, as the reference's stage
      return muted;
    };
    deps.muters.silenced = [this](const Alert& a) {
      const auto ids = silences_->silenced_by(a.labels, a.fingerprint);
      if (dispatcher_) dispatcher_->mark_silenced(a.fingerprint, !ids.empty());
      if (!ids.empty()) {
        // The reference's silencer line for an alert that silences apply to (no component: its
        // silencer logs with the root logger).
        const auto n = static_cast<long long>(ids.size());
        LOG_DEBUG({"msg", "determined current silences state"}, {"now", format_rfc3339_nano(clock_.now())},
                  {"total", n}, {"active", n}, {"pending", 0});
      }
      return !ids.empty();
    };
    deps.muters.time_muted = [intervals](const std::vector<std::string>& mute, const std::vector<std::string>& active,
                                         TimePoint now) { return intervals->muted(mute, active, now); };
    g.pipeline = std::make_shared<notify::Pipeline>(std::move(deps), std::move(integrations));

    auto rt = std::make_shared<api::Runtime>();
    rt->config = std::move(cfg);
    rt->inhibitor = std::move(inhibitor);
    rt->config_yaml = config::to_yaml(*rt->config);
    g.runtime = std::move(rt);
    return g;
  }

  Result<void> reload() {
    std::lock_guard lock(reload_mu_);
    LOG_INFO({"component", "configuration"}, {"msg", "Loading configuration file"}, {"file", flags_.config_file});
    auto cfg = config::load_file(flags_.config_file);
    if (!cfg) {
      LOG_ERROR({"component", "configuration"}, {"msg", "Loading configuration file failed"},
                {"file", flags_.config_file}, {"err", cfg.error()});
      metrics::global().gauge("alertmanager_config_last_reload_successful", "").gauge().set(0);
      return Error{cfg.error()};
    }
    // As the reference: the file is loaded, then building what it describes (templates, receivers)
    // can still fail.
    LOG_INFO({"component", "configuration"}, {"msg", "Completed loading of configuration file"},
             {"file", flags_.config_file});
    Result<Generation> gen = build_generation(std::make_shared<const config::Config>(std::move(*cfg)));
    if (!gen) {
      apply_failed(gen.error());
      metrics::global().gauge("alertmanager_config_last_reload_successful", "").gauge().set(0);
      return Error{gen.error()};
    }
    // Feed the new inhibitor before it becomes visible.
    gen->runtime->inhibitor->update(alerts_->list());
    auto root = gen->runtime->config->route;
    install(std::move(*gen));
    dispatcher_->reload(root);
    const TimePoint now = clock_.now();
    // One batch, so no group of a changed route can flush before all its alerts are back in it.
    dispatcher_->process(alerts_->list(), now);
    if (driver_) driver_->flush_due();
    config_success();
    return {};
  }

  // The reference's coordinator line when the loaded file cannot be applied; it carries no level.
  void apply_failed(const std::string& err) {
    log::write(log::Level::kNone, TOCSIN_CALLER,
               {{"component", "configuration"},
                {"msg", "one or more config change subscribers failed to apply new config"},
                {"file", flags_.config_file},
                {"err", err}});
  }

  void config_success() {
    auto& r = metrics::global();
    r.gauge("alertmanager_config_last_reload_successful", "Whether the last configuration reload attempt was successful.")
        .gauge()
        .set(1);
    r.gauge("alertmanager_config_last_reload_success_timestamp_seconds",
            "Timestamp of the last successful configuration reload.")
        .gauge()
        .set(std::chrono::duration<double>(clock_.now().time_since_epoch()).count());
    r.gauge("alertmanager_config_hash", "Hash of the currently loaded alertmanager configuration.")
        .gauge()
        .set(config_hash(current()->runtime->config->original));
    // As the reference: the receivers some route uses, and their integrations.
    const config::Config& cfg = *current()->runtime->config;
    std::set<std::string> used;
    std::vector<const config::Route*> stack{cfg.route.get()};
    while (!stack.empty()) {
      const config::Route* rt = stack.back();
      stack.pop_back();
      used.insert(rt->receiver);
      for (const auto& c : rt->routes) stack.push_back(c.get());
    }
    double integrations = 0;
    for (const auto& rcv : cfg.receivers) {
      if (used.count(rcv.name)) integrations += static_cast<double>(rcv.integration_count());
    }
    r.gauge("alertmanager_receivers", "Number of configured receivers.").gauge().set(static_cast<double>(used.size()));
    r.gauge("alertmanager_integrations", "Number of configured integrations.").gauge().set(integrations);
  }

  void register_metrics() {
    auto& r = metrics::global();
    r.gauge("alertmanager_build_info",
            "A metric with a constant '1' value labeled by version, revision, branch, goversion from which alertmanager was built, and the goos and goarch for the build.",
            {"branch", "goarch", "goos", "goversion", "revision", "version"})
        .gauge({"tocsin", "amd64", "linux", "none", "tocsin-" TOCSIN_VERSION, "0.25.0"})
        .set(1);
    r.gauge("alertmanager_cluster_enabled", "Indicates whether the clustering is enabled or not.").gauge().set(
        flags_.cluster_listen_address.empty() ? 0 : 1);
    // alertmanager_alerts counts the alerts still firing; alertmanager_marked_alerts every alert the
    // reference's marker knows, resolved ones (kept until GC) included.
    auto by_state = [this](bool include_resolved) {
      std::vector<std::pair<std::vector<std::string>, double>> out;
      if (!alerts_) return out;
      const TimePoint now = clock_.now();
      double active = 0, suppressed = 0, unprocessed = 0;
      const auto all = alerts_->list();
      // Until a flush or an API listing sets its state, an alert is "unprocessed" (the reference's
      // marker); the marked-alerts gauge leaves those out.
      const std::vector<bool> processed =
          dispatcher_ ? dispatcher_->processed(all) : std::vector<bool>(all.size(), true);
      // The state the last flush or listing marked (the reference's marker), not a live evaluation:
      // a silence created since shows at the next flush of the alert's group or the next listing.
      const std::vector<bool> marked_suppressed =
          dispatcher_ ? dispatcher_->suppressed(all) : std::vector<bool>(all.size(), false);
      for (size_t i = 0; i < all.size(); ++i) {
        const auto& a = all[i];
        if (!processed[i]) {
          if (!include_resolved && !a->resolved_at(now)) unprocessed += 1;
          continue;
        }
        if (!include_resolved && a->resolved_at(now)) continue;
        (marked_suppressed[i] ? suppressed : active) += 1;
      }
      out.push_back({{"active"}, active});
      out.push_back({{"suppressed"}, suppressed});
      out.push_back({{"unprocessed"}, unprocessed});
      return out;
    };
    r.gauge_func("alertmanager_alerts", "How many alerts by state.", {"state"}, [by_state] { return by_state(false); });
    r.gauge_func("alertmanager_marked_alerts", "How many alerts by state are currently marked in the Alertmanager regardless of their expiry.",
                 {"state"}, [by_state] { return by_state(true); });
    register_idle_metrics(!flags_.cluster_listen_address.empty());
    register_process_metrics();
    r.gauge_func("alertmanager_dispatcher_aggregation_groups", "Number of active aggregation groups", {}, [this] {
      std::vector<std::pair<std::vector<std::string>, double>> out;
      out.push_back({{}, dispatcher_ ? static_cast<double>(dispatcher_->group_count()) : 0});
      return out;
    });
    r.gauge_func("alertmanager_silences", "How many silences by state.", {"state"}, [this] {
      std::vector<std::pair<std::vector<std::string>, double>> out;
      if (!silences_) return out;
      auto c = silences_->count_states();
      out.push_back({{"active"}, static_cast<double>(c.active)});
      out.push_back({{"expired"}, static_cast<double>(c.expired)});
      out.push_back({{"pending"}, static_cast<double>(c.pending)});
      return out;
    });
    r.collector("alertmanager_silences_query", [this] {
      std::string out;
      if (!silences_) return out;
      const auto m = silences_->metrics();
      auto v = [](double x) { return metrics::format_value(x); };
      out += "# HELP alertmanager_silences_gc_duration_seconds Duration of the last silence garbage collection cycle.\n"
             "# TYPE alertmanager_silences_gc_duration_seconds summary\n";
      out += "alertmanager_silences_gc_duration_seconds_sum " + v(m.gc_duration_sum) + "\n";
      out += "alertmanager_silences_gc_duration_seconds_count " + v(static_cast<double>(m.gc_duration_count)) + "\n";
      out += "# HELP alertmanager_silences_queries_total How many silence queries were received.\n"
             "# TYPE alertmanager_silences_queries_total counter\n";
      out += "alertmanager_silences_queries_total " + v(static_cast<double>(m.queries_total)) + "\n";
      out += "# HELP alertmanager_silences_query_errors_total How many silence received queries did not succeed.\n"
             "# TYPE alertmanager_silences_query_errors_total counter\n";
      out += "alertmanager_silences_query_errors_total " + v(static_cast<double>(m.query_errors_total)) + "\n";
      out += "# HELP alertmanager_silences_query_duration_seconds Duration of silence query evaluation.\n"
             "# TYPE alertmanager_silences_query_duration_seconds histogram\n";
      for (size_t i = 0; i < std::size(silence::kQueryBuckets); ++i) {
        const double c = i < m.query_duration_bucket_counts.size() ? static_cast<double>(m.query_duration_bucket_counts[i]) : 0;
        out += "alertmanager_silences_query_duration_seconds_bucket{le=\"" + v(silence::kQueryBuckets[i]) + "\"} " + v(c) + "\n";
      }
      out += "alertmanager_silences_query_duration_seconds_bucket{le=\"+Inf\"} " + v(static_cast<double>(m.query_duration_count)) + "\n";
      out += "alertmanager_silences_query_duration_seconds_sum " + v(m.query_duration_sum) + "\n";
      out += "alertmanager_silences_query_duration_seconds_count " + v(static_cast<double>(m.query_duration_count)) + "\n";
      return out;
    });
    r.gauge_func("alertmanager_nflog_entries", "Number of entries in the notification log.", {}, [this] {
      std::vector<std::pair<std::vector<std::string>, double>> out;
      out.push_back({{}, nflog_ ? static_cast<double>(nflog_->size()) : 0});
      return out;
    });
  }

  void wait_for_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGHUP) {
        (void)reload();
        continue;
      }
      return;
    }
  }

  Flags flags_;
  SystemClock clock_;
  TimePoint start_time_{};
  std::string external_url_, route_prefix_;
  std::unique_ptr<store::Store> db_;
  std::unique_ptr<silence::Silences> silences_;
  std::unique_ptr<nflog::NotificationLog> nflog_;
  std::unique_ptr<alerts::AlertStore> alerts_;
  std::unique_ptr<dispatch::Dispatcher> dispatcher_;
  std::unique_ptr<notify::GossipSettle> settle_;  // before the executor and driver that read it; with clustering on (notify/settle.hpp)
  std::unique_ptr<Executor> executor_;
  std::unique_ptr<dispatch::Driver> driver_;
  std::vector<std::unique_ptr<net::HttpServer>> servers_;
  std::mutex gen_mu_, reload_mu_;
  std::shared_ptr<Generation> gen_;
  api::ClusterInfo cluster_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> stopping_{false};
};

}  // namespace

int run(int argc, char** argv) {
  // Block the signals we handle in every thread; the main thread takes them with sigwait.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (argc >= 2 && argv[1][0] != '-') return run_subcommand(argc, argv);

  auto flags = parse_flags(argc, argv);
  if (!flags) {
    std::fprintf(stderr, "tocsin: error: %s\n", flags.error().c_str());
    return 1;
  }
  if (flags->help) {
    std::fputs(help_text().c_str(), stdout);
    return 0;
  }
  if (flags->version) {
    // The shape of the reference's version.Print: a line with branch and revision, then the build lines.
    std::printf("tocsin, version %s (branch: tocsin, revision: tocsin-%s)\n"
                "  build user:       tocsin\n"
                "  build date:       unknown\n"
                "  go version:       none (C++20; Alertmanager API 0.25.0 compatible)\n"
                "  platform:         linux/amd64\n",
                TOCSIN_VERSION, TOCSIN_VERSION);
    return 0;
  }
  if (!log::set_level(flags->log_level)) {
    std::fprintf(stderr, "tocsin: error: unrecognized log level \"%s\", try --help\n", flags->log_level.c_str());
    return 1;
  }
  if (!log::set_format(flags->log_format)) {
    std::fprintf(stderr, "tocsin: error: unrecognized log format \"%s\", try --help\n", flags->log_format.c_str());
    return 1;
  }
  Daemon d(std::move(*flags));
  return d.main();
}

}  // namespace tocsin::app

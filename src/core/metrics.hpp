// metrics.hpp: a small Prometheus metrics registry (counters, gauges, histograms, gauge callbacks)
// rendered in the text exposition format at /metrics, under the reference's metric names.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace tocsin::metrics {

class Counter {
 public:
  void inc(double v = 1) { v_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

class Gauge {
 public:
  void set(double v) { v_.store(v, std::memory_order_relaxed); }
  void inc(double v = 1) { v_.fetch_add(v, std::memory_order_relaxed); }
  void dec(double v = 1) { v_.fetch_sub(v, std::memory_order_relaxed); }
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;
    uint64_t count = 0;
    double sum = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  double sum_ = 0;
};

// A summary without quantiles (what client_golang exposes for a Summary with no objectives): _sum and _count.
class Summary {
 public:
  void observe(double v) {
    std::lock_guard lock(mu_);
    sum_ += v;
    ++count_;
  }
  // `n` observations whose values add up to `sum` (a batch timed as a whole).
  void observe_many(double sum, uint64_t n) {
    std::lock_guard lock(mu_);
    sum_ += sum;
    count_ += n;
  }
  std::pair<double, uint64_t> snapshot() const {
    std::lock_guard lock(mu_);
    return {sum_, count_};
  }

 private:
  mutable std::mutex mu_;
  double sum_ = 0;
  uint64_t count_ = 0;
};

enum class Kind { kCounter, kGauge, kHistogram, kSummary };

// A metric family: one name, one help text, a fixed list of label names, children per label values.
class Family {
 public:
  Family(std::string name, std::string help, Kind kind, std::vector<std::string> label_names,
         std::vector<double> buckets = {});
  Counter& counter(const std::vector<std::string>& label_values = {});
  Gauge& gauge(const std::vector<std::string>& label_values = {});
  Histogram& histogram(const std::vector<std::string>& label_values = {});
  Summary& summary(const std::vector<std::string>& label_values = {});
  void render(std::string& out) const;
  const std::string& name() const { return name_; }

 private:
  struct Child {
    std::unique_ptr<Counter> c;
    std::unique_ptr<Gauge> g;
    std::unique_ptr<Histogram> h;
    std::unique_ptr<Summary> s;
  };
  Child& child(const std::vector<std::string>& label_values);
  std::string name_, help_;
  Kind kind_;
  std::vector<std::string> label_names_;
  std::vector<double> buckets_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, Child> children_;
};

// Collected at scrape time: (label values, value) pairs.
using GaugeCallback = std::function<std::vector<std::pair<std::vector<std::string>, double>>()>;

class Registry {
 public:
  Family& counter(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Family& gauge(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Family& histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                    std::vector<double> buckets);
  Family& summary(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  // A gauge whose values are computed when /metrics is scraped.
  void gauge_func(const std::string& name, const std::string& help, std::vector<std::string> labels,
                  GaugeCallback cb);
  // A block of exposition text produced at scrape time (HELP/TYPE lines included), for metrics a
  // module keeps itself.
  void collector(const std::string& name, std::function<std::string()> fn);
  std::string render() const;

 private:
  Family& add(const std::string& name, const std::string& help, Kind kind, std::vector<std::string> labels,
              std::vector<double> buckets);
  struct FuncGauge {
    std::string help;
    std::vector<std::string> labels;
    GaugeCallback cb;
  };
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>> families_;
  std::map<std::string, FuncGauge> funcs_;
  std::map<std::string, std::function<std::string()>> collectors_;
};

// The process-wide registry that /metrics renders.
Registry& global();

// Prometheus text format of a float: integers without a fraction, +Inf, NaN.
std::string format_value(double v);

}  // namespace tocsin::metrics

// metrics.cpp: the registry and the text exposition format.
#include "core/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace tocsin::metrics {

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size(), 0) {}

void Histogram::observe(double v) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (v <= bounds_[i]) {
      ++counts_[i];
      break;
    }
  }
  ++count_;
  sum_ += v;
}

Histogram::Snapshot Histogram::snapshot() const {
  std::lock_guard lock(mu_);
  Snapshot s;
  s.bounds = bounds_;
  uint64_t acc = 0;
  for (auto c : counts_) {
    acc += c;
    s.cumulative.push_back(acc);
  }
  s.count = count_;
  s.sum = sum_;
  return s;
}

Family::Family(std::string name, std::string help, Kind kind, std::vector<std::string> label_names,
               std::vector<double> buckets)
    : name_(std::move(name)), help_(std::move(help)), kind_(kind), label_names_(std::move(label_names)),
      buckets_(std::move(buckets)) {}

Family::Child& Family::child(const std::vector<std::string>& lv) {
  std::lock_guard lock(mu_);
  auto& c = children_[lv];
  if (!c.c && !c.g && !c.h && !c.s) {
    if (kind_ == Kind::kCounter) c.c = std::make_unique<Counter>();
    if (kind_ == Kind::kGauge) c.g = std::make_unique<Gauge>();
    if (kind_ == Kind::kHistogram) c.h = std::make_unique<Histogram>(buckets_);
    if (kind_ == Kind::kSummary) c.s = std::make_unique<Summary>();
  }
  return c;
}

Counter& Family::counter(const std::vector<std::string>& lv) { return *child(lv).c; }
Gauge& Family::gauge(const std::vector<std::string>& lv) { return *child(lv).g; }
Histogram& Family::histogram(const std::vector<std::string>& lv) { return *child(lv).h; }
Summary& Family::summary(const std::vector<std::string>& lv) { return *child(lv).s; }

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return "0";
  // Go's strconv.FormatFloat(v, 'g', -1, 64), which the reference's exposition uses for values and
  // bucket bounds: the shortest digits that read back as v, in exponent form when the decimal
  // exponent is below -4 or at least 6 ("1e+06", "1.7956770740183353e+09"), plain otherwise.
  char buf[64];
  int prec = 1;
  for (; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string e(buf);  // [-]d[.ddd]e[+-]XX
  const size_t epos = e.find('e');
  const int exp = std::atoi(e.c_str() + epos + 1);
  std::string mant = e.substr(0, epos);
  if (exp < -4 || exp >= 6) {
    const int aexp = exp < 0 ? -exp : exp;
    std::snprintf(buf, sizeof buf, "e%c%02d", exp < 0 ? '-' : '+', aexp);
    return mant + buf;
  }
  const int decimals = std::max(prec - 1 - exp, 0);
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

namespace {

void append_label_value(std::string& out, const std::string& v) {
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

void append_labels(std::string& out, const std::vector<std::string>& names, const std::vector<std::string>& values,
                   const char* extra_name = nullptr, const std::string& extra_value = {}) {
  if (names.empty() && !extra_name) return;
  out += '{';
  bool first = true;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    append_label_value(out, values[i]);
    out += '"';
  }
  if (extra_name) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kCounter: return "counter";
    case Kind::kGauge: return "gauge";
    case Kind::kHistogram: return "histogram";
    case Kind::kSummary: return "summary";
  }
  return "untyped";
}

}  // namespace

void Family::render(std::string& out) const {
  std::lock_guard lock(mu_);
  out += "# HELP " + name_ + " " + help_ + "\n";
  out += "# TYPE " + name_ + " " + kind_name(kind_) + "\n";
  for (const auto& [lv, c] : children_) {
    if (c.c || c.g) {
      out += name_;
      append_labels(out, label_names_, lv);
      out += ' ';
      out += format_value(c.c ? c.c->value() : c.g->value());
      out += '\n';
      continue;
    }
    if (c.s) {
      auto [sum, count] = c.s->snapshot();
      out += name_ + "_sum";
      append_labels(out, label_names_, lv);
      out += ' ' + format_value(sum) + '\n';
      out += name_ + "_count";
      append_labels(out, label_names_, lv);
      out += ' ' + std::to_string(count) + '\n';
      continue;
    }
    auto s = c.h->snapshot();
    for (size_t i = 0; i < s.bounds.size(); ++i) {
      out += name_ + "_bucket";
      append_labels(out, label_names_, lv, "le", format_value(s.bounds[i]));
      out += ' ' + std::to_string(s.cumulative[i]) + '\n';
    }
    out += name_ + "_bucket";
    append_labels(out, label_names_, lv, "le", "+Inf");
    out += ' ' + std::to_string(s.count) + '\n';
    out += name_ + "_sum";
    append_labels(out, label_names_, lv);
    out += ' ' + format_value(s.sum) + '\n';
    out += name_ + "_count";
    append_labels(out, label_names_, lv);
    out += ' ' + std::to_string(s.count) + '\n';
  }
}

Family& Registry::add(const std::string& name, const std::string& help, Kind kind, std::vector<std::string> labels,
                      std::vector<double> buckets) {
  std::lock_guard lock(mu_);
  auto& f = families_[name];
  if (!f) f = std::make_unique<Family>(name, help, kind, std::move(labels), std::move(buckets));
  return *f;
}

Family& Registry::counter(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  return add(name, help, Kind::kCounter, std::move(labels), {});
}
Family& Registry::gauge(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  return add(name, help, Kind::kGauge, std::move(labels), {});
}
Family& Registry::summary(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  return add(name, help, Kind::kSummary, std::move(labels), {});
}
Family& Registry::histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                            std::vector<double> buckets) {
  return add(name, help, Kind::kHistogram, std::move(labels), std::move(buckets));
}

void Registry::gauge_func(const std::string& name, const std::string& help, std::vector<std::string> labels,
                          GaugeCallback cb) {
  std::lock_guard lock(mu_);
  funcs_[name] = FuncGauge{help, std::move(labels), std::move(cb)};
}

void Registry::collector(const std::string& name, std::function<std::string()> fn) {
  std::lock_guard lock(mu_);
  collectors_[name] = std::move(fn);
}

std::string Registry::render() const {
  std::map<std::string, std::string> blocks;
  std::map<std::string, FuncGauge> funcs;
  std::map<std::string, std::function<std::string()>> collectors;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, f] : families_) {
      std::string s;
      f->render(s);
      blocks[name] = std::move(s);
    }
    funcs = funcs_;
    collectors = collectors_;
  }
  for (const auto& [name, fn] : collectors) blocks[name] = fn();
  for (const auto& [name, fg] : funcs) {
    std::string s = "# HELP " + name + " " + fg.help + "\n# TYPE " + name + " gauge\n";
    for (const auto& [lv, v] : fg.cb()) {
      s += name;
      append_labels(s, fg.labels, lv);
      s += ' ' + format_value(v) + '\n';
    }
    blocks[name] = std::move(s);
  }
  std::string out;
  for (auto& [_, s] : blocks) out += s;
  return out;
}

Registry& global() {
  static Registry r;
  return r;
}

}  // namespace tocsin::metrics

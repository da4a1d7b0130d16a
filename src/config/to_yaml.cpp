// to_yaml.cpp: Config → the text of the reference's Config.String() (yaml.Marshal of the loaded config:
// defaults filled, secrets as <secret>, the route tree as written), and amtool's check-config report.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "config/config.hpp"
#include "config/fields.hpp"
#include "config/yaml_out.hpp"

namespace tocsin::config {
namespace {

using fields::Omit;
using yaml_out::Node;

// yaml.v2's ordering of string map keys: letters after other characters, digit runs compared as numbers.
bool yaml_key_less(const std::string& a, const std::string& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] == b[i]) continue;
    bool al = std::isalpha(static_cast<unsigned char>(a[i])) != 0;
    bool bl = std::isalpha(static_cast<unsigned char>(b[i])) != 0;
    if (al && bl) return a[i] < b[i];
    if (al || bl) return bl;
    auto digits = [](const std::string& s, size_t from, int64_t& num) {
      size_t k = from;
      for (; k < s.size() && std::isdigit(static_cast<unsigned char>(s[k])); ++k) num = num * 10 + (s[k] - '0');
      return k;
    };
    int64_t an = 0, bn = 0;
    if (a[i] == '0' || b[i] == '0') {
      for (size_t j = i; j-- > 0 && std::isdigit(static_cast<unsigned char>(a[j]));) {
        if (a[j] != '0') {
          an = bn = 1;
          break;
        }
      }
    }
    size_t ai = digits(a, i, an), bi = digits(b, i, bn);
    if (an != bn) return an < bn;
    if (ai != bi) return ai < bi;
    return a[i] < b[i];
  }
  return a.size() < b.size();
}

Node string_map_node(const std::map<std::string, std::string>& m) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : m) keys.push_back(k);
  std::stable_sort(keys.begin(), keys.end(), yaml_key_less);
  Node n = Node::mapping();
  for (const auto& k : keys) n.add(k, Node::str(m.at(k)));
  return n;
}

Node string_seq_node(const std::vector<std::string>& v, bool flow = false) {
  Node n = Node::sequence(flow);
  for (const auto& s : v) n.seq.push_back(Node::str(s));
  return n;
}

bool tls_is_zero(const TlsConfig& t) {
  return t.ca.empty() && t.ca_file.empty() && t.cert.empty() && t.cert_file.empty() && t.key.empty() &&
         t.key_file.empty() && t.server_name.empty() && !t.insecure_skip_verify && t.min_version.empty() &&
         t.max_version.empty();
}

// The writer side of fields::visit: appends each field to a mapping node, honouring omitempty.
class Writer {
 public:
  explicit Writer(Node& m) : m_(m) {}

  void str(const std::string& key, const std::string& v, Omit o) {
    if (o == Omit::kEmpty && v.empty()) return;
    m_.add(key, Node::str(v));
  }
  void secret(const std::string& key, const Secret& v, Omit o) {
    if (v.empty()) {
      if (o == Omit::kNever) m_.add(key, Node{});
      return;
    }
    m_.add(key, Node::str(kSecretToken));
  }
  void url(const std::string& key, const std::string& v, Omit o) {
    if (v.empty()) {
      if (o == Omit::kNever) m_.add(key, Node{});
      return;
    }
    m_.add(key, Node::str(v));
  }
  void secret_url(const std::string& key, const Secret& v, Omit o) { secret(key, v, o); }
  void plain_secret_url(const std::string& key, const Secret& v, Omit o) { str(key, v.value(), o); }
  void url_unless(const std::string& key, const std::string& v, const char* dflt) {
    if (v != dflt) str(key, v, Omit::kEmpty);
  }
  void hostport(const std::string& key, const std::string& v, Omit o) { str(key, v, o); }
  void boolean(const std::string& key, bool v, Omit o) {
    if (o == Omit::kEmpty && !v) return;
    m_.add(key, Node::boolean(v));
  }
  void opt_bool(const std::string& key, const std::optional<bool>& v) {
    if (v) m_.add(key, Node::boolean(*v));
  }
  void bool_set(const std::string& key, bool v, bool /*set*/) { m_.add(key, Node::boolean(v)); }
  void int64(const std::string& key, int64_t v, Omit o) {
    if (o == Omit::kEmpty && v == 0) return;
    m_.add(key, Node::raw(std::to_string(v)));
  }
  void uint64(const std::string& key, uint64_t v, Omit o) {
    if (o == Omit::kEmpty && v == 0) return;
    m_.add(key, Node::raw(std::to_string(v)));
  }
  void duration(const std::string& key, Duration v, Omit o) {
    if (o == Omit::kEmpty && v.count() == 0) return;
    m_.add(key, Node::str(format_duration(v)));
  }
  void go_duration(const std::string& key, Duration v, Omit o) {
    if (o == Omit::kEmpty && v.count() == 0) return;
    m_.add(key, Node::str(format_go_duration(v)));
  }
  void string_map(const std::string& key, const std::map<std::string, std::string>& v, Omit o) {
    if (o == Omit::kEmpty && v.empty()) return;
    m_.add(key, string_map_node(v));
  }
  void any_map(const std::string& key, const std::map<std::string, std::string>& v) {
    string_map(key, v, Omit::kEmpty);
  }
  void header_map(const std::string& key, const std::map<std::string, std::vector<Secret>>& v) {
    if (v.empty()) return;
    Node n = Node::mapping();
    for (const auto& [k, vals] : v) {
      Node s = Node::sequence();
      for (size_t i = 0; i < vals.size(); ++i) s.seq.push_back(Node::str(kSecretToken));
      n.add(k, std::move(s));
    }
    m_.add(key, std::move(n));
  }
  void string_list(const std::string& key, const std::vector<std::string>& v, Omit o) {
    if (o == Omit::kEmpty && v.empty()) return;
    m_.add(key, string_seq_node(v));
  }
  void http(const std::string& key, HttpClientConfig& v, bool& /*set*/) { object(key, v, Omit::kNever); }
  void tls(const std::string& key, TlsConfig& v, Omit o) {
    if (o == Omit::kEmpty && tls_is_zero(v)) return;
    object(key, v, Omit::kNever);
  }
  void tls_set(const std::string& key, TlsConfig& v, bool& /*set*/) { tls(key, v, Omit::kEmpty); }
  template <class T>
  void object(const std::string& key, T& v, Omit) {
    m_.add(key, to_node(v));
  }
  template <class T>
  void opt_object(const std::string& key, std::optional<T>& v) {
    if (v) object(key, *v, Omit::kNever);
  }
  template <class T>
  void list(const std::string& key, std::vector<T>& v, Omit o) {
    if (o == Omit::kEmpty && v.empty()) return;
    Node s = Node::sequence();
    for (auto& item : v) s.seq.push_back(to_node(item));
    m_.add(key, std::move(s));
  }

  template <class T>
  static Node to_node(const T& v) {
    T copy = v;  // fields::visit takes non-const references; configs are small
    Node n = Node::mapping();
    Writer w(n);
    fields::visit(w, copy);
    return n;
  }

 private:
  Node& m_;
};

Node matchers_node(const Matchers& ms) {
  Node s = Node::sequence();
  for (const auto& m : ms) s.seq.push_back(Node::str(m.to_string()));
  return s;
}

Node route_node(const Route& r) {
  Node n = Node::mapping();
  if (r.receiver_set) n.add("receiver", Node::str(r.receiver));
  if (!r.group_by_written.empty()) n.add("group_by", string_seq_node(r.group_by_written));
  if (!r.match.empty()) n.add("match", string_map_node(r.match));
  if (!r.match_re.empty()) n.add("match_re", string_map_node(r.match_re));
  if (!r.matchers_written.empty()) n.add("matchers", matchers_node(r.matchers_written));
  if (!r.mute_time_intervals.empty()) n.add("mute_time_intervals", string_seq_node(r.mute_time_intervals));
  if (!r.active_time_intervals.empty()) n.add("active_time_intervals", string_seq_node(r.active_time_intervals));
  n.add("continue", Node::boolean(r.continue_));
  if (!r.routes.empty()) {
    Node s = Node::sequence();
    for (const auto& c : r.routes) s.seq.push_back(route_node(*c));
    n.add("routes", std::move(s));
  }
  if (r.group_wait_set) n.add("group_wait", Node::str(format_duration(r.group_wait)));
  if (r.group_interval_set) n.add("group_interval", Node::str(format_duration(r.group_interval)));
  if (r.repeat_interval_set) n.add("repeat_interval", Node::str(format_duration(r.repeat_interval)));
  return n;
}

Node inhibit_node(const InhibitRule& ir) {
  Node n = Node::mapping();
  if (!ir.name.empty()) n.add("name", Node::str(ir.name));
  if (!ir.source_match.empty()) n.add("source_match", string_map_node(ir.source_match));
  if (!ir.source_match_re.empty()) n.add("source_match_re", string_map_node(ir.source_match_re));
  if (!ir.source_matchers_written.empty()) n.add("source_matchers", matchers_node(ir.source_matchers_written));
  if (!ir.target_match.empty()) n.add("target_match", string_map_node(ir.target_match));
  if (!ir.target_match_re.empty()) n.add("target_match_re", string_map_node(ir.target_match_re));
  if (!ir.target_matchers_written.empty()) n.add("target_matchers", matchers_node(ir.target_matchers_written));
  if (!ir.equal.empty()) n.add("equal", string_seq_node(ir.equal));
  return n;
}

std::string range_text(const InclusiveRange& r) {
  if (r.begin == r.end) return std::to_string(r.begin);
  return std::to_string(r.begin) + ":" + std::to_string(r.end);
}

std::string clock_text(int minutes) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

Node time_interval_node(const TimeInterval& ti) {
  static const char* const kDays[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
  Node n = Node::mapping();
  if (!ti.times.empty()) {
    Node s = Node::sequence();
    for (const auto& t : ti.times) {
      Node m = Node::mapping();
      m.add("start_time", Node::str(clock_text(t.start_minute)));
      m.add("end_time", Node::str(clock_text(t.end_minute)));
      s.seq.push_back(std::move(m));
    }
    n.add("times", std::move(s));
  }
  auto ranges = [&](const char* key, const std::vector<InclusiveRange>& v, bool weekday) {
    if (v.empty()) return;
    Node s = Node::sequence(true);
    for (const auto& r : v) {
      if (weekday) {
        std::string t = kDays[std::clamp(r.begin, 0, 6)];
        if (r.end != r.begin) t += std::string(":") + kDays[std::clamp(r.end, 0, 6)];
        s.seq.push_back(Node::str(t));
      } else {
        s.seq.push_back(Node::str(range_text(r)));
      }
    }
    n.add(key, std::move(s));
  };
  ranges("weekdays", ti.weekdays, true);
  ranges("days_of_month", ti.days_of_month, false);
  ranges("months", ti.months, false);
  ranges("years", ti.years, false);
  if (ti.location) {
    Node location = Node::str(*ti.location);
    location.flow = true;  // tagged ",flow" upstream: the next collection written is in flow style
    n.add("location", std::move(location));
  }
  return n;
}

Node named_intervals_node(const Config& cfg, const std::vector<std::string>& names) {
  Node s = Node::sequence();
  for (const auto& name : names) {
    Node m = Node::mapping();
    m.add("name", Node::str(name));
    Node list = Node::sequence();
    auto it = cfg.time_intervals.find(name);
    if (it != cfg.time_intervals.end()) {
      for (const auto& ti : it->second) list.seq.push_back(time_interval_node(ti));
    }
    m.add("time_intervals", std::move(list));
    s.seq.push_back(std::move(m));
  }
  return s;
}

}  // namespace

std::string to_yaml(const Config& cfg) {
  Node root = Node::mapping();
  root.add("global", Writer::to_node(cfg.global));
  if (cfg.route) root.add("route", route_node(*cfg.route));
  if (!cfg.inhibit_rules.empty()) {
    Node s = Node::sequence();
    for (const auto& ir : cfg.inhibit_rules) s.seq.push_back(inhibit_node(ir));
    root.add("inhibit_rules", std::move(s));
  }
  if (!cfg.receivers.empty()) {
    Node s = Node::sequence();
    for (const auto& r : cfg.receivers) s.seq.push_back(Writer::to_node(r));
    root.add("receivers", std::move(s));
  }
  root.add("templates", string_seq_node(cfg.templates));
  if (!cfg.mute_time_interval_names.empty()) {
    root.add("mute_time_intervals", named_intervals_node(cfg, cfg.mute_time_interval_names));
  }
  if (!cfg.time_interval_names.empty()) root.add("time_intervals", named_intervals_node(cfg, cfg.time_interval_names));
  return yaml_out::emit(root);
}

std::string check_config_report(const std::string& path, const Result<Config>& result,
                                 const TemplateCheck& check_templates) {
  std::string out = "Checking '" + path + "'";
  if (!result) {
    return out + "  FAILED: " + result.error() + "\n\n";
  }
  const Config& cfg = *result;
  out += "  SUCCESS\nFound:\n";
  out += " - global config\n";
  if (cfg.route) out += " - route\n";
  out += " - " + std::to_string(cfg.inhibit_rules.size()) + " inhibit rules\n";
  out += " - " + std::to_string(cfg.receivers.size()) + " receivers\n";
  out += " - " + std::to_string(cfg.templates.size()) + " templates\n";
  if (!cfg.templates.empty()) {
    Result<void> t = check_templates ? check_templates(cfg.templates) : Result<void>();
    out += t ? std::string("  SUCCESS\n") : "  FAILED: " + t.error() + "\n";
  }
  return out + "\n";
}

std::string check_config_report(const std::string& path, bool* ok, const TemplateCheck& check_templates) {
  Result<Config> r = load_file(path);
  bool templates_ok = true;
  TemplateCheck tracked;
  if (check_templates) {
    tracked = [&](const std::vector<std::string>& globs) {
      auto res = check_templates(globs);
      templates_ok = res.ok();
      return res;
    };
  }
  std::string report = check_config_report(path, r, tracked);
  if (ok != nullptr) *ok = r.ok() && templates_ok;
  return report;
}

}  // namespace tocsin::config

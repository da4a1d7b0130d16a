// data.cpp: builds the template.Data value tree (KV, Pairs, Alerts, Alert types and their methods) and the
// example data of `amtool template render`.
#include "template/data.hpp"

#include <optional>
#include <set>

#include "template/funcs.hpp"

namespace tocsin::tmpl {

namespace {

// A time as time.Now() gives it: in the local zone, with a monotonic reading.
TimeValue clock_time(TimePoint at, int64_t mono_ns) {
  TimeValue t = utc_time(at);
  auto local = time_in_zone(t, "Local");
  if (local.ok()) {
    t = *local;
  }
  t.mono_ns = mono_ns;
  return t;
}

// A time read from JSON as Go's time.Parse leaves it: "Z" is UTC; an offset is the local zone when that
// has the same offset at that instant, else a fixed zone without a name.
TimeValue parsed_time(TimePoint at, const std::optional<int>& offset) {
  TimeValue t = alert_time(at);
  if (!offset || t.go_zero) {
    return t;
  }
  auto local = time_in_zone(t, "Local");
  if (local.ok() && local->offset_seconds == *offset) {
    return *local;
  }
  t.offset_seconds = *offset;
  t.zone.clear();
  return t;
}


std::shared_ptr<const TypeInfo> pair_type() {
  static auto t = [] {
    auto ti = std::make_shared<TypeInfo>();
    ti->name = "template.Pair";
    ti->is_struct = true;
    ti->json_lower_first = false;
    ti->field_order = {"Name", "Value"};
    return ti;
  }();
  return t;
}

std::vector<std::string> pair_field(const Value& pairs, const char* field) {
  std::vector<std::string> out;
  for (const auto& p : pairs.as_list()) {
    auto it = p.as_map().find(field);
    out.push_back(it == p.as_map().end() ? "" : it->second.as_string());
  }
  return out;
}

std::optional<Result<Value>> no_args(std::string_view name, const std::vector<Value>& args, Value v) {
  if (!args.empty()) {
    return Result<Value>(make_error("wrong number of args for " + std::string(name) + ": want 0 got " +
                                    std::to_string(args.size())));
  }
  return Result<Value>(std::move(v));
}

std::shared_ptr<const TypeInfo> pairs_type() {
  static auto t = [] {
    auto ti = std::make_shared<TypeInfo>();
    ti->name = "template.Pairs";
    ti->method = [](const Value& self, std::string_view name,
                    const std::vector<Value>& args) -> std::optional<Result<Value>> {
      if (name == "Names") {
        return no_args(name, args, string_list(pair_field(self, "Name")));
      }
      if (name == "Values") {
        return no_args(name, args, string_list(pair_field(self, "Value")));
      }
      return std::nullopt;
    };
    return ti;
  }();
  return t;
}

// SortedPairs puts "alertname" first, then the other names in order.
Value sorted_pairs(const Value& kv) {
  List pairs;
  const Map& m = kv.as_map();
  auto add = [&pairs](const std::string& k, const Value& v) {
    pairs.push_back(Value(Map{{"Name", Value(k)}, {"Value", v}}).with_type(pair_type()));
  };
  if (auto it = m.find("alertname"); it != m.end()) {
    add(it->first, it->second);
  }
  for (const auto& [k, v] : m) {
    if (k != "alertname") {
      add(k, v);
    }
  }
  return Value(std::move(pairs)).with_type(pairs_type());
}

std::shared_ptr<const TypeInfo> kv_type();

Value kv_from_map(Map m) { return Value(std::move(m)).with_type(kv_type()); }

std::shared_ptr<const TypeInfo> kv_type() {
  static auto t = [] {
    auto ti = std::make_shared<TypeInfo>();
    ti->name = "template.KV";
    ti->string_elems = true;
    ti->method = [](const Value& self, std::string_view name,
                    const std::vector<Value>& args) -> std::optional<Result<Value>> {
      if (name == "SortedPairs") {
        return no_args(name, args, sorted_pairs(self));
      }
      if (name == "Names") {
        return no_args(name, args, string_list(pair_field(sorted_pairs(self), "Name")));
      }
      if (name == "Values") {
        return no_args(name, args, string_list(pair_field(sorted_pairs(self), "Value")));
      }
      if (name == "Remove") {
        if (args.size() != 1) {
          return Result<Value>(make_error("wrong number of args for Remove: want 1 got " + std::to_string(args.size())));
        }
        if (!args[0].is_list()) {
          return Result<Value>(make_error("wrong type for value; expected []string; got " + args[0].type_name()));
        }
        std::set<std::string, std::less<>> drop;
        for (const auto& k : args[0].as_list()) {
          drop.insert(k.to_string());
        }
        Map out;
        for (const auto& [k, v] : self.as_map()) {
          if (drop.count(k) == 0) {
            out.emplace(k, v);
          }
        }
        return Result<Value>(kv_from_map(std::move(out)));
      }
      return std::nullopt;
    };
    return ti;
  }();
  return t;
}

std::shared_ptr<const TypeInfo> alert_type() {
  static auto t = [] {
    auto ti = std::make_shared<TypeInfo>();
    ti->name = "template.Alert";
    ti->is_struct = true;
    ti->field_order = {"Status", "Labels", "Annotations", "StartsAt", "EndsAt", "GeneratorURL", "Fingerprint"};
    return ti;
  }();
  return t;
}

std::shared_ptr<const TypeInfo> alert_list_type() {
  static auto t = [] {
    auto ti = std::make_shared<TypeInfo>();
    ti->name = "[]template.Alert";
    return ti;
  }();
  return t;
}

Value filter_status(const Value& alerts, const char* status) {
  List out;
  for (const auto& a : alerts.as_list()) {
    auto it = a.as_map().find("Status");
    if (it != a.as_map().end() && it->second.as_string() == status) {
      out.push_back(a);
    }
  }
  return Value(std::move(out)).with_type(alert_list_type());
}

std::shared_ptr<const TypeInfo> alerts_type() {
  static auto t = [] {
    auto ti = std::make_shared<TypeInfo>();
    ti->name = "template.Alerts";
    ti->method = [](const Value& self, std::string_view name,
                    const std::vector<Value>& args) -> std::optional<Result<Value>> {
      if (name == "Firing") {
        return no_args(name, args, filter_status(self, "firing"));
      }
      if (name == "Resolved") {
        return no_args(name, args, filter_status(self, "resolved"));
      }
      return std::nullopt;
    };
    return ti;
  }();
  return t;
}

std::shared_ptr<const TypeInfo> data_type() {
  static auto t = [] {
    auto ti = std::make_shared<TypeInfo>();
    ti->name = "template.Data";
    ti->is_struct = true;
    ti->field_order = {"Receiver",     "Status",           "Alerts", "GroupLabels", "CommonLabels",
                       "CommonAnnotations", "ExternalURL"};
    return ti;
  }();
  return t;
}

}  // namespace

Value make_kv(const LabelSet& kv) {
  Map m;
  for (const auto& [k, v] : kv) {
    m.emplace(k, Value(v));
  }
  return kv_from_map(std::move(m));
}

Value make_alert(const AlertData& a) {
  Map m{{"Status", Value(a.status)},
        {"Labels", make_kv(a.labels)},
        {"Annotations", make_kv(a.annotations)},
        {"StartsAt", Value(a.local_now ? clock_time(a.starts_at, a.starts_mono) : parsed_time(a.starts_at, a.starts_offset))},
        {"EndsAt", Value(a.local_now ? clock_time(a.ends_at, a.ends_mono) : parsed_time(a.ends_at, a.ends_offset))},
        {"GeneratorURL", Value(a.generator_url)},
        {"Fingerprint", Value(a.fingerprint)}};
  return Value(std::move(m)).with_type(alert_type());
}

Value make_data(const NotificationData& d) {
  List alerts;
  for (const auto& a : d.alerts) {
    alerts.push_back(make_alert(a));
  }
  Map m{{"Receiver", Value(d.receiver)},
        {"Status", Value(d.status)},
        {"Alerts", Value(std::move(alerts)).with_type(alerts_type())},
        {"GroupLabels", make_kv(d.group_labels)},
        {"CommonLabels", make_kv(d.common_labels)},
        {"CommonAnnotations", make_kv(d.common_annotations)},
        {"ExternalURL", Value(d.external_url)}};
  return Value(std::move(m)).with_type(data_type());
}

void fill_common(NotificationData& d) {
  d.status = "resolved";
  for (const auto& a : d.alerts) {
    if (a.status == "firing") {
      d.status = "firing";
    }
  }
  d.common_labels = LabelSet();
  d.common_annotations = LabelSet();
  if (d.alerts.empty()) {
    return;
  }
  auto common = [&d](auto field) {
    std::vector<LabelSet::Pair> keep;
    for (const auto& [k, v] : d.alerts[0].*field) {
      bool all = true;
      for (size_t i = 1; i < d.alerts.size() && all; ++i) {
        all = (d.alerts[i].*field).value(k) == v;
      }
      if (all) {
        keep.emplace_back(k, v);
      }
    }
    return LabelSet(std::move(keep));
  };
  d.common_labels = common(&AlertData::labels);
  d.common_annotations = common(&AlertData::annotations);
}

std::string quote_meta(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) {
      out += '\\';
    }
    out += c;
  }
  return out;
}

NotificationData build_data(std::string_view receiver, const LabelSet& group_labels, std::vector<AlertData> alerts,
                            std::string external_url) {
  NotificationData d;
  d.receiver = quote_meta(receiver);
  d.group_labels = group_labels;
  d.alerts = std::move(alerts);
  d.external_url = std::move(external_url);
  fill_common(d);
  return d;
}

NotificationData example_data(TimePoint now) {
  NotificationData d;
  d.receiver = "receiver";
  d.status = "alertstatus";
  d.external_url = "https://example.com";
  AlertData a1;
  a1.status = "alertstatus";
  a1.labels = LabelSet({{"label1", "value1"},
                        {"label2", "value2"},
                        {"instance", "foo.bar:1234"},
                        {"commonlabelkey1", "commonlabelvalue1"},
                        {"commonlabelkey2", "commonlabelvalue2"}});
  a1.annotations = LabelSet({{"annotation1", "value1"},
                             {"annotation2", "value2"},
                             {"commonannotationkey1", "commonannotationvalue1"},
                             {"commonannotationkey2", "commonannotationvalue2"}});
  // amtool's times come from time.Now() at start-up: local, with a monotonic reading (10 ms in, there).
  constexpr int64_t kMono = 10'000'000;
  constexpr int64_t kMinute = 60'000'000'000;
  a1.local_now = true;
  a1.starts_mono = kMono - 5 * kMinute;
  a1.ends_mono = kMono;
  a1.starts_at = now - std::chrono::minutes(5);
  a1.ends_at = now;
  a1.generator_url = "https://generatorurl.com";
  a1.fingerprint = "fingerprint1";
  AlertData a2;
  a2.status = "alertstatus";
  a2.labels = LabelSet({{"foo", "bar"},
                        {"baz", "qux"},
                        {"commonlabelkey1", "commonlabelvalue1"},
                        {"commonlabelkey2", "commonlabelvalue2"}});
  a2.annotations = LabelSet({{"aaa", "bbb"},
                             {"ccc", "ddd"},
                             {"commonannotationkey1", "commonannotationvalue1"},
                             {"commonannotationkey2", "commonannotationvalue2"}});
  a2.local_now = true;
  a2.starts_mono = kMono - 10 * kMinute;
  a2.ends_mono = kMono;
  a2.starts_at = now - std::chrono::minutes(10);
  a2.ends_at = now;
  a2.generator_url = "https://generatorurl.com";
  a2.fingerprint = "fingerprint2";
  d.alerts = {a1, a2};
  d.group_labels = LabelSet({{"grouplabelkey1", "grouplabelvalue1"}, {"grouplabelkey2", "grouplabelvalue2"}});
  d.common_labels = LabelSet({{"commonlabelkey1", "commonlabelvalue1"}, {"commonlabelkey2", "commonlabelvalue2"}});
  d.common_annotations = LabelSet(
      {{"commonannotationkey1", "commonannotationvalue1"}, {"commonannotationkey2", "commonannotationvalue2"}});
  return d;
}

}  // namespace tocsin::tmpl

// data_json.cpp: reads a notification's template data from the webhook payload JSON shape (the only
// file of this module that includes nlohmann).
#include <nlohmann/json.hpp>

#include "template/data.hpp"

namespace tocsin::tmpl {

namespace {

Result<LabelSet> read_kv(const nlohmann::json& j, const char* field) {
  std::vector<LabelSet::Pair> pairs;
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    return LabelSet();
  }
  if (!it->is_object()) {
    return make_error(std::string(field) + ": expected an object of strings");
  }
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) {
      return make_error(std::string(field) + "." + k + ": expected a string");
    }
    pairs.emplace_back(k, v.get<std::string>());
  }
  return LabelSet(std::move(pairs));
}

Result<std::string> read_string(const nlohmann::json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    return std::string();
  }
  if (!it->is_string()) {
    return make_error(std::string(field) + ": expected a string");
  }
  return it->get<std::string>();
}

Result<TimePoint> read_time(const nlohmann::json& j, const char* field) {
  auto s = read_string(j, field);
  if (!s.ok()) {
    return make_error(s.error());
  }
  if (s->empty()) {
    return kZeroTime;
  }
  auto t = parse_rfc3339(*s);
  if (!t.ok()) {
    return make_error(std::string(field) + ": " + t.error());
  }
  return *t;
}

}  // namespace

Result<NotificationData> data_from_json(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error("template data: not a JSON object");
  }
  NotificationData d;
  auto str = [&](const char* f, std::string& dst) -> Result<void> {
    auto r = read_string(j, f);
    if (!r.ok()) {
      return make_error("template data: " + r.error());
    }
    dst = *r;
    return {};
  };
  auto kv = [&](const char* f, LabelSet& dst) -> Result<void> {
    auto r = read_kv(j, f);
    if (!r.ok()) {
      return make_error("template data: " + r.error());
    }
    dst = *r;
    return {};
  };
  for (auto r : {str("receiver", d.receiver), str("status", d.status), str("externalURL", d.external_url),
                 kv("groupLabels", d.group_labels), kv("commonLabels", d.common_labels),
                 kv("commonAnnotations", d.common_annotations)}) {
    if (!r.ok()) {
      return make_error(r.error());
    }
  }
  auto alerts = j.find("alerts");
  if (alerts != j.end() && !alerts->is_null()) {
    if (!alerts->is_array()) {
      return make_error("template data: alerts: expected an array");
    }
    for (size_t i = 0; i < alerts->size(); ++i) {
      const auto& a = (*alerts)[i];
      std::string where = "template data: alerts[" + std::to_string(i) + "].";
      if (!a.is_object()) {
        return make_error(where + ": expected an object");
      }
      AlertData ad;
      auto status = read_string(a, "status");
      auto gen = read_string(a, "generatorURL");
      auto fp = read_string(a, "fingerprint");
      auto labels = read_kv(a, "labels");
      auto annotations = read_kv(a, "annotations");
      auto starts = read_time(a, "startsAt");
      auto ends = read_time(a, "endsAt");
      for (const std::string* err : {status.ok() ? nullptr : &status.error(), gen.ok() ? nullptr : &gen.error(),
                                     fp.ok() ? nullptr : &fp.error(), labels.ok() ? nullptr : &labels.error(),
                                     annotations.ok() ? nullptr : &annotations.error(),
                                     starts.ok() ? nullptr : &starts.error(), ends.ok() ? nullptr : &ends.error()}) {
        if (err != nullptr) {
          return make_error(where + *err);
        }
      }
      ad.status = *status;
      ad.generator_url = *gen;
      ad.fingerprint = *fp;
      ad.labels = *labels;
      ad.annotations = *annotations;
      ad.starts_at = *starts;
      ad.ends_at = *ends;
      d.alerts.push_back(std::move(ad));
    }
  }
  return d;
}

}  // namespace tocsin::tmpl

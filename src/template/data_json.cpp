// data_json.cpp: reads a notification's template data from the webhook payload JSON shape (the only
// file of this module that includes nlohmann), as encoding/json fills the reference's template.Data:
// keys matched case-insensitively, null as empty, unknown keys ignored, errors in Go's words.
#include <nlohmann/json.hpp>

#include <cctype>

#include "template/data.hpp"

namespace tocsin::tmpl {

namespace {

// The JSON value kind as encoding/json names it in "cannot unmarshal <kind> into ...".
std::string json_kind(const nlohmann::json& j) {
  if (j.is_number()) {
    return "number";
  }
  if (j.is_string()) {
    return "string";
  }
  if (j.is_boolean()) {
    return "bool";
  }
  if (j.is_array()) {
    return "array";
  }
  return "object";
}

// A struct field's key: the exact name, else the first key equal to it ignoring case.
const nlohmann::json* field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it != j.end()) {
    return &*it;
  }
  const std::string_view n(name);
  for (auto kv = j.begin(); kv != j.end(); ++kv) {
    const std::string& k = kv.key();
    if (k.size() == n.size() && std::equal(k.begin(), k.end(), n.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return &*kv;
    }
  }
  return nullptr;
}

// "json: cannot unmarshal number into Go struct field Alert.alerts.status of type string".
std::string type_error(const nlohmann::json& v, const std::string& where, const char* type) {
  return "json: cannot unmarshal " + json_kind(v) + " into Go struct field " + where + " of type " + type;
}

Result<LabelSet> read_kv(const nlohmann::json& j, const char* name, const std::string& where) {
  const nlohmann::json* v = field(j, name);
  if (v == nullptr || v->is_null()) {
    return LabelSet();
  }
  if (!v->is_object()) {
    return make_error(type_error(*v, where + name, "template.KV"));
  }
  std::vector<LabelSet::Pair> pairs;
  for (const auto& [k, e] : v->items()) {
    if (e.is_null()) {
      pairs.emplace_back(k, "");
      continue;
    }
    if (!e.is_string()) {
      return make_error(type_error(e, where + name, "string"));
    }
    pairs.emplace_back(k, e.get<std::string>());
  }
  return LabelSet(std::move(pairs));
}

Result<std::string> read_string(const nlohmann::json& j, const char* name, const std::string& where) {
  const nlohmann::json* v = field(j, name);
  if (v == nullptr || v->is_null()) {
    return std::string();
  }
  if (!v->is_string()) {
    return make_error(type_error(*v, where + name, "string"));
  }
  return v->get<std::string>();
}

// The offset an RFC 3339 time was written with, unless it ends in "Z".
std::optional<int> written_offset(const std::string& s) {
  if (s.size() < 6 || s.back() == 'Z' || s.back() == 'z') {
    return std::nullopt;
  }
  const std::string tail = s.substr(s.size() - 6);
  if ((tail[0] != '+' && tail[0] != '-') || tail[3] != ':') {
    return std::nullopt;
  }
  const int h = std::atoi(tail.substr(1, 2).c_str());
  const int m = std::atoi(tail.substr(4, 2).c_str());
  const int off = h * 3600 + m * 60;
  return tail[0] == '-' ? -off : off;
}

Result<TimePoint> read_time(const nlohmann::json& j, const char* name, std::optional<int>& offset) {
  const nlohmann::json* v = field(j, name);
  if (v == nullptr || v->is_null()) {
    return kZeroTime;
  }
  if (!v->is_string()) {
    // time.Time's UnmarshalJSON parses the raw JSON text as a quoted RFC 3339 time.
    const std::string raw = v->dump();
    return make_error("parsing time " + nlohmann::json(raw).dump() +
                      " as \"\\\"2006-01-02T15:04:05Z07:00\\\"\": cannot parse " + nlohmann::json(raw).dump() +
                      " as \"\\\"\"");
  }
  const std::string s = v->get<std::string>();
  auto t = parse_rfc3339(s);
  if (!t.ok()) {
    // Go quotes the JSON string, quotes included: parsing time "\"2024-13-01T00:00:00Z\"": ...
    std::string e = t.error();
    const std::string plain = "parsing time " + nlohmann::json(s).dump();
    if (e.rfind(plain, 0) == 0) {
      e = "parsing time " + nlohmann::json("\"" + s + "\"").dump() + e.substr(plain.size());
    }
    return make_error(e);
  }
  offset = written_offset(s);
  return *t;
}

}  // namespace

Result<NotificationData> data_from_json(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return make_error("template data: not valid JSON");
  }
  if (j.is_null()) {
    return NotificationData{};
  }
  if (!j.is_object()) {
    return make_error("json: cannot unmarshal " + json_kind(j) + " into Go value of type template.Data");
  }
  NotificationData d;
  const std::string data = "Data.";
  auto str = [&](const char* f, std::string& dst) -> Result<void> {
    auto r = read_string(j, f, data);
    if (!r.ok()) {
      return make_error(r.error());
    }
    dst = *r;
    return {};
  };
  auto kv = [&](const char* f, LabelSet& dst) -> Result<void> {
    auto r = read_kv(j, f, data);
    if (!r.ok()) {
      return make_error(r.error());
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
  const nlohmann::json* alerts = field(j, "alerts");
  if (alerts != nullptr && !alerts->is_null()) {
    if (!alerts->is_array()) {
      return make_error(type_error(*alerts, "Data.alerts", "template.Alerts"));
    }
    const std::string where = "Alert.alerts.";
    for (const auto& a : *alerts) {
      if (a.is_null()) {
        d.alerts.emplace_back();
        continue;
      }
      if (!a.is_object()) {
        return make_error(type_error(a, "Data.alerts", "template.Alert"));
      }
      AlertData ad;
      auto status = read_string(a, "status", where);
      auto labels = read_kv(a, "labels", where);
      auto annotations = read_kv(a, "annotations", where);
      auto starts = read_time(a, "startsAt", ad.starts_offset);
      auto ends = read_time(a, "endsAt", ad.ends_offset);
      auto gen = read_string(a, "generatorURL", where);
      auto fp = read_string(a, "fingerprint", where);
      for (const std::string* err : {status.ok() ? nullptr : &status.error(),
                                     labels.ok() ? nullptr : &labels.error(),
                                     annotations.ok() ? nullptr : &annotations.error(),
                                     starts.ok() ? nullptr : &starts.error(), ends.ok() ? nullptr : &ends.error(),
                                     gen.ok() ? nullptr : &gen.error(), fp.ok() ? nullptr : &fp.error()}) {
        if (err != nullptr) {
          return make_error(*err);
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

// value.hpp: the dynamic value that templates evaluate: Go's nil, bool, int64, float64, string, slices,
// sorted maps, times and durations, plus typed values (Alertmanager's KV, Alerts, Alert) whose methods
// and struct-like fields come from a shared TypeInfo.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"

namespace tocsin::tmpl {

class Value;
using List = std::vector<Value>;
using Map = std::map<std::string, Value, std::less<>>;

// A named Go type over a list or map: its methods, and how a missing map key evaluates.
struct TypeInfo {
  std::string name;        // as Go names it in errors: "template.KV"
  bool is_struct = false;  // a struct: a missing field is an error, printed as {v1 v2}, always truthy
  std::vector<std::string> field_order;  // struct fields in declaration order (for printing)
  bool string_elems = false;             // map[string]string: a missing key is ""
  bool json_lower_first = true;          // struct fields marshal as json:"lowerFirst" tags
  // An integer type with a String method over names (time.Month, time.Weekday): value i prints as
  // int_names[i].
  std::vector<std::string> int_names;
  // Looks up a method; returns nullopt when the type has no such method.
  std::function<std::optional<Result<Value>>(const Value& self, std::string_view name,
                                              const std::vector<Value>& args)>
      method;
};

// A time instant with the zone it is shown in (offset east of UTC and the abbreviation).
struct TimeValue {
  TimePoint at;
  int offset_seconds = 0;
  std::string zone = "UTC";
  // Go's zero time.Time (0001-01-01 00:00:00 UTC), outside the range of TimePoint's nanoseconds; shown
  // for unset alert times (kZeroTime).
  bool go_zero = false;
  // A monotonic clock reading (nanoseconds from process start), as time.Now() carries: String() shows
  // it as " m=+0.009946981" and Sub uses it; Round, Truncate, UTC, Local and In drop it.
  std::optional<int64_t> mono_ns;
};

class Value {
 public:
  enum class Kind { Null, Bool, Int, Double, String, List, Map, Time, Duration };

  Value() = default;
  Value(std::nullptr_t) {}                                      // NOLINT
  Value(bool b) : kind_(Kind::Bool), i_(b ? 1 : 0) {}           // NOLINT
  Value(int v) : kind_(Kind::Int), i_(v) {}                     // NOLINT
  Value(int64_t v) : kind_(Kind::Int), i_(v) {}                 // NOLINT
  Value(double v) : kind_(Kind::Double), d_(v) {}               // NOLINT
  Value(const char* s) : kind_(Kind::String), s_(std::make_shared<std::string>(s)) {}  // NOLINT
  Value(std::string s) : kind_(Kind::String), s_(std::make_shared<std::string>(std::move(s))) {}  // NOLINT
  Value(std::string_view s) : Value(std::string(s)) {}                                   // NOLINT
  Value(List l) : kind_(Kind::List), l_(std::make_shared<List>(std::move(l))) {}          // NOLINT
  Value(Map m) : kind_(Kind::Map), m_(std::make_shared<Map>(std::move(m))) {}             // NOLINT
  Value(TimeValue t) : kind_(Kind::Time), t_(std::make_shared<TimeValue>(std::move(t))) {}  // NOLINT
  static Value duration(Duration d) {
    Value v;
    v.kind_ = Kind::Duration;
    v.i_ = d.count();
    return v;
  }
  // Attaches a Go type (methods, struct-ness) to a list or map value.
  Value with_type(std::shared_ptr<const TypeInfo> type) const {
    Value v = *this;
    v.type_ = std::move(type);
    return v;
  }
  // A string that html escaping leaves alone (the result of safeHtml).
  static Value safe_html(std::string s) {
    Value v(std::move(s));
    v.safe_html_ = true;
    return v;
  }

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_int() const { return kind_ == Kind::Int; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_map() const { return kind_ == Kind::Map; }
  bool is_safe_html() const { return safe_html_; }

  bool as_bool() const { return i_ != 0; }
  int64_t as_int() const { return i_; }
  double as_double() const { return d_; }
  Duration as_duration() const { return Duration(i_); }
  const std::string& as_string() const;
  const List& as_list() const;
  const Map& as_map() const;
  const TimeValue& as_time() const { return *t_; }
  const TypeInfo* type() const { return type_.get(); }
  const std::shared_ptr<const TypeInfo>& type_ptr() const { return type_; }

  // Go truthiness: false, 0, 0.0, "", empty list/map and nil are false; structs and times are true.
  bool truthy() const;
  // Go's type name for errors: "string", "int", "[]interface {}", "template.KV" ...
  std::string type_name() const;
  // fmt.Sprint(v) / {{ . }}: strings as-is, lists [a b], maps map[k:v], times as time.Time.String().
  std::string to_string() const;

 private:
  Kind kind_ = Kind::Null;
  int64_t i_ = 0;
  double d_ = 0;
  bool safe_html_ = false;
  std::shared_ptr<const std::string> s_;
  std::shared_ptr<const List> l_;
  std::shared_ptr<const Map> m_;
  std::shared_ptr<const TimeValue> t_;
  std::shared_ptr<const TypeInfo> type_;
};

// Go's time.Time.Format with a reference-time layout ("2006-01-02 15:04:05 MST").
std::string go_time_format(const TimeValue& t, std::string_view layout);
// Go's time.Time.String(): "2024-01-02 03:04:05.5 +0000 UTC".
std::string go_time_string(const TimeValue& t);
// A UTC TimeValue.
TimeValue utc_time(TimePoint at);
// A UTC TimeValue for an alert's time; kZeroTime (unset) becomes Go's zero time.
inline TimeValue alert_time(TimePoint at) {
  TimeValue t = utc_time(at);
  t.go_zero = is_zero(at);
  return t;
}
// Go's time.Duration.String(): "1h2m3s", "1.5s", "0s".
std::string go_duration_string(Duration d);
// Go's strconv.FormatFloat(f, 'g', -1, 64), which %v uses.
std::string go_float_string(double d);
// Go's strconv.Quote.
std::string go_quote_string(std::string_view s);

}  // namespace tocsin::tmpl

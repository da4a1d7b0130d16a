// funcs.hpp: the functions templates call by name: Go's fmt-style printing used by print/printf, the
// escapers behind html/js/urlquery, and Alertmanager's functions (toUpper, join, reReplaceAll, tz ...).
// Internal to src/template.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "template/value.hpp"

namespace tocsin::tmpl {

// What a function may need from the running template besides its arguments.
struct FuncContext {
  std::function<TimePoint()> now;  // for `since`
};

// The parameter types a function declares; the evaluator checks them with Go's wording.
enum class ArgType { Any, String, Int, StringList, Time };

struct FuncSpec {
  std::vector<ArgType> params;  // with `variadic`, the last one repeats
  bool variadic = false;
  std::function<Result<Value>(const FuncContext&, const std::vector<Value>&)> fn;
};

// Alertmanager's DefaultFuncs (0.25 and the ones later releases added).
const std::map<std::string, FuncSpec, std::less<>>& alertmanager_funcs();

// fmt.Sprint, fmt.Sprintln and fmt.Sprintf over template values.
std::string go_sprint(const std::vector<Value>& args);
std::string go_sprintln(const std::vector<Value>& args);
// `max_padding` bounds the bytes that widths may add in all (a width applies to every element of a
// slice or map, so "%9999999d" of a large value is gigabytes); past it FormatTooLarge is thrown.
struct FormatTooLarge {};
std::string go_sprintf(std::string_view format, const std::vector<Value>& args, size_t max_padding = SIZE_MAX);

// text/template's html, js and urlquery escapers, and html/template's escaper for text content.
std::string html_escape(std::string_view s);
std::string js_escape(std::string_view s);
std::string url_query_escape(std::string_view s);
std::string html_template_escape(std::string_view s);
// encoding/json's Marshal of a value (what toJson and html/template's JS escaper print).
std::string go_json(const Value& v);

// The type tag lists of strings carry ("[]string"), as join expects.
Value string_list(std::vector<std::string> items);
// A zone by IANA name ("Europe/Berlin", "UTC", "Local") applied to a time; reads /usr/share/zoneinfo.
Result<TimeValue> time_in_zone(const TimeValue& t, std::string_view zone);

}  // namespace tocsin::tmpl

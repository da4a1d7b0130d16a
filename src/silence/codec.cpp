// codec.cpp: silences to and from JSON with nlohmann: the API v2 shapes, with go-swagger's rules and
// messages for bad bodies, and the store row format.
#include "silence/codec.hpp"

#include "silence/go_compat.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <optional>

namespace tocsin::silence {

namespace {

using nlohmann::ordered_json;
using json = nlohmann::json;

// Go's name for a JSON value's kind in "cannot unmarshal X into ..." messages.
const char* go_json_kind(const json& v) {
  if (v.is_string()) return "string";
  if (v.is_number()) return "number";
  if (v.is_boolean()) return "bool";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "null";
}

// Serializes as Go's encoding/json does: <, >, & and U+2028/U+2029 escaped as \uXXXX, \b and \f as
// \u0008 and \u000c, invalid UTF-8 replaced by U+FFFD.
std::string go_dump(const ordered_json& j) {
  const std::string raw = j.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(raw.size() + 16);
  for (size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      const char n = raw[++i];
      if (n == 'b') {
        out += "\\u0008";
      } else if (n == 'f') {
        out += "\\u000c";
      } else {
        out += c;
        out += n;
      }
    } else if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xe2' && i + 2 < raw.size() && raw[i + 1] == '\x80' && (raw[i + 2] == '\xa8' || raw[i + 2] == '\xa9')) {
      out += raw[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

struct ParseFail {
  int status;
  int code;
  std::string message;
};

ParseFail body_error(std::string because) {
  return ParseFail{400, 400, "parsing silence body from \"\" failed, because " + std::move(because)};
}

ParseFail type_error(const json& v, const std::string& field, const char* go_type) {
  return body_error(std::string("json: cannot unmarshal ") + go_json_kind(v) + " into Go struct field " + field +
                    " of type " + go_type);
}

ParseFail required(const std::string& path) { return ParseFail{422, 602, path + " in body is required"}; }

// The member for a Go struct field: its exact name, else a key equal to it without regard to case
// (encoding/json's rule).
json::const_iterator find_field(const json& obj, std::string_view key) {
  auto exact = obj.find(key);
  if (exact != obj.end()) return exact;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string& k = it.key();
    if (k.size() != key.size()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(k[i])) == std::tolower(static_cast<unsigned char>(key[i]));
    }
    if (same) return it;
  }
  return obj.end();
}

// Reads an optional string field: absent or null leaves `out` empty and returns false.
bool read_string(const json& obj, const char* key, const std::string& go_field, std::string& out,
                 std::optional<ParseFail>& fail) {
  auto it = find_field(obj, key);
  if (it == obj.end() || it->is_null()) {
    return false;
  }
  if (!it->is_string()) {
    fail = type_error(*it, go_field, "string");
    return false;
  }
  out = it->get<std::string>();
  return true;
}

bool read_bool(const json& obj, const char* key, const std::string& go_field, bool& out,
               std::optional<ParseFail>& fail) {
  auto it = find_field(obj, key);
  if (it == obj.end() || it->is_null()) {
    return false;
  }
  if (!it->is_boolean()) {
    fail = type_error(*it, go_field, "bool");
    return false;
  }
  out = it->get<bool>();
  return true;
}

bool read_time(const json& obj, const char* key, const std::string& go_field, TimePoint& out,
               std::optional<ParseFail>& fail) {
  std::string s;
  if (!read_string(obj, key, go_field, s, fail)) {
    return false;
  }
  auto t = parse_swagger_datetime(s);
  if (!t) {
    fail = body_error(t.error());  // Go's wording: parsing time "x" as "2006-01-02 15:04:05": cannot parse ...
    return false;
  }
  out = *t;
  return true;
}

struct RawMatcher {
  std::string name, value;
  bool has_name = false, has_value = false, has_is_regex = false;
  bool is_regex = false, is_equal = true;
};

}  // namespace

namespace {

// A one-pass reader for the common, well-formed PostableSilence body: an object of known keys, each
// at most once, strings without escapes, matchers with all four fields, times that parse, regexes that
// compile. Anything else (an unknown key, an escape, a null, a number, a duplicate, a missing field,
// an error of any kind) returns nullopt and the body takes the JSON tree below, which gives the
// reference's answer; what this accepts yields the same Silence the tree would.
class FastBody {
 public:
  explicit FastBody(std::string_view body) : b_(body) {}

  std::optional<Silence> parse() {
    Silence s;
    bool has_id = false, has_matchers = false, has_starts = false, has_ends = false, has_by = false,
         has_comment = false;
    if (!eat('{')) return std::nullopt;
    do {
      std::string_view key;
      if (!string(key) || !eat(':')) return std::nullopt;
      std::string_view v;
      bool ok = false;
      if (key == "matchers" && !has_matchers) {
        has_matchers = ok = matchers(s.matchers);
      } else if (key == "startsAt" && !has_starts) {
        has_starts = ok = time(s.starts_at);
      } else if (key == "endsAt" && !has_ends) {
        has_ends = ok = time(s.ends_at);
      } else if (key == "createdBy" && !has_by) {
        has_by = ok = string(v);
        s.created_by = v;
      } else if (key == "comment" && !has_comment) {
        has_comment = ok = string(v);
        s.comment = v;
      } else if (key == "id" && !has_id) {
        has_id = ok = string(v);
        s.id = v;
      }
      if (!ok) return std::nullopt;
    } while (eat(','));
    if (!eat('}') || !at_end()) return std::nullopt;
    if (!has_matchers || !has_starts || !has_ends || !has_by || !has_comment || s.matchers.empty()) {
      return std::nullopt;
    }
    return s;
  }

 private:
  void skip_ws() {
    while (i_ < b_.size() && (b_[i_] == ' ' || b_[i_] == '\t' || b_[i_] == '\n' || b_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    skip_ws();
    if (i_ < b_.size() && b_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool at_end() {
    skip_ws();
    return i_ == b_.size();
  }
  // A string without escapes or control characters, valid UTF-8.
  bool string(std::string_view& out) {
    if (!eat('"')) return false;
    size_t start = i_;
    bool ascii = true;
    for (; i_ < b_.size(); ++i_) {
      unsigned char c = static_cast<unsigned char>(b_[i_]);
      if (c == '"') break;
      if (c == '\\' || c < 0x20) return false;
      ascii = ascii && c < 0x80;
    }
    if (i_ == b_.size()) return false;
    out = b_.substr(start, i_ - start);
    ++i_;
    return ascii || is_valid_utf8(out);
  }
  bool boolean(bool& out) {
    skip_ws();
    for (std::string_view lit : {std::string_view("true"), std::string_view("false")}) {
      if (b_.substr(i_, lit.size()) == lit) {
        i_ += lit.size();
        out = lit.size() == 4;
        return true;
      }
    }
    return false;
  }
  bool time(TimePoint& out) {
    std::string_view v;
    if (!string(v)) return false;
    auto t = parse_rfc3339(std::string(v));
    if (!t) return false;
    out = *t;
    return true;
  }
  bool matchers(Matchers& out) {
    if (!eat('[')) return false;
    if (eat(']')) return true;  // empty: the tree answers
    do {
      if (!eat('{')) return false;
      std::string_view name, value;
      bool is_regex = false, is_equal = true;
      bool has_name = false, has_value = false, has_regex = false, has_equal = false;
      do {
        std::string_view key;
        if (!string(key) || !eat(':')) return false;
        bool ok = false;
        if (key == "name" && !has_name) {
          has_name = ok = string(name);
        } else if (key == "value" && !has_value) {
          has_value = ok = string(value);
        } else if (key == "isRegex" && !has_regex) {
          has_regex = ok = boolean(is_regex);
        } else if (key == "isEqual" && !has_equal) {
          has_equal = ok = boolean(is_equal);
        }
        if (!ok) return false;
      } while (eat(','));
      if (!eat('}') || !has_name || !has_value || !has_regex) return false;
      MatchType t = is_regex ? (is_equal ? MatchType::kRegex : MatchType::kNotRegex)
                             : (is_equal ? MatchType::kEqual : MatchType::kNotEqual);
      auto m = Matcher::make(t, std::string(name), std::string(value));
      if (!m) return false;
      out.push_back(std::move(*m));
    } while (eat(','));
    return eat(']');
  }

  std::string_view b_;
  size_t i_ = 0;
};

}  // namespace

Result<Silence> parse_postable_silence(std::string_view body, PostableError* err) {
  if (auto fast = FastBody(body).parse()) {
    return std::move(*fast);
  }
  auto fail = [err](ParseFail f) -> Result<Silence> {
    if (err != nullptr) {
      *err = PostableError{f.status, f.code};
    }
    return make_error(std::move(f.message));
  };
  // An empty body is "no silence" to go-swagger.
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return fail(required("silence"));
  }
  // json.Decoder reads the first value only and words its syntax errors its own way.
  const JsonScan scan = scan_go_json(body);
  if (scan.kind == JsonScan::kSyntax) {
    return fail(body_error(scan.message));
  }
  json doc;
  try {
    doc = json::parse(body.substr(0, scan.end));
  } catch (const json::exception&) {
    // A number too large for a double (1e999): every number here is a type error, whatever its size.
    doc = json::parse(zero_json_numbers(body.substr(0, scan.end)), nullptr, false);
    if (doc.is_discarded()) return fail(body_error("invalid JSON"));
  }
  // null decodes to an empty silence, which then fails validation on its first required field.
  if (doc.is_null()) {
    doc = json::object();
  }
  if (!doc.is_object()) {
    // The first of the two halves go-swagger decodes the body into is the struct holding the id.
    return fail(body_error(std::string("json: cannot unmarshal ") + go_json_kind(doc) +
                           " into Go value of type struct { ID string \"json:\\\"id,omitempty\\\"\" }"));
  }

  std::optional<ParseFail> bad;
  Silence s;
  read_string(doc, "id", ".id", s.id, bad);
  if (bad) return fail(*bad);

  std::vector<RawMatcher> raw;
  bool has_matchers = false;
  if (auto it = find_field(doc, "matchers"); it != doc.end() && !it->is_null()) {
    if (!it->is_array()) {
      return fail(type_error(*it, "Silence.matchers", "models.Matchers"));
    }
    has_matchers = true;
    for (const auto& m : *it) {
      RawMatcher rm;
      if (m.is_null()) {
        raw.push_back(rm);
        continue;
      }
      if (!m.is_object()) {
        return fail(type_error(m, "Silence.matchers", "models.Matcher"));
      }
      rm.has_name = read_string(m, "name", "Matcher.matchers.name", rm.name, bad);
      if (bad) return fail(*bad);
      rm.has_value = read_string(m, "value", "Matcher.matchers.value", rm.value, bad);
      if (bad) return fail(*bad);
      rm.has_is_regex = read_bool(m, "isRegex", "Matcher.matchers.isRegex", rm.is_regex, bad);
      if (bad) return fail(*bad);
      read_bool(m, "isEqual", "Matcher.matchers.isEqual", rm.is_equal, bad);
      if (bad) return fail(*bad);
      raw.push_back(std::move(rm));
    }
  }
  bool has_starts = read_time(doc, "startsAt", "Silence.startsAt", s.starts_at, bad);
  if (bad) return fail(*bad);
  bool has_ends = read_time(doc, "endsAt", "Silence.endsAt", s.ends_at, bad);
  if (bad) return fail(*bad);
  bool has_created_by = read_string(doc, "createdBy", "Silence.createdBy", s.created_by, bad);
  if (bad) return fail(*bad);
  bool has_comment = read_string(doc, "comment", "Silence.comment", s.comment, bad);
  if (bad) return fail(*bad);

  // go-swagger's validation, in its field order: comment, createdBy, endsAt, matchers, startsAt.
  if (!has_comment) return fail(required("comment"));
  if (!has_created_by) return fail(required("createdBy"));
  if (!has_ends) return fail(required("endsAt"));
  if (!has_matchers) return fail(required("matchers"));
  if (raw.empty()) {
    return fail(ParseFail{422, 612, "matchers in body should have at least 1 items"});
  }
  for (size_t i = 0; i < raw.size(); ++i) {
    const std::string path = "matchers." + std::to_string(i);
    const RawMatcher& rm = raw[i];
    if (!rm.has_is_regex) return fail(required(path + ".isRegex"));
    if (!rm.has_name) return fail(required(path + ".name"));
    if (!rm.has_value) return fail(required(path + ".value"));
  }
  if (!has_starts) return fail(required("startsAt"));

  for (const RawMatcher& rm : raw) {
    MatchType t = rm.is_regex ? (rm.is_equal ? MatchType::kRegex : MatchType::kNotRegex)
                              : (rm.is_equal ? MatchType::kEqual : MatchType::kNotEqual);
    auto m = Matcher::make(t, rm.name, rm.value);
    if (!m) {
      // A Matcher cannot hold an uncompilable regex, so this rule of validate_silence is applied here,
      // with its wording.
      auto v = validate_matcher_fields(t, rm.name, rm.value);
      std::string why = v ? m.error() : v.error();
      return fail(ParseFail{400, 0,
                            "silence invalid: invalid label matcher " + std::to_string(&rm - raw.data()) + ": " + why});
    }
    s.matchers.push_back(std::move(*m));
  }
  return s;
}

std::string swagger_error_body(int code, std::string_view message) {
  ordered_json j;
  j["code"] = code;
  j["message"] = std::string(message);
  return go_dump(j);
}

std::string json_string_body(std::string_view message) { return go_dump(ordered_json(std::string(message))) + "\n"; }

std::string post_silence_response(std::string_view id) {
  // Our ids (UUIDs) need no escaping: written directly; anything else through the tree.
  if (std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; })) {
    std::string out;
    out.reserve(id.size() + 17);
    out += "{\"silenceID\":\"";
    out += id;
    out += "\"}\n";
    return out;
  }
  ordered_json j;
  j["silenceID"] = std::string(id);
  return go_dump(j) + "\n";
}

namespace {
ordered_json gettable(const Silence& s, TimePoint now) {
  ordered_json j;
  j["id"] = s.id;
  j["status"]["state"] = state_str(state_at(s, now));
  j["updatedAt"] = format_rfc3339(s.updated_at);
  j["comment"] = s.comment;
  j["createdBy"] = s.created_by;
  j["endsAt"] = format_rfc3339(s.ends_at);
  ordered_json ms = ordered_json::array();
  for (const auto& m : s.matchers) {
    ordered_json mj;
    mj["isEqual"] = !m.is_negative();
    mj["isRegex"] = m.is_regex();
    mj["name"] = m.name();
    mj["value"] = m.value();
    ms.push_back(std::move(mj));
  }
  j["matchers"] = std::move(ms);
  j["startsAt"] = format_rfc3339(s.starts_at);
  return j;
}
}  // namespace

std::string gettable_silence_json(const Silence& s, TimePoint now) { return go_dump(gettable(s, now)); }

std::string gettable_silences_json(const std::vector<Silence>& sils, TimePoint now) {
  ordered_json arr = ordered_json::array();
  for (const auto& s : sils) {
    arr.push_back(gettable(s, now));
  }
  return go_dump(arr);
}

namespace {

// A JSON string as nlohmann's dump() writes it (UTF-8 kept, control characters escaped, \u00xx in
// lower case), so rows are byte for byte what they were when built through a JSON tree.
void append_row_string(std::string& out, std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out.push_back(kHex[(c >> 4) & 0xf]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// The row through a JSON tree: throws on invalid UTF-8, as it always did.
std::string storage_json_tree(const Silence& s) {
  ordered_json j;
  j["id"] = s.id;
  ordered_json ms = ordered_json::array();
  for (const auto& m : s.matchers) {
    ms.push_back(ordered_json{{"type", match_type_str(m.type())}, {"name", m.name()}, {"value", m.value()}});
  }
  j["matchers"] = std::move(ms);
  j["starts_at"] = s.starts_at.time_since_epoch().count();
  j["ends_at"] = s.ends_at.time_since_epoch().count();
  j["updated_at"] = s.updated_at.time_since_epoch().count();
  j["created_by"] = s.created_by;
  j["comment"] = s.comment;
  return j.dump();
}

}  // namespace

// Written directly (a silence creation's row costs a few appends instead of a tree); a string that is
// not valid UTF-8 takes the tree, which rejects it.
std::string storage_json(const Silence& s) {
  bool utf8 = is_valid_utf8(s.id) && is_valid_utf8(s.created_by) && is_valid_utf8(s.comment);
  for (const auto& m : s.matchers) {
    utf8 = utf8 && is_valid_utf8(m.name()) && is_valid_utf8(m.value());
  }
  if (!utf8) {
    return storage_json_tree(s);
  }
  std::string out;
  out.reserve(160 + s.id.size() + s.created_by.size() + s.comment.size() + 48 * s.matchers.size());
  out += "{\"id\":";
  append_row_string(out, s.id);
  out += ",\"matchers\":[";
  for (size_t i = 0; i < s.matchers.size(); ++i) {
    const Matcher& m = s.matchers[i];
    out += i == 0 ? "{\"type\":" : ",{\"type\":";
    append_row_string(out, match_type_str(m.type()));
    out += ",\"name\":";
    append_row_string(out, m.name());
    out += ",\"value\":";
    append_row_string(out, m.value());
    out.push_back('}');
  }
  out += "],\"starts_at\":";
  out += std::to_string(s.starts_at.time_since_epoch().count());
  out += ",\"ends_at\":";
  out += std::to_string(s.ends_at.time_since_epoch().count());
  out += ",\"updated_at\":";
  out += std::to_string(s.updated_at.time_since_epoch().count());
  out += ",\"created_by\":";
  append_row_string(out, s.created_by);
  out += ",\"comment\":";
  append_row_string(out, s.comment);
  out.push_back('}');
  return out;
}

namespace {

// Reads a row exactly as storage_json writes it (fixed key order, no spaces, the escapes of
// append_row_string): 10,000 silences load at start-up, and a JSON tree for each is most of that.
// Anything else (an older row, a hand edit) returns nullopt and goes to the tree.
class RowReader {
 public:
  explicit RowReader(std::string_view s) : s_(s) {}

  std::optional<Silence> run() {
    Silence out;
    if (!lit("{\"id\":") || !str(out.id) || !lit(",\"matchers\":[")) return std::nullopt;
    if (!lit("]")) {
      for (;;) {
        std::string type, name, value;
        if (!lit("{\"type\":") || !str(type) || !lit(",\"name\":") || !str(name) || !lit(",\"value\":") ||
            !str(value) || !lit("}")) {
          return std::nullopt;
        }
        const auto t = match_type_from_str(type);
        if (!t) return std::nullopt;
        auto m = Matcher::make(*t, std::move(name), std::move(value));
        if (!m) return std::nullopt;
        out.matchers.push_back(std::move(*m));
        if (lit("]")) break;
        if (!lit(",")) return std::nullopt;
      }
    }
    int64_t starts = 0, ends = 0, updated = 0;
    if (!lit(",\"starts_at\":") || !num(starts) || !lit(",\"ends_at\":") || !num(ends) ||
        !lit(",\"updated_at\":") || !num(updated) || !lit(",\"created_by\":") || !str(out.created_by) ||
        !lit(",\"comment\":") || !str(out.comment) || !lit("}") || i_ != s_.size()) {
      return std::nullopt;
    }
    out.starts_at = TimePoint{Duration{starts}};
    out.ends_at = TimePoint{Duration{ends}};
    out.updated_at = TimePoint{Duration{updated}};
    return out;
  }

 private:
  bool lit(std::string_view l) {
    if (s_.substr(i_, l.size()) != l) return false;
    i_ += l.size();
    return true;
  }
  bool num(int64_t& v) {
    bool neg = false;
    if (i_ < s_.size() && s_[i_] == '-') {
      neg = true;
      ++i_;
    }
    const size_t start = i_;
    uint64_t u = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9' && i_ - start < 19) u = u * 10 + static_cast<uint64_t>(s_[i_++] - '0');
    if (i_ == start || (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9')) return false;
    if (u > static_cast<uint64_t>(INT64_MAX)) return false;  // the tree reports it
    v = neg ? -static_cast<int64_t>(u) : static_cast<int64_t>(u);
    return true;
  }
  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  }
  bool str(std::string& out) {
    if (!lit("\"")) return false;
    out.clear();
    for (;;) {
      const size_t run = i_;
      while (i_ < s_.size() && s_[i_] != '"' && s_[i_] != '\\') ++i_;
      out.append(s_.data() + run, i_ - run);
      if (i_ >= s_.size()) return false;
      if (s_[i_++] == '"') return true;
      if (i_ >= s_.size()) return false;
      switch (s_[i_++]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case 'b': out += '\b'; break;
        case 't': out += '\t'; break;
        case 'n': out += '\n'; break;
        case 'f': out += '\f'; break;
        case 'r': out += '\r'; break;
        case 'u': {  // only the \u00xx that append_row_string writes for control characters
          if (i_ + 4 > s_.size() || s_[i_] != '0' || s_[i_ + 1] != '0') return false;
          const int hi = hex(s_[i_ + 2]), lo = hex(s_[i_ + 3]);
          if (hi < 0 || lo < 0) return false;
          out += static_cast<char>(hi * 16 + lo);
          i_ += 4;
          break;
        }
        default: return false;
      }
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

Result<Silence> parse_storage_json(std::string_view text) {
  if (auto fast = RowReader(text).run()) return std::move(*fast);
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error("silence row is not a JSON object");
  }
  try {
    Silence s;
    s.id = j.at("id").get<std::string>();
    for (const auto& mj : j.at("matchers")) {
      std::string type = mj.at("type").get<std::string>();
      const auto t = match_type_from_str(type);
      if (!t) {
        return make_error("unknown matcher type " + type);
      }
      auto m = Matcher::make(*t, mj.at("name").get<std::string>(), mj.at("value").get<std::string>());
      if (!m) {
        return make_error(m.error());
      }
      s.matchers.push_back(std::move(*m));
    }
    s.starts_at = TimePoint{Duration{j.at("starts_at").get<int64_t>()}};
    s.ends_at = TimePoint{Duration{j.at("ends_at").get<int64_t>()}};
    s.updated_at = TimePoint{Duration{j.at("updated_at").get<int64_t>()}};
    s.created_by = j.at("created_by").get<std::string>();
    s.comment = j.at("comment").get<std::string>();
    return s;
  } catch (const json::exception& e) {
    return make_error(std::string("bad silence row: ") + e.what());
  }
}

}  // namespace tocsin::silence

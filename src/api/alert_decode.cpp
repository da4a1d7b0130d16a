// alert_decode.cpp: a small recursive-descent JSON reader specialised for PostableAlerts.
#include "api/alert_decode.hpp"

#include "core/labels.hpp"

namespace tocsin::api {

namespace {

class Decoder {
 public:
  explicit Decoder(std::string_view s) : s_(s) {}

  std::optional<std::vector<Alert>> run() {
    std::vector<Alert> out;
    ws();
    if (!eat('[')) return std::nullopt;
    ws();
    if (eat(']')) return finish(std::move(out));
    for (;;) {
      Alert a;
      if (!alert(a)) return std::nullopt;
      out.push_back(std::move(a));
      ws();
      if (eat(',')) continue;
      if (eat(']')) return finish(std::move(out));
      return std::nullopt;
    }
  }

 private:
  std::optional<std::vector<Alert>> finish(std::vector<Alert> out) {
    ws();
    if (i_ != s_.size()) return std::nullopt;
    return out;
  }

  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }
  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool hex4(uint32_t& v) {
    if (i_ + 4 > s_.size()) return false;
    v = 0;
    for (int k = 0; k < 4; ++k) {
      const int h = hex(s_[i_ + k]);
      if (h < 0) return false;
      v = v * 16 + static_cast<uint32_t>(h);
    }
    i_ += 4;
    return true;
  }
  static void utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  // A JSON string into `out`; non-ASCII bytes are copied and checked for UTF-8 validity at the end.
  bool string(std::string& out) {
    if (!eat('"')) return false;
    const size_t start = i_;
    // Fast scan: no escapes.
    while (i_ < s_.size() && s_[i_] != '"' && s_[i_] != '\\' && static_cast<unsigned char>(s_[i_]) >= 0x20) ++i_;
    if (i_ < s_.size() && s_[i_] == '"') {
      out.assign(s_.data() + start, i_ - start);
      ++i_;
      return is_valid_utf8(out);
    }
    out.assign(s_.data() + start, i_ - start);
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') return is_valid_utf8(out);
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) return false;
      const char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xd800 && cp < 0xdc00) {
            uint32_t lo = 0;
            if (!(eat('\\') && eat('u') && hex4(lo)) || lo < 0xdc00 || lo >= 0xe000) return false;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          } else if (cp >= 0xdc00 && cp < 0xe000) {
            return false;  // a lone low surrogate: let the general path decide
          }
          utf8(out, cp);
          break;
        }
        default: return false;
      }
    }
    return false;
  }

  // {"k":"v",...} of strings only.
  bool kv(LabelSet& out) {
    ws();
    if (!eat('{')) return false;
    std::vector<LabelSet::Pair> pairs;
    ws();
    if (!eat('}')) {
      for (;;) {
        ws();
        std::string k, v;
        if (!string(k)) return false;
        ws();
        if (!eat(':')) return false;
        ws();
        if (!string(v)) return false;
        for (const auto& p : pairs) {
          if (p.first == k) return false;  // duplicate keys: leave the rule to the general path
        }
        pairs.emplace_back(std::move(k), std::move(v));
        ws();
        if (eat(',')) continue;
        if (eat('}')) break;
        return false;
      }
    }
    out = LabelSet(std::move(pairs));
    return true;
  }

  bool alert(Alert& a) {
    ws();
    if (!eat('{')) return false;
    bool has_labels = false;
    ws();
    if (eat('}')) return false;  // labels missing: the general path answers 422
    for (;;) {
      ws();
      std::string key;
      if (!string(key)) return false;
      ws();
      if (!eat(':')) return false;
      ws();
      if (key == "labels") {
        if (has_labels || !kv(a.labels)) return false;
        has_labels = true;
      } else if (key == "annotations") {
        if (!kv(a.annotations)) return false;
      } else if (key == "startsAt" || key == "endsAt") {
        std::string t;
        if (!string(t)) return false;
        auto tp = parse_rfc3339(t);
        if (!tp) return false;
        (key == "startsAt" ? a.starts_at : a.ends_at) = *tp;
      } else if (key == "generatorURL") {
        std::string url;
        if (!string(url)) return false;
        a.generator_url = url;
      } else {
        return false;  // unknown fields: rare, left to the general path
      }
      ws();
      if (eat(',')) continue;
      if (eat('}')) break;
      return false;
    }
    return has_labels;
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::optional<std::vector<Alert>> decode_alerts_fast(std::string_view body) { return Decoder(body).run(); }

}  // namespace tocsin::api

// alert_decode.cpp: a small recursive-descent JSON reader specialised for PostableAlerts.
#include "api/alert_decode.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <deque>
#include <string>

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
      if (out.empty()) {
        // The alerts of a batch are alike in size: room for as many as the first one's share of the
        // body, instead of eight regrowths (each moving every alert) for a batch of 100. Capped: a
        // tiny first alert before a huge one must not reserve millions of alerts.
        out.reserve(std::min<size_t>(s_.size() / i_ + 1, 1024));
      }
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

  // The high bit of each of the 8 bytes at `p` that ends the plain part of a JSON string: '"', '\\',
  // a control character (< 0x20) or a non-ASCII byte (>= 0x80, to be checked for UTF-8 validity).
  // Exact for the first such byte (the lowest, as the word is read little-endian): a borrow only
  // spreads above a byte that already matched, so later bits may be false alarms, never earlier ones.
  static uint64_t specials_in_word(const char* p) {
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    constexpr uint64_t kHigh = 0x8080808080808080ULL;
    uint64_t w;
    std::memcpy(&w, p, 8);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    auto zero_byte = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
    const uint64_t below_space = (w - 0x20 * kOnes) & ~w & kHigh;
    return zero_byte(w ^ ('"' * kOnes)) | zero_byte(w ^ ('\\' * kOnes)) | below_space | (w & kHigh);
  }

  // A JSON string as a view: into the body when it holds no escape (the usual case, no copy), else
  // into its unescaped copy kept in scratch_. The result is valid UTF-8 (the string is declined if not).
  bool string(std::string_view& out) {
    if (!eat('"')) return false;
    const size_t start = i_;
    while (i_ + 8 <= s_.size()) {
      const uint64_t specials = specials_in_word(s_.data() + i_);
      if (specials == 0) {
        i_ += 8;
        continue;
      }
      // Straight to the first special byte: for the usual short label value, the closing quote.
      i_ += static_cast<size_t>(std::countr_zero(specials)) / 8;
      if (s_[i_] == '"') {
        out = s_.substr(start, i_ - start);  // every byte before it is plain ASCII
        ++i_;
        return true;
      }
      break;  // an escape, a control or a non-ASCII byte: the byte loop below decides
    }
    bool ascii = true;
    for (; i_ < s_.size(); ++i_) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        out = s_.substr(start, i_ - start);
        ++i_;
        return ascii || is_valid_utf8(out);
      }
      if (c == '\\') break;
      if (c < 0x20) return false;
      if (c >= 0x80) ascii = false;
    }
    if (i_ >= s_.size()) return false;
    std::string& buf = scratch_.emplace_back(s_.data() + start, i_ - start);
    if (!unescape_rest(buf)) return false;
    out = buf;
    return true;
  }

  // The rest of a string with escapes, from the first backslash, appended to `out`.
  bool unescape_rest(std::string& out) {
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
    pairs_.clear();
    ws();
    if (!eat('}')) {
      for (;;) {
        ws();
        std::string_view k, v;
        if (!string(k)) return false;
        ws();
        if (!eat(':')) return false;
        ws();
        if (!string(v)) return false;
        for (const auto& p : pairs_) {
          if (p.first == k) return false;  // duplicate keys: leave the rule to the general path
        }
        pairs_.emplace_back(k, v);
        ws();
        if (eat(',')) continue;
        if (eat('}')) break;
        return false;
      }
    }
    out = LabelSet::from_views(pairs_);
    return true;
  }

  bool alert(Alert& a) {
    scratch_.clear();  // the previous alert's strings are copied into it by now
    ws();
    if (!eat('{')) return false;
    bool has_labels = false;
    ws();
    if (eat('}')) return false;  // labels missing: the general path answers 422
    for (;;) {
      ws();
      std::string_view key;
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
        std::string_view t;
        if (!string(t)) return false;
        auto tp = parse_rfc3339(t);
        if (!tp) return false;
        (key == "startsAt" ? a.starts_at : a.ends_at) = *tp;
      } else if (key == "generatorURL") {
        std::string_view url;
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
  std::deque<std::string> scratch_;  // unescaped strings; a deque keeps earlier views valid
  std::vector<LabelSet::ViewPair> pairs_;  // reused by every kv()
};

}  // namespace

std::optional<std::vector<Alert>> decode_alerts_fast(std::string_view body) { return Decoder(body).run(); }

}  // namespace tocsin::api

// json_out_test.cpp: Go's string escaping (the API's listings) against fixed cases and, for random
// byte strings, against a byte-at-a-time model of encoding/json's rules.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "core/json_out.hpp"

using namespace tocsin;

namespace {

// encoding/json with HTML escaping, one byte or rune at a time: the model the fast path must match.
std::string model(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '"') out += "\\\"";
      else if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // Decode one rune; anything not a valid, shortest, non-surrogate sequence is one bad byte.
    size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    uint32_t r = n == 4 ? c & 0x07 : n == 3 ? c & 0x0f : c & 0x1f;
    bool ok = n != 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[i + k]);
      ok = (d & 0xc0) == 0x80;
      r = (r << 6) | (d & 0x3f);
    }
    if (ok) {
      const uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
      ok = r >= min && r <= 0x10ffff && !(r >= 0xd800 && r <= 0xdfff);
    }
    if (!ok) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (r == 0x2028 || r == 0x2029) {
      out += r == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out + "\"";
}

std::string via_write(std::string_view s) {
  std::string buf(json_out::string_bound(s), '\0');
  return std::string(buf.data(), json_out::write_string(buf.data(), s));
}

}  // namespace

TEST_CASE("write_string and append_string escape as Go's encoding/json") {
  const std::pair<std::string, std::string> cases[] = {
      {"", "\"\""},
      {"plain text", "\"plain text\""},
      {"<b>&amp;</b>", "\"\\u003cb\\u003e\\u0026amp;\\u003c/b\\u003e\""},
      {"q\"b\\", "\"q\\\"b\\\\\""},
      {"nl\ncr\rtab\t", "\"nl\\ncr\\rtab\\t\""},
      {std::string("\x00\x01\x1f\x7f", 4), "\"\\u0000\\u0001\\u001f\x7f\""},
      {"\xE2\x80\xA8\xE2\x80\xA9", "\"\\u2028\\u2029\""},
      {"caf\xC3\xA9 \xF0\x9F\x98\x80", "\"caf\xC3\xA9 \xF0\x9F\x98\x80\""},
      {"bad\xFFutf8\xE2\x82", "\"bad\\ufffdutf8\\ufffd\\ufffd\""},
      {"\xC0\xAF\xED\xA0\x80\xF4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\""},
  };
  for (const auto& c : cases) {
    const std::string& in = c.first;  // not a structured binding: clang 14 cannot capture one
    const std::string& want = c.second;
    CAPTURE(in);
    CHECK(via_write(in) == want);
    CHECK(model(in) == want);
    std::string out = "x";
    json_out::append_string(out, in);
    CHECK(out == "x" + want);
  }
}

TEST_CASE("write_string matches the model on random bytes, short and long") {
  std::mt19937 rng(42);
  // Bytes drawn mostly from the interesting ones: ASCII escapes, UTF-8 lead and continuation bytes.
  const std::string alphabet = std::string("aZ0 \"\\<>&\n\t\x01\x7f", 14) + "\xC3\xA9\xE2\x80\xA8\xA9\xF0\x9F\x98\xFF\xED\xA0";
  for (int round = 0; round < 3000; ++round) {
    const size_t len = round < 2900 ? rng() % 40 : 500 + rng() % 2000;  // the long ones take append_string's other path
    std::string s;
    for (size_t i = 0; i < len; ++i) s += alphabet[rng() % alphabet.size()];
    CAPTURE(s);
    const std::string want = model(s);
    REQUIRE(via_write(s) == want);
    std::string out;
    json_out::append_string(out, s);
    REQUIRE(out == want);
  }
}

TEST_CASE("write_labels and append_labels") {
  const LabelSet ls{{"b", "x<y"}, {"a", "1"}, {"c", ""}};
  const std::string want = R"({"a":"1","b":"x\u003cy","c":""})";
  std::string buf(json_out::labels_bound(ls), '\0');
  CHECK(std::string(buf.data(), json_out::write_labels(buf.data(), ls)) == want);
  std::string out = "[";
  json_out::append_labels(out, ls);
  CHECK(out == "[" + want);
  // Plain sets take the one-scan path; an escape anywhere (first name, last value) the other.
  for (const LabelSet& set : {LabelSet{{"alertname", "HighLatency"}, {"instance", "host-1:9100"}, {"z", ""}},
                              LabelSet{{"a&", "1"}, {"b", "2"}}, LabelSet{{"a", "1"}, {"b", "caf\xC3\xA9"}},
                              LabelSet{{"a", "1"}, {"b", "\xFF"}},
                              // Names past the interning limit are stored inline, next to the values.
                              LabelSet{{std::string(200, 'n'), "v"}, {"a", "1"}},
                              LabelSet{{std::string(200, 'n') + "<", "v"}, {"a", "1"}},
                              LabelSet{{std::string(200, 'n'), "v>"}, {"a", "1"}}}) {
    std::string expect = "{";
    for (const auto& [k, v] : set) {
      expect += (expect.size() > 1 ? "," : "") + model(k) + ":" + model(v);
    }
    expect += "}";
    std::string got(json_out::labels_bound(set), '\0');
    CHECK(std::string(got.data(), json_out::write_labels(got.data(), set)) == expect);
  }
  out.clear();
  json_out::append_labels(out, LabelSet{});
  CHECK(out == "{}");
}

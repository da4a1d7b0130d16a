// labels_test.cpp: LabelSet ordering and editing, fingerprints and printing as Prometheus computes
// them (vectors printed by github.com/prometheus/common/model), Go quoting.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/labels.hpp"
#include "core/slab.hpp"

using namespace tocsin;

TEST_CASE("LabelSet keeps pairs sorted, later duplicates win") {
  LabelSet ls(std::vector<LabelSet::Pair>{{"b", "1"}, {"a", "2"}, {"b", "3"}});
  REQUIRE(ls.size() == 2);
  CHECK(ls.pairs()[0].first == "a");
  CHECK(ls.value("b") == "3");
  CHECK(ls.value("missing").empty());
  CHECK_FALSE(ls.get("missing").has_value());
  ls.set("c", "x");
  ls.set("a", "y");
  CHECK(ls.to_string() == "{a=\"y\", b=\"3\", c=\"x\"}");
  ls.erase("b");
  ls.erase("nope");
  CHECK(ls == LabelSet{{"c", "x"}, {"a", "y"}});
}

TEST_CASE("LabelSet in one block: copies, moves, empty values, long values, order") {
  std::string longv(70000, 'x');  // past any 16-bit offset
  LabelSet a{{"z", ""}, {"name", longv}, {"a", "1"}};
  REQUIRE(a.size() == 3);
  CHECK(a.at(0).first == "a");
  CHECK(a.value("name") == longv);
  REQUIRE(a.get("z").has_value());
  CHECK(a.get("z")->empty());
  LabelSet b = a;  // deep copy
  CHECK(b == a);
  b.set("a", "2");
  CHECK(a.value("a") == "1");
  CHECK(b.value("a") == "2");
  CHECK_FALSE(a == b);
  CHECK(a < b);
  LabelSet c = std::move(b);
  CHECK(b.empty());  // NOLINT: a moved-from set is empty
  CHECK(c.value("a") == "2");
  const LabelSet& same = c;
  c = same;  // self-assignment keeps the set
  CHECK(c.value("name") == longv);
  LabelSet empty;
  CHECK(empty.begin() == empty.end());
  CHECK(empty == LabelSet(std::vector<LabelSet::Pair>{}));
  CHECK(empty < a);
  CHECK_FALSE(a < empty);
  // Prefix sets order before longer ones, as vectors of pairs do.
  CHECK(LabelSet{{"a", "1"}} < LabelSet{{"a", "1"}, {"b", "0"}});
  CHECK(LabelSet{{"a", "1"}, {"b", "0"}} < LabelSet{{"a", "2"}});
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& [k, v] : a) seen.emplace_back(std::string(k), std::string(v).substr(0, 3));
  CHECK(seen == std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"name", "xxx"}, {"z", ""}});
  CHECK(a.heap_bytes() > longv.size());
}

TEST_CASE("LabelSet block widths: 1, 2 and 4-byte offsets at their boundaries") {
  // Value text of 0, 255/256 and 65535/65536 bytes, and 300 labels (a count past one byte).
  for (size_t text : {size_t{0}, size_t{255}, size_t{256}, size_t{65535}, size_t{65536}}) {
    CAPTURE(text);
    const std::string v(text, 'v');
    LabelSet s{{"b", v}, {"a", ""}};
    CHECK(s.at(0).first == "a");
    CHECK(s.at(1).first == "b");
    CHECK(s.value("b") == v);
    CHECK(s.get("a").has_value());
    LabelSet copy = s;
    CHECK(copy == s);
    CHECK(copy.fingerprint() == s.fingerprint());
    // Interned names: the width byte, the count, two 16-bit name ids, three value offsets, the values.
    const size_t w = text <= 0xff ? 1 : text <= 0xffff ? 2 : 4;
    CHECK(s.heap_bytes() == 1 + w + 2 * 2 + w * 3 + text);
  }
  // A name past the interning limit keeps every name of its set inline: count, 2n+1 offsets, text.
  const std::string long_name(200, 'n');
  LabelSet in{{long_name, "x"}, {"a", "1"}};
  CHECK(in.at(0) == LabelSet::ViewPair{"a", "1"});
  CHECK(in.at(1) == LabelSet::ViewPair{long_name, "x"});
  CHECK(in.value(long_name) == "x");
  CHECK(in.heap_bytes() == 1 + 1 + 5 + (1 + 1 + 200 + 1));
  LabelSet in2 = in;
  in2.set("a", "1");
  CHECK(in2 == in);
  CHECK(in.fingerprint() == LabelSet(std::vector<LabelSet::Pair>{{"a", "1"}, {long_name, "x"}}).fingerprint());
  std::vector<LabelSet::Pair> many;
  for (int i = 0; i < 300; ++i) many.emplace_back("l" + std::to_string(1000 + i), "");
  LabelSet big(many);
  REQUIRE(big.size() == 300);
  CHECK(big.at(0).first == "l1000");
  CHECK(big.at(299).first == "l1299");
  CHECK(big.has("l1150"));
  CHECK_FALSE(big.has("l9999"));
  CHECK(big.heap_bytes() == 1 + 2 + 2 * 300 + 2 * 301);
  // Six short labels (a typical alert): names are 2-byte ids, offsets 1 byte.
  LabelSet typical{{"alertname", "HighLatency"}, {"instance", "host-17:9100"}, {"job", "node"},
                   {"severity", "warning"}, {"service", "api"}, {"group", "g1"}};
  size_t values = 0;
  for (auto [n, val] : typical) values += val.size();
  CHECK(typical.heap_bytes() == 1 + 1 + 12 + 7 + values);
  std::vector<std::string> names;
  for (auto [n, val] : typical) names.emplace_back(n);
  CHECK(names == std::vector<std::string>{"alertname", "group", "instance", "job", "service", "severity"});
}

TEST_CASE("LabelSet names interned from several threads stay consistent") {
  std::vector<std::thread> ts;
  std::vector<std::vector<LabelSet>> made(4);
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([t, &made] {
      for (int i = 0; i < 500; ++i) {
        made[t].push_back(LabelSet{{"name_" + std::to_string(i % 97), "v"}, {"common", std::to_string(i)}});
      }
    });
  }
  for (auto& th : ts) th.join();
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 500; ++i) {
      const LabelSet& s = made[t][i];
      CHECK(s == made[0][i]);
      CHECK(s.value("name_" + std::to_string(i % 97)) == "v");
      CHECK(s.at(0).first == "common");
    }
  }
}

TEST_CASE("LabelSet blocks of every size made and freed from several threads keep their contents") {
  // Small blocks share slabs by size class and are reused once freed: sets of many sizes, built,
  // copied and dropped on four threads at once, must each read back exactly what was put in.
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &bad] {
      std::vector<LabelSet> kept;
      for (int i = 0; i < 3000; ++i) {
        const std::string v(static_cast<size_t>((i * 7 + t) % 300), static_cast<char>('a' + (i + t) % 26));
        LabelSet ls{{"alertname", "A" + std::to_string(i)}, {"v", v}, {"t", std::to_string(t)}};
        LabelSet copy = ls;
        if (copy.value("v") != v || copy.value("t") != std::to_string(t)) ++bad;
        if (i % 3 == 0) kept.push_back(std::move(copy));
        if (kept.size() > 200) kept.erase(kept.begin(), kept.begin() + 100);
      }
      for (const auto& ls : kept) {
        if (ls.value("t") != std::to_string(t) || ls.size() != 3) ++bad;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(bad == 0);
}

TEST_CASE("fingerprints equal Prometheus model.LabelSet.Fingerprint") {
  CHECK(LabelSet{}.fingerprint() == 14695981039346656037ULL);
  CHECK(fingerprint_hex(LabelSet{}.fingerprint()) == "cbf29ce484222325");
  CHECK(LabelSet{{"alertname", "foo"}}.fingerprint() == 14242575648090440074ULL);
  CHECK(fingerprint_hex(LabelSet{{"alertname", "foo"}}.fingerprint()) == "c5a7cb176f0f418a");
  LabelSet three{{"severity", "page"}, {"job", "api"}, {"alertname", "HighLatency"}};
  CHECK(three.fingerprint() == 11602926670125047641ULL);
  CHECK(fingerprint_hex(three.fingerprint()) == "a105e054dfb59f59");
  LabelSet unicode{{"a", ""}, {"b", "\xC3\xBCn\xC3\xAF" "c\xC3\xB6" "d\xC3\xA9"}};
  CHECK(fingerprint_hex(unicode.fingerprint()) == "1de3161b93c8082f");
  CHECK(fingerprint_hex(0x1) == "0000000000000001");
}

TEST_CASE("to_string sorts the printed pairs like Go") {
  CHECK(LabelSet{}.to_string() == "{}");
  // "a0=..." sorts before "a=..." because '0' < '='.
  CHECK(LabelSet{{"a", "1"}, {"a0", "2"}}.to_string() == "{a0=\"2\", a=\"1\"}");
  CHECK(LabelSet{{"x", "say \"hi\"\n"}}.to_string() == "{x=\"say \\\"hi\\\"\\n\"}");
}

TEST_CASE("go_quote matches strconv.Quote") {
  const std::pair<const char*, const char*> cases[] = {
      {"plain", "\"plain\""},
      {"with \"quotes\"", "\"with \\\"quotes\\\"\""},
      {"back\\slash", "\"back\\\\slash\""},
      {"nl\nx\tt\a\b\f\r\v", "\"nl\\nx\\tt\\a\\b\\f\\r\\v\""},
      {"\x1f\x7f", "\"\\x1f\\x7f\""},
      {"\xC3\xA9 \xC3\xBC", "\"\xC3\xA9 \xC3\xBC\""},
      {"\xC2\xA0", "\"\\u00a0\""},
      {"\xC2\xAD", "\"\\u00ad\""},
      {"\xE2\x80\xA8", "\"\\u2028\""},
      {"\xEF\xBB\xBF", "\"\\ufeff\""},
      {"\xF0\x9F\x98\x80", "\"\xF0\x9F\x98\x80\""},
      {"bad\xFFutf8", "\"bad\\xffutf8\""},
      {"\xE2\x82", "\"\\xe2\\x82\""},
      {"\xE2\x80\x8B", "\"\\u200b\""},
      {"\xEE\x80\x80", "\"\\ue000\""},
      {"\xCD\xB8", "\"\\u0378\""},              // unassigned
      {"\xCC\x81", "\"\xCC\x81\""},               // a combining mark prints
      {"\xEF\xBF\xBF", "\"\\uffff\""},           // a non-character
      {"\xF0\x93\x90\xB0", "\"\\U00013430\""},  // a format character above the BMP
  };
  for (const auto& [in, want] : cases) {
    const std::string expected = want;
    CAPTURE(expected);
    CHECK(go_quote(in) == expected);
  }
  CHECK(go_quote(std::string_view("\0", 1)) == "\"\\x00\"");
}

TEST_CASE("label names and UTF-8") {
  CHECK(is_valid_label_name("alertname"));
  CHECK(is_valid_label_name("_a1"));
  CHECK_FALSE(is_valid_label_name(""));
  CHECK_FALSE(is_valid_label_name("1a"));
  CHECK_FALSE(is_valid_label_name("a:b"));
  CHECK_FALSE(is_valid_label_name("a-b"));
  CHECK(is_valid_utf8("h\xC3\xA9llo"));
  CHECK_FALSE(is_valid_utf8("\xC3"));
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));  // a surrogate
  CHECK_FALSE(is_valid_utf8("\xC0\x80"));      // overlong
}

TEST_CASE("is_valid_utf8: the 8-byte ASCII skip agrees with rune decoding at every offset") {
  // A bad byte, a truncated sequence and a valid multi-byte rune placed at each position around the
  // 8-byte word boundaries, in strings of lengths around them.
  for (size_t len = 0; len <= 24; ++len) {
    for (size_t at = 0; at < len; ++at) {
      CAPTURE(len);
      CAPTURE(at);
      std::string s(len, 'a');
      CHECK(is_valid_utf8(s));
      s[at] = '\xff';
      CHECK_FALSE(is_valid_utf8(s));
      s[at] = '\x7f';
      CHECK(is_valid_utf8(s));
      s[at] = '\xC3';  // the first byte of a two-byte rune, alone or cut at the end
      CHECK_FALSE(is_valid_utf8(s));
      if (at + 1 < len) {
        s[at + 1] = '\xA9';
        CHECK(is_valid_utf8(s));
      }
    }
  }
  CHECK(is_valid_utf8("abcdefgh\xF0\x9F\x98\x80"));  // a four-byte rune right after a word
  CHECK_FALSE(is_valid_utf8("abcdefg\xF0\x9F\x98"));  // cut across the boundary
  CHECK(is_valid_utf8(std::string_view("\0\0\0\0\0\0\0\0\0", 9)));
}

TEST_CASE("LabelSet::from_views equals the constructor, duplicates and long lists included") {
  std::vector<LabelSet::ViewPair> small{{"b", "1"}, {"a", "2"}, {"b", "3"}, {"c", ""}};
  std::vector<LabelSet::ViewPair> small_copy = small;
  CHECK(LabelSet::from_views(small) == LabelSet(small_copy));
  CHECK(LabelSet::from_views(small).value("b") == "3");
  std::vector<std::string> names;
  for (int i = 0; i < 40; ++i) names.push_back("n" + std::to_string((i * 7) % 23));
  std::vector<LabelSet::ViewPair> many;
  for (size_t i = 0; i < names.size(); ++i) many.emplace_back(names[i], names[(i + 1) % names.size()]);
  std::vector<LabelSet::ViewPair> many_copy = many;
  const LabelSet a = LabelSet::from_views(many);
  CHECK(a == LabelSet(many_copy));
  CHECK(a.size() == 23);
  std::vector<LabelSet::ViewPair> none;
  CHECK(LabelSet::from_views(none).empty());
}

TEST_CASE("fnv1a64 of bytes") {
  CHECK(fnv1a64("") == 14695981039346656037ULL);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
}

TEST_CASE("slab blocks: every size class, reused after free, big blocks from operator new") {
  std::vector<std::pair<void*, size_t>> blocks;
  for (size_t n = 1; n <= tocsin::kSlabMax + 64; n += 7) {
    void* p = tocsin::slab_alloc(n);
    REQUIRE(p != nullptr);
    CHECK(reinterpret_cast<uintptr_t>(p) % 8 == 0);
    std::memset(p, static_cast<int>(n & 0xff), n);
    blocks.emplace_back(p, n);
  }
  for (const auto& [p, n] : blocks) {
    const auto* c = static_cast<const unsigned char*>(p);
    CHECK(c[0] == (n & 0xff));
    CHECK(c[n - 1] == (n & 0xff));  // no block overlaps the next one of its class
  }
  for (const auto& [p, n] : blocks) tocsin::slab_free(p, n);
  tocsin::slab_free(nullptr, 8);
}

// url_util.cpp: see url_util.hpp.
#include "receivers/url_util.hpp"

#include <algorithm>

#include "core/utf8.hpp"

namespace tocsin::receivers::gourl {

namespace {

constexpr const char* kHex = "0123456789ABCDEF";

bool is_alnum(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

void put_pct(std::string& out, unsigned char c) {
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Go's QueryUnescape, lenient: a malformed %XX is kept as written (Go drops the whole pair; such a
// query in an api_url is not worth an error path of its own).
std::string query_unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string query_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (is_alnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      put_pct(out, c);
    }
  }
  return out;
}

std::string path_escape(std::string_view s) {
  static constexpr std::string_view kKept = "-_.~$&+,/:;=@";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (is_alnum(c) || kKept.find(ch) != std::string_view::npos) {
      out += ch;
    } else {
      put_pct(out, c);
    }
  }
  return out;
}

std::string encode_query(std::vector<std::pair<std::string, std::string>> pairs) {
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += '&';
    out += query_escape(k) + '=' + query_escape(v);
  }
  return out;
}

std::string trim_space(std::string_view s) {
  size_t b = 0;
  while (b < s.size()) {
    auto d = utf8::decode(s.substr(b));
    if (!utf8::is_space(d.rune)) break;
    b += d.width;
  }
  size_t e = s.size();
  while (e > b) {
    // The last rune: back over at most three continuation bytes, then decode (a stray byte is U+FFFD).
    size_t start = e - 1;
    while (start > b && e - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    auto d = utf8::decode(s.substr(start, e - start));
    if (start + d.width != e || !utf8::is_space(d.rune)) break;
    e = start;
  }
  return std::string(s.substr(b, e - b));
}

std::string append_path(std::string_view url, std::string_view path_suffix,
                            const std::pair<std::string, std::string>* query_set) {
  size_t scheme = url.find("://");
  size_t from = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t qf = url.find_first_of("?#", from);
  std::string_view base = url.substr(0, qf == std::string_view::npos ? url.size() : qf);
  std::string_view query;
  std::string_view fragment;
  if (qf != std::string_view::npos) {
    std::string_view rest = url.substr(qf);
    size_t hash = rest.find('#');
    if (rest[0] == '?') {
      query = rest.substr(1, hash == std::string_view::npos ? std::string_view::npos : hash - 1);
    }
    if (hash != std::string_view::npos) fragment = rest.substr(hash);
  }
  std::string out(base);
  // A host without a path: Go's Path is "" and the suffix is appended to it as is.
  out += path_suffix;
  if (query_set != nullptr) {
    std::vector<std::pair<std::string, std::string>> pairs;
    size_t i = 0;
    while (i <= query.size() && !query.empty()) {
      size_t amp = query.find('&', i);
      std::string_view part = query.substr(i, amp == std::string_view::npos ? std::string_view::npos : amp - i);
      if (!part.empty()) {
        size_t eq = part.find('=');
        std::string k = query_unescape(part.substr(0, eq));
        std::string v = eq == std::string_view::npos ? std::string() : query_unescape(part.substr(eq + 1));
        if (k != query_set->first) pairs.emplace_back(std::move(k), std::move(v));
      }
      if (amp == std::string_view::npos) break;
      i = amp + 1;
    }
    pairs.push_back(*query_set);
    out += '?' + encode_query(std::move(pairs));
  } else if (!query.empty()) {
    out += '?';
    out += query;
  }
  out += fragment;
  return out;
}

}  // namespace tocsin::receivers::gourl

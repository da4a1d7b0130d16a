// external_url.cpp: a reading of URLs that follows Go's net/url.Parse closely enough that the same
// --web.external-url gives the same .ExternalURL, the same route prefix and the same error words as
// the reference: scheme, authority (userinfo, host, port), path with its raw form kept, query, fragment.
#include "app/external_url.hpp"

#include <unistd.h>

#include "core/labels.hpp"

namespace tocsin::app {

namespace {

enum class Mode { kPath, kHost, kUserPassword, kFragment };

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int hex_value(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }
bool is_alnum(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// Whether byte c must be percent-encoded in the given part of a URL (Go's shouldEscape).
bool should_escape(unsigned char c, Mode mode) {
  if (is_alnum(c)) return false;
  if (mode == Mode::kHost) {
    switch (c) {
      case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',': case ';':
      case '=': case ':': case '[': case ']': case '<': case '>': case '"':
        return false;
      default:
        break;
    }
  }
  switch (c) {
    case '-': case '_': case '.': case '~':
      return false;
    case '$': case '&': case '+': case ',': case '/': case ':': case ';': case '=': case '?': case '@':
      if (mode == Mode::kUserPassword) return c == '@' || c == '/' || c == '?' || c == ':';
      if (mode == Mode::kPath) return c == '?';
      return false;  // fragment
    default:
      break;
  }
  if (mode == Mode::kFragment && (c == '!' || c == '(' || c == ')' || c == '*')) return false;
  return true;
}

std::string escape(std::string_view s, Mode mode) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (should_escape(c, mode)) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

Result<std::string> unescape(std::string_view s, Mode mode) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
        return Error{"invalid URL escape " + go_quote(s.substr(i, 3))};
      }
      if (mode == Mode::kHost && hex_value(s[i + 1]) < 8 && s.substr(i, 3) != "%25") {
        return Error{"invalid URL escape " + go_quote(s.substr(i, 3))};
      }
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 3;
      continue;
    }
    if (mode == Mode::kHost && c < 0x80 && should_escape(c, mode)) {
      return Error{"invalid character " + go_quote(s.substr(i, 1)) + " in host name"};
    }
    out += static_cast<char>(c);
    ++i;
  }
  return out;
}

// Only the characters Go leaves alone in a raw path or fragment, or that need no escape there.
bool valid_encoded(std::string_view s, Mode mode) {
  for (unsigned char c : s) {
    switch (c) {
      case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',': case ';':
      case '=': case ':': case '@': case '[': case ']': case '%':
        continue;
      default:
        if (should_escape(c, mode)) return false;
    }
  }
  return true;
}

// A decoded part and its raw spelling, kept when it differs from the default encoding (RawPath).
struct Part {
  std::string decoded, raw;
};

Result<Part> set_part(std::string_view raw, Mode mode) {
  auto d = unescape(raw, mode);
  if (!d) return Error{d.error()};
  Part p{*d, ""};
  if (escape(p.decoded, mode) != raw) p.raw = std::string(raw);
  return p;
}

std::string escaped(const Part& p, Mode mode) {
  if (!p.raw.empty() && valid_encoded(p.raw, mode)) {
    auto d = unescape(p.raw, mode);
    if (d && *d == p.decoded) return p.raw;
  }
  return escape(p.decoded, mode);
}

bool valid_optional_port(std::string_view port) {
  if (port.empty()) return true;
  if (port[0] != ':') return false;
  for (char c : port.substr(1)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Result<std::string> parse_host(std::string_view host) {
  if (!host.empty() && host[0] == '[') {
    auto close = host.rfind(']');
    if (close == std::string_view::npos) return Error{"missing ']' in host"};
    auto port = host.substr(close + 1);
    if (!valid_optional_port(port)) return Error{"invalid port " + go_quote(port) + " after host"};
    // An IPv6 zone ("%25en0") may hold any byte; the rest is a host.
    auto zone = host.substr(0, close).find("%25");
    if (zone != std::string_view::npos) {
      auto h1 = unescape(host.substr(0, zone), Mode::kHost);
      if (!h1) return h1;
      auto z = unescape(host.substr(zone, close - zone), Mode::kPath);
      if (!z) return z;
      auto h2 = unescape(host.substr(close), Mode::kHost);
      if (!h2) return h2;
      return *h1 + *z + *h2;
    }
  } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    auto port = host.substr(colon);
    if (!valid_optional_port(port)) return Error{"invalid port " + go_quote(port) + " after host"};
  }
  return unescape(host, Mode::kHost);
}

struct GoUrl {
  std::string scheme, opaque, host;
  bool has_user = false, has_password = false;
  std::string username, password;
  Part path, fragment;
  std::string raw_query;
  bool force_query = false;

  std::string str() const {
    std::string out;
    if (!scheme.empty()) out += scheme + ":";
    if (!opaque.empty()) {
      out += opaque;
    } else {
      if (!scheme.empty() || !host.empty() || has_user) {
        if (!host.empty() || !path.decoded.empty() || has_user) out += "//";
        if (has_user) {
          out += escape(username, Mode::kUserPassword);
          if (has_password) out += ":" + escape(password, Mode::kUserPassword);
          out += "@";
        }
        if (!host.empty()) out += escape(host, Mode::kHost);
      }
      std::string p = escaped(path, Mode::kPath);
      if (!p.empty() && p[0] != '/' && !host.empty()) out += "/";
      out += p;
    }
    if (force_query || !raw_query.empty()) out += "?" + raw_query;
    if (!fragment.decoded.empty()) out += "#" + escaped(fragment, Mode::kFragment);
    return out;
  }
};

Result<GoUrl> parse_without_fragment(std::string_view raw) {
  GoUrl u;
  for (unsigned char c : raw) {
    if (c < ' ' || c == 0x7f) return Error{"net/url: invalid control character in URL"};
  }
  std::string_view rest = raw;
  // The scheme: letters, then letters, digits, '+', '-' or '.', up to the first ':'.
  for (size_t i = 0; i < raw.size(); ++i) {
    const unsigned char c = raw[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') {
      if (i == 0) return Error{"missing protocol scheme"};
      for (size_t k = 0; k < i; ++k) u.scheme += static_cast<char>(raw[k] >= 'A' && raw[k] <= 'Z' ? raw[k] | 0x20 : raw[k]);
      rest = raw.substr(i + 1);
    }
    break;
  }
  if (!rest.empty() && rest.back() == '?' && rest.find('?') == rest.size() - 1) {
    u.force_query = true;
    rest.remove_suffix(1);
  } else if (auto q = rest.find('?'); q != std::string_view::npos) {
    u.raw_query = std::string(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
  if (rest.empty() || rest[0] != '/') {
    if (!u.scheme.empty()) {
      u.opaque = std::string(rest);
      return u;
    }
    if (rest.substr(0, rest.find('/')).find(':') != std::string_view::npos) {
      return Error{"first path segment in URL cannot contain colon"};
    }
  }
  if ((!u.scheme.empty() || rest.substr(0, 3) != "///") && rest.substr(0, 2) == "//") {
    std::string_view authority = rest.substr(2);
    rest = {};
    if (auto slash = authority.find('/'); slash != std::string_view::npos) {
      rest = authority.substr(slash);
      authority = authority.substr(0, slash);
    }
    auto at = authority.rfind('@');
    auto host = parse_host(at == std::string_view::npos ? authority : authority.substr(at + 1));
    if (!host) return Error{host.error()};
    u.host = *host;
    if (at != std::string_view::npos) {
      std::string_view userinfo = authority.substr(0, at);
      for (unsigned char c : userinfo) {
        const bool ok = is_alnum(c) || std::string_view("-._:~!$&'()*+,;=%@").find(static_cast<char>(c)) !=
                                           std::string_view::npos;
        if (!ok && c < 0x80) return Error{"net/url: invalid userinfo"};
      }
      u.has_user = true;
      auto colon = userinfo.find(':');
      auto name = unescape(userinfo.substr(0, colon), Mode::kUserPassword);
      if (!name) return Error{name.error()};
      u.username = *name;
      if (colon != std::string_view::npos) {
        auto pw = unescape(userinfo.substr(colon + 1), Mode::kUserPassword);
        if (!pw) return Error{pw.error()};
        u.has_password = true;
        u.password = *pw;
      }
    }
  }
  auto path = set_part(rest, Mode::kPath);
  if (!path) return Error{path.error()};
  u.path = *path;
  return u;
}

// url.Parse: errors read `parse "<url>": <why>`.
Result<GoUrl> go_url_parse(std::string_view raw) {
  auto hash = raw.find('#');
  std::string_view before = raw.substr(0, hash);
  auto u = parse_without_fragment(before);
  if (!u) return Error{"parse " + go_quote(before) + ": " + u.error()};
  if (hash != std::string_view::npos) {
    auto f = set_part(raw.substr(hash + 1), Mode::kFragment);
    if (!f) return Error{"parse " + go_quote(raw) + ": " + f.error()};
    u->fragment = *f;
  }
  return u;
}

// net.SplitHostPort's port, with its errors.
Result<std::string> listen_port(std::string_view addr) {
  const std::string quoted = "address " + std::string(addr);
  auto colon = addr.rfind(':');
  if (colon == std::string_view::npos) return Error{quoted + ": missing port in address"};
  if (!addr.empty() && addr[0] == '[') {
    auto close = addr.find(']');
    if (close == std::string_view::npos) return Error{quoted + ": missing ']' in address"};
    if (close + 1 == addr.size()) return Error{quoted + ": missing port in address"};
    if (close + 1 != colon) return Error{quoted + ": too many colons in address"};
  } else if (addr.substr(0, colon).find(':') != std::string_view::npos) {
    return Error{quoted + ": too many colons in address"};
  }
  return std::string(addr.substr(colon + 1));
}

std::string trim_slashes(std::string_view s, bool left) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  while (left && !s.empty() && s.front() == '/') s.remove_prefix(1);
  return std::string(s);
}

}  // namespace

Result<ExternalUrl> resolve_external_url(std::string external, std::string_view listen, std::string route_prefix) {
  if (external.empty()) {
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    auto port = listen_port(listen);
    if (!port) return Error{port.error()};
    external = std::string("http://") + host + ":" + *port + "/";
  }
  auto u = go_url_parse(external);
  if (!u) return Error{u.error()};
  if (u->scheme != "http" && u->scheme != "https") {
    return Error{go_quote(u->str()) + ": invalid " + go_quote(u->scheme) +
                 " scheme, only 'http' and 'https' are supported"};
  }
  // The path loses its trailing slashes; its raw spelling is kept only while it still spells it.
  std::string path = trim_slashes(u->path.decoded, false);
  if (!path.empty() && path[0] != '/') path = "/" + path;
  u->path.decoded = path;
  ExternalUrl out;
  out.url = u->str();
  out.route_prefix = "/" + trim_slashes(route_prefix.empty() ? path : route_prefix, true);
  return out;
}

}  // namespace tocsin::app

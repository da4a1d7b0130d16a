// email.cpp: assembles the notification email as the reference does (header set, encodings, MIME
// layout) and sends it; SMTP failures are retried, template and address errors are not.
#include "receivers/email/email.hpp"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <random>

#include "net/smtp.hpp"
#include "receivers/http_options.hpp"
#include "receivers/notify_util.hpp"

namespace tocsin::receivers {

namespace {

constexpr const char* kUpperHex = "0123456789ABCDEF";

void append_hex_byte(std::string& out, unsigned char b) {
  out += '=';
  out += kUpperHex[b >> 4];
  out += kUpperHex[b & 0xf];
}

// Go's time.RFC1123Z in the local zone: "Mon, 02 Jan 2006 15:04:05 -0700".
std::string rfc1123z(TimePoint t) {
  std::time_t secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  std::tm tm{};
  ::localtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S %z", &tm);
  return buf;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::string host_of(const std::string& smarthost) {
  size_t colon = smarthost.rfind(':');
  std::string h = colon == std::string::npos ? smarthost : smarthost.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  return h;
}

std::string port_of(const std::string& smarthost) {
  size_t colon = smarthost.rfind(':');
  return colon == std::string::npos ? std::string() : smarthost.substr(colon + 1);
}

}  // namespace

std::string q_encode_header(std::string_view s) {
  bool needs = false;
  for (unsigned char c : s) {
    if ((c < ' ' || c > '~') && c != '\t') {
      needs = true;
      break;
    }
  }
  if (!needs) {
    return std::string(s);
  }
  // Encoded words of at most 75 bytes: "=?utf-8?q?" + 63 bytes of content + "?=", split between
  // code points and separated by a space.
  constexpr size_t kMaxContent = 75 - 10 - 2;
  std::string out = "=?utf-8?q?";
  size_t current = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    size_t n = 1;
    size_t enc = 1;
    if (!(b >= ' ' && b <= '~' && b != '=' && b != '?' && b != '_')) {
      n = std::min(utf8_len(b), s.size() - i);
      enc = 3 * n;
    }
    if (current + enc > kMaxContent) {
      out += "?= =?utf-8?q?";
      current = 0;
    }
    for (size_t k = i; k < i + n; ++k) {
      unsigned char c = static_cast<unsigned char>(s[k]);
      if (c == ' ') {
        out += '_';
      } else if (c >= '!' && c <= '~' && c != '=' && c != '?' && c != '_') {
        out += static_cast<char>(c);
      } else {
        append_hex_byte(out, c);
      }
    }
    current += enc;
    i += n;
  }
  out += "?=";
  return out;
}

std::string quoted_printable(std::string_view s) {
  // Lines of at most 76 bytes including a soft break's '='; trailing blanks before a line end are
  // encoded; any of CR, LF, CRLF ends a line and becomes CRLF.
  constexpr size_t kLineMax = 76;
  std::string out, line;
  auto flush = [&] {
    out += line;
    line.clear();
  };
  auto soft_break = [&] {
    line += "=\r\n";
    flush();
  };
  auto encode = [&](unsigned char b) {
    if (kLineMax - 1 - line.size() < 3) soft_break();
    append_hex_byte(line, b);
  };
  auto encode_last_blank = [&] {
    if (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
      unsigned char b = static_cast<unsigned char>(line.back());
      line.pop_back();
      encode(b);
    }
  };
  bool cr = false;
  for (unsigned char b : s) {
    const bool literal = (b >= '!' && b <= '~' && b != '=') || b == ' ' || b == '\t' || b == '\n' || b == '\r';
    if (!literal) {
      encode(b);
      cr = false;
      continue;
    }
    if (b == '\n' || b == '\r') {
      if (cr && b == '\n') {
        cr = false;
        continue;
      }
      cr = b == '\r';
      encode_last_blank();
      line += "\r\n";
      flush();
      continue;
    }
    if (line.size() == kLineMax - 1) soft_break();
    line += static_cast<char>(b);
    cr = false;
  }
  encode_last_blank();
  flush();
  return out;
}

Result<std::vector<std::string>> parse_address_list(std::string_view s) {
  std::vector<std::string> parts;
  std::string cur;
  bool quoted = false;
  int angle = 0, paren = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '\\' && i + 1 < s.size()) {
        cur += c;
        c = s[++i];
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == '(') {
      ++paren;
    } else if (c == ')' && paren > 0) {
      --paren;
      continue;
    } else if (paren > 0) {
      continue;
    } else if (c == '<') {
      ++angle;
    } else if (c == '>' && angle > 0) {
      --angle;
    } else if (c == ',' && angle == 0) {
      parts.push_back(cur);
      cur.clear();
      continue;
    }
    if (paren == 0) cur += c;
  }
  parts.push_back(cur);
  if (quoted || angle != 0) {
    return Error{"mail: unclosed quote or angle-addr in address list"};
  }
  std::vector<std::string> out;
  for (const auto& p : parts) {
    std::string addr;
    size_t lt = p.rfind('<');
    if (lt != std::string::npos) {
      size_t gt = p.find('>', lt);
      addr = trim(std::string_view(p).substr(lt + 1, gt - lt - 1));
    } else {
      addr = trim(p);
    }
    if (addr.empty()) {
      return Error{"mail: no address"};
    }
    size_t at = addr.rfind('@');
    if (at == std::string::npos || at == 0 || at + 1 == addr.size()) {
      return Error{"mail: missing @ in addr-spec"};
    }
    out.push_back(addr);
  }
  return out;
}

Result<EmailMessage> email_message(const config::EmailConfig& cfg, const tmpl::Templates& templates,
                                   const NotifyContext& ctx, const AlertList& alerts, const EmailIds& ids) {
  tmpl::Value data = template_data(ctx, alerts);
  EmailMessage m;

  auto from = templates.execute_text(cfg.from, data);
  if (!from) return Error{"execute 'from' template: " + from.error()};
  auto to = templates.execute_text(cfg.to, data);
  if (!to) return Error{"execute 'to' template: " + to.error()};
  auto from_addrs = parse_address_list(*from);
  if (!from_addrs) return Error{"parse 'from' addresses: " + from_addrs.error()};
  if (from_addrs->size() != 1) {
    return Error{"must be exactly one 'from' address (got: " + std::to_string(from_addrs->size()) + ")"};
  }
  m.from = from_addrs->front();
  auto to_addrs = parse_address_list(*to);
  if (!to_addrs) return Error{"parse 'to' addresses: " + to_addrs.error()};
  m.to = std::move(*to_addrs);

  // Headers in name order (the reference writes them in Go's random map order).
  std::string& d = m.data;
  for (const auto& [name, tmpl_text] : cfg.headers) {
    auto v = templates.execute_text(tmpl_text, data);
    if (!v) return Error{"execute \"" + name + "\" header template: " + v.error()};
    d += name + ": " + q_encode_header(*v) + "\r\n";
  }
  if (cfg.headers.find("Message-Id") == cfg.headers.end()) {
    const auto nanos = ctx.now.time_since_epoch().count();
    d += "Message-Id: <" + std::to_string(nanos) + "." + std::to_string(ids.random) + "@" + ids.hostname + ">\r\n";
  }
  d += "Date: " + rfc1123z(ctx.now) + "\r\n";
  d += "Content-Type: multipart/alternative;  boundary=" + ids.boundary + "\r\n";
  d += "MIME-Version: 1.0\r\n\r\n";

  bool first = true;
  auto part = [&](const char* type, const std::string& body) {
    d += first ? "--" : "\r\n--";
    d += ids.boundary + "\r\n";
    first = false;
    d += "Content-Transfer-Encoding: quoted-printable\r\n";
    d += std::string("Content-Type: ") + type + "; charset=UTF-8\r\n\r\n";
    d += quoted_printable(body);
  };
  if (!cfg.text.empty()) {
    auto body = templates.execute_text(cfg.text, data);
    if (!body) return Error{"execute text template: " + body.error()};
    part("text/plain", *body);
  }
  if (!cfg.html.empty()) {
    // The preferred alternative goes last (RFC 2046 section 5.1.4).
    auto body = templates.execute_html(cfg.html, data);
    if (!body) return Error{"execute html template: " + body.error()};
    part("text/html", *body);
  }
  d += "\r\n--" + ids.boundary + "--\r\n";
  return m;
}

EmailNotifier::EmailNotifier(config::EmailConfig cfg, std::shared_ptr<const tmpl::Templates> templates)
    : cfg_(std::move(cfg)), templates_(templates_or_defaults(std::move(templates))) {
  char buf[256] = {};
  hostname_ = ::gethostname(buf, sizeof buf - 1) == 0 ? buf : "localhost.localdomain";
}

NotifyResult EmailNotifier::notify(const NotifyContext& ctx, const AlertList& alerts) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  EmailIds ids;
  ids.hostname = hostname_;
  ids.random = rng();
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 60; ++i) ids.boundary += kHex[rng() & 0xf];

  auto msg = email_message(cfg_, *templates_, ctx, alerts, ids);
  if (!msg) return NotifyResult::failure(msg.error(), false);

  net::SmtpMessage s;
  s.smarthost = cfg_.smarthost;
  s.hello = cfg_.hello;
  s.from = msg->from;
  s.to = msg->to;
  s.data = std::move(msg->data);
  s.implicit_tls = port_of(cfg_.smarthost) == "465";
  s.require_tls = cfg_.require_tls;
  // Authentication as the reference chooses it: none without a username; a password gives PLAIN or
  // LOGIN (whichever the server offers), a secret alone CRAM-MD5. The reference takes the first of
  // the server's list for which it has a credential; curl picks before we see that list, so with both
  // a password and a secret the password goes first, and the secret by CRAM-MD5 only when the server
  // offers CRAM-MD5 without PLAIN or LOGIN (a second connection).
  if (!cfg_.auth_username.empty()) {
    std::string password = cfg_.auth_password.value();
    if (!cfg_.auth_password_file.empty()) {
      auto p = read_secret_file(cfg_.auth_password_file);
      if (!p) return NotifyResult::failure("find auth mechanism: " + p.error(), true);
      password = *p;
    }
    std::string secret = cfg_.auth_secret.value();
    if (!cfg_.auth_secret_file.empty()) {
      auto p = read_secret_file(cfg_.auth_secret_file);
      if (!p) return NotifyResult::failure("find auth mechanism: " + p.error(), true);
      secret = *p;
    }
    s.username = cfg_.auth_username;
    if (!password.empty()) {
      s.password = password;
      s.auth_identity = cfg_.auth_identity;
      s.cram_md5_secret = secret;
      // As Go's PlainAuth, PLAIN never sends the password over an unencrypted connection to a host
      // other than localhost; LOGIN does (the reference's LOGIN has no such check).
      const std::string host = host_of(cfg_.smarthost);
      const bool encrypted = s.implicit_tls || s.require_tls;
      const bool local = host == "localhost" || host == "127.0.0.1" || host == "::1";
      s.auth_mechanism_hint = encrypted || local ? "PLAIN;AUTH=LOGIN" : "LOGIN";  // smtp_send prefixes "AUTH="
    } else if (!secret.empty()) {
      s.password = secret;
      s.auth_mechanism_hint = "CRAM-MD5";
    } else {
      s.username.clear();
      s.auth_unusable = true;
    }
  }
  const auto& t = cfg_.tls_config;
  if (s.implicit_tls || s.require_tls) {
    // As the reference, TLS files it cannot read fail the notification at once, without retries
    // (a retry would not find them either).
    for (const auto* f : {&t.ca_file, &t.cert_file, &t.key_file}) {
      if (f->empty()) continue;
      if (std::FILE* fp = std::fopen(f->c_str(), "rb")) {
        std::fclose(fp);
      } else {
        return NotifyResult::failure("parse TLS configuration: cannot read " + *f, false);
      }
    }
  }
  s.tls.ca_file = t.ca_file;
  s.tls.cert_file = t.cert_file;
  s.tls.key_file = t.key_file;
  s.tls.server_name = t.server_name.empty() ? host_of(cfg_.smarthost) : t.server_name;
  s.tls.insecure_skip_verify = t.insecure_skip_verify;
  s.tls.min_version = t.min_version;

  if (auto t = request_timeout(ctx); t.count() > 0 && t < s.timeout) {
    s.timeout = t;
  }
  auto r = net::smtp_send(s);
  if (r.error.empty()) return NotifyResult::success();
  // The reference retries every failure of the SMTP conversation.
  return NotifyResult::failure("send email to " + cfg_.smarthost + ": " + r.error, true);
}

}  // namespace tocsin::receivers

// http_server.cpp: the Boost.Beast HTTP/1.1 server behind make_http_server (plain TCP or TLS on one code
// path). The only file that includes Beast: it costs ~12 s to compile, so nothing else may.
#include <utility>  // before Asio on g++ 12 (see STYLE.md)
#include <cctype>
#include <cstdio>
#include <ctime>

#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/zlib/deflate_stream.hpp>
#include <boost/crc.hpp>
#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "core/clock.hpp"
#include "net/http.hpp"

namespace tocsin::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

// After a response with Connection: close we half-close and read what the client still sends for at
// most this long, so it sees our answer instead of a reset (the trick Go's net/http uses too).
constexpr std::chrono::milliseconds kLingerTimeout{1000};
constexpr size_t kLingerMaxBytes = 256 << 10;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Decodes %XX sequences; malformed ones are kept as they are. '+' stays '+' in a path.
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// ---- Go's net/http at the protocol level ----
// Go's server answers a request it cannot take with a page of its own: a status line, two headers, the
// status (or a word) as the body, no Content-Length, and the connection closed. tocsin writes the same.
std::string go_error_page(std::string_view status, std::string_view body = {}) {
  std::string out = "HTTP/1.1 ";
  out.append(status);
  out += "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n";
  out.append(body.empty() ? status : body);
  return out;
}

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

bool is_space_or_tab(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space_or_tab(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space_or_tab(s.back())) s.remove_suffix(1);
  return s;
}

// httpguts.ValidHostHeader: the bytes a Host header may hold.
bool valid_host_header(std::string_view h) {
  for (char c : h) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    std::string_view("!$%&'()*+,-.:;=[]_~").find(c) != std::string_view::npos;
    if (!ok) {
      return false;
    }
  }
  return true;
}

// url.ParseRequestURI's part that matters here: the request target's path, or nullopt when Go refuses
// the target (neither "*", nor "/...", nor "scheme://authority/..."; a '%' without two hex digits).
// An absolute-form target ("http://host/api/v2/status") is served by its path, as Go serves it.
std::optional<std::string_view> target_path(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  if (target == "*") {
    return path;
  }
  if (path.empty() || path[0] != '/') {
    size_t i = 0;
    while (i < path.size() && (std::isalnum(static_cast<unsigned char>(path[i])) != 0 ||
                               (i > 0 && (path[i] == '+' || path[i] == '-' || path[i] == '.')))) {
      ++i;
    }
    if (i == 0 || std::isalpha(static_cast<unsigned char>(path[0])) == 0 || path.substr(i, 3) != "://") {
      return std::nullopt;
    }
    path.remove_prefix(i + 3);
    path.remove_prefix(std::min(path.size(), path.find('/')));  // the authority
  }
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && (i + 2 >= path.size() || hex_value(path[i + 1]) < 0 || hex_value(path[i + 2]) < 0)) {
      return std::nullopt;
    }
  }
  return path;
}

// Go's refusals of a request whose header Beast has read, in Go's order; empty when it is acceptable.
// Both Content-Length and "Transfer-Encoding: chunked" is refused by Beast (400) before this, where Go
// drops the Content-Length: a request-smuggling guard kept on purpose.
template <class Message>
std::string go_refusal(const Message& req) {
  if (!target_path(sv(req.target()))) {
    return go_error_page("400 Bad Request");
  }
  size_t hosts = 0;
  size_t encodings = 0;
  std::string_view host;
  std::string_view encoding;
  for (const auto& f : req) {
    if (f.name() == http::field::host) {
      ++hosts;
      host = sv(f.value());
    } else if (f.name() == http::field::transfer_encoding) {
      ++encodings;
      encoding = sv(f.value());
    } else if (f.name() == http::field::content_length) {
      const std::string_view v = trim(sv(f.value()));
      if (v.empty() || v.find_first_not_of("0123456789") != std::string_view::npos) {
        return go_error_page("400 Bad Request");  // "2, 2" or "+2", which Beast would take
      }
    }
  }
  if (hosts > 1) {
    return go_error_page("400 Bad Request");
  }
  // HTTP/1.1 only: Go ignores Transfer-Encoding in an HTTP/1.0 request and knows only "chunked".
  if (req.version() >= 11 && encodings > 0 && (encodings > 1 || !beast::iequals(beast::string_view(trim(encoding).data(), trim(encoding).size()), "chunked"))) {
    return go_error_page("501 Not Implemented", "Unsupported transfer encoding");
  }
  if (req.version() >= 11 && hosts == 0) {
    return go_error_page("400 Bad Request: missing required Host header");
  }
  if (hosts == 1 && !valid_host_header(host)) {
    return go_error_page("400 Bad Request: malformed Host header");
  }
  return {};
}

// promhttp's gzipAccepted: "gzip" or "gzip;..." among the comma-separated parts of Accept-Encoding.
bool gzip_accepted(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    const size_t comma = std::min(accept_encoding.find(','), accept_encoding.size());
    const std::string_view part = trim(accept_encoding.substr(0, comma));
    if (part == "gzip" || part.substr(0, 5) == "gzip;") {
      return true;
    }
    accept_encoding.remove_prefix(std::min(comma + 1, accept_encoding.size()));
  }
  return false;
}

// A gzip member (RFC 1952) of `in`: Go's header (no name, no time, OS "unknown"), Beast's deflate at
// the default level, CRC-32 and length.
std::string gzip(std::string_view in) {
  beast::zlib::deflate_stream ds;
  ds.reset(6, 15, 8, beast::zlib::Strategy::normal);
  std::string out("\x1f\x8b\x08\0\0\0\0\0\0\xff", 10);
  const size_t head = out.size();
  out.resize(head + ds.upper_bound(in.size()) + 16);
  beast::zlib::z_params zs;
  zs.next_in = in.data();
  zs.avail_in = in.size();
  zs.next_out = out.data() + head;
  zs.avail_out = out.size() - head;
  beast::error_code ec;
  ds.write(zs, beast::zlib::Flush::finish, ec);
  out.resize(head + zs.total_out);
  boost::crc_32_type crc;
  crc.process_bytes(in.data(), in.size());
  for (std::uint32_t v : {static_cast<std::uint32_t>(crc.checksum()), static_cast<std::uint32_t>(in.size())}) {
    for (int i = 0; i < 4; ++i) {
      out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
  }
  return out;
}

// The Date header every answer carries, as Go's server writes it ("Thu, 26 Nov 2026 10:46:39 GMT"),
// formatted once a second per thread.
const std::string& http_date() {
  thread_local std::time_t cached_second = -1;
  thread_local std::string cached;
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(SystemClock().now());
  const std::time_t t = static_cast<std::time_t>(now.time_since_epoch().count());
  if (t != cached_second) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    const size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);  // "C" locale names
    cached.assign(buf, n);
    cached_second = t;
  }
  return cached;
}

enum class HeaderRepair { kNone, kRepaired, kVersionNotSupported };

// Go reads what Beast refuses in two cases: lines ended by a bare LF, and an HTTP/1.x version other
// than 1.0 and 1.1 (HTTP/1.2 is served as 1.1); another major version (HTTP/2.0 in plain text) gets
// 505. `head` holds the bytes read so far; on kRepaired it is rewritten in place.
HeaderRepair repair_header(std::string& head) {
  std::string fixed;
  size_t pos = 0;
  bool first = true;
  bool complete = false;
  while (pos < head.size()) {
    const size_t nl = head.find('\n', pos);
    if (nl == std::string::npos) {
      break;
    }
    std::string_view line(head.data() + pos, nl - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    pos = nl + 1;
    if (first) {
      first = false;
      const size_t sp = line.rfind(' ');
      const std::string_view version = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
      const bool go_form = version.size() == 8 && version.substr(0, 5) == "HTTP/" && std::isdigit(static_cast<unsigned char>(version[5])) != 0 &&
                           version[6] == '.' && std::isdigit(static_cast<unsigned char>(version[7])) != 0;
      if (go_form && version[5] != '1' && line.substr(0, 4) != "PRI ") {
        return HeaderRepair::kVersionNotSupported;
      }
      if (go_form && version[5] == '1' && version[7] > '1') {
        fixed.append(line.substr(0, sp + 1));
        fixed += "HTTP/1.1\r\n";
        continue;
      }
    }
    fixed.append(line);
    fixed += "\r\n";
    if (line.empty()) {
      complete = true;
      break;
    }
  }
  if (!complete || std::string_view(head).substr(0, pos) == fixed) {
    return HeaderRepair::kNone;
  }
  head = fixed + head.substr(pos);
  return HeaderRepair::kRepaired;
}

struct ListenAddress {
  std::string host;  // empty: all interfaces
  unsigned short port = 0;
};

Result<ListenAddress> parse_listen_address(const std::string& addr) {
  ListenAddress out;
  std::string port;
  if (!addr.empty() && addr[0] == '[') {
    auto close = addr.find(']');
    if (close == std::string::npos || close + 1 >= addr.size() || addr[close + 1] != ':') {
      return make_error("listen address " + addr + ": expected [host]:port");
    }
    out.host = addr.substr(1, close - 1);
    port = addr.substr(close + 2);
  } else {
    auto colon = addr.rfind(':');
    if (colon == std::string::npos) {
      return make_error("listen address " + addr + ": missing port");
    }
    out.host = addr.substr(0, colon);
    port = addr.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
    return make_error("listen address " + addr + ": invalid port");
  }
  int p = std::stoi(port);
  if (p > 65535) {
    return make_error("listen address " + addr + ": invalid port");
  }
  out.port = static_cast<unsigned short>(p);
  return out;
}

// ---- TLS ----

const std::map<std::string, std::string>& go_cipher_names() {
  static const std::map<std::string, std::string> names = {
      {"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA"},
      {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
      {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
      {"TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256"},
      {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
      {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
      {"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"},
      {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
      {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA-CHACHA20-POLY1305"},
      {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
  };
  return names;
}

Result<int> tls_version(const std::string& name, int fallback) {
  if (name.empty()) {
    return fallback;
  }
  if (name == "TLS10") {
    return TLS1_VERSION;
  }
  if (name == "TLS11") {
    return TLS1_1_VERSION;
  }
  if (name == "TLS12") {
    return TLS1_2_VERSION;
  }
  if (name == "TLS13") {
    return TLS1_3_VERSION;
  }
  return make_error("unknown TLS version: " + name);
}

// Builds the server context the way exporter-toolkit's web config reads: min_version defaults to TLS12,
// cipher_suites apply to TLS 1.2 and below (Go does not let TLS 1.3 suites be chosen either).
Result<std::unique_ptr<ssl::context>> make_server_tls(const TlsServerConfig& cfg) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::single_dh_use);
  boost::system::error_code ec;
  if (cfg.cert_file.empty() || cfg.key_file.empty()) {
    return make_error("tls: cert_file and key_file are required");
  }
  ctx->use_certificate_chain_file(cfg.cert_file, ec);
  if (ec) {
    return make_error("tls: cert_file " + cfg.cert_file + ": " + ec.message());
  }
  ctx->use_private_key_file(cfg.key_file, ssl::context::pem, ec);
  if (ec) {
    return make_error("tls: key_file " + cfg.key_file + ": " + ec.message());
  }
  auto min = tls_version(cfg.min_version, TLS1_2_VERSION);
  if (!min) {
    return make_error("tls: " + min.error());
  }
  SSL_CTX_set_min_proto_version(ctx->native_handle(), *min);
  auto max = tls_version(cfg.max_version, TLS1_3_VERSION);
  if (!max) {
    return make_error("tls: " + max.error());
  }
  // A max_version below min_version leaves no version: every handshake fails, as Go's.
  SSL_CTX_set_max_proto_version(ctx->native_handle(), *max);
  if (!cfg.curve_preferences.empty()) {
    static const std::map<std::string, std::string> kGroups = {
        {"CurveP256", "P-256"}, {"CurveP384", "P-384"}, {"CurveP521", "P-521"}, {"X25519", "X25519"}};
    std::string groups;
    for (const auto& name : cfg.curve_preferences) {
      auto it = kGroups.find(name);
      if (it == kGroups.end()) {
        return make_error("tls: unknown curve " + name);
      }
      groups += (groups.empty() ? "" : ":") + it->second;
    }
    if (SSL_CTX_set1_groups_list(ctx->native_handle(), groups.c_str()) != 1) {
      return make_error("tls: no usable curve in curve_preferences");
    }
  }
  if (!cfg.cipher_suites.empty()) {
    std::string list;
    for (const auto& name : cfg.cipher_suites) {
      auto it = go_cipher_names().find(name);
      if (it == go_cipher_names().end()) {
        if (name.rfind("TLS_AES_", 0) == 0 || name.rfind("TLS_CHACHA20_", 0) == 0) {
          continue;  // a TLS 1.3 suite: always enabled, as in Go
        }
        return make_error("tls: unknown cipher suite " + name);
      }
      if (!list.empty()) {
        list += ':';
      }
      list += it->second;
    }
    if (!list.empty() && SSL_CTX_set_cipher_list(ctx->native_handle(), list.c_str()) != 1) {
      return make_error("tls: no usable cipher suite in cipher_suites");
    }
  }
  const std::string& auth = cfg.client_auth_type;
  bool verify = auth == "VerifyClientCertIfGiven" || auth == "RequireAndVerifyClientCert";
  bool require = auth == "RequireAnyClientCert" || auth == "RequireAndVerifyClientCert";
  bool request = auth == "RequestClientCert" || require || verify;
  if (!auth.empty() && auth != "NoClientCert" && !request) {
    return make_error("tls: unknown client_auth_type " + auth);
  }
  if (verify && cfg.client_ca_file.empty()) {
    // Go verifies client certificates against the system's roots when no client CA is given.
    ctx->set_default_verify_paths(ec);
    if (ec) {
      return make_error("tls: the system's CA certificates: " + ec.message());
    }
  }
  if (!cfg.client_ca_file.empty()) {
    // A readable file with no certificate in it is an empty pool, which no client certificate
    // passes, as Go's AppendCertsFromPEM leaves it; only an unreadable file fails the start.
    if (std::FILE* f = std::fopen(cfg.client_ca_file.c_str(), "rb")) {
      std::fclose(f);
      ctx->load_verify_file(cfg.client_ca_file, ec);
      ec.clear();
    } else {
      return make_error("tls: client_ca_file " + cfg.client_ca_file + ": cannot read");
    }
    if (auto* names = SSL_load_client_CA_file(cfg.client_ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(ctx->native_handle(), names);
    }
  }
  if (request) {
    ssl::verify_mode mode = ssl::verify_peer;
    if (require) {
      mode |= ssl::verify_fail_if_no_peer_cert;
    }
    ctx->set_verify_mode(mode);
    if (!verify) {
      // Request/RequireAny: any certificate is accepted without checking its chain.
      ctx->set_verify_callback([](bool, ssl::verify_context&) { return true; });
    }
  } else {
    ctx->set_verify_mode(ssl::verify_none);
  }
  return ctx;
}

// ---- sessions ----

class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  virtual void run() = 0;
  // Posted to the session's strand by stop(): aborts whatever I/O is pending.
  virtual void force_close() = 0;
};

// What the listener and every session share; sessions hold it so it outlives a stopped server's
// io_context teardown.
struct ServerState {
  HttpHandler handler;
  ServerLimits limits;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable drained;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;

  size_t session_count() {
    std::lock_guard lock(mu);
    return sessions.size();
  }
};

template <class Stream>
class Session final : public SessionBase {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  template <class... Args>
  Session(std::shared_ptr<ServerState> state, bool reject, std::string remote, Args&&... args)
      : stream_(std::forward<Args>(args)...), state_(std::move(state)), reject_(reject), remote_(std::move(remote)) {}

  ~Session() override {
    std::lock_guard lock(state_->mu);
    state_->sessions.erase(this);
    if (state_->sessions.empty()) {
      state_->drained.notify_all();
    }
  }

  void run() override {
    {
      std::lock_guard lock(state_->mu);
      state_->sessions.emplace(this, weak_from_this());
    }
    asio::dispatch(stream_.get_executor(), [self = self()] { self->start(); });
  }

  void force_close() override {
    asio::post(stream_.get_executor(), [self = self()] {
      self->closed_ = true;
      beast::error_code ec;
      auto& sock = beast::get_lowest_layer(self->stream_).socket();
      sock.shutdown(tcp::socket::shutdown_both, ec);
      sock.close(ec);
    });
  }

 private:
  std::shared_ptr<Session> self() { return std::static_pointer_cast<Session>(shared_from_this()); }
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  void start() {
    if constexpr (kTls) {
      tcp().expires_after(state_->limits.read_timeout);
      // A client speaking plain HTTP to the TLS port gets a 400 in plain text, as Go's server answers
      // it, rather than a closed connection; anything else that is not TLS is closed.
      beast::async_detect_ssl(tcp(), buffer_, [self = self()](beast::error_code ec, bool is_tls) {
        if (ec) {
          self->close_now();
          return;
        }
        if (!is_tls) {
          self->answer_plain_http();
          return;
        }
        self->stream_.async_handshake(ssl::stream_base::server, self->buffer_.data(),
                                      [self](beast::error_code ec2, size_t used) {
                                        if (ec2) {
                                          self->close_now();
                                          return;
                                        }
                                        self->buffer_.consume(used);
                                        self->read_next();
                                      });
      });
    } else {
      read_next();
    }
  }

  // Waits for the next request: the first one (or a pipelined one already buffered) gets read_timeout
  // for all of it; an idle keep-alive connection gets idle_timeout until its first byte arrives.
  void read_next() {
    if (closed_ || state_->stopping) {
      close_now();
      return;
    }
    new_parser();
    version_ = 11;
    repaired_ = false;
    if (first_ || buffer_.size() > 0) {
      first_ = false;
      read_header();
      return;
    }
    if (buffer_.capacity() > kBodyReserveMax) {
      buffer_.shrink_to_fit();  // an idle connection does not keep a big request's buffer
    }
    tcp().expires_after(state_->limits.idle_timeout);
    stream_.async_read_some(buffer_.prepare(16384), [self = self()](beast::error_code ec, size_t n) {
      if (ec) {
        self->close_now();
        return;
      }
      self->buffer_.commit(n);
      self->read_header();
    });
  }

  void new_parser() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<size_t>(state_->limits.max_header_bytes, UINT32_MAX)));
    parser_->body_limit(state_->limits.max_body_bytes);
  }

  void read_header() {
    tcp().expires_after(state_->limits.read_timeout);
    parse_header();
  }

  void parse_header() { parse(true); }

  // Feeds what is buffered to the parser and reads more until the header (header_only) or the whole
  // request is parsed: what http::async_read_header and http::async_read do, by hand, because Beast's
  // fields throw std::length_error for a field (or a chunked body's trailer) over 64 KiB, and an
  // exception must not leave a completion handler (the connection would be dropped unanswered). Such a
  // field gets 431: tocsin's limit a field, where Go's is the whole header's 1 MiB.
  void parse(bool header_only) {
    while (buffer_.size() > 0) {
      beast::error_code ec;
      size_t used = 0;
      try {
        used = parser_->put(buffer_.data(), ec);
      } catch (const std::length_error&) {
        send_raw_and_close(go_error_page("431 Request Header Fields Too Large"));
        return;
      }
      buffer_.consume(used);
      if (ec == http::error::need_more) {
        break;
      }
      if (ec) {
        on_read_error(ec);
        return;
      }
      if (header_only ? parser_->is_header_done() : parser_->is_done()) {
        if (header_only) {
          on_header({});
        } else {
          handle_request();
        }
        return;
      }
      if (used == 0) {
        break;
      }
    }
    // As Beast's reads: into the room reserved for a body, at least 16 KiB, at most 1 MiB at a time.
    const size_t room = std::min<size_t>(std::max<size_t>(16384, buffer_.capacity() - buffer_.size()), kBodyReserveMax);
    stream_.async_read_some(buffer_.prepare(room), [self = self(), header_only](beast::error_code ec, size_t n) {
      if (ec == asio::error::eof) {
        if (self->parser_->got_some()) {
          self->parser_->put_eof(ec);  // partial_message
        } else {
          ec = http::error::end_of_stream;
        }
      }
      if (ec) {
        self->on_read_error(ec);
        return;
      }
      self->buffer_.commit(n);
      self->parse(header_only);
    });
  }

  void on_header(beast::error_code ec) {
    if (ec) {
      on_read_error(ec);
      return;
    }
    if (reject_) {
      HttpResponse res;
      res.status = 503;
      res.content_type = "text/plain; charset=utf-8";
      res.body = "too many open connections\n";
      res.headers.set("Retry-After", "1");
      send(std::move(res), false);
      return;
    }
    auto& req = parser_->get();
    version_ = req.version();
    if (std::string refusal = go_refusal(req); !refusal.empty()) {
      send_raw_and_close(std::move(refusal));
      return;
    }
    auto expect = req.find(http::field::expect);
    const bool continue_expected = expect != req.end() && beast::iequals(expect->value(), "100-continue");
    if (expect != req.end() && !expect->value().empty() && !continue_expected) {
      // Go answers an expectation it does not know with 417 and does not read the body.
      HttpResponse res;
      res.status = 417;
      res.content_type.clear();
      send(std::move(res), false);
      return;
    }
    if (!parser_->is_done() && continue_expected && req.version() >= 11) {
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = self()](beast::error_code ec, size_t) {
                          if (ec) {
                            self->close_now();
                            return;
                          }
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    if (parser_->is_done()) {
      handle_request();
      return;
    }
    // Room for the whole body up front: the buffer would otherwise grow a little per read, and a
    // 20 KB batch of alerts took ten reads (each with its timer update and epoll round).
    if (auto len = parser_->content_length(); len && *len <= state_->limits.max_body_bytes) {
      buffer_.reserve(buffer_.size() + static_cast<size_t>(std::min<std::uint64_t>(*len, kBodyReserveMax)));
    }
    parser_->eager(true);  // the body in as few put() calls as the bytes allow, as http::async_read sets
    parse(false);
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      send(plain(413, "request body too large\n"), false);  // tocsin's own limit: Go has none
    } else if (ec == http::error::header_limit) {
      send_raw_and_close(go_error_page("431 Request Header Fields Too Large"));
    } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message) {
      if (!parser_->is_header_done() && !repaired_) {
        const auto data = buffer_.data();
        std::string head(static_cast<const char*>(data.data()), data.size());
        switch (repair_header(head)) {
          case HeaderRepair::kRepaired:
            repaired_ = true;
            buffer_.consume(buffer_.size());
            asio::buffer_copy(buffer_.prepare(head.size()), asio::buffer(head));
            buffer_.commit(head.size());
            new_parser();
            read_header();
            return;
          case HeaderRepair::kVersionNotSupported:
            send_raw_and_close(go_error_page("505 HTTP Version Not Supported: unsupported protocol version"));
            return;
          case HeaderRepair::kNone:
            break;
        }
      }
      send_raw_and_close(go_error_page(ec == http::error::bad_value ? "400 Bad Request: invalid header value" : "400 Bad Request"));
    } else {
      close_now();  // end of stream, timeout, reset, or stop()
    }
  }

  // Writes an answer made by go_error_page and closes the connection.
  void send_raw_and_close(std::string bytes) {
    raw_ = std::move(bytes);
    tcp().expires_after(state_->limits.read_timeout);
    asio::async_write(stream_, asio::buffer(raw_), [self = self()](beast::error_code ec, size_t) {
      if (ec) {
        self->close_now();
        return;
      }
      self->close_gracefully();
    });
  }

  static HttpResponse plain(int status, std::string body) {
    HttpResponse res;
    res.status = status;
    res.content_type = "text/plain; charset=utf-8";
    res.body = std::move(body);
    return res;
  }

  void handle_request() {
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    for (const auto& f : msg) {
      // Beast reads the first Connection line only; "close" in any of them closes, as in Go.
      if (f.name() == http::field::connection && http::token_list(f.value()).exists("close")) {
        keep_alive_ = false;
      }
    }
    if (msg.target() == "*") {
      // Go's server itself answers "OPTIONS *"; its ServeMux refuses "*" with any other method.
      HttpResponse res;
      res.status = msg.method() == http::verb::options ? 200 : 400;
      res.content_type.clear();
      send(std::move(res), keep_alive_ && res.status == 200);
      return;
    }
    HttpRequest req;
    req.method = std::string(msg.method_string());
    const std::string_view target = sv(msg.target());
    const std::string_view path = target_path(target).value_or(target);  // checked by go_refusal
    auto q = target.find('?');
    req.target = std::string(target);
    req.raw_path = std::string(path);
    req.path = percent_decode(path);
    if (q != std::string_view::npos) {
      req.query = std::string(target.substr(q + 1));
    }
    req.headers.items.reserve(8);
    for (const auto& f : msg) {
      req.headers.items.emplace_back(std::string(f.name_string()), std::string(f.value()));
    }
    req.body = std::move(msg.body());
    req.remote_addr = remote_;
    req.defer = [this] { return responder(); };
    answered_.reset();
    const auto accept_encoding = msg.find(http::field::accept_encoding);
    gzip_ok_ = accept_encoding != msg.end() && gzip_accepted(sv(accept_encoding->value()));
    head_ = msg.method() == http::verb::head;
    HttpResponse res;
    try {
      res = state_->handler(req);
    } catch (const std::exception& e) {
      res = plain(500, std::string("internal error: ") + e.what() + "\n");
    } catch (...) {
      res = plain(500, "internal error\n");
    }
    if (res.deferred) {
      return;  // the Responder sends it; no read is pending meanwhile, so nothing else happens here
    }
    // A handler that took a Responder and then answered now (an exception after defer()): the
    // Responder's answer, should it come, is dropped.
    if (answered_ && answered_->exchange(true)) {
      return;
    }
    send(std::move(res), keep_alive_);
  }

  // The session stays alive until its answer is sent: the Responder holds it. One answer a request:
  // the first of the Responder's send() and the handler's own answer wins.
  Responder responder() {
    if (!answered_) answered_ = std::make_shared<std::atomic<bool>>(false);
    Responder r;
    r.send = [self = self(), answered = answered_](HttpResponse res) {
      if (answered->exchange(true)) return;
      auto ex = self->stream_.get_executor();
      asio::post(ex, [self, res = std::move(res)]() mutable { self->send(std::move(res), self->keep_alive_); });
    };
    // Posted twice: a handler posted once runs before the requests that the context's next poll of
    // its sockets finds, posted twice it runs after them (asio runs the poll between the two).
    r.post = [ex = stream_.get_executor()](std::function<void()> fn) {
      asio::post(ex, [ex, fn = std::move(fn)]() mutable { asio::post(ex, std::move(fn)); });
    };
    return r;
  }

  // Writes the answer's bytes itself, as Beast's serializer would write an http::response built with
  // set() in this order (a name set again replaces the earlier line and moves to the end), in one
  // gathered write of head and body: the serializer's buffer iterators cost more than the answer.
  void send(HttpResponse res, bool keep_alive) {
    keep_alive = keep_alive && !state_->stopping;
    const unsigned version = version_ == 10 ? 10 : 11;  // an HTTP/1.0 request gets an HTTP/1.0 answer, as from Go
    const bool no_body = res.status < 200 || res.status == 204 || res.status == 304;
    std::vector<std::pair<std::string_view, std::string_view>> fields;
    fields.reserve(8 + res.headers.items.size());
    auto erase = [&fields](std::string_view name) {
      std::erase_if(fields, [name](const auto& f) {
        return beast::iequals(beast::string_view(f.first.data(), f.first.size()), beast::string_view(name.data(), name.size()));
      });
    };
    auto set = [&fields, &erase](std::string_view name, std::string_view value) {
      erase(name);
      fields.emplace_back(name, value);
    };
    set("Date", http_date());
    if (!res.content_type.empty()) {
      set("Content-Type", res.content_type);
    }
    for (auto& [k, v] : res.headers.items) {
      set(k, v);
    }
    // Beast's keep_alive(): "close" on a 1.1 answer that closes, "keep-alive" on a 1.0 one that stays.
    std::string connection;
    if (version == 11 && !keep_alive) {
      connection = "close";
    } else if (version == 10 && keep_alive) {
      connection = "keep-alive";
    }
    if (!connection.empty()) {
      set("Connection", connection);
    }
    if (res.gzip_if_accepted && gzip_ok_ && !no_body && !head_) {
      res.body = gzip(res.body);
      set("Content-Encoding", "gzip");
    }
    char length[24];
    auto length_of = [&length](size_t n) {
      auto [end, ec] = std::to_chars(length, length + sizeof length, n);
      return std::string_view(length, static_cast<size_t>(end - length));
    };
    if (no_body) {
      erase("Content-Length");
      res.body.clear();
    } else if (head_) {
      // HEAD: no body; a Content-Length only when the handler made a body to measure, as from Go.
      if (!res.body.empty()) {
        set("Content-Length", length_of(res.body.size()));
      }
      res.body.clear();
    } else {
      set("Content-Length", length_of(res.body.size()));
    }
    head_ = false;
    head_buf_.clear();
    head_buf_ += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    head_buf_ += std::to_string(res.status);
    head_buf_ += ' ';
    head_buf_ += sv(http::obsolete_reason(static_cast<http::status>(res.status)));
    head_buf_ += "\r\n";
    for (const auto& [k, v] : fields) {
      head_buf_ += k;
      head_buf_ += ": ";
      head_buf_ += v;
      head_buf_ += "\r\n";
    }
    head_buf_ += "\r\n";
    body_buf_ = std::move(res.body);
    tcp().expires_after(state_->limits.read_timeout);
    const std::array<asio::const_buffer, 2> bufs{asio::buffer(head_buf_), asio::buffer(body_buf_)};
    // Each write as large as the socket takes (asio's default completion condition hands out 64 KiB a
    // write: 80 sendmsg calls for a 5 MB listing, where Beast's serializer made a few).
    auto as_much_as_taken = [](const beast::error_code& ec, size_t) -> size_t { return ec ? 0 : size_t{1} << 30; };
    asio::async_write(stream_, bufs, as_much_as_taken, [self = self(), keep_alive](beast::error_code ec, size_t) {
      if (ec) {
        self->close_now();
        return;
      }
      if (keep_alive) {
        self->read_next();
      } else {
        self->close_gracefully();
      }
    });
  }

  void close_gracefully() {
    if (closed_) {
      return;
    }
    tcp().expires_after(kLingerTimeout);
    if constexpr (kTls) {
      stream_.async_shutdown([self = self()](beast::error_code) { self->close_now(); });
    } else {
      beast::error_code ec;
      tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
      linger();
    }
  }

  // Discards what the client still sends until it closes, up to a limit.
  void linger() {
    if (lingered_ >= kLingerMaxBytes) {
      close_now();
      return;
    }
    buffer_.consume(buffer_.size());
    tcp().async_read_some(buffer_.prepare(16384), [self = self()](beast::error_code ec, size_t n) {
      if (ec) {
        self->close_now();
        return;
      }
      self->lingered_ += n;
      self->linger();
    });
  }

  void answer_plain_http() {
    static const std::string kAnswer = "HTTP/1.0 400 Bad Request\r\n\r\nThis port speaks HTTPS: use https://.\n";
    const auto data = buffer_.data();
    const std::string_view head(static_cast<const char*>(data.data()), std::min<size_t>(data.size(), 5));
    bool http = false;
    for (std::string_view m : {"GET /", "HEAD ", "POST ", "PUT /", "OPTIO"}) {
      http = http || head == m;
    }
    if (!http) {
      close_now();
      return;
    }
    asio::async_write(tcp().socket(), asio::buffer(kAnswer),
                      [self = self()](beast::error_code, size_t) { self->close_now(); });
  }

  void close_now() {
    closed_ = true;
    beast::error_code ec;
    tcp().socket().close(ec);
  }

  Stream stream_;
  std::shared_ptr<ServerState> state_;
  bool reject_;
  std::string remote_;
  // Bodies up to this size are read into a buffer reserved from Content-Length; bigger ones grow.
  static constexpr size_t kBodyReserveMax = 1 << 20;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string head_buf_;  // the answer being written: its status line and header lines,
  std::string body_buf_;  // and its body
  bool first_ = true;
  bool head_ = false;
  bool keep_alive_ = false;
  unsigned version_ = 11;  // the current request's HTTP version (10 or 11)
  bool gzip_ok_ = false;   // the current request accepts a gzip-encoded answer
  bool repaired_ = false;  // the current request's header was rewritten by repair_header once
  std::string raw_;        // an answer written as bytes (go_error_page)
  std::shared_ptr<std::atomic<bool>> answered_;  // the current request's, once a Responder was taken
  bool closed_ = false;
  size_t lingered_ = 0;
};

// ---- server ----

class BeastServer final : public HttpServer {
 public:
  BeastServer(std::string listen_address, HttpHandler handler, ServerLimits limits, int threads,
              const TlsServerConfig* tls)
      : listen_address_(std::move(listen_address)),
        threads_wanted_(threads < 1 ? 1 : threads),
        state_(std::make_shared<ServerState>()),
        iocs_(make_contexts(threads_wanted_)),
        acceptor_(iocs_[0]->get_executor()) {
    state_->handler = std::move(handler);
    state_->limits = limits;
    if (tls != nullptr) {
      tls_ = *tls;
    }
  }

  ~BeastServer() override { stop(); }

  Result<int> start() override {
    if (started_) {
      return make_error("server already started");
    }
    if (tls_) {
      auto ctx = make_server_tls(*tls_);
      if (!ctx) {
        return make_error(ctx.error());
      }
      ssl_ctx_ = std::move(*ctx);
    }
    auto addr = parse_listen_address(listen_address_);
    if (!addr) {
      return make_error(addr.error());
    }
    auto bound = bind(*addr);
    if (!bound) {
      return make_error("listen " + listen_address_ + ": " + bound.error());
    }
    started_ = true;
    do_accept();
    for (int i = 0; i < threads_wanted_; ++i) {
      asio::io_context& ioc = *iocs_[static_cast<size_t>(i)];
      work_.emplace_back(ioc.get_executor());  // a thread whose context has no connection yet keeps waiting
      threads_.emplace_back([&ioc] {
        for (;;) {
          try {
            ioc.run();
            return;
          } catch (...) {
            // A handler must not throw; if one did, keep the thread serving.
          }
        }
      });
    }
    return *bound;
  }

  void stop() override {
    if (!started_ || stopped_) {
      return;
    }
    stopped_ = true;
    state_->stopping = true;
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    std::vector<std::shared_ptr<SessionBase>> live;
    {
      std::lock_guard lock(state_->mu);
      for (auto& [_, weak] : state_->sessions) {
        if (auto s = weak.lock()) {
          live.push_back(std::move(s));
        }
      }
    }
    for (auto& s : live) {
      s->force_close();
    }
    live.clear();
    {
      // Sessions end as their aborted operations complete; a handler stuck in user code is not waited
      // for beyond this grace period.
      std::unique_lock lock(state_->mu);
      state_->drained.wait_for(lock, std::chrono::seconds(2), [this] { return state_->sessions.empty(); });
    }
    work_.clear();
    for (auto& ioc : iocs_) ioc->stop();
    for (auto& t : threads_) {
      if (t.joinable()) {
        t.join();
      }
    }
    threads_.clear();
  }

 private:
  Result<int> bind(const ListenAddress& addr) {
    beast::error_code ec;
    std::vector<tcp::endpoint> candidates;
    if (addr.host.empty()) {
      candidates.emplace_back(asio::ip::address_v6::any(), addr.port);
      candidates.emplace_back(asio::ip::address_v4::any(), addr.port);
    } else {
      auto ip = asio::ip::make_address(addr.host, ec);
      if (!ec) {
        candidates.emplace_back(ip, addr.port);
      } else {
        tcp::resolver resolver(*iocs_[0]);
        auto results = resolver.resolve(addr.host, std::to_string(addr.port), ec);
        if (ec) {
          return make_error("resolve " + addr.host + ": " + ec.message());
        }
        // Prefer IPv4 like Go does for "localhost".
        for (const auto& r : results) {
          if (r.endpoint().address().is_v4()) {
            candidates.push_back(r.endpoint());
          }
        }
        for (const auto& r : results) {
          if (r.endpoint().address().is_v6()) {
            candidates.push_back(r.endpoint());
          }
        }
      }
    }
    std::string last_error = "no address";
    for (const auto& ep : candidates) {
      beast::error_code e;
      acceptor_.open(ep.protocol(), e);
      if (e) {
        last_error = e.message();
        continue;
      }
      if (ep.address().is_v6() && addr.host.empty()) {
        acceptor_.set_option(asio::ip::v6_only(false), e);
      }
      acceptor_.set_option(asio::socket_base::reuse_address(true), e);
      acceptor_.bind(ep, e);
      if (!e) {
        acceptor_.listen(asio::socket_base::max_listen_connections, e);
      }
      if (e) {
        last_error = e.message();
        beast::error_code ignored;
        acceptor_.close(ignored);
        continue;
      }
      return static_cast<int>(acceptor_.local_endpoint().port());
    }
    return make_error(last_error);
  }

  void do_accept() {
    // Connections go to the threads in turn; each is then served wholly by its thread.
    asio::io_context& ioc = *iocs_[next_ioc_++ % iocs_.size()];
    acceptor_.async_accept(ioc, [this](beast::error_code ec, tcp::socket socket) {
      on_accept(ec, std::move(socket));
    });
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (state_->stopping || !acceptor_.is_open()) {
      return;
    }
    if (ec) {
      // EMFILE and friends: back off briefly rather than spin.
      auto timer = std::make_shared<asio::steady_timer>(acceptor_.get_executor(), std::chrono::milliseconds(50));
      timer->async_wait([this, timer](beast::error_code) {
        if (!state_->stopping) {
          do_accept();
        }
      });
      return;
    }
    size_t count = state_->session_count();
    const size_t max = state_->limits.max_connections;
    if (count >= max + max / 4 + 16) {
      beast::error_code ignored;
      socket.close(ignored);  // far beyond the limit: not even a 503
    } else {
      bool reject = count >= max;
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto remote_ep = socket.remote_endpoint(ignored);
      std::string remote;
      if (remote_ep.address().is_v6()) {
        remote = "[" + remote_ep.address().to_string() + "]:" + std::to_string(remote_ep.port());
      } else {
        remote = remote_ep.address().to_string() + ":" + std::to_string(remote_ep.port());
      }
      std::shared_ptr<SessionBase> session;
      if (ssl_ctx_) {
        session = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(state_, reject, std::move(remote),
                                                                                   std::move(socket), *ssl_ctx_);
      } else {
        session = std::make_shared<Session<beast::tcp_stream>>(state_, reject, std::move(remote), std::move(socket));
      }
      session->run();
    }
    do_accept();
  }

  std::string listen_address_;
  int threads_wanted_;
  std::optional<TlsServerConfig> tls_;
  std::shared_ptr<ServerState> state_;
  static std::vector<std::unique_ptr<asio::io_context>> make_contexts(int n) {
    std::vector<std::unique_ptr<asio::io_context>> v;
    for (int i = 0; i < n; ++i) v.push_back(std::make_unique<asio::io_context>(1));
    return v;
  }

  // Declared before iocs_: sessions still queued in a context refer to it when the context is destroyed.
  std::unique_ptr<ssl::context> ssl_ctx_;
  // One io_context a thread. A single context run by several threads wakes another thread on nearly
  // every completion (several futex round trips a request, most of the notify latency and a good
  // share of the CPU per POST); here a connection's handlers all run on its own thread. A slow
  // handler delays only the connections of that thread.
  std::vector<std::unique_ptr<asio::io_context>> iocs_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  size_t next_ioc_ = 0;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace

std::unique_ptr<HttpServer> make_http_server(std::string listen_address, HttpHandler handler, ServerLimits limits,
                                             int threads, const TlsServerConfig* tls) {
  return std::make_unique<BeastServer>(std::move(listen_address), std::move(handler), limits, threads, tls);
}

}  // namespace tocsin::net

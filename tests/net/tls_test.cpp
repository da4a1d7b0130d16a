// tls_test.cpp: the server's TLS (exporter-toolkit style config) and the client's TLS options, with
// certificates made by the openssl command line in a temp dir.
#include <doctest/doctest.h>

#include "net/http.hpp"
#include "net_test_util.hpp"

using namespace tocsin::net;
using namespace tocsin::net::test;
using namespace std::chrono_literals;

namespace {

// Self-signed EC certificate and key in dir/<name>.crt and dir/<name>.key.
bool make_cert(const std::string& dir, const std::string& name, const std::string& san) {
  std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
                    " -subj /CN=" + name + " -addext subjectAltName=" + san + " -keyout " + dir + "/" + name +
                    ".key -out " + dir + "/" + name + ".crt >/dev/null 2>&1";
  return run(cmd) == 0;
}

struct Certs {
  std::string dir = make_temp_dir();
  bool ok = !dir.empty() && make_cert(dir, "server", "DNS:localhost,IP:127.0.0.1") &&
            make_cert(dir, "named", "DNS:tocsin.test") && make_cert(dir, "client", "DNS:client");
  std::string crt(const std::string& n) const { return dir + "/" + n + ".crt"; }
  std::string key(const std::string& n) const { return dir + "/" + n + ".key"; }
  ~Certs() {
    if (!dir.empty()) {
      run("rm -rf " + dir);
    }
  }
};

const Certs& certs() {
  static Certs c;
  return c;
}

HttpResponse hello(const HttpRequest& req) {
  HttpResponse res;
  res.content_type = "text/plain";
  const std::string* host = req.headers.get("Host");
  res.body = "tls " + req.path + " host=" + (host ? *host : "-");
  res.headers.set("X-Remote", req.remote_addr);
  return res;
}

TlsServerConfig server_tls(const std::string& name) {
  TlsServerConfig tls;
  tls.cert_file = certs().crt(name);
  tls.key_file = certs().key(name);
  return tls;
}

std::string https(int port, const std::string& path) { return "https://127.0.0.1:" + std::to_string(port) + path; }

}  // namespace

TEST_CASE("TLS: verified, unverified and insecure clients") {
  REQUIRE(certs().ok);
  auto tls = server_tls("server");
  auto s = start_server(hello, {}, 2, &tls);
  REQUIRE(s);

  auto req = request("GET", https(s->port, "/x"));
  req.options.tls.ca_file = certs().crt("server");
  auto r = http_send(req);
  CHECK(r.error == "");
  CHECK(r.status == 200);
  CHECK(r.body.rfind("tls /x", 0) == 0);
  // keep-alive over TLS
  auto r2 = http_send(req);
  REQUIRE(r.headers.get("X-Remote"));
  REQUIRE(r2.headers.get("X-Remote"));
  CHECK(*r.headers.get("X-Remote") == *r2.headers.get("X-Remote"));

  auto unknown_ca = request("GET", https(s->port, "/x"));
  unknown_ca.options.tls.ca_file = certs().crt("named");
  r = http_send(unknown_ca);
  CHECK(r.status == 0);
  CHECK_FALSE(r.error.empty());

  auto insecure = request("GET", https(s->port, "/x"));
  insecure.options.tls.insecure_skip_verify = true;
  CHECK(http_send(insecure).status == 200);

  // Plain HTTP to a TLS port gets no HTTP answer.
  auto plain = request("GET", "http://127.0.0.1:" + std::to_string(s->port) + "/x");
  plain.options.timeout = 2000ms;
  CHECK(http_send(plain).status != 200);
}

TEST_CASE("TLS: server_name is used for SNI and verification, Host stays the URL's") {
  REQUIRE(certs().ok);
  auto tls = server_tls("named");
  auto s = start_server(hello, {}, 1, &tls);
  REQUIRE(s);
  auto req = request("GET", https(s->port, "/n"));
  req.options.tls.ca_file = certs().crt("named");
  auto r = http_send(req);
  CHECK(r.status == 0);  // 127.0.0.1 is not in the certificate
  req.options.tls.server_name = "tocsin.test";
  r = http_send(req);
  CHECK(r.error == "");
  CHECK(r.status == 200);
  CHECK(r.body == "tls /n host=127.0.0.1:" + std::to_string(s->port));
}

TEST_CASE("TLS: client certificates") {
  REQUIRE(certs().ok);
  auto tls = server_tls("server");
  tls.client_auth_type = "RequireAndVerifyClientCert";
  tls.client_ca_file = certs().crt("client");
  auto s = start_server(hello, {}, 1, &tls);
  REQUIRE(s);
  auto req = request("GET", https(s->port, "/c"));
  req.options.tls.ca_file = certs().crt("server");
  auto r = http_send(req);
  CHECK(r.status == 0);
  CHECK_FALSE(r.error.empty());
  req.options.tls.cert_file = certs().crt("client");
  req.options.tls.key_file = certs().key("client");
  r = http_send(req);
  CHECK(r.error == "");
  CHECK(r.status == 200);
  // A certificate the CA did not sign is refused.
  req.options.tls.cert_file = certs().crt("named");
  req.options.tls.key_file = certs().key("named");
  CHECK(http_send(req).status == 0);
}

TEST_CASE("TLS: RequireAnyClientCert accepts any certificate but needs one") {
  REQUIRE(certs().ok);
  auto tls = server_tls("server");
  tls.client_auth_type = "RequireAnyClientCert";
  auto s = start_server(hello, {}, 1, &tls);
  REQUIRE(s);
  auto req = request("GET", https(s->port, "/c"));
  req.options.tls.ca_file = certs().crt("server");
  CHECK(http_send(req).status == 0);
  req.options.tls.cert_file = certs().crt("named");
  req.options.tls.key_file = certs().key("named");
  CHECK(http_send(req).status == 200);
}

TEST_CASE("TLS: versions and cipher suites") {
  REQUIRE(certs().ok);
  auto tls = server_tls("server");
  tls.min_version = "TLS12";
  tls.cipher_suites = {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"};
  auto s = start_server(hello, {}, 1, &tls);
  REQUIRE(s);
  auto req = request("GET", https(s->port, "/v"));
  req.options.tls.ca_file = certs().crt("server");
  req.options.tls.min_version = "TLS12";
  CHECK(http_send(req).status == 200);

  auto tls13 = server_tls("server");
  tls13.min_version = "TLS13";
  auto s13 = start_server(hello, {}, 1, &tls13);
  REQUIRE(s13);
  req.url = https(s13->port, "/v");
  req.options.tls.min_version = "TLS13";
  CHECK(http_send(req).status == 200);
}

TEST_CASE("TLS: bad configurations fail start()") {
  REQUIRE(certs().ok);
  auto check_fails = [](TlsServerConfig tls) {
    auto srv = make_http_server("127.0.0.1:0", hello, {}, 1, &tls);
    auto r = srv->start();
    CHECK_FALSE(r.ok());
    return r.ok() ? std::string() : r.error();
  };
  auto tls = server_tls("server");
  tls.cert_file = certs().dir + "/missing.crt";
  MESSAGE(check_fails(tls));
  tls = server_tls("server");
  tls.cipher_suites = {"TLS_NOT_A_SUITE"};
  MESSAGE(check_fails(tls));
  tls = server_tls("server");
  tls.min_version = "TLS99";
  check_fails(tls);
  tls = server_tls("server");
  tls.client_auth_type = "Whatever";
  check_fails(tls);
  tls = server_tls("server");
  tls.max_version = "TLS99";
  check_fails(tls);
  tls = server_tls("server");
  tls.curve_preferences = {"CurveP999"};
  check_fails(tls);
  tls = server_tls("server");
  tls.client_auth_type = "RequireAndVerifyClientCert";
  tls.client_ca_file = certs().dir + "/missing-ca.crt";
  check_fails(tls);
  // A client_ca_file without certificates is an empty pool, as Go's: it starts (and no client passes).
  tls.client_ca_file = tls.key_file;
  {
    auto empty_pool = make_http_server("127.0.0.1:0", hello, {}, 1, &tls);
    CHECK(empty_pool->start().ok());
    empty_pool->stop();
  }
  // Without client_ca_file the system's roots verify client certificates, as Go's: it starts.
  tls = server_tls("server");
  tls.client_auth_type = "RequireAndVerifyClientCert";
  auto srv = make_http_server("127.0.0.1:0", hello, {}, 1, &tls);
  CHECK(srv->start().ok());
  srv->stop();
}

TEST_CASE("TLS: stop() with TLS clients connected") {
  REQUIRE(certs().ok);
  auto tls = server_tls("server");
  auto s = start_server(hello, {}, 2, &tls);
  REQUIRE(s);
  int idle = connect_raw(s->port);  // never starts its handshake
  auto req = request("GET", https(s->port, "/x"));
  req.options.tls.insecure_skip_verify = true;
  CHECK(http_send(req).status == 200);  // leaves a kept-alive TLS connection
  auto t0 = std::chrono::steady_clock::now();
  s->server->stop();
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);
  bool eof = false;
  read_until_close(idle, 2s, eof);
  CHECK(eof);
  ::close(idle);
}

// web_config_test.cpp: unit tests of the --web.config.file reader (exporter-toolkit's format).
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "config/web_config.hpp"

using namespace tocsin::config;

namespace {

// The failure text of a Result, or "" when it holds a value: doctest evaluates a _MESSAGE's text even
// when the check passes (it prints it under -s), and error() on a success throws bad_variant_access.
template <class R>
std::string why(const R& r) {
  return r.ok() ? std::string() : r.error();
}

// A syntactically valid bcrypt hash (cost 10).
const char* kHash = "$2b$10$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW";

std::string err_of(const std::string& yaml) {
  auto c = load_web_config_string(yaml, "/etc/tocsin/web.yml");
  REQUIRE_FALSE_MESSAGE(c.ok(), yaml);
  return c.error();
}

}  // namespace

TEST_CASE("an empty web config means plain HTTP, no users, the toolkit's defaults") {
  auto c = load_web_config_string("", "/etc/tocsin/web.yml");
  REQUIRE_MESSAGE(c.ok(), why(c));
  CHECK_FALSE(c->tls.enabled());
  CHECK(c->tls.min_version == "TLS12");
  CHECK(c->tls.max_version == "TLS13");
  CHECK(c->tls.prefer_server_cipher_suites);
  CHECK(c->http.http2);
  CHECK(c->basic_auth_users.empty());
}

TEST_CASE("a full web config loads, relative paths taken from the file's directory") {
  std::string yaml = std::string(R"(
tls_server_config:
  cert_file: server.crt
  key_file: /abs/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca/ca.crt
  min_version: TLS13
  max_version: TLS13
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]
  curve_preferences: [X25519, CurveP256]
  prefer_server_cipher_suites: false
http_server_config:
  http2: false
  headers:
    X-Frame-Options: deny
    Strict-Transport-Security: max-age=31536000
basic_auth_users:
  alice: ')") + kHash + "'\n";
  auto c = load_web_config_string(yaml, "/etc/tocsin/web.yml");
  REQUIRE_MESSAGE(c.ok(), why(c));
  CHECK(c->tls.enabled());
  CHECK(c->tls.cert_file == "/etc/tocsin/server.crt");
  CHECK(c->tls.key_file == "/abs/server.key");
  CHECK(c->tls.client_ca_file == "/etc/tocsin/ca/ca.crt");
  CHECK(c->tls.client_auth_type == "RequireAndVerifyClientCert");
  CHECK(c->tls.min_version == "TLS13");
  CHECK(c->tls.cipher_suites.size() == 2);
  CHECK(c->tls.curve_preferences.size() == 2);
  CHECK_FALSE(c->tls.prefer_server_cipher_suites);
  CHECK_FALSE(c->http.http2);
  CHECK(c->http.headers.at("X-Frame-Options") == "deny");
  CHECK(c->basic_auth_users.at("alice") == kHash);
}

TEST_CASE("basic auth alone keeps plain HTTP") {
  auto c = load_web_config_string(std::string("basic_auth_users:\n  bob: ") + kHash + "\n", "web.yml");
  REQUIRE_MESSAGE(c.ok(), why(c));
  CHECK_FALSE(c->tls.enabled());
  CHECK(c->basic_auth_users.size() == 1);
}

TEST_CASE("bcrypt hashes with any minor version byte, or none, load as Go's bcrypt.Cost reads them") {
  for (const char* h : {"$2x$10$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
                        "$2$10$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrWx"}) {
    auto c = load_web_config_string(std::string("basic_auth_users:\n  bob: '") + h + "'\n", "web.yml");
    CHECK_MESSAGE(c.ok(), h << ": " << why(c));
  }
}

TEST_CASE("RequireClientCert is the older name of RequireAnyClientCert") {
  auto c = load_web_config_string(
      "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireClientCert\n", "w.yml");
  REQUIRE_MESSAGE(c.ok(), why(c));
  CHECK(c->tls.client_auth_type == "RequireAnyClientCert");
}

TEST_CASE("web config errors name the field, the reason and the file") {
  struct Case {
    const char* yaml;
    const char* want;
  };
  const Case cases[] = {
      {"tls_server_confg: {}\n", "tls_server_confg: unknown field (/etc/tocsin/web.yml:1)"},
      {"tls_server_config:\n  cert_fle: x\n", "tls_server_config.cert_fle: unknown field (/etc/tocsin/web.yml:2)"},
      {"http_server_config:\n  http3: true\n", "http_server_config.http3: unknown field"},
      {"tls_server_config:\n  key_file: k\n", "tls_server_config.cert_file: missing cert_file"},
      {"tls_server_config:\n  cert_file: c\n", "tls_server_config.key_file: missing key_file"},
      {"tls_server_config:\n  client_auth_type: RequireAndVerifyClientCert\n", "missing cert_file"},
      {"tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: Sometimes\n",
       "tls_server_config.client_auth_type: invalid ClientAuth: Sometimes (/etc/tocsin/web.yml:4)"},
      {"tls_server_config:\n  cert_file: c\n  key_file: k\n  client_ca_file: ca\n",
       "tls_server_config.client_ca_file: client CA's have been configured without a client auth policy"},
      {"tls_server_config:\n  min_version: TLS14\n", "tls_server_config.min_version: unknown TLS version: TLS14"},
      {"tls_server_config:\n  max_version: SSL3\n", "tls_server_config.max_version: unknown TLS version: SSL3"},
      {"tls_server_config:\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n",
       "tls_server_config.cipher_suites[0]: unknown cipher: TLS_RSA_WITH_RC4_128_SHA"},
      {"tls_server_config:\n  curve_preferences: [P256]\n", "tls_server_config.curve_preferences[0]: unknown curve: P256"},
      {"tls_server_config:\n  prefer_server_cipher_suites: maybe\n",
       "tls_server_config.prefer_server_cipher_suites: expected a boolean"},
      {"http_server_config:\n  headers:\n    Server: tocsin\n",
       "http_server_config.headers.Server: HTTP header \"Server\" can not be configured"},
      {"http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
       "http_server_config.headers.X-Frame-Options: invalid value \"allow\", expected one of \"deny\", \"sameorigin\""},
      {"basic_auth_users:\n  alice: plaintext\n", "basic_auth_users.alice: hashedSecret too short"},
      {"basic_auth_users:\n  alice: $1$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrWxxxx\n",
       "basic_auth_users.alice: bcrypt hash without a cost"},
      {"basic_auth_users:\n  alice: $3a$10$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW\n",
       "basic_auth_users.alice: bcrypt algorithm version '3' is newer than version '2'"},
      {"basic_auth_users:\n  alice: x2a$10$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW\n",
       "basic_auth_users.alice: bcrypt hashes must start with '$'"},
      {"basic_auth_users:\n  alice: $2b$03$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW\n",
       "basic_auth_users.alice: bcrypt cost 3 is outside the allowed range"},
      {"basic_auth_users: [alice]\n", "basic_auth_users: expected a mapping"},
      {"tls_server_config:\n  cert_file: a\n  cert_file: b\n", "tls_server_config.cert_file: key already set in map"},
      {"tls_server_config: [\n", "yaml: "},
  };
  for (const auto& c : cases) {
    std::string got = err_of(c.yaml);
    CHECK_MESSAGE(got.find(c.want) != std::string::npos, "yaml:\n" << c.yaml << "got:  " << got << "\nwant: " << c.want);
  }
}

TEST_CASE("load_web_config reads the file and checks the TLS files exist") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("tocsin_web_config_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "web.yml") << "tls_server_config:\n  cert_file: s.crt\n  key_file: s.key\n";
  auto missing = load_web_config((dir / "web.yml").string());
  REQUIRE_FALSE(missing.ok());
  CHECK_MESSAGE(missing.error().find("tls_server_config.cert_file: cannot read " + (dir / "s.crt").string()) !=
                    std::string::npos,
                missing.error());
  std::ofstream(dir / "s.crt") << "x";
  std::ofstream(dir / "s.key") << "x";
  auto ok = load_web_config((dir / "web.yml").string());
  CHECK_MESSAGE(ok.ok(), why(ok));
  auto none = load_web_config((dir / "nope.yml").string());
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().find("nope.yml") != std::string::npos);
  fs::remove_all(dir);
}

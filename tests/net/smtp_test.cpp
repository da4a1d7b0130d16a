// smtp_test.cpp: smtp_send against a real SMTP server (aiosmtpd, via smtp_sink.py) on 127.0.0.1:
// plain, AUTH PLAIN/LOGIN, STARTTLS required, and failures.
#include <doctest/doctest.h>

#include <signal.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "net/smtp.hpp"
#include "net_test_util.hpp"

using namespace tocsin::net;
using namespace tocsin::net::test;
using namespace std::chrono_literals;

namespace {

// One smtp_sink.py process, killed when this goes out of scope.
struct SmtpSink {
  std::string dir = make_temp_dir();
  FILE* pipe = nullptr;
  int pid = 0;
  int port = 0;

  explicit SmtpSink(const std::string& args) {
    std::string cmd = "exec /usr/bin/python3 " TOCSIN_SOURCE_DIR "/tests/net/smtp_sink.py " + dir + " " + args +
                      " 2>/dev/null";
    pipe = ::popen(cmd.c_str(), "r");
    if (pipe == nullptr || std::fscanf(pipe, "%d %d", &port, &pid) != 2) {
      port = 0;
    }
  }
  ~SmtpSink() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
    }
    if (pipe != nullptr) {
      ::pclose(pipe);
    }
    run("rm -rf " + dir);
  }
  std::string smarthost() const { return "127.0.0.1:" + std::to_string(port); }
  // The n-th received message with the sink's session facts first, or "" if none.
  std::string message(int n) const {
    std::ifstream f(dir + "/" + std::to_string(n) + ".eml", std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
};

SmtpMessage message(const std::string& smarthost) {
  SmtpMessage m;
  m.smarthost = smarthost;
  m.hello = "tocsin.example";
  m.from = "alertmanager@example.org";
  m.to = {"ops@example.org", "<oncall@example.org>"};
  m.data =
      "From: alertmanager@example.org\r\nTo: ops@example.org\r\nSubject: [FIRING:1] Disk\r\n"
      "Content-Type: text/plain\r\n\r\nThe disk is full.\r\n.starts with a dot\r\n";
  m.require_tls = false;
  m.timeout = 5000ms;
  return m;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("smtp: a plain message arrives with envelope, hello name and body") {
  SmtpSink sink("");
  REQUIRE(sink.port > 0);
  auto r = smtp_send(message(sink.smarthost()));
  CHECK(r.error == "");
  CHECK(r.status == 250);
  std::string got = sink.message(1);
  CHECK(contains(got, "EHLO: tocsin.example\n"));
  CHECK(contains(got, "FROM: alertmanager@example.org\n"));
  CHECK(contains(got, "TO: ops@example.org,oncall@example.org\n"));
  CHECK(contains(got, "TLS: no\n"));
  CHECK(contains(got, "Subject: [FIRING:1] Disk\r\n"));
  CHECK(contains(got, "The disk is full.\r\n.starts with a dot\r\n"));
}

TEST_CASE("smtp: AUTH with the hinted mechanism, and a refused password") {
  SmtpSink sink("--auth alice:s3cret");
  REQUIRE(sink.port > 0);
  auto m = message(sink.smarthost());
  m.username = "alice";
  m.password = "s3cret";
  m.auth_mechanism_hint = "PLAIN";
  auto r = smtp_send(m);
  CHECK(r.error == "");
  CHECK(contains(sink.message(1), "AUTH: alice/PLAIN\n"));

  m.auth_mechanism_hint = "LOGIN";
  r = smtp_send(m);
  CHECK(r.error == "");
  CHECK(contains(sink.message(2), "AUTH: alice/LOGIN\n"));

  m.password = "wrong";
  r = smtp_send(m);
  CHECK_FALSE(r.error.empty());
  CHECK(r.status == 535);
  MESSAGE("bad password: " << r.status << " " << r.error);
  CHECK(contains(r.error, ": 535 "));  // the server's own refusal, after curl's text

  // Without credentials the server's auth_required refuses MAIL FROM.
  auto anon = message(sink.smarthost());
  r = smtp_send(anon);
  CHECK_FALSE(r.error.empty());
}

TEST_CASE("smtp: STARTTLS required") {
  std::string dir = make_temp_dir();
  REQUIRE(run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=mail"
              " -addext subjectAltName=IP:127.0.0.1 -keyout " + dir + "/k.pem -out " + dir + "/c.pem >/dev/null 2>&1") == 0);
  {
    SmtpSink tls_sink("--starttls " + dir + "/c.pem " + dir + "/k.pem");
    REQUIRE(tls_sink.port > 0);
    auto m = message(tls_sink.smarthost());
    m.require_tls = true;
    m.tls.ca_file = dir + "/c.pem";
    auto r = smtp_send(m);
    CHECK(r.error == "");
    CHECK(contains(tls_sink.message(1), "TLS: yes\n"));

    m.tls.ca_file.clear();  // the system CAs do not know our certificate
    r = smtp_send(m);
    CHECK_FALSE(r.error.empty());
    m.tls.insecure_skip_verify = true;
    r = smtp_send(m);
    CHECK(r.error == "");
  }
  {
    SmtpSink plain_sink("");
    REQUIRE(plain_sink.port > 0);
    auto m = message(plain_sink.smarthost());
    m.require_tls = true;  // the server offers no STARTTLS
    auto r = smtp_send(m);
    CHECK_FALSE(r.error.empty());
    MESSAGE("no STARTTLS: " << r.error);
    CHECK(r.error == "'require_tls' is true but " + plain_sink.smarthost() + " does not offer STARTTLS");
    CHECK(plain_sink.message(1).empty());
  }
  run("rm -rf " + dir);
}

TEST_CASE("smtp: connection refused and no recipients are errors") {
  int port = 0;
  {
    SmtpSink sink("");
    port = sink.port;
  }
  std::this_thread::sleep_for(100ms);
  auto r = smtp_send(message("127.0.0.1:" + std::to_string(port)));
  CHECK_FALSE(r.error.empty());
  auto m = message("127.0.0.1:1");
  m.to.clear();
  CHECK_FALSE(smtp_send(m).error.empty());
}

TEST_CASE("smtp: PLAIN carries the authorization identity when one is set") {
  SmtpSink sink("--auth alice:s3cret");
  REQUIRE(sink.port > 0);
  auto m = message(sink.smarthost());
  m.username = "alice";
  m.password = "s3cret";
  m.auth_mechanism_hint = "PLAIN";
  auto r = smtp_send(m);
  CHECK(r.error == "");
  CHECK(contains(sink.message(1), "AUTHZID: -\n"));
  m.auth_identity = "ops-team";
  r = smtp_send(m);
  CHECK(r.error == "");
  CHECK(contains(sink.message(2), "AUTH: alice/PLAIN\nAUTHZID: ops-team\n"));
}

TEST_CASE("smtp: tls server_name is the name verified in the certificate, the smarthost the address dialled") {
  std::string dir = make_temp_dir();
  REQUIRE(run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=mail"
              " -addext subjectAltName=DNS:mail.example -keyout " + dir + "/k.pem -out " + dir + "/c.pem >/dev/null 2>&1") == 0);
  {
    SmtpSink sink("--starttls " + dir + "/c.pem " + dir + "/k.pem");
    REQUIRE(sink.port > 0);
    auto m = message(sink.smarthost());
    m.require_tls = true;
    m.tls.ca_file = dir + "/c.pem";
    m.tls.server_name = "127.0.0.1";  // what the email receiver sets without server_name: not in the certificate
    CHECK_FALSE(smtp_send(m).error.empty());
    m.tls.server_name = "other.example";
    CHECK_FALSE(smtp_send(m).error.empty());
    m.tls.server_name = "mail.example";
    auto r = smtp_send(m);
    CHECK(r.error == "");
    CHECK(contains(sink.message(1), "TLS: yes\n"));
  }
  run("rm -rf " + dir);
}

TEST_CASE("smtp: a username without password or secret fails before MAIL FROM only where AUTH is offered") {
  auto m = [](const std::string& smarthost) {
    auto msg = message(smarthost);
    msg.auth_unusable = true;
    return msg;
  };
  {
    SmtpSink sink("--auth alice:s3cret");
    REQUIRE(sink.port > 0);
    auto r = smtp_send(m(sink.smarthost()));
    CHECK(contains(r.error, "find auth mechanism: the server offers AUTH "));
    CHECK(sink.message(1).empty());
  }
  {
    SmtpSink sink("");  // no AUTH extension: sent without authenticating
    REQUIRE(sink.port > 0);
    auto r = smtp_send(m(sink.smarthost()));
    CHECK(r.error == "");
    CHECK(contains(sink.message(1), "AUTH: -\n"));
  }
}

TEST_CASE("smtp: CRAM-MD5, and a password with a secret falls back to CRAM-MD5 where only it is offered") {
  SmtpSink sink("--auth alice:s3cret --cram-only");
  REQUIRE(sink.port > 0);
  auto m = message(sink.smarthost());
  m.username = "alice";
  m.password = "s3cret";  // as the secret
  m.auth_mechanism_hint = "CRAM-MD5";
  auto r = smtp_send(m);
  CHECK(r.error == "");
  CHECK(contains(sink.message(1), "AUTH: alice/CRAM-MD5\n"));

  m.password = "a password";
  m.auth_mechanism_hint = "PLAIN;AUTH=LOGIN";
  r = smtp_send(m);
  CHECK_FALSE(r.error.empty());  // no PLAIN or LOGIN offered, no secret to fall back to
  m.cram_md5_secret = "s3cret";
  r = smtp_send(m);
  CHECK(r.error == "");
  CHECK(contains(sink.message(2), "AUTH: alice/CRAM-MD5\n"));
}

// email_test.cpp: the email's encodings against Go's (quoted-printable, RFC 2047 words, outputs taken
// from Go 1.19's mime packages), the message layout, and delivery to a real SMTP server (aiosmtpd via
// tests/net/smtp_sink.py), plain, with AUTH and with STARTTLS, parsed back by Python's email package.
#include <doctest/doctest.h>

#include <signal.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "receivers/email/email.hpp"
#include "recv_test_util.hpp"
#include "template/template.hpp"

using namespace tocsin;
using namespace tocsin::receivers;
using namespace tocsin::receivers::test;
using tocsin::net::test::make_temp_dir;
using tocsin::net::test::run;

namespace {

std::shared_ptr<const tmpl::Templates> defaults() {
  return std::make_shared<const tmpl::Templates>(*tmpl::Templates::with_defaults());
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

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
  // The n-th message parsed by parse_email.py; null when there is none.
  nlohmann::json parsed(int n) const {
    std::string path = dir + "/" + std::to_string(n) + ".eml";
    std::string cmd = "/usr/bin/python3 " TOCSIN_SOURCE_DIR "/tests/receivers/parse_email.py " + path + " 2>/dev/null";
    FILE* p = ::popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    size_t k;
    while (p != nullptr && (k = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, k);
    if (p != nullptr) ::pclose(p);
    return nlohmann::json::parse(out, nullptr, false);
  }
};

const char* kEmailConfig = R"yaml(  email_configs:
  - to: 'Ops Team <ops@example.org>, oncall@example.org'
    from: 'Alertmanager <am@example.org>'
    smarthost: SMARTHOST
    require_tls: false
    hello: tocsin.test
    text: '{{ range .Alerts }}{{ .Labels.instance }}: {{ .Annotations.summary }} é{{ "\n" }}{{ end }}'
    headers:
      X-Team: 'ops {{ .Status }}'
)yaml";

config::EmailConfig email_config(const std::string& smarthost, const std::string& extra = "") {
  std::string y = kEmailConfig;
  y.replace(y.find("SMARTHOST"), 9, smarthost);
  auto cfg = load_team(y + extra);
  return cfg.receivers[0].email_configs[0];
}

}  // namespace

TEST_CASE("email: quoted-printable as Go's writer") {
  CHECK(quoted_printable("plain line\nsecond = line  \n\ttab\r\nend ") ==
        "plain line\r\nsecond =3D line =20\r\n\ttab\r\nend=20");
  CHECK(quoted_printable(repeat("abcdefghij", 9) + "\n" + repeat("\xC3\xA9", 40) + "\r" + repeat("x", 74) + "=y") ==
        "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcde=\r\nfghijabcdefghij\r\n"
        "=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=\r\n"
        "=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=\r\n"
        "=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=\r\n"
        "=A9=C3=A9=C3=A9\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=\r\n=3Dy");
  CHECK(quoted_printable("trailing tab\t") == "trailing tab=09");
}

TEST_CASE("email: header values as Go's mime.QEncoding") {
  CHECK(q_encode_header("[FIRING:2] DiskFull") == "[FIRING:2] DiskFull");
  CHECK(q_encode_header("Disk vol \xC3\xA9 full_now? = yes") == "=?utf-8?q?Disk_vol_=C3=A9_full=5Fnow=3F_=3D_yes?=");
  CHECK(q_encode_header(repeat("Gr\xC3\xB6\xC3\x9F" "e ", 15)) ==
        "=?utf-8?q?Gr=C3=B6=C3=9Fe_Gr=C3=B6=C3=9Fe_Gr=C3=B6=C3=9Fe_Gr=C3=B6=C3=9Fe?= "
        "=?utf-8?q?_Gr=C3=B6=C3=9Fe_Gr=C3=B6=C3=9Fe_Gr=C3=B6=C3=9Fe_Gr=C3=B6=C3=9F?= "
        "=?utf-8?q?e_Gr=C3=B6=C3=9Fe_Gr=C3=B6=C3=9Fe_Gr=C3=B6=C3=9Fe_Gr=C3=B6?= "
        "=?utf-8?q?=C3=9Fe_Gr=C3=B6=C3=9Fe_Gr=C3=B6=C3=9Fe_Gr=C3=B6=C3=9Fe_?=");
  CHECK(q_encode_header("tab\tok") == "tab\tok");
}

TEST_CASE("email: address lists") {
  auto a = parse_address_list("Ops Team <ops@example.org>, oncall@example.org, \"Doe, J\" <j@x.io> (pager)");
  REQUIRE(a.ok());
  CHECK(*a == std::vector<std::string>{"ops@example.org", "oncall@example.org", "j@x.io"});
  CHECK_FALSE(parse_address_list("").ok());
  CHECK_FALSE(parse_address_list("not an address").ok());
}

TEST_CASE("email: the message as the reference lays it out") {
  auto c = email_config("127.0.0.1:25");
  EmailIds ids;
  ids.hostname = "host.test";
  ids.boundary = std::string(60, 'b');
  ids.random = 42;
  auto m = email_message(c, *defaults(), disk_context(), disk_alerts(), ids);
  REQUIRE_MESSAGE(m.ok(), m.error());
  CHECK(m->from == "am@example.org");
  CHECK(m->to == std::vector<std::string>{"ops@example.org", "oncall@example.org"});
  const std::string b = std::string(60, 'b');
  // 2026-01-01T12:00:00Z in nanoseconds since the epoch.
  const std::string head =
      "From: Alertmanager <am@example.org>\r\n"
      "Subject: [FIRING:2] DiskFull (critical)\r\n"
      "To: Ops Team <ops@example.org>, oncall@example.org\r\n"
      "X-Team: ops firing\r\n"
      "Message-Id: <1767268800000000000.42@host.test>\r\n";
  CHECK(m->data.substr(0, head.size()) == head);
  CHECK(m->data.find("\r\nContent-Type: multipart/alternative;  boundary=" + b + "\r\nMIME-Version: 1.0\r\n\r\n--" + b +
                     "\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
                     "a:9100: Disk <a> full =C3=A9\r\nb:9100: Disk b full =C3=A9\r\n\r\n--" + b +
                     "\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n") !=
        std::string::npos);
  CHECK(m->data.size() > 2 * b.size());
  CHECK(m->data.substr(m->data.size() - b.size() - 8) == "\r\n--" + b + "--\r\n");
  CHECK(m->data.find("Date: ") != std::string::npos);

  // A Message-Id header of the config's replaces the generated one; a bad 'from' is not retried.
  c.headers["Message-Id"] = "<fixed@x>";
  m = email_message(c, *defaults(), disk_context(), disk_alerts(), ids);
  REQUIRE(m.ok());
  CHECK(m->data.find("Message-Id: <fixed@x>\r\n") != std::string::npos);
  CHECK(m->data.find("@host.test>") == std::string::npos);
  c.from = "a@x, b@y";
  auto bad = email_message(c, *defaults(), disk_context(), disk_alerts(), ids);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error() == "must be exactly one 'from' address (got: 2)");
}

TEST_CASE("email: delivered to a real SMTP server and parsed back") {
  SmtpSink sink("");
  REQUIRE(sink.port > 0);
  EmailNotifier n(email_config(sink.smarthost()), defaults());
  auto r = n.notify(disk_context(), disk_alerts());
  REQUIRE_MESSAGE(r.ok, r.error);
  auto j = sink.parsed(1);
  REQUIRE(j.is_object());
  CHECK(j["facts"].get<std::string>().find("EHLO: tocsin.test\nFROM: am@example.org\nTO: ops@example.org,oncall@example.org\n") == 0);
  CHECK(j["defects"].empty());
  CHECK(j["headers"]["Subject"] == "[FIRING:2] DiskFull (critical)");
  CHECK(j["headers"]["To"] == "Ops Team <ops@example.org>, oncall@example.org");
  CHECK(j["headers"]["From"] == "Alertmanager <am@example.org>");
  CHECK(j["headers"]["X-Team"] == "ops firing");
  CHECK(j["headers"]["MIME-Version"] == "1.0");
  CHECK(j["headers"]["Message-Id"].get<std::string>().find("<1767268800000000000.") == 0);
  CHECK(j["headers"].contains("Date"));
  CHECK(j["content_type"] == "multipart/alternative");
  REQUIRE(j["parts"].size() == 2);
  CHECK(j["parts"][0]["content_type"] == "text/plain");
  CHECK(j["parts"][0]["charset"] == "utf-8");
  // Quoted-printable carries the line ends as CRLF, as the reference writes them.
  CHECK(j["parts"][0]["body"] == "a:9100: Disk <a> full \xC3\xA9\r\nb:9100: Disk b full \xC3\xA9\r\n");
  CHECK(j["parts"][1]["content_type"] == "text/html");
  std::string html = j["parts"][1]["body"];
  CHECK(html.find("<title>[FIRING:2] DiskFull (critical)</title>") != std::string::npos);
  CHECK(html.find("Disk &lt;a&gt; full") != std::string::npos);  // escaped as html/template does

  // A resolved group, with a non-ASCII subject.
  auto c = email_config(sink.smarthost());
  c.headers["Subject"] = "{{ .Status }}: Größe";
  r = EmailNotifier(c, defaults()).notify(disk_context(), disk_alerts(true));
  REQUIRE_MESSAGE(r.ok, r.error);
  CHECK(sink.parsed(2)["headers"]["Subject"] == "resolved: Gr\xC3\xB6\xC3\x9F" "e");
}

TEST_CASE("email: AUTH with the configured password, from a file too") {
  SmtpSink sink("--auth alice:s3cret");
  REQUIRE(sink.port > 0);
  std::string dir = make_temp_dir();
  run("printf 's3cret\\n' > " + dir + "/pw");
  auto r = EmailNotifier(email_config(sink.smarthost(), "    auth_username: alice\n    auth_password: s3cret\n"),
                         defaults())
               .notify(disk_context(), disk_alerts());
  CHECK_MESSAGE(r.ok, r.error);
  CHECK(sink.parsed(1)["facts"].get<std::string>().find("AUTH: alice/") != std::string::npos);
  r = EmailNotifier(email_config(sink.smarthost(), "    auth_username: alice\n    auth_password_file: " + dir + "/pw\n"),
                    defaults())
          .notify(disk_context(), disk_alerts());
  CHECK_MESSAGE(r.ok, r.error);
  r = EmailNotifier(email_config(sink.smarthost(), "    auth_username: alice\n    auth_password: wrongpass\n"),
                    defaults())
          .notify(disk_context(), disk_alerts());
  CHECK_FALSE(r.ok);
  CHECK(r.retry);  // the reference retries every SMTP failure
  CHECK(r.error.find("wrongpass") == std::string::npos);
  run("rm -rf " + dir);
}

TEST_CASE("email: auth_identity goes into PLAIN; PLAIN is refused in clear to a host other than localhost") {
  SmtpSink sink("--auth alice:s3cret");
  REQUIRE(sink.port > 0);
  auto r = EmailNotifier(email_config(sink.smarthost(),
                                      "    auth_username: alice\n    auth_password: s3cret\n    auth_identity: ops\n"),
                         defaults())
               .notify(disk_context(), disk_alerts());
  CHECK_MESSAGE(r.ok, r.error);
  CHECK(sink.parsed(1)["facts"].get<std::string>().find("AUTH: alice/PLAIN\nAUTHZID: ops\n") != std::string::npos);

  // 127.0.0.2 is not "localhost" to Go's PlainAuth: unencrypted, the password goes by LOGIN only.
  SmtpSink remote("--auth alice:s3cret --host 127.0.0.2");
  REQUIRE(remote.port > 0);
  r = EmailNotifier(email_config("127.0.0.2:" + std::to_string(remote.port),
                                 "    auth_username: alice\n    auth_password: s3cret\n"),
                    defaults())
          .notify(disk_context(), disk_alerts());
  CHECK_MESSAGE(r.ok, r.error);
  CHECK(remote.parsed(1)["facts"].get<std::string>().find("AUTH: alice/LOGIN\n") != std::string::npos);
}

TEST_CASE("email: STARTTLS with a self-signed certificate") {
  std::string dir = make_temp_dir();
  REQUIRE(run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=mail"
              " -addext subjectAltName=IP:127.0.0.1 -keyout " + dir + "/k.pem -out " + dir + "/c.pem >/dev/null 2>&1") == 0);
  {
    SmtpSink sink("--starttls " + dir + "/c.pem " + dir + "/k.pem");
    REQUIRE(sink.port > 0);
    auto c = email_config(sink.smarthost(), "    tls_config:\n      ca_file: " + dir + "/c.pem\n");
    c.require_tls = true;
    auto r = EmailNotifier(c, defaults()).notify(disk_context(), disk_alerts());
    REQUIRE_MESSAGE(r.ok, r.error);
    auto j = sink.parsed(1);
    CHECK_MESSAGE(j["facts"].get<std::string>().find("TLS: yes") != std::string::npos, j["facts"]);
    CHECK(j["headers"]["Subject"] == "[FIRING:2] DiskFull (critical)");
    CHECK(j["parts"].size() == 2);

    // Without the CA the certificate is refused, and retried.
    c.tls_config.ca_file.clear();
    r = EmailNotifier(c, defaults()).notify(disk_context(), disk_alerts());
    CHECK_FALSE(r.ok);
    CHECK(r.retry);

    // A TLS file that cannot be read fails at once, not retried (the reference's "parse TLS
    // configuration"); without TLS the files are not read.
    c.tls_config.ca_file = dir + "/missing-ca.pem";
    r = EmailNotifier(c, defaults()).notify(disk_context(), disk_alerts());
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.retry);
    CHECK(r.error == "parse TLS configuration: cannot read " + dir + "/missing-ca.pem");
  }
  {
    SmtpSink plain("");
    REQUIRE(plain.port > 0);
    auto c = email_config(plain.smarthost());
    c.require_tls = true;  // the server offers no STARTTLS
    auto r = EmailNotifier(c, defaults()).notify(disk_context(), disk_alerts());
    CHECK_FALSE(r.ok);
    CHECK(r.retry);
  }
  run("rm -rf " + dir);
}

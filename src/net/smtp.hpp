// smtp.hpp: sending one email through an SMTP smarthost, for the email receiver. Plain structs; the
// libcurl implementation is in smtp_client.cpp.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "net/http.hpp"

namespace tocsin::net {

struct SmtpMessage {
  std::string smarthost;  // host:port
  std::string hello;      // the EHLO name; empty: "localhost", as Alertmanager
  std::string from;       // envelope sender (bare address)
  std::vector<std::string> to;  // envelope recipients (bare addresses)
  std::string data;       // the full RFC 5322 message, CRLF line ends
  std::string username, password;
  std::string auth_identity;  // PLAIN's authorization identity (auth_identity); empty: none
  // A username with neither password nor secret: no mechanism can be used, so the send fails (before
  // MAIL FROM) when the server offers AUTH, and goes on without AUTH when it does not, as the reference.
  bool auth_unusable = false;
  // With a password: a CRAM-MD5 secret too. When the server offers CRAM-MD5 but neither PLAIN nor
  // LOGIN, the send is made again with CRAM-MD5 and this secret (the reference takes the first
  // mechanism offered that it has a credential for).
  std::string cram_md5_secret;
  std::string auth_mechanism_hint;  // "PLAIN", "LOGIN", "CRAM-MD5"; empty: the best the server offers
  bool require_tls = true;    // STARTTLS required
  bool implicit_tls = false;  // TLS from the first byte (port 465)
  TlsClientConfig tls;
  std::chrono::milliseconds timeout{30000};
};

// Synchronous; never throws. status is the server's last reply code (250 on success), error the
// transport or protocol failure with the server's message where curl has it.
ClientResponse smtp_send(const SmtpMessage& msg);

}  // namespace tocsin::net

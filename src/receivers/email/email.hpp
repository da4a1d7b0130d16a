// email.hpp: the email integration: an RFC 5322 message (templated headers, multipart/alternative with
// quoted-printable text and HTML parts) sent through the smarthost with net::smtp_send.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers {

class EmailNotifier final : public Notifier {
 public:
  EmailNotifier(config::EmailConfig cfg, std::shared_ptr<const tmpl::Templates> templates);
  NotifyResult notify(const NotifyContext& ctx, const AlertList& alerts) override;

 private:
  config::EmailConfig cfg_;
  std::shared_ptr<const tmpl::Templates> templates_;
  std::string hostname_;  // for Message-Id
};

struct EmailMessage {
  std::string from;             // envelope sender, the bare address
  std::vector<std::string> to;  // envelope recipients, bare addresses
  std::string data;             // headers and body, CRLF line ends
};

// What makes a message unique; tests fix them.
struct EmailIds {
  std::string hostname = "localhost";
  std::string boundary;  // 60 hex digits
  uint64_t random = 0;
};

// Renders and assembles the message (exposed for tests).
Result<EmailMessage> email_message(const config::EmailConfig& cfg, const tmpl::Templates& templates,
                                   const NotifyContext& ctx, const AlertList& alerts, const EmailIds& ids);

// Go's mime.QEncoding.Encode("utf-8", s): s itself when printable ASCII, else RFC 2047 encoded words.
std::string q_encode_header(std::string_view s);
// Go's quotedprintable.Writer over the whole of s (CRLF line ends, 76-column soft breaks).
std::string quoted_printable(std::string_view s);
// The bare addresses of an RFC 5322 address list ("Ops <ops@x>, b@y" -> {"ops@x", "b@y"}).
Result<std::vector<std::string>> parse_address_list(std::string_view s);

}  // namespace tocsin::receivers

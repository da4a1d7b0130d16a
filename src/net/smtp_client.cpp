// smtp_client.cpp: smtp_send over libcurl's SMTP: EHLO with our hello name (the URL's path), STARTTLS
// or implicit TLS, optional AUTH, MAIL FROM, RCPT TO for each recipient, DATA.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <string_view>

#include "net/curl_common.hpp"
#include "net/smtp.hpp"

namespace tocsin::net {
namespace {

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t on_read(char* buf, size_t size, size_t nitems, void* user) {
  auto* up = static_cast<Upload*>(user);
  size_t n = std::min(size * nitems, up->data->size() - up->offset);
  std::memcpy(buf, up->data->data() + up->offset, n);
  up->offset += n;
  return n;
}

size_t discard(char*, size_t size, size_t nmemb, void*) { return size * nmemb; }

// What the server said, seen through curl's debug callback: its last refusal (a 4xx or 5xx reply
// line), so that an error names it ("550 5.1.1 no such user") as the reference's errors do (curl's own
// text has only the code); and the AUTH mechanisms its last EHLO answer offered.
struct Conversation {
  std::string last_refusal;
  std::string auth_offered;  // "PLAIN LOGIN"; empty: no AUTH extension
  bool refuse_auth = false;  // SmtpMessage::auth_unusable
};

int on_debug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  if (type != CURLINFO_HEADER_IN) return 0;
  auto* conv = static_cast<Conversation*>(user);
  std::string line(data, size);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.empty()) return 0;
  if (line[0] == '4' || line[0] == '5') {
    conv->last_refusal = line;
  } else if (line.rfind("220", 0) == 0) {
    conv->auth_offered.clear();  // greeting or STARTTLS: the EHLO that follows is the one that counts
  } else if (line.size() > 8 && line.rfind("250", 0) == 0 && (line[3] == '-' || line[3] == ' ')) {
    std::string ext = line.substr(4, 5);
    for (auto& c : ext) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (ext == "AUTH " || ext == "AUTH=") conv->auth_offered = line.substr(9);
  }
  return 0;
}

// Called once the connection is set up (EHLO, STARTTLS and AUTH done), before MAIL FROM.
int on_prereq(void* user, char*, char*, int, int) {
  auto* conv = static_cast<Conversation*>(user);
  return conv->refuse_auth && !conv->auth_offered.empty() ? CURL_PREREQFUNC_ABORT : CURL_PREREQFUNC_OK;
}

std::string angle(const std::string& addr) {
  if (!addr.empty() && addr.front() == '<') {
    return addr;
  }
  return "<" + addr + ">";
}

// Whether the space-separated AUTH list offers mech (case-insensitive).
bool offers(const std::string& list, std::string_view mech) {
  size_t i = 0;
  while (i < list.size()) {
    size_t j = list.find(' ', i);
    if (j == std::string::npos) j = list.size();
    std::string_view w(list.data() + i, j - i);
    if (w.size() == mech.size() &&
        std::equal(w.begin(), w.end(), mech.begin(), [](char a, char b) { return std::toupper(static_cast<unsigned char>(a)) == b; })) {
      return true;
    }
    i = j + 1;
  }
  return false;
}

ClientResponse send_with(CURL* h, const SmtpMessage& msg, std::string* auth_offered = nullptr) {
  ClientResponse res;
  char errbuf[CURL_ERROR_SIZE];
  errbuf[0] = '\0';
  // libcurl takes the EHLO name from the URL's path.
  std::string hello = msg.hello.empty() ? "localhost" : msg.hello;
  // tls_config.server_name: the name sent as SNI and verified in the certificate. libcurl takes both
  // from the URL's host, so the URL names server_name and CONNECT_TO still dials the smarthost.
  std::string authority = msg.smarthost;
  detail::SList connect_to;
  if (const auto colon = msg.smarthost.rfind(':'); colon != std::string::npos && !msg.tls.server_name.empty()) {
    std::string host = msg.smarthost.substr(0, colon);
    const std::string port = msg.smarthost.substr(colon + 1);
    std::string bare = host.size() >= 2 && host.front() == '[' && host.back() == ']' ? host.substr(1, host.size() - 2) : host;
    if (msg.tls.server_name != bare) {
      const std::string& sn = msg.tls.server_name;
      authority = (sn.find(':') != std::string::npos ? "[" + sn + "]" : sn) + ":" + port;
      connect_to.append("::" + host + ":" + port);
      curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to.get());
    }
  }
  std::string url = std::string(msg.implicit_tls ? "smtps://" : "smtp://") + authority + "/" + hello;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  if (msg.timeout.count() > 0) {
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(msg.timeout.count()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(msg.timeout.count()));
  }
  if (!msg.implicit_tls) {
    curl_easy_setopt(h, CURLOPT_USE_SSL, msg.require_tls ? static_cast<long>(CURLUSESSL_ALL)
                                                         : static_cast<long>(CURLUSESSL_NONE));
  }
  detail::apply_tls_options(h, msg.tls);

  if (!msg.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, msg.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, msg.password.c_str());
    // PLAIN sends "identity NUL username NUL password"; the other mechanisms have no identity.
    curl_easy_setopt(h, CURLOPT_SASL_AUTHZID, msg.auth_identity.empty() ? nullptr : msg.auth_identity.c_str());
    std::string options;
    if (!msg.auth_mechanism_hint.empty()) {
      options = "AUTH=" + msg.auth_mechanism_hint;
      curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, options.c_str());
    }
  }
  std::string from = angle(msg.from);
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  detail::SList rcpt;
  for (const auto& to : msg.to) {
    rcpt.append(angle(to));
  }
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
  Upload up{&msg.data};
  curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(h, CURLOPT_READDATA, &up);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(msg.data.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);

  Conversation conv;
  conv.refuse_auth = msg.auth_unusable;
  curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
  curl_easy_setopt(h, CURLOPT_DEBUGDATA, &conv);
  curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, on_prereq);
  curl_easy_setopt(h, CURLOPT_PREREQDATA, &conv);

  CURLcode code = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  res.status = static_cast<int>(status);
  if (code == CURLE_ABORTED_BY_CALLBACK && conv.refuse_auth && !conv.auth_offered.empty()) {
    res.error = "find auth mechanism: the server offers AUTH " + conv.auth_offered +
                " but auth_username has neither a password nor a secret";
  } else if (code == CURLE_USE_SSL_FAILED) {
    res.error = "'require_tls' is true but " + msg.smarthost + " does not offer STARTTLS";
  } else if (code != CURLE_OK) {
    res.error = detail::curl_error_text(code, errbuf);
    // The server's own words when it refused (a 4xx or 5xx reply ended the conversation).
    if (!conv.last_refusal.empty()) {
      res.error += ": " + conv.last_refusal;
    }
  }
  if (auth_offered != nullptr) *auth_offered = conv.auth_offered;
  curl_easy_setopt(h, CURLOPT_VERBOSE, 0L);
  curl_easy_setopt(h, CURLOPT_DEBUGDATA, nullptr);
  curl_easy_setopt(h, CURLOPT_PREREQDATA, nullptr);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, nullptr);
  curl_easy_setopt(h, CURLOPT_CONNECT_TO, nullptr);
  curl_easy_setopt(h, CURLOPT_READDATA, nullptr);
  return res;
}

}  // namespace

ClientResponse smtp_send(const SmtpMessage& msg) {
  try {
    if (msg.to.empty()) {
      ClientResponse res;
      res.error = "smtp: no recipients";
      return res;
    }
    // A fresh handle, so a fresh connection an email as Alertmanager does: no session (AUTH, TLS)
    // carried over from an earlier message, and the HTTP handles' connection caches stay HTTP only.
    detail::ensure_curl_global_init();
    std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
    if (!h) {
      ClientResponse res;
      res.error = "curl_easy_init failed";
      return res;
    }
    std::string offered;
    auto res = send_with(h.get(), msg, &offered);
    if (!res.error.empty() && !msg.cram_md5_secret.empty() && !msg.username.empty() &&
        offers(offered, "CRAM-MD5") && !offers(offered, "PLAIN") && !offers(offered, "LOGIN")) {
      SmtpMessage cram = msg;
      cram.password = msg.cram_md5_secret;
      cram.auth_mechanism_hint = "CRAM-MD5";
      cram.cram_md5_secret.clear();
      h.reset(curl_easy_init());
      if (!h) return res;
      return send_with(h.get(), cram);
    }
    return res;
  } catch (const std::exception& e) {
    ClientResponse res;
    res.error = std::string("smtp_send: ") + e.what();
    return res;
  }
}

}  // namespace tocsin::net

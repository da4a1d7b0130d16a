// curl_common.cpp: libcurl global init, per-thread easy handles and TLS options shared by the HTTP
// and SMTP clients.
#include "net/curl_common.hpp"

#include <mutex>

namespace tocsin::net::detail {
namespace {

// Cleans the thread's handle (and so its connections) when the thread ends.
struct ThreadHandle {
  CURL* h = nullptr;
  ~ThreadHandle() {
    if (h != nullptr) {
      curl_easy_cleanup(h);
    }
  }
};

}  // namespace

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CURL* thread_easy_handle() {
  ensure_curl_global_init();
  thread_local ThreadHandle th;
  if (th.h == nullptr) {
    th.h = curl_easy_init();
  } else {
    curl_easy_reset(th.h);  // keeps the connection cache, DNS cache and TLS sessions
  }
  return th.h;
}

void apply_tls_options(CURL* h, const TlsClientConfig& tls) {
  if (!tls.ca_file.empty()) {
    curl_easy_setopt(h, CURLOPT_CAINFO, tls.ca_file.c_str());
  }
  if (!tls.cert_file.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLCERT, tls.cert_file.c_str());
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
  }
  if (!tls.key_file.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLKEY, tls.key_file.c_str());
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (tls.insecure_skip_verify) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  long version = CURL_SSLVERSION_DEFAULT;
  if (tls.min_version == "TLS10") {
    version = CURL_SSLVERSION_TLSv1_0;
  } else if (tls.min_version == "TLS11") {
    version = CURL_SSLVERSION_TLSv1_1;
  } else if (tls.min_version == "TLS12") {
    version = CURL_SSLVERSION_TLSv1_2;
  } else if (tls.min_version == "TLS13") {
    version = CURL_SSLVERSION_TLSv1_3;
  }
  if (version != CURL_SSLVERSION_DEFAULT) {
    curl_easy_setopt(h, CURLOPT_SSLVERSION, version);
  }
  // server_name: libcurl (7.88) cannot send an SNI/verify name different from the URL's host without
  // rewriting the URL and pinning the address with CURLOPT_RESOLVE; not done yet.
}

std::string curl_error_text(CURLcode code, const char* errbuf) {
  if (errbuf != nullptr && errbuf[0] != '\0') {
    return errbuf;
  }
  return curl_easy_strerror(code);
}

}  // namespace tocsin::net::detail

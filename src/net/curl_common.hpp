// curl_common.hpp: internal to src/net. The libcurl plumbing that the HTTP and SMTP clients share:
// one-time global init, a reused easy handle per thread, TLS options. Never include it outside src/net.
#pragma once

#include <curl/curl.h>

#include <string>

#include "net/http.hpp"

namespace tocsin::net::detail {

// curl_global_init, exactly once, thread-safe.
void ensure_curl_global_init();

// This thread's easy handle, reset to defaults but keeping its connection cache, so consecutive
// requests to one host reuse a keep-alive connection. Returns nullptr if libcurl cannot allocate one.
CURL* thread_easy_handle();

// Applies CA file, client certificate, verification and minimum version.
void apply_tls_options(CURL* h, const TlsClientConfig& tls);

// Owns a curl_slist.
class SList {
 public:
  SList() = default;
  SList(const SList&) = delete;
  SList& operator=(const SList&) = delete;
  ~SList() { curl_slist_free_all(list_); }
  void append(const std::string& s) { list_ = curl_slist_append(list_, s.c_str()); }
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

// Curl's message for a failed transfer: the error buffer if filled, else the code's text.
std::string curl_error_text(CURLcode code, const char* errbuf);

}  // namespace tocsin::net::detail

// auth.cpp: basic auth and response headers from --web.config.file, wrapped around api's handler by app.
// bcrypt comes from libxcrypt (crypt_r), SHA-256 for the cache key from OpenSSL.
#include "api/auth.hpp"

#include <crypt.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/time.hpp"

namespace tocsin::api {

namespace {

// Same verdict for the same inputs, in time that depends only on the lengths.
bool constant_time_equal(const std::string& a, const std::string& b) {
  size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

std::string sha256(const std::string& s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(md), len);
}

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+') {
    return 62;
  }
  if (c == '/') {
    return 63;
  }
  return -1;
}

// Go's base64.StdEncoding.DecodeString: padded standard alphabet; CR and LF are skipped.
std::optional<std::string> b64_decode(std::string_view in) {
  std::string s;
  for (char c : in) {
    if (c != '\r' && c != '\n') {
      s += c;
    }
  }
  if (s.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out;
  for (size_t i = 0; i < s.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      char c = s[i + j];
      if (c == '=') {
        // Padding only in the last quantum, only in its last two places, and nothing after it.
        if (i + 4 != s.size() || j < 2) {
          return std::nullopt;
        }
        ++pad;
        v[j] = 0;
        continue;
      }
      if (pad > 0) {
        return std::nullopt;
      }
      v[j] = b64_value(c);
      if (v[j] < 0) {
        return std::nullopt;
      }
    }
    unsigned bits = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>((bits >> 16) & 0xff);
    if (pad < 2) {
      out += static_cast<char>((bits >> 8) & 0xff);
    }
    if (pad < 1) {
      out += static_cast<char>(bits & 0xff);
    }
  }
  return out;
}

// Go's Request.BasicAuth: "Basic " (any case) + base64("user:password").
std::optional<std::pair<std::string, std::string>> parse_basic_auth(const net::HttpRequest& req) {
  const std::string* h = req.headers.get("Authorization");
  static constexpr std::string_view kPrefix = "basic ";
  if (h == nullptr || h->size() < kPrefix.size()) {
    return std::nullopt;
  }
  for (size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>((*h)[i])) != kPrefix[i]) {
      return std::nullopt;
    }
  }
  auto decoded = b64_decode(std::string_view(*h).substr(kPrefix.size()));
  if (!decoded) {
    return std::nullopt;
  }
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) {
    return std::nullopt;
  }
  return std::make_pair(decoded->substr(0, colon), decoded->substr(colon + 1));
}

net::HttpResponse unauthorized() {
  net::HttpResponse r;
  r.status = 401;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "Unauthorized\n";
  r.headers.set("WWW-Authenticate", "Basic");
  r.headers.set("X-Content-Type-Options", "nosniff");
  return r;
}

// The verdict cache: bounded, oldest entry out first. A failed verdict is cached too, so a client that
// retries a wrong password does not cost a bcrypt each time; new wrong passwords still do (one at a
// time, under bcrypt_mu_).
class BasicAuth {
 public:
  explicit BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {
    // Unknown users are checked against a configured hash, so they cost what a known user costs.
    dummy_hash_ = users_.begin()->second;
  }

  bool allowed(const std::string& user, const std::string& password) {
    auto it = users_.find(user);
    bool known = it != users_.end();
    std::string key = user;
    key += '\0';
    key += sha256(password);
    if (auto v = cached(key)) {
      return *v && known;
    }
    bool ok = false;
    {
      std::lock_guard lock(bcrypt_mu_);
      ok = bcrypt_matches(password, known ? it->second : dummy_hash_);
    }
    ok = ok && known;
    remember(std::move(key), ok);
    return ok;
  }

 private:
  static constexpr size_t kCacheSize = 1024;

  std::optional<bool> cached(const std::string& key) {
    std::lock_guard lock(cache_mu_);
    auto it = cache_.find(key);
    if (it == cache_.end()) {
      return std::nullopt;
    }
    return it->second;
  }

  void remember(std::string key, bool ok) {
    std::lock_guard lock(cache_mu_);
    if (cache_.count(key) != 0) {
      return;
    }
    while (order_.size() >= kCacheSize) {
      cache_.erase(order_.front());
      order_.pop_front();
    }
    cache_.emplace(key, ok);
    order_.push_back(std::move(key));
  }

  const std::map<std::string, std::string> users_;
  std::string dummy_hash_;
  std::mutex bcrypt_mu_;
  std::mutex cache_mu_;
  std::unordered_map<std::string, bool> cache_;
  std::deque<std::string> order_;
};

}  // namespace

bool bcrypt_matches(const std::string& password, const std::string& given) {
  // Go's bcrypt computes the same digest whatever the version bytes say ("$2a$", "$2x$", "$2$" ...)
  // and compares them as written; libxcrypt reads "$2b$" as that algorithm, so the hash is compared
  // in that form.
  if (given.size() < 59 || given[0] != '$' || given[1] > '2') {
    return false;
  }
  const size_t n = given[2] != '$' ? 4 : 3;
  const std::string hash = "$2b$" + given.substr(n, 2) + "$" + given.substr(n + 3);
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: on the heap, not a server thread's stack
  const char* out = crypt_r(password.c_str(), hash.c_str(), data.get());
  // A password with a NUL byte cannot match: crypt_r would only see the part before it.
  bool has_nul = password.find('\0') != std::string::npos;
  if (out == nullptr || out[0] == '*') {
    return false;
  }
  return constant_time_equal(out, hash) && !has_nul;
}

net::HttpHandler with_basic_auth(net::HttpHandler inner, std::map<std::string, std::string> users) {
  if (users.empty()) {
    return inner;
  }
  auto auth = std::make_shared<BasicAuth>(std::move(users));
  return [inner = std::move(inner), auth](const net::HttpRequest& req) -> net::HttpResponse {
    auto creds = parse_basic_auth(req);
    if (creds && auth->allowed(creds->first, creds->second)) {
      return inner(req);
    }
    return unauthorized();
  };
}

net::HttpHandler with_response_headers(net::HttpHandler inner, std::map<std::string, std::string> headers) {
  if (headers.empty()) {
    return inner;
  }
  auto add = [headers = std::move(headers)](net::HttpResponse& r) {
    for (const auto& [name, value] : headers) {
      if (r.headers.get(name) == nullptr) {
        r.headers.set(name, value);
      }
    }
  };
  return [inner = std::move(inner), add](const net::HttpRequest& req) {
    if (!req.defer) {
      net::HttpResponse r = inner(req);
      add(r);
      return r;
    }
    // A deferred answer gets the headers when it is sent: the inner handler sees a wrapped defer.
    req.defer = [defer = std::move(req.defer), add] {
      net::Responder r = defer();
      r.send = [send = std::move(r.send), add](net::HttpResponse res) {
        add(res);
        send(std::move(res));
      };
      return r;
    };
    net::HttpResponse r = inner(req);
    if (!r.deferred) add(r);
    return r;
  };
}

net::HttpHandler with_timeout(net::HttpHandler inner, std::chrono::nanoseconds timeout,
                              std::function<std::chrono::nanoseconds()> now) {
  if (timeout.count() <= 0) {
    return inner;
  }
  if (!now) {
    now = [] { return std::chrono::steady_clock::now().time_since_epoch(); };
  }
  auto refusal = [body = "Exceeded configured timeout of " + format_go_duration(timeout) + ".\n"] {
    net::HttpResponse r;
    r.status = 503;
    r.content_type = "text/plain; charset=utf-8";
    r.body = body;
    return r;
  };
  return [inner = std::move(inner), timeout, now = std::move(now), refusal](const net::HttpRequest& req) {
    const auto deadline = now() + timeout;
    if (req.defer) {
      // A deferred answer is judged when it is sent.
      req.defer = [defer = std::move(req.defer), deadline, now, refusal] {
        net::Responder r = defer();
        r.send = [send = std::move(r.send), deadline, now, refusal](net::HttpResponse res) {
          send(now() > deadline ? refusal() : std::move(res));
        };
        return r;
      };
    }
    net::HttpResponse r = inner(req);
    if (!r.deferred && now() > deadline) return refusal();
    return r;
  };
}

}  // namespace tocsin::api

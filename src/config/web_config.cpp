// web_config.cpp: the reader of --web.config.file (exporter-toolkit's format). Strict like Go's
// yaml.UnmarshalStrict (unknown and duplicate keys rejected), with the toolkit's checks made at load
// time: TLS versions, cipher and curve names, client auth policy, allowed response headers, bcrypt
// hashes. What the toolkit only finds when the listener starts (unreadable files) is found here too.
#include "config/web_config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/config.hpp"

namespace tocsin::config {

namespace {

// Go's crypto/tls CipherSuites(): the names exporter-toolkit accepts (the "insecure" list is refused).
const std::set<std::string>& known_ciphers() {
  static const std::set<std::string> k = {
      "TLS_RSA_WITH_AES_128_CBC_SHA",
      "TLS_RSA_WITH_AES_256_CBC_SHA",
      "TLS_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_AES_128_GCM_SHA256",
      "TLS_AES_256_GCM_SHA384",
      "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
      "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
      "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
  };
  return k;
}

const std::set<std::string>& known_curves() {
  static const std::set<std::string> k = {"CurveP256", "CurveP384", "CurveP521", "X25519"};
  return k;
}

const std::set<std::string>& known_versions() {
  static const std::set<std::string> k = {"TLS10", "TLS11", "TLS12", "TLS13"};
  return k;
}

// The response headers an operator may set, with the values allowed (empty: any value).
const std::map<std::string, std::vector<std::string>>& allowed_headers() {
  static const std::map<std::string, std::vector<std::string>> k = {
      {"Strict-Transport-Security", {}},
      {"X-Content-Type-Options", {"nosniff"}},
      {"X-Frame-Options", {"deny", "sameorigin"}},
      {"X-XSS-Protection", {}},
      {"Content-Security-Policy", {}},
  };
  return k;
}

int line_of(const YAML::Node& n) {
  if (!n.IsDefined()) {
    return 0;
  }
  int l = n.Mark().line;
  return l >= 0 ? l + 1 : 0;
}

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

// Strict reading of one document; throws ConfigError.
class WebReader {
 public:
  explicit WebReader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& reason, const YAML::Node& at) const {
    throw ConfigError(path, reason, file_, line_of(at));
  }

  // Calls fn(key, value) for each entry of a mapping; rejects non-mappings and duplicate keys.
  template <class Fn>
  void each_entry(const YAML::Node& n, const std::string& path, Fn fn) const {
    if (n.IsNull()) {
      return;
    }
    if (!n.IsMap()) {
      fail(path, "expected a mapping", n);
    }
    std::set<std::string> seen;
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) {
        fail(path, "keys must be strings", kv.first);
      }
      const std::string& key = kv.first.Scalar();
      if (!seen.insert(key).second) {
        fail(join(path, key), "key already set in map", kv.first);
      }
      fn(key, kv.second, kv.first);
    }
  }

  std::string str(const YAML::Node& n, const std::string& path) const {
    if (n.IsNull()) {
      return "";
    }
    if (!n.IsScalar()) {
      fail(path, "expected a string", n);
    }
    return n.Scalar();
  }

  bool boolean(const YAML::Node& n, const std::string& path) const {
    if (n.IsScalar()) {
      static const std::set<std::string> kTrue = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
      static const std::set<std::string> kFalse = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
      if (kTrue.count(n.Scalar()) != 0) {
        return true;
      }
      if (kFalse.count(n.Scalar()) != 0) {
        return false;
      }
    }
    fail(path, "expected a boolean", n);
  }

  std::vector<std::string> str_list(const YAML::Node& n, const std::string& path) const {
    std::vector<std::string> out;
    if (n.IsNull()) {
      return out;
    }
    if (!n.IsSequence()) {
      fail(path, "expected a list of strings", n);
    }
    for (size_t i = 0; i < n.size(); ++i) {
      out.push_back(str(n[i], path + "[" + std::to_string(i) + "]"));
    }
    return out;
  }

  std::map<std::string, std::string> str_map(const YAML::Node& n, const std::string& path) const {
    std::map<std::string, std::string> out;
    each_entry(n, path, [&](const std::string& k, const YAML::Node& v, const YAML::Node&) {
      out[k] = str(v, join(path, k));
    });
    return out;
  }

  void read_tls(const YAML::Node& n, WebTlsConfig& c) const {
    const std::string p = "tls_server_config";
    each_entry(n, p, [&](const std::string& k, const YAML::Node& v, const YAML::Node& key) {
      std::string fp = join(p, k);
      if (k == "cert_file") {
        c.cert_file = str(v, fp);
      } else if (k == "key_file") {
        c.key_file = str(v, fp);
      } else if (k == "client_auth_type") {
        c.client_auth_type = str(v, fp);
        lines_["client_auth_type"] = line_of(v);
      } else if (k == "client_ca_file") {
        c.client_ca_file = str(v, fp);
      } else if (k == "min_version" || k == "max_version") {
        std::string s = str(v, fp);
        if (known_versions().count(s) == 0) {
          fail(fp, "unknown TLS version: " + s, v);
        }
        (k == "min_version" ? c.min_version : c.max_version) = s;
      } else if (k == "cipher_suites") {
        c.cipher_suites = str_list(v, fp);
        for (size_t i = 0; i < c.cipher_suites.size(); ++i) {
          if (known_ciphers().count(c.cipher_suites[i]) == 0) {
            fail(fp + "[" + std::to_string(i) + "]", "unknown cipher: " + c.cipher_suites[i], v[i]);
          }
        }
      } else if (k == "curve_preferences") {
        c.curve_preferences = str_list(v, fp);
        for (size_t i = 0; i < c.curve_preferences.size(); ++i) {
          if (known_curves().count(c.curve_preferences[i]) == 0) {
            fail(fp + "[" + std::to_string(i) + "]", "unknown curve: " + c.curve_preferences[i], v[i]);
          }
        }
      } else if (k == "prefer_server_cipher_suites") {
        c.prefer_server_cipher_suites = boolean(v, fp);
      } else {
        fail(fp, "unknown field", key);
      }
    });
    lines_["tls_server_config"] = line_of(n);
  }

  void read_http(const YAML::Node& n, WebHttpConfig& c) const {
    const std::string p = "http_server_config";
    each_entry(n, p, [&](const std::string& k, const YAML::Node& v, const YAML::Node& key) {
      std::string fp = join(p, k);
      if (k == "http2") {
        c.http2 = boolean(v, fp);
      } else if (k == "headers") {
        c.headers = str_map(v, fp);
        for (const auto& [name, value] : c.headers) {
          auto it = allowed_headers().find(name);
          if (it == allowed_headers().end()) {
            fail(join(fp, name), "HTTP header \"" + name + "\" can not be configured", v);
          }
          const auto& values = it->second;
          if (!values.empty() && std::find(values.begin(), values.end(), value) == values.end()) {
            std::string expected;
            for (const auto& a : values) {
              expected += (expected.empty() ? "\"" : ", \"") + a + "\"";
            }
            fail(join(fp, name), "invalid value \"" + value + "\", expected one of " + expected, v);
          }
        }
      } else {
        fail(fp, "unknown field", key);
      }
    });
  }

  // A bcrypt hash as Go's bcrypt.Cost accepts it: "$2?$NN$" + 53 characters, cost 4..31.
  static std::string bcrypt_problem(const std::string& h) {
    // As Go's bcrypt.Cost reads a hash: '$', a major version up to '2', an optional minor version
    // of any byte ("$2a$", "$2b$", "$2x$", "$2y$", "$2$"), then the two-digit cost.
    if (h.size() < 59) {
      return "hashedSecret too short to be a bcrypted password";
    }
    if (h[0] != '$') {
      return "bcrypt hashes must start with '$'";
    }
    if (h[1] > '2') {
      return std::string("bcrypt algorithm version '") + h[1] + "' is newer than version '2'";
    }
    const size_t n = h[2] != '$' ? 4 : 3;
    if (!std::isdigit(static_cast<unsigned char>(h[n])) || !std::isdigit(static_cast<unsigned char>(h[n + 1]))) {
      return "bcrypt hash without a cost";
    }
    int cost = (h[n] - '0') * 10 + (h[n + 1] - '0');
    if (cost < 4 || cost > 31) {
      return "bcrypt cost " + std::to_string(cost) + " is outside the allowed range (4,31)";
    }
    return "";
  }

  WebConfig read(const YAML::Node& root) const {
    WebConfig c;
    each_entry(root, "", [&](const std::string& k, const YAML::Node& v, const YAML::Node& key) {
      if (k == "tls_server_config") {
        read_tls(v, c.tls);
      } else if (k == "http_server_config") {
        read_http(v, c.http);
      } else if (k == "basic_auth_users") {
        c.basic_auth_users = str_map(v, k);
        for (const auto& [user, hash] : c.basic_auth_users) {
          if (auto why = bcrypt_problem(hash); !why.empty()) {
            fail(join(k, user), why, v[user]);
          }
        }
      } else {
        fail(k, "unknown field", key);
      }
    });
    check_tls(c.tls);
    check_http2_ciphers(c);
    return c;
  }

  // With HTTP/2 on (the default), Go's server refuses to start on a TLS 1.2 cipher_suites list
  // without one of HTTP/2's two mandatory AES-128-GCM suites; so does tocsin, so that a file is
  // accepted by both or by neither.
  void check_http2_ciphers(const WebConfig& c) const {
    const auto& t = c.tls;
    if (!t.enabled() || !c.http.http2 || t.cipher_suites.empty() || t.min_version == "TLS13") {
      return;
    }
    for (const auto& s : t.cipher_suites) {
      if (s == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" || s == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256") {
        return;
      }
    }
    int line = lines_.count("tls_server_config") != 0 ? lines_.at("tls_server_config") : 0;
    throw ConfigError("tls_server_config.cipher_suites",
                      "with http2 enabled the list needs TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or "
                      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (or set http_server_config.http2: false)",
                      file_, line);
  }

  // exporter-toolkit's ConfigToTLSConfig checks, made only when TLS is on.
  void check_tls(WebTlsConfig& c) const {
    if (!c.enabled()) {
      return;
    }
    int line = lines_.count("tls_server_config") != 0 ? lines_.at("tls_server_config") : 0;
    if (c.cert_file.empty()) {
      throw ConfigError("tls_server_config.cert_file", "missing cert_file", file_, line);
    }
    if (c.key_file.empty()) {
      throw ConfigError("tls_server_config.key_file", "missing key_file", file_, line);
    }
    std::string& auth = c.client_auth_type;
    if (auth == "RequireClientCert") {
      auth = "RequireAnyClientCert";  // the toolkit's older name, kept for compatibility
    }
    static const std::set<std::string> kAuth = {"",
                                                "NoClientCert",
                                                "RequestClientCert",
                                                "RequireAnyClientCert",
                                                "VerifyClientCertIfGiven",
                                                "RequireAndVerifyClientCert"};
    int auth_line = lines_.count("client_auth_type") != 0 ? lines_.at("client_auth_type") : line;
    if (kAuth.count(auth) == 0) {
      throw ConfigError("tls_server_config.client_auth_type", "invalid ClientAuth: " + auth, file_, auth_line);
    }
    if (!c.client_ca_file.empty() && (auth.empty() || auth == "NoClientCert")) {
      throw ConfigError("tls_server_config.client_ca_file",
                        "client CA's have been configured without a client auth policy", file_, line);
    }
  }

 private:
  std::string file_;
  mutable std::map<std::string, int> lines_;  // lines of the fields checked after reading
};

// Go's config_util.JoinDir: relative paths are taken from the config file's directory.
std::string join_dir(const std::string& dir, const std::string& p) {
  if (p.empty() || p.front() == '/') {
    return p;
  }
  return (std::filesystem::path(dir.empty() ? "." : dir) / p).lexically_normal().string();
}

}  // namespace

Result<WebConfig> load_web_config_string(std::string_view yaml, const std::string& path) {
  WebConfig c;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    WebReader r(path);
    c = r.read(root);
  } catch (const ConfigError& e) {
    return make_error(e.what());
  } catch (const YAML::Exception& e) {
    int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    return make_error("yaml: " + e.msg + " (" + path + (line > 0 ? ":" + std::to_string(line) : "") + ")");
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  c.tls.cert_file = join_dir(dir, c.tls.cert_file);
  c.tls.key_file = join_dir(dir, c.tls.key_file);
  c.tls.client_ca_file = join_dir(dir, c.tls.client_ca_file);
  return c;
}

Result<WebConfig> load_web_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error("open " + path + ": " + std::strerror(errno));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto c = load_web_config_string(ss.str(), path);
  if (!c || !c->tls.enabled()) {
    return c;
  }
  // The toolkit loads the key pair and the client CAs while validating; an unreadable file is an error here.
  const std::pair<const char*, const std::string*> files[] = {
      {"cert_file", &c->tls.cert_file}, {"key_file", &c->tls.key_file}, {"client_ca_file", &c->tls.client_ca_file}};
  for (const auto& [field, file] : files) {
    if (file->empty()) {
      continue;
    }
    std::ifstream f(*file, std::ios::binary);
    if (!f) {
      return make_error(std::string("tls_server_config.") + field + ": cannot read " + *file + " (" + path + ")");
    }
  }
  return c;
}

}  // namespace tocsin::config

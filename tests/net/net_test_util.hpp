// net_test_util.hpp: helpers for the net tests: raw sockets, temp dirs, shell commands, a server fixture.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "net/http.hpp"

namespace tocsin::net::test {

// Connects a plain TCP socket to 127.0.0.1:port; -1 on failure.
inline int connect_raw(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads until EOF, error or timeout; returns what was read, sets eof when the peer closed.
inline std::string read_until_close(int fd, std::chrono::milliseconds timeout, bool& eof) {
  std::string out;
  eof = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return out;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      return out;
    }
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      eof = true;
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

inline std::string make_temp_dir() {
  char tmpl[] = "/tmp/tocsin-net-XXXXXX";
  char* d = ::mkdtemp(tmpl);
  return d ? std::string(d) : std::string();
}

inline int run(const std::string& cmd) { return std::system(cmd.c_str()); }

// A started server; stopped when it goes out of scope.
struct RunningServer {
  std::unique_ptr<HttpServer> server;
  int port = 0;
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port); }
  ~RunningServer() {
    if (server) {
      server->stop();
    }
  }
};

inline std::unique_ptr<RunningServer> start_server(HttpHandler handler, ServerLimits limits = {}, int threads = 2,
                                                   const TlsServerConfig* tls = nullptr,
                                                   std::string address = "127.0.0.1:0") {
  auto rs = std::make_unique<RunningServer>();
  rs->server = make_http_server(std::move(address), std::move(handler), limits, threads, tls);
  auto port = rs->server->start();
  if (!port) {
    return nullptr;
  }
  rs->port = *port;
  return rs;
}

inline OutgoingRequest request(std::string method, std::string url, std::string body = {}) {
  OutgoingRequest r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.body = std::move(body);
  r.options.timeout = std::chrono::milliseconds(5000);
  return r;
}

}  // namespace tocsin::net::test

// flags_test.cpp: the command line as the reference's kingpin parser takes it.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "app/flags.hpp"

namespace {

using tocsin::app::parse_flags;

tocsin::Result<tocsin::app::Flags> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "tocsin");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_flags(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("every flag of the reference is accepted, in both forms") {
  auto f = parse({"--config.file=a.yml", "--storage.path", "d/", "--data.retention=1.5h", "--alerts.gc-interval=1m",
                  "--data.maintenance-interval", "5m", "--web.listen-address=:1", "--web.listen-address=:2",
                  "--web.config.file=", "--web.systemd-socket", "--web.external-url=http://x/", "--web.route-prefix=/",
                  "--web.get-concurrency=4", "--web.timeout=5s", "--web.ui-path=/ui", "--cluster.listen-address=",
                  "--cluster.advertise-address=1.2.3.4:9094", "--cluster.peer=a:1", "--cluster.peer=b:2",
                  "--cluster.peer-timeout=15s", "--cluster.gossip-interval=200ms", "--cluster.pushpull-interval=1m0s",
                  "--cluster.tcp-timeout=10s", "--cluster.probe-timeout=500ms", "--cluster.probe-interval=1s",
                  "--cluster.settle-timeout=1m", "--cluster.reconnect-interval=10s", "--cluster.reconnect-timeout=6h0m0s",
                  "--cluster.tls-config=", "--cluster.allow-insecure-public-advertise-address-discovery",
                  "--log.level=debug", "--log.format=json"});
  REQUIRE(f);
  CHECK(f->config_file == "a.yml");
  CHECK(f->storage_path == "d/");
  CHECK(f->web_listen_addresses == std::vector<std::string>{":1", ":2"});
  CHECK(f->cluster_peers == std::vector<std::string>{"a:1", "b:2"});
  CHECK(f->web_systemd_socket);
}

TEST_CASE("kingpin's errors: unknown, repeated, bad values") {
  auto err = [](std::vector<std::string> a) {
    auto f = parse(std::move(a));
    return f ? std::string() : f.error();
  };
  CHECK(err({"--bogus"}) == "unknown long flag '--bogus', try --help");
  CHECK(err({"-x"}) == "unknown short flag '-x', try --help");
  CHECK(err({"pos"}) == "unexpected pos, try --help");
  CHECK(err({"--config.file=a", "--config.file=b"}) == "flag 'config.file' cannot be repeated, try --help");
  CHECK(err({"--cluster.settle-timeout=1s", "--cluster.settle-timeout=2s"}) ==
        "flag 'cluster.settle-timeout' cannot be repeated, try --help");
  CHECK(err({"--web.systemd-socket=true"}) == "unexpected true, try --help");
  CHECK(err({"--data.retention=5"}) == "time: missing unit in duration \"5\", try --help");
  CHECK(err({"--data.retention=1d"}) == "time: unknown unit \"d\" in duration \"1d\", try --help");
  CHECK(err({"--web.timeout=abc"}) == "time: invalid duration \"abc\", try --help");
  CHECK(err({"--cluster.peer-timeout=zz"}) == "time: invalid duration \"zz\", try --help");
  CHECK(err({"--web.get-concurrency=x"}) == "strconv.ParseFloat: parsing \"x\": invalid syntax, try --help");
  CHECK(err({"--web.timeout"}) == "expected argument for flag '--web.timeout', try --help");
  CHECK(err({"--help"}).empty());
  CHECK(err({"--version"}).empty());
}

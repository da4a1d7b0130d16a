// external_url_test.cpp: --web.external-url and --web.route-prefix as the reference reads them. Every
// expectation below is what prometheus-alertmanager 0.25 logged (externalURL, routePrefix, or its
// "failed to determine external URL" error) for the same flags.
#include <doctest/doctest.h>

#include <string>

#include "app/external_url.hpp"

namespace {

using tocsin::app::resolve_external_url;

void expect(const std::string& ext, const std::string& prefix_flag, const std::string& url, const std::string& prefix) {
  CAPTURE(ext);
  CAPTURE(prefix_flag);
  auto r = resolve_external_url(ext, "127.0.0.1:9093", prefix_flag);
  REQUIRE(r.ok());
  CHECK(r->url == url);
  CHECK(r->route_prefix == prefix);
}

std::string error_of(const std::string& ext, const std::string& listen = "127.0.0.1:9093") {
  auto r = resolve_external_url(ext, listen, "");
  REQUIRE_FALSE(r.ok());
  return r.error();
}

}  // namespace

TEST_CASE("the external URL's path: trailing slashes cut, decoded for the route prefix") {
  expect("http://x:9093/am/", "", "http://x:9093/am", "/am");
  expect("http://x/a%20b/?q=1#f", "", "http://x/a%20b?q=1#f", "/a b");
  expect("http://x/p%2fq/", "", "http://x/p/q", "/p/q");
  expect("http://x/a%41/", "", "http://x/aA", "/aA");
  expect("HTTP://X/a%2Fb//", "", "http://X/a/b", "/a/b");
  expect("http://x/a+b;c=d@e/", "", "http://x/a+b;c=d@e", "/a+b;c=d@e");
}

TEST_CASE("a raw path that no longer spells the trimmed path is re-encoded") {
  expect("http://u:p@x/a!b/", "", "http://u:p@x/a%21b", "/a!b");
  expect("http://x/a(b)~c*d/", "", "http://x/a%28b%29~c%2Ad", "/a(b)~c*d");
}

TEST_CASE("hosts, query, fragment and opaque URLs") {
  expect("https://[fe80::1%25en0]:8443/p/", "", "https://[fe80::1%25en0]:8443/p", "/p");
  expect("http://bücher.de/x", "", "http://b%C3%BCcher.de/x", "/x");
  expect("http:foo", "", "http:foo", "/");
  expect("http://x/?", "", "http://x?", "/");
  expect("http://x#a%20b", "", "http://x#a%20b", "/");
}

TEST_CASE("--web.route-prefix is trimmed of slashes on both sides") {
  expect("http://x/q/", "//am//", "http://x/q", "/am");
  expect("http://x/q/", "am", "http://x/q", "/am");
  expect("http://x/q/", "/", "http://x/q", "/");
}

TEST_CASE("without --web.external-url: the host name and the listen port") {
  auto r = resolve_external_url("", "127.0.0.1:19393", "");
  REQUIRE(r.ok());
  CHECK(r->url.rfind("http://", 0) == 0);
  CHECK(r->url.size() > 13);
  CHECK(r->url.substr(r->url.size() - 6) == ":19393");
  CHECK(r->route_prefix == "/");
  CHECK(error_of("", "localhost") == "address localhost: missing port in address");
}

TEST_CASE("errors in the reference's words") {
  CHECK(error_of("ftp://x/") == "\"ftp://x/\": invalid \"ftp\" scheme, only 'http' and 'https' are supported");
  CHECK(error_of("alerts.example.com") ==
        "\"alerts.example.com\": invalid \"\" scheme, only 'http' and 'https' are supported");
  CHECK(error_of("http://[::1") == "parse \"http://[::1\": missing ']' in host");
  CHECK(error_of("http://x/%zz") == "parse \"http://x/%zz\": invalid URL escape \"%zz\"");
  CHECK(error_of("http://x y/") == "parse \"http://x y/\": invalid character \" \" in host name");
  CHECK(error_of("http://x:abc/") == "parse \"http://x:abc/\": invalid port \":abc\" after host");
  CHECK(error_of(":x") == "parse \":x\": missing protocol scheme");
}

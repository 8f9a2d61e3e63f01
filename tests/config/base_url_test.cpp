// base_url parsing and the strict loopback test, table-driven.
#include "config/base_url.hpp"

#include <boost/test/unit_test.hpp>

using namespace reconcilerd::config;
using namespace reconcilerd::config::detail;

BOOST_AUTO_TEST_SUITE(base_url)

BOOST_AUTO_TEST_CASE(good_urls) {
  struct row {
    std::string_view text;
    std::string_view scheme, host;
    int port;
    std::string_view path;
  };
  const row rows[] = {
      {"https://erp.example.id", "https", "erp.example.id", 443, ""},
      {"https://erp.example.id/", "https", "erp.example.id", 443, ""},
      {"HTTPS://ERP.Example.ID:8443//", "https", "erp.example.id", 8443, ""},
      {"https://embedded.runalloy.com/2024-03/one/", "https", "embedded.runalloy.com", 443,
       "/2024-03/one"},
      {"http://127.0.0.1:8080/api", "http", "127.0.0.1", 8080, "/api"},
      {"http://localhost", "http", "localhost", 80, ""},
      {"https://[::1]:9443/x/y", "https", "::1", 9443, "/x/y"},
      {"https://[2001:DB8::1]", "https", "2001:db8::1", 443, ""},
      {"https://10.0.0.7:1/a%20b", "https", "10.0.0.7", 1, "/a%20b"},
      {"https://h:/p", "https", "h", 443, "/p"},
  };
  for (auto& r : rows) {
    BOOST_TEST_CONTEXT(r.text) {
      auto got = parse_base_url(r.text);
      BOOST_TEST_REQUIRE(got.value.has_value());
      BOOST_TEST(got.error == "");
      BOOST_TEST(got.value->scheme == r.scheme);
      BOOST_TEST(got.value->host == r.host);
      BOOST_TEST(got.value->port == r.port);
      BOOST_TEST(got.value->path == r.path);
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_urls) {
  const std::pair<std::string_view, std::string_view> rows[] = {
      {"erp.example.id", "not a valid absolute URL (expected https://host[:port][/path])"},
      {"https://exa mple.com", "not a valid absolute URL (expected https://host[:port][/path])"},
      {"", "not a valid absolute URL (expected https://host[:port][/path])"},
      {"ftp://erp.example.id", "unsupported scheme \"ftp\" (expected https or http)"},
      {"https:/erp", "has no host (expected https://host...)"},
      {"https:///path", "has no host (expected https://host...)"},
      {"https://user:pw@erp.example.id",
       "must not contain user information (\"user@\"); use the backend's credential keys"},
      {"https://erp.example.id/?x=1", "must not contain a query (\"?...\")"},
      {"https://erp.example.id?", "must not contain a query (\"?...\")"},
      {"https://erp.example.id/#top", "must not contain a fragment (\"#...\")"},
      {"https://erp.example.id:0", "invalid port \"0\" (expected 1 to 65535)"},
      {"https://erp.example.id:65536", "invalid port \"65536\" (expected 1 to 65535)"},
      {"https://erp_x.example.id", "host \"erp_x.example.id\" is not a valid host name"},
      {"http://127.0.0.1.nip.io",
       "host \"127.0.0.1.nip.io\" is not supported: host names that begin like an IPv4 address "
       "are refused"},
      {"https://1.2.3.4x:8443/p",
       "host \"1.2.3.4x\" is not supported: host names that begin like an IPv4 address are "
       "refused"},
      {"https://[v1.x]/", "has no usable host (expected a host name or an IP address)"},
  };
  for (auto& [text, message] : rows) {
    BOOST_TEST_CONTEXT(text) {
      auto got = parse_base_url(text);
      BOOST_TEST(!got.value.has_value());
      BOOST_TEST(got.error == message);
    }
  }
}

BOOST_AUTO_TEST_CASE(loopback_is_strict) {
  const std::pair<std::string_view, bool> rows[] = {
      {"localhost", true},
      {"127.0.0.1", true},
      {"127.5.6.7", true},
      {"::1", true},
      {"127.0.0.1.nip.io", false},
      {"127.example.com", false},
      {"localhost.example", false},
      {"10.0.0.1", false},
      {"::2", false},
      {"0.0.0.0", false},
  };
  for (auto& [host, loopback] : rows) {
    BOOST_TEST_CONTEXT(host) {
      url u;
      u.host = host;
      BOOST_TEST(is_loopback_host(u) == loopback);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

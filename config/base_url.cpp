// base_url parsing with Boost.URL, plus the checks reconcilerd adds on top of RFC 3986.
#include "config/base_url.hpp"

#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>

#include "config/diagnostics.hpp"

namespace reconcilerd::config::detail {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool is_dns_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

url_result fail(std::string message) { return {std::nullopt, std::move(message)}; }

}  // namespace

url_result parse_base_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return fail("not a valid absolute URL (expected https://host[:port][/path])");
  boost::urls::url_view v = *parsed;

  url u;
  u.scheme = lower(v.scheme());
  if (u.scheme != "https" && u.scheme != "http")
    return fail("unsupported scheme " + quoted(u.scheme) + " (expected https or http)");
  if (!v.has_authority()) return fail("has no host (expected " + u.scheme + "://host...)");
  if (v.has_userinfo())
    return fail("must not contain user information (\"user@\"); use the backend's credential keys");
  if (v.has_query()) return fail("must not contain a query (\"?...\")");
  if (v.has_fragment()) return fail("must not contain a fragment (\"#...\")");

  // Boost.URL 1.81 reads "http://127.0.0.1.example.com" as host 127.0.0.1 followed by the
  // path ".example.com"; after an authority a path must be empty or start with '/'.
  std::string_view raw_path = v.encoded_path();
  if (!raw_path.empty() && raw_path.front() != '/') {
    std::string_view rest = raw_path.substr(0, raw_path.find_first_of("/:"));
    std::string name = std::string(v.encoded_host()) + std::string(rest);
    return fail("host " + quoted(name) +
                " is not supported: host names that begin like an IPv4 address are refused");
  }

  switch (v.host_type()) {
    case boost::urls::host_type::ipv4:
      u.host = v.host_ipv4_address().to_string();
      break;
    case boost::urls::host_type::ipv6:
      u.host = v.host_ipv6_address().to_string();
      break;
    case boost::urls::host_type::name: {
      std::string_view name = v.encoded_host();
      if (name.empty()) return fail("has no host (expected " + u.scheme + "://host...)");
      if (!is_dns_name(name)) return fail("host " + quoted(name) + " is not a valid host name");
      u.host = lower(name);
      break;
    }
    default:
      return fail("has no usable host (expected a host name or an IP address)");
  }

  u.port = u.scheme == "https" ? 443 : 80;
  if (v.has_port() && !v.port().empty()) {
    std::string_view p = v.port();
    unsigned n = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
    if (ec != std::errc{} || end != p.data() + p.size() || n == 0 || n > 65535)
      return fail("invalid port " + quoted(p) + " (expected 1 to 65535)");
    u.port = static_cast<std::uint16_t>(n);
  }

  std::string path(v.encoded_path());
  while (!path.empty() && path.back() == '/') path.pop_back();
  u.path = std::move(path);
  return {std::move(u), {}};
}

bool is_loopback_host(const url& u) {
  if (u.host == "localhost") return true;
  if (auto v4 = boost::urls::parse_ipv4_address(u.host)) return v4->to_bytes()[0] == 127;
  if (auto v6 = boost::urls::parse_ipv6_address(u.host)) return v6->is_loopback();
  return false;
}

}  // namespace reconcilerd::config::detail

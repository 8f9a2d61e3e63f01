// Parsing a backend's base_url into config::url: https or http only, a DNS name or an IP
// literal as host (IPv6 stored without brackets), default ports 443/80, the path without
// its trailing '/', and no user info, query or fragment. Also the strict loopback test
// used to allow plain http. Messages never echo the URL (it might carry a password).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace reconcilerd::config::detail {

struct url_result {
  std::optional<url> value;
  std::string error;  // set when value is empty
};

url_result parse_base_url(std::string_view text);

// "localhost", an IPv4 address in 127.0.0.0/8 or ::1 — and nothing that merely starts with
// "127." (a DNS name such as 127.0.0.1.example.com is not loopback).
bool is_loopback_host(const url& u);

}  // namespace reconcilerd::config::detail

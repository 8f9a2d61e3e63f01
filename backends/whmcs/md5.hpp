// MD5 (RFC 1321) as 32 lower-case hex digits: WHMCS's admin-login form takes the MD5 hash of
// the password, not the password (backends.md). Pure and small, so backends/ stays free of
// OpenSSL (only daemon/transport links it). Not for anything that needs a secure hash.
#pragma once

#include <string>
#include <string_view>

namespace reconcilerd::backends::whmcs {

std::string md5_hex(std::string_view data);

}  // namespace reconcilerd::backends::whmcs

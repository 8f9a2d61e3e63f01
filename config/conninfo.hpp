// Checking `cluster.database`, a libpq connection string: keyword=value pairs
// ("host=db.example.com dbname=reconcilerd", values optionally in single quotes with
// backslash escapes) or a postgresql:// (or postgres://) URI, with the syntax libpq 15 reads.
// Keywords themselves are left to libpq (their set grows with its versions). The string is
// shown in status and logs, so it must not carry a secret: a `password` (or `sslpassword`)
// keyword, a password in the URI's user information or a password= query parameter is
// refused. Messages never quote the string: a refused one may hold a password.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace reconcilerd::config::detail {

// Why `conninfo` cannot be used, or nothing. Positions in messages are 1-based characters.
std::optional<std::string> conninfo_problem(std::string_view conninfo);

}  // namespace reconcilerd::config::detail

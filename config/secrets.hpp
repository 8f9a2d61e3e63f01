// Resolving a backend secret (token, secret, password, api_key, jwt, access_key) from
// exactly one of its three forms: inline `<key>`, `<key>_file` (an absolute path) or
// `<key>_credential` (a file name in $CREDENTIALS_DIRECTORY). File contents lose one
// trailing newline (LF or CRLF). Problems are reported by key path and file name only:
// no message ever contains a secret value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/yaml_map.hpp"

namespace reconcilerd::config::detail {

struct secret_value {
  enum class state { absent, ok, invalid };
  state status = state::absent;
  std::string value;  // set when ok
  bool given() const { return status != state::absent; }
};

// Looks up `key`, `key_file` and `key_credential` among `entries`.
secret_value read_secret(const std::vector<entry>& entries, std::string_view key,
                         const std::string& credentials_dir, diagnostics& d);

// "`key`, `key`_file or `key`_credential" for messages.
std::string secret_forms(std::string_view key);

}  // namespace reconcilerd::config::detail

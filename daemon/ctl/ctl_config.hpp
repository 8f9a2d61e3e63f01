// The configuration as reconcilerctl sees it: loaded with every secret (inline, _file or
// _credential) replaced by "<redacted>" before validation, so reconcilerctl never reads a
// secret, works outside the service (no $CREDENTIALS_DIRECTORY) and for producers who
// cannot read the credential files. Rendered requests therefore show "<redacted>".
#pragma once

#include <string>

#include "config/load.hpp"

namespace reconcilerd::ctl {

inline constexpr const char* redacted_secret = "<redacted>";

// When the redacted load fails, the errors are those of a normal load of the file (with
// its real line numbers), or the redacted load's if the normal load has none.
config::load_result load_config_redacted(const std::string& path);

}  // namespace reconcilerd::ctl

// Loading one entry of `backends:`: its name, type, base_url, the delivery settings
// (defaults merged with its own overrides) and the credentials its type needs. Which keys
// each type accepts and which credential combinations are valid is decided here.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/diagnostics.hpp"
#include "config/settings.hpp"
#include "config/yaml_map.hpp"

namespace reconcilerd::config::detail {

// `e` is the `name: {settings}` entry; `defaults` and `origins` hold the merged defaults.
// Returns nothing when something about this backend was reported.
std::optional<backend> load_backend(const entry& e, const backend& defaults,
                                    const settings_origins& origins,
                                    const std::string& credentials_dir, diagnostics& d);

}  // namespace reconcilerd::config::detail

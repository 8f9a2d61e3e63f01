// Loading `cluster:` (interface.md, Cluster mode) into config::cluster_settings: database
// (a libpq connection string without a password, config/conninfo.hpp), the database
// password in one of the secret forms (database_password, database_password_file,
// database_password_credential; config/secrets.hpp), node (default: the host name) and
// lease (2s to 1h). Unknown keys are errors. No message contains the password.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/diagnostics.hpp"
#include "config/yaml_map.hpp"

namespace reconcilerd::config::detail {

// `e` is the top-level `cluster:` entry; `host_name` is the default node name (empty when
// unknown). Returns nothing when something about the section was reported.
std::optional<cluster_settings> load_cluster(const entry& e, const std::string& credentials_dir,
                                             const std::string& host_name, diagnostics& d);

// gethostname(), or empty when it fails.
std::string local_host_name();

}  // namespace reconcilerd::config::detail

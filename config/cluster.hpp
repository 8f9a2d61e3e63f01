// Cluster-mode settings seen from outside the loader: their bounds, what a reload may change
// (the daemon asks before applying a new configuration) and a one-line description for
// operators that never shows the password.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace reconcilerd::config {

// cluster.lease bounds. At least 2s: a lease is renewed over the network well before it
// ends and each write first checks that enough of it is left. At most 1h: when a node dies,
// its invoices wait up to one lease before another node takes them over.
inline constexpr duration min_lease = std::chrono::seconds(2);
inline constexpr duration max_lease = std::chrono::hours(1);

// Why a reload from `running` to `next` must be refused (the daemon needs a restart), or
// nothing when the new settings may apply:
//  - turning cluster mode on or off, a new `database` or a new `node`: refused;
//  - a new `lease`: applies (to leases taken or renewed from then on);
//  - a new password (or where it comes from): applies (used from the next connection to the
//    database; the open connection stays).
// The reason never contains the password, e.g. "cluster.node cannot change while running
// (restart the daemon)".
std::optional<std::string> cluster_change_refused(const std::optional<cluster_settings>& running,
                                                  const std::optional<cluster_settings>& next);

// One line for operators (e.g. `reconcilerd --check`):
//   cluster: off (single node)
//   cluster: node web-1, lease 30s, database "host=db dbname=r", password from file /etc/x
// The password itself is never shown; only where it comes from ("password from credential
// db-password", "password inline in the configuration", "no password given").
std::string describe_cluster(const std::optional<cluster_settings>& cluster);

}  // namespace reconcilerd::config

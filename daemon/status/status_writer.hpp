// status.json: the daemon's snapshot as one JSON document (schema in docs/operations.md,
// "status.json"). The spool writes the file (jobs::spool::write_status) and reads it back
// for reconcilerctl (jobs::spool::read_status).
#pragma once

#include <string>

#include "daemon/status/status_snapshot.hpp"

namespace reconcilerd::daemon {

inline constexpr int status_schema_version = 1;

// The status.json text: one line of JSON and a trailing newline. Keys in a fixed order.
std::string to_status_json(const status_snapshot& s);

}  // namespace reconcilerd::daemon

// status.json: the daemon's snapshot as one JSON document (schema in docs/operations.md,
// "status.json"), and the atomic file write it and metrics use: a temporary file in the
// same directory, fsync, rename over the target, fsync the directory. A failed write
// leaves the old file intact and returns the error (the daemon logs it and goes on).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <system_error>

#include "daemon/status/status_snapshot.hpp"

namespace reconcilerd::daemon {

inline constexpr int status_schema_version = 1;

// The status.json text: one line of JSON and a trailing newline. Keys in a fixed order.
std::string to_status_json(const status_snapshot& s);

// Replaces `path` with `content` atomically (readers see the old or the new file whole).
// The temporary is "<dir>/.<name>.tmp"; `mode` is applied with fchmod (umask-proof).
std::error_code write_file_atomically(const std::string& path, std::string_view content,
                                      mode_t mode = 0640);

// <spool_dir>/status.json
std::error_code write_status_file(const std::string& spool_dir, const status_snapshot& s);

}  // namespace reconcilerd::daemon

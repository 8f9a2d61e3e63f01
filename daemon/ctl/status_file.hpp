// Reading <spool_dir>/status.json back into a daemon::status_snapshot (the schema
// status_writer writes). A missing, unreadable or malformed file is a message, not an
// exception.
#pragma once

#include <string>
#include <variant>

#include "daemon/status/status_snapshot.hpp"

namespace reconcilerd::ctl {

struct status_file {
  daemon::status_snapshot snapshot;
  std::string text;  // the file as read
};
struct status_missing {
  std::string path;
};
struct status_broken {
  std::string message;
};

using status_read = std::variant<status_file, status_missing, status_broken>;

status_read read_status_file(const std::string& spool_dir);
// Parses status.json text; throws std::exception with a message on bad input.
daemon::status_snapshot parse_status_json(const std::string& text);

}  // namespace reconcilerd::ctl

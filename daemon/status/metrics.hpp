// Prometheus text exposition (format 0.0.4) of a status snapshot, written atomically to
// `metrics_file` for node_exporter's textfile collector. Metric names, labels and
// meanings are listed in docs/operations.md, "Metrics". Counters are the daemon's own
// (reset at restart); the collector serves the last file written.
#pragma once

#include <string>
#include <system_error>

#include "daemon/status/status_snapshot.hpp"

namespace reconcilerd::daemon {

// The whole exposition text: HELP and TYPE lines, then samples; ends with a newline.
std::string to_prometheus_text(const status_snapshot& s);

// Atomic write (jobs::write_file_durably on the file's directory, then an fsync of the
// directory) with mode 0644, so node_exporter's user can read it.
std::error_code write_metrics_file(const std::string& path, const status_snapshot& s);

}  // namespace reconcilerd::daemon

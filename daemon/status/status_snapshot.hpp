// The daemon's state at one instant, as plain values. The daemon fills one (from the
// scheduler, pacer, backend health and spool counts) at least every 2 s; status_writer
// turns it into status.json, metrics into Prometheus text, and reconcilerctl reads the
// JSON back into the same structs. No behaviour beyond counting, no I/O.
#pragma once

#include <sys/types.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reconcilerd::daemon {

using time_point = std::chrono::system_clock::time_point;

enum class backend_state {
  running,       // sending normally
  paused,        // a Retry-After / 429 / 503 pause until `until`
  suspended,     // credentials refused; probe at `until`, or `reconcilerctl resume`
  circuit_open,  // too many transport failures; next try at `until`
};

constexpr std::string_view to_string(backend_state s) {
  switch (s) {
    case backend_state::running:
      return "running";
    case backend_state::paused:
      return "paused";
    case backend_state::suspended:
      return "suspended";
    case backend_state::circuit_open:
      return "circuit_open";
  }
  return "running";
}

constexpr std::optional<backend_state> parse_backend_state(std::string_view s) {
  for (auto st : {backend_state::running, backend_state::paused, backend_state::suspended,
                  backend_state::circuit_open})
    if (to_string(st) == s) return st;
  return std::nullopt;
}

// Upper bounds (seconds) of the request latency buckets; a last, implicit +Inf bucket
// follows. Same bounds as reconcilerd_request_duration_seconds.
inline constexpr std::array<double, 8> latency_bounds = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

struct latency_histogram {
  // counts[i]: requests whose duration d satisfies bounds[i-1] < d <= bounds[i]
  // (NOT cumulative); counts[8]: d > 10 s.
  std::array<std::uint64_t, latency_bounds.size() + 1> counts{};
  double sum_seconds = 0;

  void observe(double seconds) {
    std::size_t i = 0;
    while (i < latency_bounds.size() && seconds > latency_bounds[i]) ++i;
    ++counts[i];
    sum_seconds += seconds;
  }
  std::uint64_t count() const {
    std::uint64_t n = 0;
    for (auto c : counts) n += c;
    return n;
  }
  bool operator==(const latency_histogram&) const = default;
};

struct backend_status {
  std::string name;  // as under `backends:`
  std::string type;  // "simetri", "whmcs", ... (config::to_string(backend_type))

  // Jobs of this backend by where they are now.
  std::uint64_t queued = 0;    // claimed, waiting for a slot / token (due now)
  std::uint64_t active = 0;    // request in flight
  std::uint64_t deferred = 0;  // waiting for a retry time in the future
  std::uint64_t dead = 0;  // dead-lettered since the daemon started (dead/ itself: spool totals)

  std::uint64_t delivered_last_hour = 0;
  // Counters since the daemon started (Prometheus counters; reset on restart).
  std::uint64_t delivered_total = 0;
  std::uint64_t rejected_total = 0;   // dead-lettered as `rejected`
  std::uint64_t retried_total = 0;    // attempts that ended in a retry
  std::uint64_t throttled_total = 0;  // HTTP 429 answers

  double current_rate = 0;  // request starts per second over the last minute
  std::string rate_text;    // configured rate as written, e.g. "5/s"

  backend_state state = backend_state::running;
  std::optional<time_point> until;  // end of pause / next probe; none when running
  std::string reason;               // why paused/suspended/open; empty when running

  std::string last_error;  // last failure's message (never secrets); empty: none yet
  std::optional<time_point> last_error_at;

  latency_histogram latency;

  bool operator==(const backend_status&) const = default;
};

// Files per spool directory (all backends).
struct spool_totals {
  std::uint64_t incoming = 0;
  std::uint64_t active = 0;
  std::uint64_t deferred = 0;
  std::uint64_t done = 0;
  std::uint64_t dead = 0;
  bool operator==(const spool_totals&) const = default;
};

// Cluster mode: the cluster as this node last read it from the database (status.json
// "cluster"; docs/cluster.md). Jobs of every node, so reconcilerctl can show and act on them.
struct cluster_node_status {
  std::string node;
  time_point seen_at{};  // its last heartbeat
  bool live = false;     // seen within two leases
  bool operator==(const cluster_node_status&) const = default;
};

struct cluster_backend_status {
  std::string name;
  std::uint64_t queued = 0;    // waiting in the database (due or not)
  std::uint64_t running = 0;   // claimed by a node
  std::uint64_t finished = 0;  // delivered or dead, its file not yet moved by its node
  std::uint64_t dead = 0;      // dead letters kept for the cluster (in dead/ of their node)
  std::string paused;          // why, while the cluster's bucket is paused
  std::string suspended;       // why, while the backend is suspended cluster-wide
  bool operator==(const cluster_backend_status&) const = default;
};

struct cluster_job_status {
  std::string origin;  // the node whose spool holds the file
  std::string file;    // the job's file name in that spool
  std::string backend;
  std::string invoice;
  std::string state;   // "queued", "running", "delivered", "dead"
  bool filed = false;  // the file is in done/ or dead/ of its node (only dead ones are kept)
  std::string holder;  // running: the node sending it
  std::optional<time_point> next_at;      // queued: not before
  std::optional<time_point> finished_at;  // delivered/dead
  std::string category, message;          // dead: as in error.json
  bool operator==(const cluster_job_status&) const = default;
};

struct cluster_status {
  std::string node;                      // this node
  bool database_up = false;              // connected now
  std::optional<time_point> checked_at;  // when the view below was read (none: never)
  std::int64_t lease_seconds = 0;
  std::vector<cluster_node_status> nodes;
  std::vector<cluster_backend_status> backends;
  std::vector<cluster_job_status> jobs;  // unfinished ones first (oldest first), then dead
  std::uint64_t jobs_total = 0;          // in the database; `jobs` may show fewer
  bool operator==(const cluster_status&) const = default;
};

struct status_snapshot {
  pid_t pid = 0;
  std::string version;  // PROJECT_VERSION, e.g. "0.1.0"
  time_point started_at{};
  time_point generated_at{};

  spool_totals spool;
  // Age of the oldest job not yet in done/ or dead/ (from its first_seen); none if no job.
  std::optional<std::chrono::seconds> oldest_job_age;

  std::vector<backend_status> backends;  // in configuration order

  std::optional<cluster_status> cluster;  // cluster mode only

  bool operator==(const status_snapshot&) const = default;
};

}  // namespace reconcilerd::daemon

// `reconcilerctl status [--json]`: the daemon's latest status.json, for people or as is.
// The daemon rewrites it at least every 2 s: older than 10 s (or its pid gone) means the
// daemon is not running or is stuck; that is said first and the exit status is 1.
// In cluster mode a cluster part follows: the local daemon's last view of the cluster.
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "daemon/ctl/cluster_view.hpp"
#include "daemon/ctl/commands.hpp"
#include "daemon/ctl/status_file.hpp"
#include "daemon/status/status_json_text.hpp"
#include "daemon/status/status_time.hpp"
#include "jobs/rfc3339.hpp"

namespace reconcilerd::ctl {

namespace {

constexpr const char* status_usage =
    "usage: reconcilerctl status [--json]\n"
    "\n"
    "Shows the daemon's state from <spool_dir>/status.json: per backend the queued,\n"
    "active, deferred and dead jobs, deliveries in the last hour, the current request\n"
    "rate, the state (running / paused until / suspended / circuit open, with the\n"
    "reason) and the last error; spool totals and the oldest job's age.\n"
    "In cluster mode a cluster part follows, the local daemon's last view of the cluster:\n"
    "this node, the database up or down, when the view was read, each node (live or last\n"
    "seen), and per backend the whole cluster's queued, running, finished and dead jobs and\n"
    "why it is paused or suspended; a view older than 3 leases or a database that is down\n"
    "is said plainly (the figures may be stale).\n"
    "--json prints status.json unchanged (in cluster mode with its \"cluster\" section).\n"
    "Exit status 1 when the daemon is not running (status.json missing, older than 10 s,\n"
    "or its process gone).\n";

constexpr auto stale_after = std::chrono::seconds(10);

std::string rate(double per_second) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g/s", per_second);
  return buf;
}

void print_human(context& c, const daemon::status_snapshot& s) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  auto& o = c.out;
  o << "reconcilerd " << s.version << " (pid " << s.pid << "), up "
    << daemon::format_age(duration_cast<seconds>(s.generated_at - s.started_at)) << "\n";
  o << "status of " << jobs::rfc3339_ms(s.generated_at) << " ("
    << daemon::format_age(duration_cast<seconds>(c.now - s.generated_at)) << " ago)\n";
  o << "spool: " << s.spool.incoming << " incoming, " << s.spool.active << " active, "
    << s.spool.deferred << " deferred, " << s.spool.done << " done, " << s.spool.dead << " dead\n";
  o << "oldest job: " << (s.oldest_job_age ? daemon::format_age(*s.oldest_job_age) : "none")
    << "\n";
  for (auto& b : s.backends) {
    o << "\n" << b.name << " (" << b.type << "): ";
    switch (b.state) {
      case daemon::backend_state::running:
        o << "running";
        break;
      case daemon::backend_state::paused:
        o << "paused";
        break;
      case daemon::backend_state::suspended:
        o << "SUSPENDED";
        break;
      case daemon::backend_state::circuit_open:
        o << "circuit open";
        break;
    }
    if (b.until) {
      o << (b.state == daemon::backend_state::suspended ? ", next probe at " : " until ")
        << jobs::rfc3339_ms(*b.until);
    }
    if (!b.reason.empty()) o << " (" << b.reason << ")";
    o << "\n";
    o << "  jobs: " << b.queued << " queued, " << b.active << " active, " << b.deferred
      << " deferred, " << b.dead << " dead; " << b.delivered_last_hour
      << " delivered in the last hour\n";
    o << "  rate: " << rate(b.current_rate) << " now (configured " << b.rate_text << ")\n";
    o << "  last error: ";
    if (b.last_error.empty())
      o << "none\n";
    else
      o << b.last_error << (b.last_error_at ? " (" + jobs::rfc3339_ms(*b.last_error_at) + ")" : "")
        << "\n";
  }
}

void print_cluster(context& c, const cluster_view& v) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  auto& o = c.out;
  o << "\ncluster: this node is " << v.node;
  if (!v.cluster) {
    o << "; " << v.unavailable << "\n";
    return;
  }
  auto& s = *v.cluster;
  o << ", database " << (s.database_up ? "up" : "DOWN") << ", lease "
    << daemon::format_age(seconds(s.lease_seconds)) << "\n";
  if (s.checked_at)
    o << "view of " << jobs::rfc3339_ms(*s.checked_at) << " ("
      << daemon::format_age(duration_cast<seconds>(c.now - *s.checked_at)) << " ago)\n";
  else
    o << "view: never read from the database\n";
  std::size_t width = 0;
  for (auto& n : s.nodes) width = std::max(width, n.node.size());
  o << "nodes:\n";
  for (auto& n : s.nodes) {
    o << "  " << n.node << std::string(width - n.node.size() + 2, ' ');
    if (n.live)
      o << "live";
    else
      o << "last seen " << daemon::format_age(duration_cast<seconds>(c.now - n.seen_at)) << " ago ("
        << jobs::rfc3339_ms(n.seen_at) << ")";
    o << (n.node == s.node ? " (this node)" : "") << "\n";
  }
  o << "backends (whole cluster):\n";
  for (auto& b : s.backends) {
    o << "  " << b.name << ": " << b.queued << " queued, " << b.running << " running, "
      << b.finished << " finished, " << b.dead << " dead";
    if (!b.paused.empty()) o << "; paused (" << b.paused << ")";
    if (!b.suspended.empty()) o << "; SUSPENDED on every node (" << b.suspended << ")";
    o << "\n";
  }
  o << "jobs in the database: " << s.jobs_total << " (" << s.jobs.size()
    << " listed in status.json: `reconcilerctl list`)\n";
  for (auto& why : staleness(s, c.now)) o << "WARNING: " << why << "\n";
}

}  // namespace

int cmd_status(context& c, const args_t& args) {
  if (wants_help(c, args, status_usage)) return success;
  bool as_json = false;
  for (auto& a : args) {
    if (a == "--json")
      as_json = true;
    else
      return usage(c, "status", "unexpected argument \"" + a + "\"", status_usage);
  }
  auto read = read_status_file(c.cfg.spool_dir);
  if (auto* m = std::get_if<status_missing>(&read)) {
    c.err << "reconcilerd is not running: " << m->path
          << " does not exist (the daemon writes it every 2 s)\n";
    return failure;
  }
  if (auto* b = std::get_if<status_broken>(&read)) {
    c.err << "reconcilerctl status: " << b->message << "\n";
    return failure;
  }
  auto& f = std::get<status_file>(read);
  auto age = std::chrono::duration_cast<std::chrono::seconds>(c.now - f.snapshot.generated_at);
  bool gone = f.snapshot.pid > 0 && ::kill(f.snapshot.pid, 0) != 0 && errno == ESRCH;
  bool stale = age > stale_after;
  if (as_json) {
    c.out << f.text;
  } else {
    print_human(c, f.snapshot);
    if (auto v = make_cluster_view(c, read); v.enabled) print_cluster(c, v);
  }
  if (gone) {
    c.err << "reconcilerd is not running: process " << f.snapshot.pid
          << " is gone; the status above is from " << daemon::format_age(age) << " ago\n";
    return failure;
  }
  if (stale) {
    c.err << "reconcilerd is not running or is stuck: status.json is " << daemon::format_age(age)
          << " old (it is rewritten every 2 s)\n";
    return failure;
  }
  return success;
}

}  // namespace reconcilerd::ctl

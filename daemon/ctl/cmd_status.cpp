// `reconcilerctl status [--json]`: the daemon's latest status.json, for people or as is.
// The daemon rewrites it at least every 2 s: older than 10 s (or its pid gone) means the
// daemon is not running or is stuck; that is said first and the exit status is 1.
#include <signal.h>

#include <cmath>
#include <cstdio>

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
    "--json prints status.json unchanged. Exit status 1 when the daemon is not running\n"
    "(status.json missing, older than 10 s, or its process gone).\n";

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
  if (as_json)
    c.out << f.text;
  else
    print_human(c, f.snapshot);
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

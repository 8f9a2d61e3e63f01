// reconcilerctl status, argument handling and config loading, in-process with captured
// streams and a temp spool; no daemon runs (status.json is written through the spool).
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <sstream>

#include "daemon/ctl/ctl.hpp"
#include "daemon/status/status_writer.hpp"
#include "jobs/rfc3339.hpp"
#include "jobs/spool.hpp"
#include "tests/support/temp_dir.hpp"

namespace rd = reconcilerd::daemon;
using namespace std::chrono;

namespace {

struct result {
  int rc;
  std::string out, err;
};

struct ctl_env {
  reconcilerd::test::temp_dir dir;
  std::string config = (dir / "reconcilerd.yaml").string();
  std::string spool = (dir / "spool").string();

  ctl_env() {
    reconcilerd::test::write_file(dir / "reconcilerd.yaml",
                                  "spool_dir: " + spool +
                                      "\n"
                                      "backends:\n"
                                      "  erp:\n"
                                      "    type: simetri\n"
                                      "    base_url: https://erp.example.id\n"
                                      "    token_credential: erp-token\n");
    std::filesystem::create_directories(spool);
  }
  void write_status(const rd::status_snapshot& s) {
    BOOST_REQUIRE(reconcilerd::jobs::spool(spool).write_status(rd::to_status_json(s)).ok());
  }
  result run(std::vector<std::string> args, rd::time_point now) {
    args.insert(args.begin(), {"--config", config});
    std::ostringstream out, err;
    int rc = reconcilerd::ctl::run(args, out, err, now);
    return {rc, out.str(), err.str()};
  }
};

rd::time_point at(const char* text) { return *reconcilerd::jobs::parse_rfc3339(text); }

rd::status_snapshot snapshot(pid_t pid) {
  rd::status_snapshot s;
  s.pid = pid;
  s.version = "0.1.0";
  s.started_at = at("2026-11-01T10:00:00Z");
  s.generated_at = at("2026-11-01T11:30:05.250Z");
  s.spool = {.incoming = 2, .active = 1, .deferred = 3, .done = 40, .dead = 1};
  s.oldest_job_age = seconds(754);
  rd::backend_status erp;
  erp.name = "erp";
  erp.type = "simetri";
  erp.queued = 1;
  erp.active = 1;
  erp.deferred = 2;
  erp.dead = 1;
  erp.delivered_last_hour = 30;
  erp.current_rate = 0.4166666;
  erp.rate_text = "5/s";
  erp.state = rd::backend_state::paused;
  erp.until = at("2026-11-01T11:31:00Z");
  erp.reason = "HTTP 429 with Retry-After: 55";
  erp.last_error = "HTTP 429: slow down";
  erp.last_error_at = at("2026-11-01T11:30:05Z");
  rd::backend_status ledger;
  ledger.name = "ledger";
  ledger.type = "bigcapital";
  ledger.rate_text = "10/min";
  ledger.state = rd::backend_state::suspended;
  ledger.until = at("2026-11-01T11:35:00Z");
  ledger.reason = "HTTP 401: API key refused";
  s.backends = {erp, ledger};
  return s;
}

const std::string human_status =
    "reconcilerd 0.1.0 (pid PID), up 1h 30m\n"
    "status of 2026-11-01T11:30:05.250Z (3s ago)\n"
    "spool: 2 incoming, 1 active, 3 deferred, 40 done, 1 dead\n"
    "oldest job: 12m 34s\n"
    "\n"
    "erp (simetri): paused until 2026-11-01T11:31:00.000Z (HTTP 429 with Retry-After: 55)\n"
    "  jobs: 1 queued, 1 active, 2 deferred, 1 dead; 30 delivered in the last hour\n"
    "  rate: 0.417/s now (configured 5/s)\n"
    "  last error: HTTP 429: slow down (2026-11-01T11:30:05.000Z)\n"
    "\n"
    "ledger (bigcapital): SUSPENDED, next probe at 2026-11-01T11:35:00.000Z (HTTP 401: API key "
    "refused)\n"
    "  jobs: 0 queued, 0 active, 0 deferred, 0 dead; 0 delivered in the last hour\n"
    "  rate: 0/s now (configured 10/min)\n"
    "  last error: none\n";

std::string with_pid(std::string text, pid_t pid) {
  text.replace(text.find("PID"), 3, std::to_string(pid));
  return text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_status)

BOOST_AUTO_TEST_CASE(human_output_of_a_fresh_status) {
  ctl_env env;
  env.write_status(snapshot(::getpid()));
  auto r = env.run({"status"}, at("2026-11-01T11:30:08.250Z"));
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == with_pid(human_status, ::getpid()));
  BOOST_TEST(r.err == "");
}

BOOST_AUTO_TEST_CASE(json_output_is_the_file) {
  ctl_env env;
  env.write_status(snapshot(::getpid()));
  auto r = env.run({"status", "--json"}, at("2026-11-01T11:30:08Z"));
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == rd::to_status_json(snapshot(::getpid())));
}

BOOST_AUTO_TEST_CASE(stale_status_says_not_running) {
  ctl_env env;
  env.write_status(snapshot(::getpid()));
  auto r = env.run({"status"}, at("2026-11-01T11:30:35.250Z"));
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.err ==
             "reconcilerd is not running or is stuck: status.json is 30s old (it is rewritten "
             "every 2 s)\n");
}

BOOST_AUTO_TEST_CASE(missing_status_says_not_running) {
  ctl_env env;
  auto r = env.run({"status"}, at("2026-11-01T11:30:35Z"));
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.out == "");
  BOOST_TEST(r.err == "reconcilerd is not running: " + env.spool +
                          "/status.json does not exist (the daemon writes it every 2 s)\n");
}

BOOST_AUTO_TEST_CASE(broken_status_file) {
  ctl_env env;
  reconcilerd::test::write_file(std::filesystem::path(env.spool) / "status.json", "{\"pid\":");
  auto r = env.run({"status"}, at("2026-11-01T11:30:35Z"));
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.err.starts_with("reconcilerctl status: " + env.spool +
                               "/status.json is not a valid status file: "));
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2) {
  ctl_env env;
  auto now = at("2026-11-01T11:30:35Z");
  auto r = env.run({"status", "--bogus"}, now);
  BOOST_TEST(r.rc == 2);
  BOOST_TEST(
      r.err.starts_with("reconcilerctl status: unexpected argument \"--bogus\"\n"
                        "usage: reconcilerctl status [--json]\n"));
  BOOST_TEST(env.run({"frobnicate"}, now).rc == 2);
  BOOST_TEST(env.run({}, now).rc == 2);
  std::ostringstream out, err;
  BOOST_TEST(reconcilerd::ctl::run({"--config"}, out, err, now) == 2);
  BOOST_TEST(err.str().starts_with("reconcilerctl: --config needs a FILE\n"));
}

BOOST_AUTO_TEST_CASE(help_needs_no_config) {
  auto now = at("2026-11-01T11:30:35Z");
  for (const char* cmd :
       {"status", "list", "show", "retry", "resume", "check", "render", "submit"}) {
    std::ostringstream out, err;
    int rc = reconcilerd::ctl::run({"--config", "/nonexistent.yaml", cmd, "--help"}, out, err, now);
    BOOST_TEST(rc == 0, cmd);
    BOOST_TEST(out.str().starts_with(std::string("usage: reconcilerctl ") + cmd), cmd);
    BOOST_TEST(err.str() == "", cmd);
  }
  std::ostringstream out, err;
  BOOST_TEST(reconcilerd::ctl::run({"--help"}, out, err, now) == 0);
  BOOST_TEST(out.str().starts_with("usage: reconcilerctl [--config FILE] COMMAND [ARGS...]\n"));
}

BOOST_AUTO_TEST_CASE(config_errors_exit_1_and_secrets_are_never_read) {
  reconcilerd::test::temp_dir dir;
  // The credential is not available outside the service: reconcilerctl does not need it.
  ctl_env env;
  auto r = env.run({"status"}, at("2026-11-01T11:30:35Z"));
  BOOST_TEST(r.err.find("credential") == std::string::npos);

  reconcilerd::test::write_file(dir / "bad.yaml", "spool_dir: relative/path\nbogus: 1\n");
  std::ostringstream out, err;
  int rc = reconcilerd::ctl::run({"--config", (dir / "bad.yaml").string(), "status"}, out, err,
                                 at("2026-11-01T11:30:35Z"));
  BOOST_TEST(rc == 1);
  BOOST_TEST(err.str().find("reconcilerctl: cannot use the configuration " +
                            (dir / "bad.yaml").string() + "\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

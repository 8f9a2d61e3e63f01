// Operations end to end: SIGHUP reload (a broken file is refused and the old config stays;
// a changed rate takes effect), the status log lines of a job's whole life, status.json,
// and reconcilerctl against a running daemon (status, resume of a suspended backend).
#include <boost/test/unit_test.hpp>

#include "tests/integration/fixture.hpp"

using namespace reconcilerd::test;
using namespace std::chrono_literals;

namespace {

std::string books(const sim_fixture& sim, const std::string& rate, const std::string& key) {
  return "backends:\n  books:\n    type: campfire\n    base_url: " + sim.url("campfire") +
         "\n    api_key: " + key + "\n    rate: " + rate +
         "\n    burst: 1\n    tls:\n      ca_file: " + sim.info().ca_file +
         "\n    retry:\n      initial_backoff: 1s\n";
}

std::string job(int invoice) {
  return R"({"backend":"books","invoice_id":)" + std::to_string(invoice) +
         R"(,"update":{"client":"5","entity":"1","invoice_date":"2026-11-01","due_date":"2026-12-01","lines":[{"amount":1}]}})";
}

// The first backend's entry in status.json (empty until the file exists).
boost::json::object books_status(const daemon_fixture& d) {
  auto p = d.spool() / "status.json";
  if (!std::filesystem::exists(p)) return {};
  return boost::json::parse(read_file(p)).as_object().at("backends").as_array()[0].as_object();
}

std::string ctl(const daemon_fixture& d, const std::filesystem::path& dir,
                std::vector<std::string> args, int* exit_code) {
  std::vector<std::string> argv{RECONCILERCTL_BIN, "--config", d.config_path().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process p(argv, {}, dir / "ctl.out", dir / "ctl.err");
  *exit_code = p.wait(20s).value_or(-1);
  return read_file(dir / "ctl.out") + read_file(dir / "ctl.err");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(operations)

BOOST_AUTO_TEST_CASE(reload_refuses_a_broken_file_and_applies_a_changed_rate) {
  temp_dir dir;
  sim_fixture sim(dir / "sim");
  daemon_fixture d(dir / "d", books(sim, "1/min", "sim-campfire-key"));
  BOOST_TEST_INFO(d.log());
  // A broken file: refused, the old configuration stays in force.
  write_file(d.config_path(), "spool_dir: [oops\n");
  d.proc().signal(SIGHUP);
  BOOST_TEST(wait_until([&] { return d.log().find("reload refused") != std::string::npos; }, 10s));
  BOOST_TEST(d.proc().running());
  BOOST_TEST(wait_until([&] { return books_status(d)["rate"] == "1/min"; }, 5s));

  // A changed rate: 1/min would take minutes for 6 jobs; 50/s takes no time.
  for (int i = 1; i <= 6; ++i) d.drop("r" + std::to_string(i) + ".json", job(i));
  BOOST_TEST(wait_until([&] { return list_dir(d.spool() / "done").size() >= 1; }, 10s));
  d.reload(books(sim, "50/s", "sim-campfire-key"));
  BOOST_TEST(d.wait_settled(6, 20s));
  BOOST_TEST(wait_until([&] { return books_status(d)["rate"] == "50/s"; }, 5s));
  BOOST_TEST(d.status_log().find("\"event\":\"reloaded\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(status_log_tells_a_jobs_whole_life) {
  temp_dir dir;
  sim_fixture sim(dir / "sim", R"({"faults": [{"api": "campfire", "kind": "status", "status": 503,
                                              "first_n": 1}]})");
  daemon_fixture d(dir / "d", books(sim, "10/s", "sim-campfire-key"));
  d.drop("life.json", job(3));
  BOOST_TEST_INFO(d.log());
  BOOST_TEST(d.wait_in("done", "life.json"));
  // The event is written right after the move into done/: wait for it, not just the move.
  BOOST_TEST(wait_until(
      [&] { return d.status_log().find(R"("event":"delivered")") != std::string::npos; }, 10s));
  std::vector<std::string> events;
  std::istringstream lines(d.status_log());
  for (std::string line; std::getline(lines, line);) {
    auto e = boost::json::parse(line).as_object();
    if (!e.contains("job") || e.at("job") != "life.json") continue;
    events.emplace_back(e.at("event").as_string());
    BOOST_TEST(e.at("backend") == "books");
    BOOST_TEST(e.at("invoice_id") == "3");
    if (events.back() == "deferred") {
      BOOST_TEST(e.contains("next_attempt"));
      BOOST_TEST(e.at("http_status").as_int64() == 503);
    }
  }
  const std::vector<std::string> expected{"queued", "sent", "deferred", "sent", "delivered"};
  BOOST_TEST(events == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reconcilerctl_status_and_resume_against_a_running_daemon) {
  temp_dir dir;
  sim_fixture sim(dir / "sim");
  daemon_fixture d(dir / "d", books(sim, "10/s", "wrong-key"));
  d.drop("s1.json", job(1));
  BOOST_TEST_INFO(d.log());
  BOOST_TEST(wait_until([&] { return books_status(d)["state"] == "suspended"; }, 20s));
  int code = -1;
  auto out = ctl(d, dir.path(), {"status"}, &code);
  BOOST_TEST(code == 0);
  BOOST_TEST(out.find("books") != std::string::npos, out);
  BOOST_TEST(out.find("SUSPENDED") != std::string::npos, out);
  BOOST_TEST(out.find("Invalid token") != std::string::npos, out);
  BOOST_TEST(out.find("wrong-key") == std::string::npos, out);  // never a secret

  // The operator lifts the suspension without waiting for the next probe.
  out = ctl(d, dir.path(), {"resume", "books"}, &code);
  BOOST_TEST(code == 0, out);
  BOOST_TEST(
      wait_until([&] { return d.log().find("resumed by operator") != std::string::npos; }, 10s));
  out = ctl(d, dir.path(), {"resume", "nosuch"}, &code);
  BOOST_TEST(code != 0, out);
}

BOOST_AUTO_TEST_CASE(a_suspended_backend_cannot_starve_the_others) {
  temp_dir dir;
  sim_fixture sim(dir / "sim");
  // A window of 20 jobs in memory: one backend may hold at most 10 of them.
  auto body = books(sim, "100/s", "wrong-key") +
              "  erp:\n    type: simetri\n    base_url: " + sim.url("simetri") +
              "\n    token: sim-simetri-token\n    tls:\n      ca_file: " + sim.info().ca_file +
              "\n";
  daemon_fixture d(dir / "d", body, {{"RECONCILERD_WINDOW", "20"}});
  for (int i = 1; i <= 30; ++i) d.drop("b" + std::to_string(i) + ".json", job(i));
  BOOST_TEST_INFO(d.log());
  BOOST_TEST(wait_until([&] { return list_dir(d.spool() / "incoming").empty(); }, 20s));
  for (int i = 1; i <= 5; ++i)
    d.drop(
        "e" + std::to_string(i) + ".json",
        R"({"backend":"erp","invoice_id":)" + std::to_string(i) + R"(,"update":{"urgent":true}})");
  BOOST_TEST(wait_until([&] { return list_dir(d.spool() / "done").size() == 5; }, 20s));
  BOOST_TEST(list_dir(d.spool() / "deferred").size() >= 20u);  // books' overflow, parked
  // Fixed credentials: everything parked comes back and is delivered.
  d.reload(books(sim, "100/s", "sim-campfire-key") +
           "  erp:\n    type: simetri\n    base_url: " + sim.url("simetri") +
           "\n    token: sim-simetri-token\n    tls:\n      ca_file: " + sim.info().ca_file + "\n");
  BOOST_TEST(d.wait_settled(35, 60s));
  BOOST_TEST(list_dir(d.spool() / "done").size() == 35u);
}

BOOST_AUTO_TEST_SUITE_END()

// The spool's promise under crashes: 1,000+ jobs, backend faults injected by the simulator,
// and the daemon killed with SIGKILL 20 times at random moments and restarted. Afterwards
// every job is in exactly one of done/ or dead/, with its bytes unchanged, and nothing is
// left in incoming/, active/ or deferred/. Jobs that reached the server more than once
// (possible when a kill lands between the server's answer and the move to done/) are
// counted and reported, not hidden.
#include <boost/test/unit_test.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "tests/integration/fixture.hpp"

using namespace reconcilerd::test;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(crash)

BOOST_AUTO_TEST_CASE(sigkill_twenty_times_loses_and_duplicates_nothing_silently) {
  temp_dir dir;
  sim_fixture sim(dir / "sim", R"({"seed": 3, "invoices": 2000,
    "limits": {"alloy": {"kind": "none"}, "bigcapital": {"kind": "none"}},
    "faults": [{"api": "*", "kind": "status", "status": 500, "probability": 0.1},
               {"api": "*", "kind": "status", "status": 503, "retry_after": "1", "probability": 0.05},
               {"api": "*", "kind": "drop", "probability": 0.05},
               {"api": "*", "kind": "reset", "probability": 0.05}]})");
  const std::string defaults =
      "defaults:\n  timeout: 2s\n  concurrency: 8\n  rate: 400/s\n  burst: 20\n"
      "  retry:\n    initial_backoff: 250ms\n    max_backoff: 1s\n    max_attempts: 100\n"
      "    max_age: 1h\n";
  daemon_fixture d(dir / "d", defaults + five_backends_yaml(sim));

  const int total = 1200;
  std::map<std::string, std::string> bodies;
  for (int i = 0; i < total; ++i) {
    std::string name = "job-" + std::to_string(i) + ".json";
    std::string body;
    switch (i % 3) {
      case 0:
        body = R"({"backend":"erp","invoice_id":)" + std::to_string(1 + i % 900) +
               R"(,"sequence":)" + std::to_string(i) + R"(,"update":{"urgency_note":"n)" +
               std::to_string(i) + R"("}})";
        break;
      case 1:
        body =
            R"({"backend":"books","invoice_id":)" + std::to_string(1 + i % 900) +
            R"(,"sequence":)" + std::to_string(i) +
            R"(,"update":{"client":"5","entity":"1","invoice_date":"2026-11-01","due_date":"2026-12-01","lines":[{"amount":)" +
            std::to_string(i) + R"(}]}})";
        break;
      default:
        body = R"({"backend":"unified","invoice_id":")" + std::to_string(1 + i % 900) +
               R"(","sequence":)" + std::to_string(i) + R"(,"update":{"memo":"m)" +
               std::to_string(i) + R"(","lineItems":[{"description":"d","totalAmount":"1.00"}]}})";
    }
    bodies[name] = body;
    d.drop(name, body);
  }

  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> pause_ms(50, 700);
  int kills = 0;
  for (; kills < 20; ++kills) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));  // a random moment
    d.kill_and_restart();
  }
  BOOST_TEST_INFO(d.log());
  BOOST_TEST(d.wait_settled(total, 300s));
  BOOST_TEST_MESSAGE("crash test dir: " << dir.path());

  // Exactly one place for each job, bytes unchanged.
  std::set<std::string> done, dead;
  for (auto& f : list_dir(d.spool() / "done")) done.insert(f);
  for (auto& f : list_dir(d.spool() / "dead"))
    if (!f.ends_with(".error.json")) dead.insert(f);
  BOOST_TEST(done.size() + dead.size() == static_cast<std::size_t>(total));
  for (auto& [name, body] : bodies) {
    const bool in_done = done.count(name) != 0, in_dead = dead.count(name) != 0;
    BOOST_TEST((in_done != in_dead), name << " in done: " << in_done << ", dead: " << in_dead);
    auto where = d.spool() / (in_done ? "done" : "dead") / name;
    if (in_done || in_dead) BOOST_TEST(read_file(where) == body, name);
  }
  BOOST_TEST(list_dir(d.spool() / "incoming").empty());
  BOOST_TEST(list_dir(d.spool() / "active").empty());
  BOOST_TEST(list_dir(d.spool() / "deferred").empty());

  // Report: how many jobs reached the server (and were applied) more than once.
  std::map<std::string, int> applied;
  for (auto& r : sim.requests())
    if (r.at("result").as_string() == "updated" && r.at("job").is_string())
      ++applied[std::string(r.at("job").as_string())];
  int twice = 0;
  for (auto& [job, n] : applied)
    if (n > 1) ++twice;
  BOOST_TEST_MESSAGE("crash test: " << kills << " SIGKILLs, " << total << " jobs, " << done.size()
                                    << " done, " << dead.size() << " dead, " << twice
                                    << " applied more than once");
  write_file(std::filesystem::current_path() / "crash-test-figures.txt",
             std::to_string(kills) + " kills, " + std::to_string(total) + " jobs, " +
                 std::to_string(done.size()) + " done, " + std::to_string(dead.size()) + " dead, " +
                 std::to_string(twice) + " applied more than once\n");
  // Every delivered job was applied at least once: by its own request, or folded into a
  // request (status log `folded`, `into` the job that carried it) that was applied.
  std::map<std::string, std::string> folded_into;
  std::istringstream events(d.status_log());
  for (std::string line; std::getline(events, line);) {
    auto e = boost::json::parse(line).as_object();
    if (e.at("event").as_string() == "folded")
      folded_into[std::string(e.at("job").as_string())] = std::string(e.at("into").as_string());
  }
  BOOST_TEST_MESSAGE("crash test: " << folded_into.size() << " jobs folded into others");
  for (auto& name : done) {
    auto f = folded_into.find(name);
    BOOST_TEST((applied[name] >= 1 || (f != folded_into.end() && applied[f->second] >= 1)), name);
  }
}

BOOST_AUTO_TEST_CASE(an_unsafe_update_interrupted_by_a_crash_is_verified_not_sent_again) {
  temp_dir dir;
  // The first simetri update is applied at once but answered slowly: the daemon is killed
  // while it waits for the answer.
  sim_fixture sim(dir / "sim", R"({"faults": [{"api": "simetri", "kind": "slow",
                                              "delay_ms": 5000, "writes_only": true,
                                              "first_n": 1}]})");
  daemon_fixture d(dir / "d", "defaults:\n  timeout: 2s\n" + five_backends_yaml(sim));
  // (0, 0, {...}) creates an invoice line: sending it twice would duplicate the line.
  d.drop(
      "unsafe.json",
      R"({"backend":"erp","invoice_id":7,"update":{"invoice_line":[[0,0,{"name":"Setup fee","quantity":1,"price_unit":50}]]}})");
  BOOST_TEST_INFO(d.log());
  auto updates = [&] {
    int n = 0;
    for (auto& r : sim.requests())
      if (r.at("result").as_string() == "updated") ++n;
    return n;
  };
  BOOST_TEST(wait_until([&] { return updates() == 1; }, 20s));
  d.kill_and_restart();
  // Recovery reads invoice 7 back (after one request timeout), sees the new line and
  // finishes the job without sending it again.
  BOOST_TEST_REQUIRE(d.wait_in("done", "unsafe.json", 30s));
  BOOST_TEST(updates() == 1);
  BOOST_TEST(d.status_log().find(R"("event":"verified","job":"unsafe.json")") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

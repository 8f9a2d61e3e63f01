// The spool's promise under crashes: 1,000+ jobs, backend faults injected by the simulator,
// and the daemon killed with SIGKILL 20 times at random moments and restarted. Afterwards
// every job is in exactly one of done/ or dead/, with its bytes unchanged, and nothing is
// left in incoming/, active/ or deferred/. Jobs that reached the server more than once
// (possible when a kill lands between the server's answer and the move to done/) are
// counted and reported, not hidden.
// Updates that are not safe to repeat (WHMCS newitem*, simetri (0, 0, {...})) meet
// apply-then-fail faults and the same kind of kills: none is dead-lettered, and every new
// line is on its invoice exactly once (read from the simulator's state).
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "tests/integration/fixture.hpp"

using namespace reconcilerd::test;
using namespace std::chrono_literals;

namespace {

// GET https://127.0.0.1:PORT/_sim/state/{api}/{id} (the simulator's raw state), verified
// against the simulator's CA.
boost::json::value sim_state(const sim_fixture& sim, const std::string& api, int id) {
  namespace net = boost::asio;
  namespace ssl = net::ssl;
  namespace beast = boost::beast;
  namespace http = beast::http;
  net::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(sim.info().ca_file);
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  beast::get_lowest_layer(stream).expires_after(20s);
  beast::get_lowest_layer(stream).connect(net::ip::tcp::endpoint(
      net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(sim.info().port)));
  stream.handshake(ssl::stream_base::client);
  http::request<http::empty_body> req{http::verb::get,
                                      "/_sim/state/" + api + "/" + std::to_string(id), 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res);
  beast::error_code ignored;
  stream.shutdown(ignored);
  if (res.result_int() != 200)
    throw std::runtime_error("/_sim/state/" + api + "/" + std::to_string(id) + " answered " +
                             std::to_string(res.result_int()));
  return boost::json::parse(res.body());
}

}  // namespace

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

// The crash test with updates that are not safe to repeat: a third of the jobs add one WHMCS
// line (newitem*), a third one simetri line ((0, 0, {...})), each with a unique description,
// four per invoice; the rest are safe. Writes are applied and then answered with nothing, a
// reset or a 500; other requests are dropped, reset or answered 500 before reaching the API;
// and the daemon is killed 12 times. No job may be dead-lettered, and each new line must be
// on its invoice exactly once.
BOOST_AUTO_TEST_CASE(sigkill_with_unsafe_updates_and_apply_then_fail_faults_applies_each_once) {
  temp_dir dir;
  sim_fixture sim(dir / "sim", R"({"seed": 14, "invoices": 300,
    "limits": {"alloy": {"kind": "none"}, "bigcapital": {"kind": "none"}},
    "faults": [{"api": "whmcs", "kind": "applied_drop", "writes_only": true, "probability": 0.08},
               {"api": "whmcs", "kind": "applied_status", "status": 500, "writes_only": true,
                "probability": 0.08},
               {"api": "simetri", "kind": "applied_status", "status": 500, "writes_only": true,
                "probability": 0.08},
               {"api": "simetri", "kind": "applied_reset", "writes_only": true,
                "probability": 0.08},
               {"api": "*", "kind": "drop", "probability": 0.03},
               {"api": "*", "kind": "reset", "probability": 0.03},
               {"api": "*", "kind": "status", "status": 500, "probability": 0.03}]})");
  // A short request timeout: a verification after no answer waits one.
  const std::string defaults =
      "defaults:\n  timeout: 2s\n  concurrency: 8\n  rate: 400/s\n  burst: 20\n"
      "  retry:\n    initial_backoff: 250ms\n    max_backoff: 1s\n    max_attempts: 100\n"
      "    max_age: 1h\n";
  daemon_fixture d(dir / "d", defaults + five_backends_yaml(sim));

  const int total = 300, per_invoice = 4;
  std::map<std::string, std::string> bodies;
  // The unique line descriptions, by invoice; and which job adds each.
  std::map<int, std::vector<std::string>> whmcs_lines, simetri_lines;
  std::map<std::string, std::string> job_of_line;
  std::set<std::string> unsafe_jobs;
  for (int i = 0; i < total; ++i) {
    const std::string name = "job-" + std::to_string(i) + ".json";
    const int k = i / 3;  // the job's index among its third
    const int invoice = 1 + k / per_invoice;
    std::string body;
    switch (i % 3) {
      case 0: {
        const std::string desc = "crash-whmcs-line-" + std::to_string(i);
        char amount[16];  // two decimals, some ending in 0 (12.50, 12.00)
        std::snprintf(amount, sizeof amount, "%d.%02d", 10 + i % 90, (i * 7) % 100);
        body = R"({"backend":"billing","invoice_id":)" + std::to_string(invoice) +
               R"(,"update":{"newitemdescription":[")" + desc + R"("],"newitemamount":[)" + amount +
               R"(],"newitemtaxed":[)" + (i % 2 ? "true" : "false") + "]}}";
        whmcs_lines[invoice].push_back(desc);
        job_of_line[desc] = name;
        unsafe_jobs.insert(name);
        break;
      }
      case 1: {
        const std::string desc = "crash-simetri-line-" + std::to_string(i);
        body = R"({"backend":"erp","invoice_id":)" + std::to_string(invoice) +
               R"(,"update":{"invoice_line":[[0,0,{"name":")" + desc +
               R"(","quantity":1,"price_unit":10}]]}})";
        simetri_lines[invoice].push_back(desc);
        job_of_line[desc] = name;
        unsafe_jobs.insert(name);
        break;
      }
      default:
        if (k % 2)
          body = R"({"backend":"unified","invoice_id":")" + std::to_string(100 + k) +
                 R"(","sequence":)" + std::to_string(i) + R"(,"update":{"memo":"m)" +
                 std::to_string(i) +
                 R"(","lineItems":[{"description":"d","totalAmount":"1.00"}]}})";
        else
          body =
              R"({"backend":"books","invoice_id":)" + std::to_string(100 + k) + R"(,"sequence":)" +
              std::to_string(i) +
              R"(,"update":{"client":"5","entity":"1","invoice_date":"2026-11-01","due_date":"2026-12-01","lines":[{"amount":)" +
              std::to_string(i) + R"(}]}})";
    }
    bodies[name] = body;
    d.drop(name, body);
  }

  std::mt19937 rng(1414);
  std::uniform_int_distribution<int> pause_ms(50, 700);
  int kills = 0;
  for (; kills < 12; ++kills) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));  // a random moment
    d.kill_and_restart();
  }
  BOOST_TEST_MESSAGE("unsafe crash test dir: " << dir.path());
  auto diagnosis = [&] {
    std::string out = "\n--- dead letters:\n";
    for (auto& f : list_dir(d.spool() / "dead"))
      if (f.ends_with(".error.json")) out += read_file(d.spool() / "dead" / f) + "\n";
    std::string log = d.log();
    if (log.size() > 8000) log = "..." + log.substr(log.size() - 8000);
    return out + "--- daemon log (tail):\n" + log;
  };
  BOOST_TEST_REQUIRE(d.wait_settled(total, 75s), diagnosis());

  // Exactly one place for each job, bytes unchanged, and no dead letter.
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
  BOOST_TEST(dead.empty(), diagnosis());
  BOOST_TEST(list_dir(d.spool() / "incoming").empty());
  BOOST_TEST(list_dir(d.spool() / "active").empty());
  BOOST_TEST(list_dir(d.spool() / "deferred").empty());

  // Each new line on its invoice exactly once, as the simulator holds it.
  std::map<std::string, std::size_t> found;  // description -> times on its invoice
  auto count_lines = [&](const boost::json::array& lines, const char* field,
                         const std::vector<std::string>& descs, const std::string& what) {
    BOOST_TEST(lines.size() == 2 + descs.size(), what << " has " << lines.size() << " lines");
    for (auto& desc : descs) found[desc] = 0;
    for (auto& l : lines)
      if (const auto* v = l.as_object().if_contains(field); v && v->is_string()) {
        auto f = found.find(std::string(v->get_string()));
        if (f != found.end()) ++f->second;
      }
  };
  for (auto& [inv, descs] : whmcs_lines)
    count_lines(sim_state(sim, "whmcs", inv).at("items").at("item").as_array(), "description",
                descs, "whmcs invoice " + std::to_string(inv));
  for (auto& [inv, descs] : simetri_lines)
    count_lines(sim_state(sim, "simetri", inv).at("lines").as_array(), "name", descs,
                "simetri invoice " + std::to_string(inv));
  int once = 0, twice = 0, missing = 0;
  for (auto& [desc, n] : found) {
    (n == 1 ? once : n == 0 ? missing : twice) += 1;
    BOOST_TEST(n == 1u,
               desc << " (" << job_of_line[desc] << ") is on its invoice " << n << " times");
  }

  // The simulator's request log agrees: each unsafe job's write applied exactly once; and
  // the faults did strike applied writes (else this tested nothing).
  std::map<std::string, int> applied;
  int applied_then_failed = 0;
  for (auto& r : sim.requests())
    if (r.at("result").as_string() == "updated" && r.at("job").is_string()) {
      const std::string job(r.at("job").as_string());
      ++applied[job];
      if (unsafe_jobs.count(job) && r.at("fault").is_string()) ++applied_then_failed;
    }
  for (auto& job : unsafe_jobs)
    BOOST_TEST(applied[job] == 1, job << " applied " << applied[job] << " times");
  BOOST_TEST(applied_then_failed >= 10);

  // Verifications (status log `verified`), those of unsafe jobs, and their verdicts.
  int verified = 0, verified_unsafe = 0;
  std::istringstream events(d.status_log());
  for (std::string line; std::getline(events, line);) {
    if (line.empty()) continue;
    auto e = boost::json::parse(line).as_object();
    if (e.at("event").as_string() != "verified") continue;
    ++verified;
    if (e.at("job").is_string() && unsafe_jobs.count(std::string(e.at("job").as_string())))
      ++verified_unsafe;
  }
  BOOST_TEST(verified >= 1);

  std::ostringstream figures;
  figures << "unsafe crash test: " << kills << " kills, " << total << " jobs, " << done.size()
          << " done, " << dead.size() << " dead, " << unsafe_jobs.size() << " unsafe jobs, "
          << applied_then_failed << " unsafe writes applied then failed, lines " << once
          << " once, " << twice << " more than once, " << missing << " missing, " << verified
          << " verifications (" << verified_unsafe << " of unsafe jobs)";
  BOOST_TEST_MESSAGE(figures.str());
  // Appended, beside the figures of the case above (which rewrites the file).
  std::ofstream(std::filesystem::current_path() / "crash-test-figures.txt", std::ios::app)
      << figures.str() << "\n";
}

BOOST_AUTO_TEST_SUITE_END()

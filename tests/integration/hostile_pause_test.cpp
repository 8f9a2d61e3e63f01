// Hostile pauses end to end: a server asking for a pause until year 9999 or 2100 pauses the
// backend for at most max_pause (status.json shows the capped pause, the log says it was
// capped, nothing overflows); `reconcilerctl resume` clears a server-set pause; a reload
// applies a new max_pause to the pause in force and to later answers. With Bigcapital's real
// header set (two throttlers), the daemon follows the tightest bucket and meets no 429.
#include <boost/test/unit_test.hpp>

#include "jobs/rfc3339.hpp"
#include "tests/integration/fixture.hpp"

using namespace reconcilerd::test;
using namespace std::chrono_literals;

namespace {

std::string books(const sim_fixture& sim, const std::string& settings = "") {
  return "backends:\n  books:\n    type: campfire\n    base_url: " + sim.url("campfire") +
         "\n    api_key: sim-campfire-key\n    rate: 10/s\n    burst: 1\n"
         "    tls:\n      ca_file: " +
         sim.info().ca_file + "\n    retry:\n      initial_backoff: 1s\n" + settings;
}

std::string job(int invoice) {
  return R"({"backend":"books","invoice_id":)" + std::to_string(invoice) +
         R"(,"update":{"client":"5","entity":"1","invoice_date":"2026-11-01","due_date":"2026-12-01","lines":[{"amount":1}]}})";
}

// The only backend's entry in status.json (empty until the file exists).
boost::json::object books_status(const daemon_fixture& d) {
  auto p = d.spool() / "status.json";
  if (!std::filesystem::exists(p)) return {};
  auto text = read_file(p);
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec) return {};  // never half-written, but be safe
  return v.as_object().at("backends").as_array()[0].as_object();
}

// How far ahead status.json says the pause ends (nothing when not paused).
std::optional<std::chrono::milliseconds> pause_left(const daemon_fixture& d) {
  auto s = books_status(d);
  if (s.empty() || s["state"] != "paused" || !s["until"].is_string()) return std::nullopt;
  auto until = reconcilerd::jobs::parse_rfc3339(s["until"].as_string());
  if (!until) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(*until -
                                                               std::chrono::system_clock::now());
}

std::size_t count_status(const sim_fixture& sim, int status) {
  std::size_t n = 0;
  for (auto& r : sim.requests())
    if (r.at("api") == "campfire" && r.at("status").is_int64() &&
        r.at("status").as_int64() == status)
      ++n;
  return n;
}

int ctl(const daemon_fixture& d, const std::filesystem::path& dir, std::vector<std::string> args) {
  std::vector<std::string> argv{RECONCILERCTL_BIN, "--config", d.config_path().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process p(argv, {}, dir / "ctl.out", dir / "ctl.err");
  return p.wait(20s).value_or(-1);
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_pause)

BOOST_AUTO_TEST_CASE(retry_after_in_year_9999_and_2100_pauses_at_most_max_pause) {
  temp_dir dir;
  sim_fixture sim(dir / "sim", R"({"faults": [
      {"api": "campfire", "kind": "status", "status": 503,
       "retry_after": "Fri, 31 Dec 9999 23:59:59 GMT", "first_n": 1},
      {"api": "campfire", "kind": "status", "status": 503,
       "retry_after": "Fri, 31 Dec 2100 23:59:59 GMT", "first_n": 2}]})");
  daemon_fixture d(dir / "d", books(sim));  // max_pause: the built-in 1h
  BOOST_TEST_INFO(d.log());

  // Year 9999: no overflow, the pause is capped at 1h and says so.
  d.drop("j1.json", job(1));
  BOOST_TEST(wait_until([&] { return pause_left(d).has_value(); }, 20s));
  auto left = pause_left(d);
  BOOST_TEST_REQUIRE(left.has_value());
  BOOST_TEST(left->count() <= std::chrono::milliseconds(1h + 5s).count());
  BOOST_TEST(left->count() >= std::chrono::milliseconds(1h - 5min).count());
  BOOST_TEST(std::string(books_status(d)["reason"].as_string()).find("max_pause") !=
             std::string::npos);
  BOOST_TEST(d.log().find("capped") != std::string::npos);
  BOOST_TEST(list_dir(d.spool() / "dead").empty());  // the job waits; it did not expire

  // The operator clears the server's pause: the next job goes out at once (and meets 2100).
  BOOST_TEST(ctl(d, dir.path(), {"resume", "books"}) == 0);
  BOOST_TEST(wait_until([&] { return !pause_left(d).has_value(); }, 10s));
  d.drop("j2.json", job(2));
  BOOST_TEST(wait_until([&] { return count_status(sim, 503) >= 2; }, 20s));
  BOOST_TEST(wait_until([&] { return pause_left(d).has_value(); }, 10s));
  left = pause_left(d);
  BOOST_TEST_REQUIRE(left.has_value());
  BOOST_TEST(left->count() <= std::chrono::milliseconds(1h + 5s).count());
  BOOST_TEST(occurrences(d.log(), "capped") >= 2u);

  BOOST_TEST(ctl(d, dir.path(), {"resume", "books"}) == 0);
  d.drop("j3.json", job(3));
  BOOST_TEST(d.wait_in("done", "j3.json", 20s));
  BOOST_TEST(list_dir(d.spool() / "dead").empty());
  BOOST_TEST(d.proc().running());
}

BOOST_AUTO_TEST_CASE(a_reload_applies_a_new_max_pause) {
  temp_dir dir;
  sim_fixture sim(dir / "sim", R"({"faults": [
      {"api": "campfire", "kind": "status", "status": 503,
       "retry_after": "Fri, 31 Dec 2100 23:59:59 GMT", "first_n": 1},
      {"api": "campfire", "kind": "status", "status": 429, "retry_after": "99999999",
       "first_n": 2}]})");
  daemon_fixture d(dir / "d", books(sim, "    max_pause: 1h\n"));
  BOOST_TEST_INFO(d.log());
  d.drop("j1.json", job(1));
  BOOST_TEST(wait_until([&] { return pause_left(d).has_value(); }, 20s));
  auto left = pause_left(d);
  BOOST_TEST_REQUIRE(left.has_value());
  BOOST_TEST(left->count() > std::chrono::milliseconds(50min).count());

  // A shorter max_pause shortens the pause in force ...
  d.reload(books(sim, "    max_pause: 3s\n"));
  BOOST_TEST(wait_until(
      [&] {
        auto l = pause_left(d);
        return !l || l->count() <= std::chrono::milliseconds(4s).count();
      },
      10s));
  // ... and caps the next one: j2 meets a 429 asking for 99999999 s and still goes out.
  d.drop("j2.json", job(2));
  BOOST_TEST(d.wait_in("done", "j2.json", 30s));
  BOOST_TEST(count_status(sim, 429) == 1u);
  BOOST_TEST(occurrences(d.log(), "capped") >= 2u);
  BOOST_TEST(list_dir(d.spool() / "dead").empty());
}

// Bigcapital's real header set (backends.md): every answer carries X-RateLimit-* for the
// 100/min `default` throttler and X-RateLimit-*-auth for the `auth` one that binds. The
// daemon, configured far faster than the server allows, follows the tightest bucket and
// never meets a 429.
BOOST_AUTO_TEST_CASE(bigcapital_the_tightest_advertised_bucket_binds) {
  temp_dir dir;
  sim_fixture sim(dir / "sim",
                  R"({"limits": {"bigcapital": {"kind": "window", "limit": 4, "window_s": 4}}})");
  daemon_fixture d(dir / "d", "backends:\n  ledger:\n    type: bigcapital\n    base_url: " +
                                  sim.url("bigcapital") +
                                  "\n    api_key: bc_sim\n    rate: 50/s\n    burst: 5\n"
                                  "    concurrency: 1\n    tls:\n      ca_file: " +
                                  sim.info().ca_file + "\n");
  BOOST_TEST_INFO(d.log());
  const int n = 8;
  for (int i = 1; i <= n; ++i)
    d.drop(
        "b" + std::to_string(i) + ".json",
        R"({"backend":"ledger","invoice_id":)" + std::to_string(i) +
            R"(,"update":{"customerId":1,"invoiceDate":"2026-11-01","dueDate":"2026-11-30","entries":[{"index":1,"itemId":2,"rate":3,"quantity":1}]}})");
  BOOST_TEST(d.wait_settled(n, 60s));
  BOOST_TEST(list_dir(d.spool() / "done").size() == static_cast<std::size_t>(n));
  std::size_t throttled = 0, updated = 0;
  for (auto& r : sim.requests()) {
    if (r.at("api") != "bigcapital") continue;
    if (r.at("result") == "throttled") ++throttled;
    if (r.at("result") == "updated") ++updated;
  }
  BOOST_TEST(throttled == 0u);
  BOOST_TEST(updated == static_cast<std::size_t>(n));
}

BOOST_AUTO_TEST_SUITE_END()

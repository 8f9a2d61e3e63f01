// Requests in flight per invoice: the simulator counts, per (api, invoice), the requests the
// API has handled and not yet answered (a slow fault's delay included), and logs with each
// request the jobs of the others in flight for its invoice then (`concurrent`), so a test can
// prove "never two requests for one invoice at once". Also the client's port (`peer_port`),
// which tells client processes apart. First on sim_app directly (the server's hold on a
// response is modelled by keeping it), then end to end through the real binary.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "tests/sim/sim_app.hpp"
#include "tests/sim/sim_harness.hpp"

namespace json = boost::json;
using namespace reconcilerd::sim;
using reconcilerd::sim::testing::http_reply;
using reconcilerd::sim::testing::sim_process;
using reconcilerd::test::read_file;
using reconcilerd::test::temp_dir;

namespace {

const std::string campfire_inv = "/campfire/coa/api/v1/invoice/";
const std::string campfire_ok =
    R"({"client":"3","entity":"1","invoice_date":"2024-02-01","due_date":"2024-03-01",)"
    R"("terms":"net_30","lines":[{"amount":"120.50","description":"Hosting"}]})";

sim_request campfire_put(int invoice, const std::string& job) {
  sim_request r;
  r.method = "PUT";
  r.target = campfire_inv + std::to_string(invoice) + "/";
  r.headers = {{"authorization", "Token sim-campfire-key"},
               {"content-type", "application/json"},
               {"x-reconcilerd-job", job}};
  r.body = campfire_ok;
  r.peer_port = 40001;
  return r;
}

std::vector<json::object> lines_of(const std::filesystem::path& file) {
  std::vector<json::object> out;
  std::ifstream f(file);
  for (std::string line; std::getline(f, line);)
    if (!line.empty()) out.push_back(json::parse(line).as_object());
  return out;
}

json::array jobs(const json::object& line) { return line.at("concurrent").as_array(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(reconciler_sim_in_flight)

BOOST_AUTO_TEST_CASE(a_request_is_in_flight_until_the_server_lets_go_of_its_answer) {
  temp_dir dir;
  std::vector<json::object> lines;
  {
    request_log log(dir / "requests.jsonl");
    sim_app app(default_config(), log);
    sim_response a = app.handle(campfire_put(7, "job-a"), 1.0);
    BOOST_TEST(a.status == 200);
    BOOST_TEST(a.in_flight != nullptr);
    // Another invoice meanwhile: no overlap. The same invoice: overlaps job-a.
    sim_response other = app.handle(campfire_put(8, "job-x"), 1.1);
    sim_response b = app.handle(campfire_put(7, "job-b"), 1.2);
    BOOST_TEST(b.status == 200);
    // Copies share the hold: the request stays in flight until the last one goes.
    sim_response a_copy = a;
    a = sim_response{};
    sim_response c = app.handle(campfire_put(7, "job-c"), 1.3);
    a_copy = sim_response{};
    b = sim_response{};
    c = sim_response{};
    other = sim_response{};
    sim_response d = app.handle(campfire_put(7, "job-d"), 1.4);  // all answered: alone
    // A request without a job header, and one the API found no invoice in.
    sim_request anonymous = campfire_put(7, "");
    anonymous.headers.erase("x-reconcilerd-job");
    sim_response e = app.handle(anonymous, 1.5);
    sim_request bad = campfire_put(7, "job-bad");
    bad.target = "/campfire/coa/api/v1/nothing-here/";
    sim_response f = app.handle(bad, 1.6);
    BOOST_TEST(f.in_flight == nullptr);
    sim_response g = app.handle(campfire_put(7, "job-g"), 1.7);
  }
  lines = lines_of(dir / "requests.jsonl");
  BOOST_TEST_REQUIRE(lines.size() == 8u);
  BOOST_TEST(jobs(lines[0]).empty());
  BOOST_TEST(jobs(lines[1]).empty());
  BOOST_TEST(jobs(lines[2]) == json::array({"job-a"}));
  BOOST_TEST(jobs(lines[3]) == json::array({"job-a", "job-b"}));
  BOOST_TEST(jobs(lines[4]).empty());
  BOOST_TEST(jobs(lines[5]) == json::array({"job-d"}));
  BOOST_TEST(jobs(lines[6]).empty());
  BOOST_TEST(jobs(lines[7]) == json::array({"job-d", nullptr}));
  for (const auto& l : lines) BOOST_TEST(l.at("peer_port") == json::value(40001));
}

// Through the real server: a slow fault keeps the first PUT for invoice 7 in flight for
// 1.5 s; a second PUT for invoice 7 sent meanwhile is logged with the first's job, one for
// invoice 8 is not; once both are answered, a third for invoice 7 is alone again. A dropped
// answer (applied_drop) ends its request's time in flight too.
BOOST_AUTO_TEST_CASE(overlapping_requests_for_one_invoice_are_logged_through_the_server) {
  sim_process sim(R"({"faults": [
      {"api": "campfire", "kind": "slow", "delay_ms": 1500, "writes_only": true, "first_n": 1},
      {"api": "alloy", "kind": "applied_drop", "writes_only": true, "first_n": 1}]})");
  auto put = [&](int invoice, const std::string& job) {
    return sim.call("PUT", campfire_inv + std::to_string(invoice) + "/",
                    {{"Authorization", "Token sim-campfire-key"},
                     {"Content-Type", "application/json"},
                     {"X-Reconcilerd-Job", job}},
                    campfire_ok);
  };
  auto slow = std::async(std::launch::async, [&] { return put(7, "slow-7"); });
  // Wait (bounded) until the slow one has reached the API.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (sim.log_lines().empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  BOOST_TEST_REQUIRE(sim.log_lines().size() == 1u);
  BOOST_TEST(put(8, "other-8").status == 200);
  BOOST_TEST(put(7, "second-7").status == 200);
  const http_reply first = slow.get();
  BOOST_TEST(first.status == 200);
  BOOST_TEST(put(7, "third-7").status == 200);

  const std::string alloy = "/alloy/accounting/invoices/7?credentialId=sim-cred";
  const std::string alloy_body =
      R"({"memo":"m","lineItems":[{"description":"d","totalAmount":"1.00"}]})";
  const std::vector<std::pair<std::string, std::string>> alloy_headers = {
      {"Authorization", "bearer sim-alloy-key"},
      {"Content-Type", "application/json"},
      {"X-Reconcilerd-Job", "dropped-7"}};
  BOOST_TEST(sim.call("PUT", alloy, alloy_headers, alloy_body).status == 0);  // no answer
  BOOST_TEST(sim.call("PUT", alloy, alloy_headers, alloy_body).status == 200);

  const auto lines = sim.log_lines();
  BOOST_TEST_REQUIRE(lines.size() == 6u);
  BOOST_TEST(lines[0].at("job") == json::value("slow-7"));
  BOOST_TEST(lines[0].at("fault") == json::value("slow"));
  BOOST_TEST(jobs(lines[0]).empty());
  BOOST_TEST(lines[1].at("job") == json::value("other-8"));
  BOOST_TEST(jobs(lines[1]).empty());
  BOOST_TEST(lines[2].at("job") == json::value("second-7"));
  BOOST_TEST(jobs(lines[2]) == json::array({"slow-7"}));
  BOOST_TEST(lines[3].at("job") == json::value("third-7"));
  BOOST_TEST(jobs(lines[3]).empty());
  BOOST_TEST(lines[4].at("fault") == json::value("applied_drop"));
  BOOST_TEST(jobs(lines[5]).empty());
  // Each call above opened its own connection: distinct client ports, none zero.
  for (const auto& l : lines) BOOST_TEST(l.at("peer_port").as_int64() > 0);
  BOOST_TEST(lines[0].at("peer_port") != lines[2].at("peer_port"));
}

BOOST_AUTO_TEST_SUITE_END()

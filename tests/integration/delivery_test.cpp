// End to end: a real reconciler-sim and a real reconcilerd child process. Jobs dropped the
// way producers do reach the simulator over verified HTTPS and land in done/; bad ones land
// in dead/ with an error.json; nothing is left behind.
#include <boost/test/unit_test.hpp>

#include "tests/integration/fixture.hpp"

using namespace reconcilerd::test;
using namespace std::chrono_literals;

namespace {

const char* const good_jobs[][2] = {
    {"erp-1.json",
     R"({"backend":"erp","invoice_id":11,"update":{"urgent":true,"date_due":"2026-12-01"}})"},
    {"billing-1.json",
     R"({"backend":"billing","invoice_id":12,"update":{"status":"Unpaid","notes":"hello"}})"},
    {"unified-1.json",
     R"({"backend":"unified","invoice_id":"13","update":{"memo":"m","lineItems":[{"description":"Hosting","totalAmount":"10.00"}]}})"},
    {"books-1.json",
     R"({"backend":"books","invoice_id":14,"update":{"client":"5","entity":"1","invoice_date":"2026-11-01","due_date":"2026-12-01","lines":[{"amount":10.5,"description":"x"}]}})"},
    {"ledger-1.json",
     R"({"backend":"ledger","invoice_id":15,"update":{"customerId":7,"invoiceDate":"2026-11-01","dueDate":"2026-12-01","entries":[{"index":1,"itemId":3,"rate":120.5,"quantity":2}]}})"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(delivery)

BOOST_AUTO_TEST_CASE(one_job_per_api_is_delivered_over_verified_https) {
  temp_dir dir;
  sim_fixture sim(dir / "sim");
  daemon_fixture d(dir / "d", five_backends_yaml(sim));
  for (auto& [name, body] : good_jobs) d.drop(name, body);
  for (auto& [name, body] : good_jobs) {
    BOOST_TEST_CONTEXT(name << "\n" << d.log()) {
      BOOST_TEST(d.wait_in("done", name));
      BOOST_TEST(read_file(d.spool() / "done" / name) == body);  // bytes unchanged
    }
  }
  BOOST_TEST(list_dir(d.spool() / "dead").empty());
  BOOST_TEST(list_dir(d.spool() / "incoming").empty());
  BOOST_TEST(list_dir(d.spool() / "active").empty());
  // The simulator saw exactly one successful request per job, tagged with the job name.
  std::map<std::string, int> seen;
  for (auto& r : sim.requests())
    if (r.at("result").as_string() == "updated" && r.at("job").is_string())
      ++seen[std::string(r.at("job").as_string())];
  for (auto& [name, body] : good_jobs) BOOST_TEST(seen[name] == 1, name);
}

BOOST_AUTO_TEST_CASE(invalid_and_rejected_jobs_are_dead_lettered_with_reasons) {
  temp_dir dir;
  sim_fixture sim(dir / "sim");
  daemon_fixture d(dir / "d", five_backends_yaml(sim));
  d.drop("bad-json.json", "{not json");
  d.drop("unknown-backend.json", R"({"backend":"nope","invoice_id":1,"update":{}})");
  d.drop("bad-field.json", R"({"backend":"erp","invoice_id":1,"update":{"partner":1}})");
  // Invoice 999999 does not exist in the simulator: the server rejects it.
  d.drop("missing-invoice.json",
         R"({"backend":"billing","invoice_id":999999,"update":{"status":"Paid"}})");
  BOOST_TEST_INFO(d.log());
  BOOST_TEST(d.wait_settled(4, 30s));
  for (auto name : {"bad-json.json", "unknown-backend.json", "bad-field.json"}) {
    BOOST_TEST_CONTEXT(name) {
      auto e =
          boost::json::parse(read_file(d.spool() / "dead" / (std::string(name) + ".error.json")))
              .as_object();
      BOOST_TEST(e.at("category").as_string() == "invalid");
      BOOST_TEST(!e.at("message").as_string().empty());
    }
  }
  auto e = boost::json::parse(read_file(d.spool() / "dead" / "missing-invoice.json.error.json"))
               .as_object();
  BOOST_TEST(e.at("category").as_string() == "rejected");
  BOOST_TEST(std::string(e.at("message").as_string()).find("Invoice ID Not Found") !=
             std::string::npos);
  BOOST_TEST(e.at("http_status").as_int64() == 200);
}

BOOST_AUTO_TEST_CASE(check_exits_78_on_a_bad_config_and_0_on_a_good_one) {
  temp_dir dir;
  write_file(dir / "bad.yaml", "spool_dir: " + (dir / "spool").string() + "\nbackendz: {}\n");
  child_process bad({RECONCILERD_BIN, "--config", (dir / "bad.yaml").string(), "--check"}, {},
                    dir / "bad.out", dir / "bad.err");
  BOOST_TEST(bad.wait(20s).value_or(-1) == 78);
  BOOST_TEST(read_file(dir / "bad.err").find("backendz") != std::string::npos);

  write_file(dir / "good.yaml", "spool_dir: " + (dir / "spool").string() +
                                    "\nbackends:\n  b:\n    type: campfire\n    base_url: "
                                    "https://example.com\n    api_key: k\n");
  child_process good({RECONCILERD_BIN, "--config", (dir / "good.yaml").string(), "--check"}, {},
                     dir / "good.out", dir / "good.err");
  BOOST_TEST(good.wait(20s).value_or(-1) == 0);
}

BOOST_AUTO_TEST_CASE(sigterm_stops_cleanly_with_exit_0) {
  temp_dir dir;
  sim_fixture sim(dir / "sim");
  daemon_fixture d(dir / "d", five_backends_yaml(sim));
  d.proc().signal(SIGTERM);
  BOOST_TEST(d.proc().wait(20s).value_or(-1) == 0);
  BOOST_TEST(d.notify().wait_for("STOPPING=1", 1s));
}

BOOST_AUTO_TEST_SUITE_END()

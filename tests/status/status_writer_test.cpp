// status.json: golden text for a fixed snapshot, valid JSON, and the age / JSON text helpers
// it is built from. The file itself is written by the spool (tests/jobs/spool_files_test.cpp);
// RFC 3339 has its own table test (tests/jobs/rfc3339_test.cpp).
#include "daemon/status/status_writer.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include "daemon/status/status_json_text.hpp"
#include "daemon/status/status_time.hpp"
#include "jobs/rfc3339.hpp"

namespace rd = reconcilerd::daemon;
using namespace std::chrono;

namespace {

rd::time_point at(const char* text) { return *reconcilerd::jobs::parse_rfc3339(text); }

rd::status_snapshot fixed_snapshot() {
  rd::status_snapshot s;
  s.pid = 4242;
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
  erp.delivered_total = 38;
  erp.rejected_total = 1;
  erp.retried_total = 4;
  erp.throttled_total = 2;
  erp.current_rate = 0.4166666;
  erp.rate_text = "5/s";
  erp.state = rd::backend_state::paused;
  erp.until = at("2026-11-01T11:31:00Z");
  erp.reason = "HTTP 429 with Retry-After: 55";
  erp.last_error = "HTTP 429: \"slow down\"";
  erp.last_error_at = at("2026-11-01T11:30:05Z");
  for (double d : {0.03, 0.2, 0.2, 1.5, 12.0}) erp.latency.observe(d);

  rd::backend_status ledger;
  ledger.name = "ledger";
  ledger.type = "bigcapital";
  ledger.rate_text = "150/min";
  ledger.state = rd::backend_state::suspended;
  ledger.until = at("2026-11-01T11:35:00Z");
  ledger.reason = "HTTP 401: API key refused";
  ledger.deferred = 1;

  s.backends = {erp, ledger};
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(status_writer)

BOOST_AUTO_TEST_CASE(golden_status_json) {
  const std::string expected =
      R"({"schema":1,"pid":4242,"version":"0.1.0","started_at":"2026-11-01T10:00:00.000Z",)"
      R"("generated_at":"2026-11-01T11:30:05.250Z","spool":{"incoming":2,"active":1,"deferred":3,)"
      R"("done":40,"dead":1},"oldest_job_age_seconds":754,"backends":[)"
      R"({"name":"erp","type":"simetri","state":"paused","until":"2026-11-01T11:31:00.000Z",)"
      R"("reason":"HTTP 429 with Retry-After: 55","queued":1,"active":1,"deferred":2,"dead":1,)"
      R"("delivered_last_hour":30,"delivered_total":38,"rejected_total":1,"retried_total":4,)"
      R"("throttled_total":2,"current_rate":0.417,"rate":"5/s",)"
      R"("last_error":"HTTP 429: \"slow down\"","last_error_at":"2026-11-01T11:30:05.000Z",)"
      R"("latency":{"bounds":[0.05,0.1,0.25,0.5,1,2.5,5,10],"counts":[1,0,2,0,0,1,0,0,1],)"
      R"("count":5,"sum_seconds":13.93}},)"
      R"({"name":"ledger","type":"bigcapital","state":"suspended",)"
      R"("until":"2026-11-01T11:35:00.000Z","reason":"HTTP 401: API key refused","queued":0,)"
      R"("active":0,"deferred":1,"dead":0,"delivered_last_hour":0,"delivered_total":0,)"
      R"("rejected_total":0,"retried_total":0,"throttled_total":0,"current_rate":0,)"
      R"("rate":"150/min","last_error":"","last_error_at":null,)"
      R"("latency":{"bounds":[0.05,0.1,0.25,0.5,1,2.5,5,10],"counts":[0,0,0,0,0,0,0,0,0],)"
      R"("count":0,"sum_seconds":0}}],"cluster":null})"
      "\n";
  BOOST_TEST(rd::to_status_json(fixed_snapshot()) == expected);
}

BOOST_AUTO_TEST_CASE(empty_snapshot_has_nulls) {
  rd::status_snapshot s;
  BOOST_TEST(rd::to_status_json(s) ==
             R"({"schema":1,"pid":0,"version":"","started_at":"1970-01-01T00:00:00.000Z",)"
             R"("generated_at":"1970-01-01T00:00:00.000Z","spool":{"incoming":0,"active":0,)"
             R"("deferred":0,"done":0,"dead":0},"oldest_job_age_seconds":null,"backends":[],)"
             R"("cluster":null})"
             "\n");
}

BOOST_AUTO_TEST_CASE(golden_cluster_section) {
  rd::status_snapshot s;
  rd::cluster_status c;
  c.node = "node-a";
  c.database_up = true;
  c.checked_at = at("2026-11-01T11:30:04.000Z");
  c.lease_seconds = 30;
  c.nodes = {{"node-a", at("2026-11-01T11:30:03.000Z"), true},
             {"node-b", at("2026-11-01T11:20:00.000Z"), false}};
  c.backends = {{"books", 3, 1, 2, 1, "", "HTTP 401: \"token\" refused"}};
  rd::cluster_job_status running;
  running.origin = "node-b";
  running.file = "inv-7.json";
  running.backend = "books";
  running.invoice = "7";
  running.state = "running";
  running.holder = "node-a";
  rd::cluster_job_status dead;
  dead.origin = "node-a";
  dead.file = "inv-8.json";
  dead.backend = "books";
  dead.invoice = "8";
  dead.state = "dead";
  dead.filed = true;
  dead.finished_at = at("2026-11-01T11:00:00.000Z");
  dead.category = "rejected";
  dead.message = "HTTP 400: due_date";
  c.jobs = {running, dead};
  c.jobs_total = 7;
  s.cluster = c;
  const std::string text = rd::to_status_json(s);
  const std::string expected =
      R"("cluster":{"node":"node-a","database":"up","checked_at":"2026-11-01T11:30:04.000Z",)"
      R"("lease_seconds":30,"nodes":[{"node":"node-a","seen_at":"2026-11-01T11:30:03.000Z",)"
      R"("live":true},{"node":"node-b","seen_at":"2026-11-01T11:20:00.000Z","live":false}],)"
      R"("backends":[{"name":"books","queued":3,"running":1,"finished":2,"dead":1,"paused":"",)"
      R"("suspended":"HTTP 401: \"token\" refused"}],"jobs":[{"origin":"node-b",)"
      R"("file":"inv-7.json","backend":"books","invoice":"7","state":"running","filed":false,)"
      R"("holder":"node-a","next_at":null,"finished_at":null,"category":"","message":""},)"
      R"({"origin":"node-a","file":"inv-8.json","backend":"books","invoice":"8","state":"dead",)"
      R"("filed":true,"holder":"","next_at":null,"finished_at":"2026-11-01T11:00:00.000Z",)"
      R"("category":"rejected","message":"HTTP 400: due_date"}],"jobs_total":7}})"
      "\n";
  BOOST_TEST(text.substr(text.find("\"cluster\"")) == expected);
  BOOST_TEST(boost::json::parse(text).is_object());
}

BOOST_AUTO_TEST_CASE(output_is_valid_json) {
  auto s = fixed_snapshot();
  s.backends[0].last_error = std::string("bad \xff\xfe bytes \x01 and \xc3\xa9");
  auto v = boost::json::parse(rd::to_status_json(s));
  BOOST_TEST(v.at("backends").as_array().at(0).at("last_error").as_string() ==
             "bad \xef\xbf\xbd\xef\xbf\xbd bytes \x01 and \xc3\xa9");
}

BOOST_AUTO_TEST_CASE(ages_for_humans) {
  BOOST_TEST(rd::format_age(seconds(0)) == "0s");
  BOOST_TEST(rd::format_age(seconds(-5)) == "0s");
  BOOST_TEST(rd::format_age(seconds(12)) == "12s");
  BOOST_TEST(rd::format_age(seconds(250)) == "4m 10s");
  BOOST_TEST(rd::format_age(seconds(7500)) == "2h 5m");
  BOOST_TEST(rd::format_age(seconds(3 * 86400 + 4 * 3600 + 59)) == "3d 4h");
  BOOST_TEST(rd::format_age(seconds(3 * 86400 + 10)) == "3d");
}

BOOST_AUTO_TEST_CASE(number_text) {
  BOOST_TEST(rd::format_number(0.05) == "0.05");
  BOOST_TEST(rd::format_number(1.0) == "1");
  BOOST_TEST(rd::format_number(-0.0) == "0");
  BOOST_TEST(rd::format_number(1.0 / 0.0) == "0");
  BOOST_TEST(rd::json_quote("a\"b\\c\n\x1f") == R"("a\"b\\c\n\u001f")");
}

BOOST_AUTO_TEST_SUITE_END()

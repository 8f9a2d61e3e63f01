// Prometheus text: golden output for a fixed snapshot, and a structural check of the
// exposition format (HELP/TYPE before samples, names, label syntax, histograms).
#include "daemon/status/metrics.hpp"

#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "jobs/rfc3339.hpp"
#include "tests/support/temp_dir.hpp"

namespace rd = reconcilerd::daemon;

namespace {

rd::status_snapshot fixed_snapshot() {
  rd::status_snapshot s;
  s.pid = 4242;
  s.version = "0.1.0";
  s.started_at = *reconcilerd::jobs::parse_rfc3339("2026-11-01T10:00:00.5Z");
  s.generated_at = *reconcilerd::jobs::parse_rfc3339("2026-11-01T11:30:00Z");
  s.spool = {.incoming = 2, .active = 1, .deferred = 3, .done = 40, .dead = 1};
  s.oldest_job_age = std::chrono::seconds(754);
  rd::backend_status erp;
  erp.name = "erp";
  erp.type = "simetri";
  erp.queued = 1;
  erp.active = 1;
  erp.deferred = 2;
  erp.dead = 1;
  erp.delivered_total = 38;
  erp.rejected_total = 1;
  erp.retried_total = 4;
  erp.throttled_total = 2;
  erp.current_rate = 0.25;
  erp.state = rd::backend_state::paused;
  for (double d : {0.03, 0.2, 0.2, 1.5, 12.0}) erp.latency.observe(d);
  rd::backend_status odd;
  odd.name = "we\"ird\\name";
  odd.type = "whmcs";
  odd.state = rd::backend_state::suspended;
  s.backends = {erp, odd};
  return s;
}

// The checks a Prometheus text parser makes, for our subset (no timestamps, no escapes
// in HELP). Returns the problems found.
std::vector<std::string> exposition_problems(const std::string& text) {
  std::vector<std::string> problems;
  const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*)");
  const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*")*\})? (-?[0-9.eE+-]+|\+Inf))");
  std::map<std::string, std::string> types;
  std::set<std::string> helped;
  std::string current;
  if (text.empty() || text.back() != '\n') problems.push_back("no final newline");
  std::istringstream in(text);
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, help)) {
      if (!helped.insert(m[1]).second) problems.push_back("HELP twice: " + line);
      current = m[1];
    } else if (std::regex_match(line, m, type)) {
      if (m[1] != current) problems.push_back("TYPE without HELP: " + line);
      if (types.count(m[1])) problems.push_back("TYPE twice: " + line);
      types[m[1]] = m[2];
    } else if (std::regex_match(line, m, sample)) {
      std::string name = m[1];
      std::string family = name;
      if (types[current] == "histogram")
        for (const char* suffix : {"_bucket", "_sum", "_count"})
          if (name == current + suffix) family = current;
      if (family != current) problems.push_back("sample outside its family: " + line);
    } else {
      problems.push_back("bad line: " + line);
    }
  }
  return problems;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(golden_exposition) {
  const std::string expected = R"(# HELP reconcilerd_info Version of the running daemon (always 1).
# TYPE reconcilerd_info gauge
reconcilerd_info{version="0.1.0"} 1
# HELP reconcilerd_start_time_seconds Start time of the daemon in seconds since the Unix epoch.
# TYPE reconcilerd_start_time_seconds gauge
reconcilerd_start_time_seconds 1793527200.5
# HELP reconcilerd_spool_jobs Job files per spool directory.
# TYPE reconcilerd_spool_jobs gauge
reconcilerd_spool_jobs{state="incoming"} 2
reconcilerd_spool_jobs{state="active"} 1
reconcilerd_spool_jobs{state="deferred"} 3
reconcilerd_spool_jobs{state="done"} 40
reconcilerd_spool_jobs{state="dead"} 1
# HELP reconcilerd_oldest_job_age_seconds Age of the oldest job not yet delivered or dead-lettered (0 when none).
# TYPE reconcilerd_oldest_job_age_seconds gauge
reconcilerd_oldest_job_age_seconds 754
# HELP reconcilerd_queue_jobs Jobs per backend and state.
# TYPE reconcilerd_queue_jobs gauge
reconcilerd_queue_jobs{backend="erp",state="queued"} 1
reconcilerd_queue_jobs{backend="erp",state="active"} 1
reconcilerd_queue_jobs{backend="erp",state="deferred"} 2
reconcilerd_queue_jobs{backend="erp",state="dead"} 1
reconcilerd_queue_jobs{backend="we\"ird\\name",state="queued"} 0
reconcilerd_queue_jobs{backend="we\"ird\\name",state="active"} 0
reconcilerd_queue_jobs{backend="we\"ird\\name",state="deferred"} 0
reconcilerd_queue_jobs{backend="we\"ird\\name",state="dead"} 0
# HELP reconcilerd_delivered_total Jobs delivered since the daemon started.
# TYPE reconcilerd_delivered_total counter
reconcilerd_delivered_total{backend="erp"} 38
reconcilerd_delivered_total{backend="we\"ird\\name"} 0
# HELP reconcilerd_rejected_total Jobs dead-lettered as rejected by the backend since the daemon started.
# TYPE reconcilerd_rejected_total counter
reconcilerd_rejected_total{backend="erp"} 1
reconcilerd_rejected_total{backend="we\"ird\\name"} 0
# HELP reconcilerd_retried_total Attempts that ended in a retry since the daemon started.
# TYPE reconcilerd_retried_total counter
reconcilerd_retried_total{backend="erp"} 4
reconcilerd_retried_total{backend="we\"ird\\name"} 0
# HELP reconcilerd_throttled_total HTTP 429 answers since the daemon started.
# TYPE reconcilerd_throttled_total counter
reconcilerd_throttled_total{backend="erp"} 2
reconcilerd_throttled_total{backend="we\"ird\\name"} 0
# HELP reconcilerd_request_rate Request starts per second over the last minute.
# TYPE reconcilerd_request_rate gauge
reconcilerd_request_rate{backend="erp"} 0.25
reconcilerd_request_rate{backend="we\"ird\\name"} 0
# HELP reconcilerd_backend_suspended 1 while the backend is suspended (credentials refused), else 0.
# TYPE reconcilerd_backend_suspended gauge
reconcilerd_backend_suspended{backend="erp"} 0
reconcilerd_backend_suspended{backend="we\"ird\\name"} 1
# HELP reconcilerd_backend_state 1 for the backend's current state (running, paused, suspended, circuit_open).
# TYPE reconcilerd_backend_state gauge
reconcilerd_backend_state{backend="erp",state="running"} 0
reconcilerd_backend_state{backend="erp",state="paused"} 1
reconcilerd_backend_state{backend="erp",state="suspended"} 0
reconcilerd_backend_state{backend="erp",state="circuit_open"} 0
reconcilerd_backend_state{backend="we\"ird\\name",state="running"} 0
reconcilerd_backend_state{backend="we\"ird\\name",state="paused"} 0
reconcilerd_backend_state{backend="we\"ird\\name",state="suspended"} 1
reconcilerd_backend_state{backend="we\"ird\\name",state="circuit_open"} 0
# HELP reconcilerd_request_duration_seconds Duration of requests to the backend, in seconds.
# TYPE reconcilerd_request_duration_seconds histogram
reconcilerd_request_duration_seconds_bucket{backend="erp",le="0.05"} 1
reconcilerd_request_duration_seconds_bucket{backend="erp",le="0.1"} 1
reconcilerd_request_duration_seconds_bucket{backend="erp",le="0.25"} 3
reconcilerd_request_duration_seconds_bucket{backend="erp",le="0.5"} 3
reconcilerd_request_duration_seconds_bucket{backend="erp",le="1"} 3
reconcilerd_request_duration_seconds_bucket{backend="erp",le="2.5"} 4
reconcilerd_request_duration_seconds_bucket{backend="erp",le="5"} 4
reconcilerd_request_duration_seconds_bucket{backend="erp",le="10"} 4
reconcilerd_request_duration_seconds_bucket{backend="erp",le="+Inf"} 5
reconcilerd_request_duration_seconds_sum{backend="erp"} 13.93
reconcilerd_request_duration_seconds_count{backend="erp"} 5
reconcilerd_request_duration_seconds_bucket{backend="we\"ird\\name",le="0.05"} 0
reconcilerd_request_duration_seconds_bucket{backend="we\"ird\\name",le="0.1"} 0
reconcilerd_request_duration_seconds_bucket{backend="we\"ird\\name",le="0.25"} 0
reconcilerd_request_duration_seconds_bucket{backend="we\"ird\\name",le="0.5"} 0
reconcilerd_request_duration_seconds_bucket{backend="we\"ird\\name",le="1"} 0
reconcilerd_request_duration_seconds_bucket{backend="we\"ird\\name",le="2.5"} 0
reconcilerd_request_duration_seconds_bucket{backend="we\"ird\\name",le="5"} 0
reconcilerd_request_duration_seconds_bucket{backend="we\"ird\\name",le="10"} 0
reconcilerd_request_duration_seconds_bucket{backend="we\"ird\\name",le="+Inf"} 0
reconcilerd_request_duration_seconds_sum{backend="we\"ird\\name"} 0
reconcilerd_request_duration_seconds_count{backend="we\"ird\\name"} 0
)";
  BOOST_TEST(rd::to_prometheus_text(fixed_snapshot()) == expected);
}

BOOST_AUTO_TEST_CASE(valid_exposition_format) {
  auto problems = exposition_problems(rd::to_prometheus_text(fixed_snapshot()));
  BOOST_TEST(problems.empty());
  for (auto& p : problems) BOOST_TEST_MESSAGE(p);
  // The checker itself catches what it must.
  BOOST_TEST(exposition_problems("x 1\n").size() == 1u);
  BOOST_TEST(exposition_problems("# HELP a b\n# TYPE a gauge\na{l=\"x} 1\n").size() == 1u);
  BOOST_TEST(exposition_problems("# HELP a b\n# TYPE a gauge\na 1").size() == 1u);
}

BOOST_AUTO_TEST_CASE(cluster_families_only_in_cluster_mode) {
  auto s = fixed_snapshot();
  BOOST_TEST(rd::to_prometheus_text(s).find("reconcilerd_cluster") == std::string::npos);
  rd::cluster_status c;
  c.node = "node-a";
  c.database_up = true;
  c.checked_at = *reconcilerd::jobs::parse_rfc3339("2026-11-01T11:29:58Z");
  c.nodes = {{"node-a", *c.checked_at, true}, {"node-b", *c.checked_at, false}};
  c.backends = {{"books", 3, 1, 2, 4, "", ""}};
  s.cluster = c;
  const std::string text = rd::to_prometheus_text(s);
  BOOST_TEST(exposition_problems(text).empty());
  const std::string expected =
      R"(# HELP reconcilerd_cluster_database_up 1 while this node is connected to the cluster database.
# TYPE reconcilerd_cluster_database_up gauge
reconcilerd_cluster_database_up 1
# HELP reconcilerd_cluster_nodes Nodes that sent a heartbeat within two leases.
# TYPE reconcilerd_cluster_nodes gauge
reconcilerd_cluster_nodes 1
# HELP reconcilerd_cluster_jobs Jobs in the cluster database by backend and state (all nodes).
# TYPE reconcilerd_cluster_jobs gauge
reconcilerd_cluster_jobs{backend="books",state="queued"} 3
reconcilerd_cluster_jobs{backend="books",state="running"} 1
reconcilerd_cluster_jobs{backend="books",state="finished"} 2
reconcilerd_cluster_jobs{backend="books",state="dead"} 4
# HELP reconcilerd_cluster_view_timestamp_seconds When this node last read the cluster's state from the database.
# TYPE reconcilerd_cluster_view_timestamp_seconds gauge
reconcilerd_cluster_view_timestamp_seconds 1793532598
)";
  BOOST_TEST(text.substr(text.find("# HELP reconcilerd_cluster")) == expected);
}

BOOST_AUTO_TEST_CASE(empty_snapshot_is_valid) {
  rd::status_snapshot s;
  auto text = rd::to_prometheus_text(s);
  BOOST_TEST(exposition_problems(text).empty());
  BOOST_TEST(text.find("reconcilerd_oldest_job_age_seconds 0\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(file_is_world_readable_and_atomic) {
  reconcilerd::test::temp_dir dir;
  auto path = (dir / "reconcilerd.prom").string();
  BOOST_TEST(!rd::write_metrics_file(path, fixed_snapshot()));
  BOOST_TEST(reconcilerd::test::read_file(path) == rd::to_prometheus_text(fixed_snapshot()));
  struct stat st {};
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 07777) == 0644u);
  BOOST_TEST(!std::filesystem::exists(dir / ".reconcilerd.prom.tmp"));
}

BOOST_AUTO_TEST_SUITE_END()

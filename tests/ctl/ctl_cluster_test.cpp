// reconcilerctl in cluster mode (docs/cluster.md): status, list, show, retry and resume on a
// temp spool of node-a with a hand-written status.json whose "cluster" section lists jobs of
// node-a, node-b and node-c; golden outputs, the control/ requests retry creates, and the
// single-node behaviour when the section is null.
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <sstream>

#include "daemon/ctl/ctl.hpp"
#include "daemon/ctl/status_file.hpp"
#include "daemon/status/status_writer.hpp"
#include "jobs/rfc3339.hpp"
#include "jobs/spool.hpp"
#include "tests/support/temp_dir.hpp"

namespace rd = reconcilerd::daemon;
namespace jobs = reconcilerd::jobs;
namespace fs = std::filesystem;

namespace {

struct result {
  int rc;
  std::string out, err;
};

rd::time_point at(const char* text) { return *jobs::parse_rfc3339(text); }

// "now" of every command: 2.75 s after the status, 4 s after the cluster view was read.
const rd::time_point now = at("2026-11-01T11:30:08Z");

const std::string job_a = R"({"backend":"erp","invoice_id":1,"update":{"urgent":true}})";
const std::string job_c = R"({"backend":"books","invoice_id":3,"update":{"urgent":true}})";

rd::cluster_job_status cjob(const char* origin, const char* file, const char* backend,
                            const char* invoice, const char* state) {
  rd::cluster_job_status j;
  j.origin = origin;
  j.file = file;
  j.backend = backend;
  j.invoice = invoice;
  j.state = state;
  return j;
}

// The cluster as node-a last read it: node-c is down; jobs of all three nodes.
rd::cluster_status cluster_section() {
  rd::cluster_status c;
  c.node = "node-a";
  c.database_up = true;
  c.checked_at = at("2026-11-01T11:30:04Z");
  c.lease_seconds = 30;
  c.nodes = {{"node-a", at("2026-11-01T11:30:04Z"), true},
             {"node-b", at("2026-11-01T11:30:02Z"), true},
             {"node-c", at("2026-11-01T11:20:00Z"), false}};
  c.backends = {
      {"erp", 3, 1, 1, 2, "", ""},
      {"books", 0, 1, 0, 2, "HTTP 429 with Retry-After: 20", "HTTP 401: API key refused"}};
  // node-a's own job: shown from the local spool only.
  auto mine = cjob("node-a", "a.json", "erp", "1", "running");
  mine.holder = "node-b";
  // node-b: one waiting for its retry time, one due, one delivered (file not moved yet).
  auto later = cjob("node-b", "inv-7.json", "erp", "7", "queued");
  later.next_at = at("2026-11-01T11:31:00Z");
  auto due = cjob("node-b", "inv-8.json", "erp", "8", "queued");
  due.next_at = at("2026-11-01T11:30:08Z");  // now: due
  auto running = cjob("node-c", "inv-9.json", "books", "9", "running");
  running.holder = "node-b";
  auto delivered = cjob("node-b", "inv-5.json", "erp", "5", "delivered");
  delivered.finished_at = at("2026-11-01T11:29:59Z");
  // Dead letters: dup.json on two nodes; late.json not yet in node-b's dead/.
  auto dead_b = cjob("node-b", "dup.json", "erp", "11", "dead");
  dead_b.filed = true;
  dead_b.finished_at = at("2026-11-01T11:10:00Z");
  dead_b.category = "rejected";
  dead_b.message = "The backend refused the update: invoice 11 is paid.";
  auto dead_c = cjob("node-c", "dup.json", "books", "12", "dead");
  dead_c.filed = true;
  dead_c.finished_at = at("2026-11-01T11:11:00Z");
  dead_c.category = "exhausted";
  dead_c.message = "HTTP 503 after 10 attempts";
  auto old_c = cjob("node-c", "old.json", "books", "13", "dead");
  old_c.filed = true;
  old_c.finished_at = at("2026-11-01T11:12:00Z");
  old_c.category = "rejected";
  old_c.message = "invoice 13 is cancelled";
  auto late_b = cjob("node-b", "late.json", "erp", "14", "dead");
  late_b.finished_at = at("2026-11-01T11:29:00Z");
  late_b.category = "rejected";
  late_b.message = "invoice 14 is paid";
  c.jobs = {mine, later, due, running, delivered, dead_b, dead_c, old_c, late_b};
  c.jobs_total = 12;
  return c;
}

rd::status_snapshot snapshot(std::optional<rd::cluster_status> cluster) {
  rd::status_snapshot s;
  s.pid = ::getpid();
  s.version = "0.1.0";
  s.started_at = at("2026-11-01T10:00:00Z");
  s.generated_at = at("2026-11-01T11:30:05.250Z");
  s.spool = {.incoming = 1, .active = 0, .deferred = 0, .done = 0, .dead = 1};
  s.oldest_job_age = std::chrono::seconds(90);
  rd::backend_status erp;
  erp.name = "erp";
  erp.type = "simetri";
  erp.rate_text = "5/s";
  s.backends = {erp};
  s.cluster = std::move(cluster);
  return s;
}

const std::string cluster_yaml =
    "cluster:\n"
    "  database: \"host=db.example.com dbname=reconcilerd\"\n"
    "  database_password_file: /nonexistent/db-password\n"
    "  node: node-a\n";

// node-a's spool: a.json in incoming/, c.json dead.
struct ctl_node {
  reconcilerd::test::temp_dir dir;
  std::string config = (dir / "reconcilerd.yaml").string();
  std::string root = (dir / "spool").string();

  explicit ctl_node(bool cluster_config = true) {
    reconcilerd::test::write_file(dir / "reconcilerd.yaml",
                                  "spool_dir: " + root +
                                      "\n"
                                      "backends:\n"
                                      "  erp:\n"
                                      "    type: simetri\n"
                                      "    base_url: https://erp.example.id\n"
                                      "    token_credential: erp-token\n"
                                      "  books:\n"
                                      "    type: simetri\n"
                                      "    base_url: https://books.example.id\n"
                                      "    token_credential: books-token\n" +
                                      (cluster_config ? cluster_yaml : std::string()));
    jobs::spool sp(root);
    auto t0 = at("2026-11-01T10:00:00Z");
    BOOST_REQUIRE(std::holds_alternative<std::string>(jobs::spool::submit(root, "a.json", job_a)));
    BOOST_REQUIRE(std::holds_alternative<std::string>(jobs::spool::submit(root, "c.json", job_c)));
    BOOST_REQUIRE(std::holds_alternative<jobs::claimed>(sp.claim("c.json", t0)));
    jobs::delivery_state sc;
    sc.attempts = 1;
    sc.first_seen = t0;
    sc.last_attempt = at("2026-11-01T10:00:02Z");
    jobs::dead_letter why;
    why.category = jobs::dead_category::rejected;
    why.message = "invoice 3 is paid";
    why.backend = "books";
    why.invoice_id = "3";
    why.invoice_id_is_integer = true;
    why.http_status = 422;
    BOOST_REQUIRE(sp.bury("c.json", why, sc, at("2026-11-01T10:00:02Z")).ok());
    BOOST_REQUIRE(sp.sync().ok());
  }
  void write_status(const rd::status_snapshot& s) {
    BOOST_REQUIRE(jobs::spool(root).write_status(rd::to_status_json(s)).ok());
  }
  result run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config});
    std::ostringstream out, err;
    int rc = reconcilerd::ctl::run(args, out, err, now);
    return {rc, out.str(), err.str()};
  }
  // Names in control/, sorted.
  std::vector<std::string> control() const {
    std::vector<std::string> names;
    for (auto& e : fs::directory_iterator(fs::path(root) / "control"))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  bool in(const char* dir, const char* name) const {
    return fs::exists(fs::path(root) / dir / name);
  }
};

// node-a in cluster mode with the view of cluster_section().
struct viewed_node : ctl_node {
  viewed_node() { write_status(snapshot(cluster_section())); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_cluster)

const std::string local_status =
    "reconcilerd 0.1.0 (pid PID), up 1h 30m\n"
    "status of 2026-11-01T11:30:05.250Z (2s ago)\n"
    "spool: 1 incoming, 0 active, 0 deferred, 0 done, 1 dead\n"
    "oldest job: 1m 30s\n"
    "\n"
    "erp (simetri): running\n"
    "  jobs: 0 queued, 0 active, 0 deferred, 0 dead; 0 delivered in the last hour\n"
    "  rate: 0/s now (configured 5/s)\n"
    "  last error: none\n";

std::string with_pid(std::string text) {
  text.replace(text.find("PID"), 3, std::to_string(::getpid()));
  return text;
}

BOOST_AUTO_TEST_CASE(status_shows_the_cluster) {
  viewed_node n;
  auto r = n.run({"status"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.err == "");
  BOOST_TEST(r.out == with_pid(local_status) +
                          "\n"
                          "cluster: this node is node-a, database up, lease 30s\n"
                          "view of 2026-11-01T11:30:04.000Z (4s ago)\n"
                          "nodes:\n"
                          "  node-a  live (this node)\n"
                          "  node-b  live\n"
                          "  node-c  last seen 10m 8s ago (2026-11-01T11:20:00.000Z)\n"
                          "backends (whole cluster):\n"
                          "  erp: 3 queued, 1 running, 1 finished, 2 dead\n"
                          "  books: 0 queued, 1 running, 0 finished, 2 dead; paused (HTTP 429 "
                          "with Retry-After: 20); SUSPENDED on every node (HTTP 401: API key "
                          "refused)\n"
                          "jobs in the database: 12 (9 listed in status.json: `reconcilerctl "
                          "list`)\n");
  // --json: the file as written, its cluster section included.
  r = n.run({"status", "--json"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == rd::to_status_json(snapshot(cluster_section())));
  BOOST_TEST(r.out.find("\"cluster\":{\"node\":\"node-a\",\"database\":\"up\"") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(status_says_when_the_view_may_be_stale) {
  ctl_node n;
  auto c = cluster_section();
  c.database_up = false;
  c.checked_at = at("2026-11-01T11:28:00Z");  // 2m 8s: more than 3 leases of 30 s
  c.nodes.resize(1);
  c.backends.resize(1);
  n.write_status(snapshot(c));
  auto r = n.run({"status"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == with_pid(local_status) +
                          "\n"
                          "cluster: this node is node-a, database DOWN, lease 30s\n"
                          "view of 2026-11-01T11:28:00.000Z (2m 8s ago)\n"
                          "nodes:\n"
                          "  node-a  live (this node)\n"
                          "backends (whole cluster):\n"
                          "  erp: 3 queued, 1 running, 1 finished, 2 dead\n"
                          "jobs in the database: 12 (9 listed in status.json: `reconcilerctl "
                          "list`)\n"
                          "WARNING: the database is down: the cluster figures are the local "
                          "daemon's last view and may be stale\n"
                          "WARNING: the cluster view is 2m 8s old (more than 3 leases of 30s): "
                          "the figures may be stale\n");
  // Exactly 3 leases old is still fresh; never read is said.
  c.database_up = true;
  c.checked_at = at("2026-11-01T11:28:38Z");
  n.write_status(snapshot(c));
  r = n.run({"status"});
  BOOST_TEST(r.out.find("WARNING") == std::string::npos, r.out);
  c.checked_at.reset();
  n.write_status(snapshot(c));
  r = n.run({"status"});
  BOOST_TEST(r.out.find("view: never read from the database\n") != std::string::npos, r.out);
  BOOST_TEST(
      r.out.ends_with("WARNING: the local daemon has not read the cluster from the database yet\n"),
      r.out);
}

BOOST_AUTO_TEST_CASE(status_of_a_single_node_is_unchanged) {
  ctl_node single(false);
  single.write_status(snapshot(std::nullopt));
  auto r = single.run({"status"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == with_pid(local_status));
  // `cluster:` configured but the daemon reports no cluster: said after the local part.
  ctl_node n;
  n.write_status(snapshot(std::nullopt));
  r = n.run({"status"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == with_pid(local_status) +
                          "\ncluster: this node is node-a; status.json has no cluster section (the "
                          "daemon was started without `cluster:` or is older than cluster mode)\n");
}

const std::string cluster_table =
    "STATE     JOB                BACKEND  INVOICE  ATTEMPTS  NEXT ATTEMPT              LAST "
    "ERROR\n"
    "incoming  a.json             erp      1        0         -                         -\n"
    "dead      c.json             books    3        1         -                         "
    "rejected: invoice 3 is paid\n"
    "active    node-b/inv-8.json  erp      8        -         -                         -\n"
    "active    node-c/inv-9.json  books    9        -         -                         -\n"
    "deferred  node-b/inv-7.json  erp      7        -         2026-11-01T11:31:00.000Z  -\n"
    "dead      node-b/dup.json    erp      11       -         -                         "
    "rejected: The backend refused the update: invoice 11 is paid.\n"
    "dead      node-b/late.json   erp      14       -         -                         "
    "rejected: invoice 14 is paid\n"
    "dead      node-c/dup.json    books    12       -         -                         "
    "exhausted: HTTP 503 after 10 attempts\n"
    "dead      node-c/old.json    books    13       -         -                         "
    "rejected: invoice 13 is cancelled\n";

// The local rows as before, then the other nodes' (node-a's own a.json row of the cluster
// is not repeated), then how many the view leaves out.
BOOST_AUTO_TEST_CASE(list_shows_the_other_nodes_jobs) {
  viewed_node n;
  auto r = n.run({"list"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.err == "");
  BOOST_TEST(r.out == cluster_table +
                          "3 jobs of the cluster are not shown: status.json lists 9 of the 12 in "
                          "the database\n");
  BOOST_TEST(r.out.find("node-a/") == std::string::npos);
  // All listed: no such line.
  auto c = cluster_section();
  c.jobs_total = c.jobs.size();
  n.write_status(snapshot(c));
  r = n.run({"list"});
  BOOST_TEST(r.out == cluster_table);
}

std::string jobs_column(const std::string& table) {
  std::istringstream in(table);
  std::string line, names;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string state, job;
    words >> state >> job;
    names += state + " " + job + "\n";
  }
  return names;
}

BOOST_AUTO_TEST_CASE(list_maps_the_cluster_states) {
  ctl_node n;
  auto c = cluster_section();
  c.jobs_total = c.jobs.size();
  n.write_status(snapshot(c));
  auto names = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "list");
    auto r = n.run(args);
    BOOST_TEST(r.rc == 0);
    return jobs_column(r.out);
  };
  // queued with next_at 11:31 (after now) -> deferred; queued due (next_at == now) and running
  // -> active
  BOOST_TEST(names({"--state", "deferred"}) == "deferred node-b/inv-7.json\n");
  BOOST_TEST(names({"--state", "active"}) ==
             "active node-b/inv-8.json\nactive node-c/inv-9.json\n");
  // delivered -> done (its file not moved yet); only with --state done
  BOOST_TEST(names({"--state", "done"}) == "done node-b/inv-5.json\n");
  BOOST_TEST(names({"--state", "dead"}) ==
             "dead c.json\ndead node-b/dup.json\ndead node-b/late.json\ndead node-c/dup.json\n"
             "dead node-c/old.json\n");
  BOOST_TEST(names({"--state", "incoming"}) == "incoming a.json\n");
  BOOST_TEST(names({"--backend", "books"}) ==
             "dead c.json\nactive node-c/inv-9.json\ndead node-c/dup.json\ndead node-c/old.json\n");
  BOOST_TEST(names({"--backend", "erp", "--state", "active"}) == "active node-b/inv-8.json\n");
}

BOOST_AUTO_TEST_CASE(list_json_has_a_node_field) {
  viewed_node n;
  auto r = n.run({"list", "--backend", "books", "--json"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(
      r.out ==
      R"([{"job":"c.json","node":"node-a","state":"dead","backend":"books","invoice_id":"3",)"
      R"("attempts":1,"next_attempt":null,"category":"rejected","last_error":"invoice 3 is paid"},)"
      R"({"job":"inv-9.json","node":"node-c","state":"active","backend":"books","invoice_id":"9",)"
      R"("attempts":null,"next_attempt":null,"category":null,"last_error":null},)"
      R"({"job":"dup.json","node":"node-c","state":"dead","backend":"books","invoice_id":"12",)"
      R"("attempts":null,"next_attempt":null,"category":"exhausted",)"
      R"("last_error":"HTTP 503 after 10 attempts"},)"
      R"({"job":"old.json","node":"node-c","state":"dead","backend":"books","invoice_id":"13",)"
      R"("attempts":null,"next_attempt":null,"category":"rejected",)"
      R"("last_error":"invoice 13 is cancelled"}])"
      "\n");
  // The count of jobs not shown goes to stderr, so stdout stays JSON.
  BOOST_TEST(r.err ==
             "3 jobs of the cluster are not shown: status.json lists 9 of the 12 in the "
             "database\n");
  r = n.run({"list", "--state", "deferred", "--json"});
  BOOST_TEST(
      r.out ==
      R"([{"job":"inv-7.json","node":"node-b","state":"deferred","backend":"erp","invoice_id":"7",)"
      R"("attempts":null,"next_attempt":"2026-11-01T11:31:00.000Z","category":null,)"
      R"("last_error":null}])"
      "\n");
}

BOOST_AUTO_TEST_CASE(list_notes_a_stale_view_and_a_missing_one) {
  ctl_node n;
  auto c = cluster_section();
  c.database_up = false;
  c.jobs_total = c.jobs.size();
  n.write_status(snapshot(c));
  auto r = n.run({"list"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == cluster_table);
  BOOST_TEST(r.err ==
             "reconcilerctl list: note: the database is down: the cluster figures are the local "
             "daemon's last view and may be stale\n");
  fs::remove(fs::path(n.root) / "status.json");
  r = n.run({"list"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(jobs_column(r.out) == "incoming a.json\ndead c.json\n");
  BOOST_TEST(r.err == "reconcilerctl list: the other nodes' jobs are not shown: " + n.root +
                          "/status.json does not exist (the daemon is not running)\n");
}

const std::string shown_dup_b =
    "job:          node-b/dup.json\n"
    "node:         node-b (live)\n"
    "state:        dead\n"
    "backend:      erp\n"
    "invoice_id:   11\n"
    "holder:       -\n"
    "next attempt: -\n"
    "finished at:  2026-11-01T11:10:00.000Z\n"
    "last error:   rejected: The backend refused the update: invoice 11 is paid.\n"
    "file:         in node-b's spool, dead/ (`reconcilerctl show dup.json` on node-b shows it)\n"
    "as of:        2026-11-01T11:30:04.000Z (4s ago), the local daemon's last view of the "
    "cluster\n";

BOOST_AUTO_TEST_CASE(show_another_nodes_job) {
  viewed_node n;
  auto r = n.run({"show", "node-b/dup.json"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.err == "");
  BOOST_TEST(r.out == shown_dup_b);
  // A plain name found on one other node only.
  r = n.run({"show", "inv-9.json"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out ==
             "job:          node-c/inv-9.json\n"
             "node:         node-c (last seen 10m 8s ago)\n"
             "state:        running (listed as active)\n"
             "backend:      books\n"
             "invoice_id:   9\n"
             "holder:       node-b\n"
             "next attempt: -\n"
             "finished at:  -\n"
             "last error:   -\n"
             "file:         in node-c's spool, active/ (`reconcilerctl show inv-9.json` on node-c "
             "shows it)\n"
             "as of:        2026-11-01T11:30:04.000Z (4s ago), the local daemon's last view of the "
             "cluster\n");
  r = n.run({"show", "node-b/inv-7.json"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out.find("state:        queued (listed as deferred)\n"
                        "backend:      erp\n"
                        "invoice_id:   7\n"
                        "holder:       -\n"
                        "next attempt: 2026-11-01T11:31:00.000Z\n") != std::string::npos,
             r.out);
  r = n.run({"show", "node-b/inv-5.json"});
  BOOST_TEST(r.out.find("state:        delivered (listed as done)\n") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("file:         in node-b's spool, active/") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(show_ambiguous_unknown_and_this_node) {
  viewed_node n;
  auto r = n.run({"show", "dup.json"});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.out == "");
  BOOST_TEST(r.err ==
             "reconcilerctl show: dup.json: jobs of that name are on several nodes (node-b, "
             "node-c); give NODE/JOB, e.g. node-b/dup.json\n");
  r = n.run({"show", "node-c/dup.json"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out.starts_with("job:          node-c/dup.json\n"));
  r = n.run({"show", "node-b/nope.json"});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.err ==
             "reconcilerctl show: no job \"node-b/nope.json\" among the cluster's jobs in "
             "status.json (3 jobs of the cluster are not shown: status.json lists 9 of the 12 in "
             "the database)\n");
  r = n.run({"show", "nope.json"});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.err == "reconcilerctl show: no job \"nope.json\" in " + n.root +
                          " nor among the other nodes' jobs in status.json (3 jobs of the cluster "
                          "are not shown: status.json lists 9 of the 12 in the database)\n");
  // node-a/ is this node: the local file, shown as without the prefix; a local name wins
  // over the cluster's rows of the same name.
  auto local = n.run({"show", "c.json"});
  BOOST_TEST(local.rc == 0);
  BOOST_TEST(local.out.starts_with("job:          c.json\nstate:        dead\n"), local.out);
  r = n.run({"show", "node-a/c.json"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == local.out);
  BOOST_TEST(n.run({"show", "a.json"})
                 .out.starts_with("job:          a.json\nstate:        "
                                  "incoming\n"));
}

BOOST_AUTO_TEST_CASE(show_notes_a_stale_view) {
  ctl_node n;
  auto c = cluster_section();
  c.checked_at = at("2026-11-01T11:25:00Z");
  n.write_status(snapshot(c));
  auto r = n.run({"show", "node-b/dup.json"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out.ends_with("as of:        2026-11-01T11:25:00.000Z (5m 8s ago), the local "
                             "daemon's last view of the cluster\n"),
             r.out);
  BOOST_TEST(r.err ==
             "reconcilerctl show: note: the cluster view is 5m 8s old (more than 3 leases of "
             "30s): the figures may be stale\n");
}

BOOST_AUTO_TEST_CASE(retry_another_nodes_dead_letter) {
  viewed_node n;
  BOOST_TEST(n.control().empty());
  auto r = n.run({"retry", "node-b/dup.json"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.err == "");
  BOOST_TEST(r.out ==
             "retry of node-b/dup.json requested; node-b moves it back to its incoming/ when it "
             "is up\n");
  BOOST_TEST(n.control() == std::vector<std::string>{"retry@node-b@dup.json"});
  r = n.run({"retry", "node-b/dup.json"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == "retry of node-b/dup.json already requested (" + n.root +
                          "/control/retry@node-b@dup.json is waiting for the daemon)\n");
  // A plain name that is only another node's dead job.
  r = n.run({"retry", "old.json"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out ==
             "retry of node-c/old.json requested; node-c moves it back to its incoming/ when it "
             "is up\n");
  // Not yet in node-b's dead/ (filed false): asked for by name, it is requested.
  r = n.run({"retry", "node-b/late.json"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(n.control() ==
             (std::vector<std::string>{"retry@node-b@dup.json", "retry@node-b@late.json",
                                       "retry@node-c@old.json"}));
  // Nothing of this touched the local spool.
  BOOST_TEST(n.in("dead", "c.json"));
  BOOST_TEST(n.in("incoming", "a.json"));
}

BOOST_AUTO_TEST_CASE(retry_refusals_create_nothing) {
  viewed_node n;
  auto r = n.run({"retry", "dup.json"});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.out == "");
  BOOST_TEST(r.err ==
             "dup.json: not retried: jobs of that name are on several nodes (node-b, node-c); "
             "give NODE/JOB, e.g. node-b/dup.json\n");
  r = n.run({"retry", "node-b/inv-7.json", "inv-9.json", "node-x/dup.json", "node-b/../x",
             "nope.json", "a.json"});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.out == "");
  BOOST_TEST(r.err ==
             "node-b/inv-7.json: not retried: it is queued in the cluster, not dead\n"
             "node-c/inv-9.json: not retried: it is running in the cluster, not dead\n"
             "node-x/dup.json: not retried: no node \"node-x\" in the cluster (nodes: node-a, "
             "node-b, node-c)\n"
             "node-b/../x: not retried: \"../x\" is not a job name\n"
             "nope.json: not retried: no such job here nor among the other nodes' jobs in "
             "status.json\n"
             "a.json: not retried: it is in incoming/, not dead/\n");
  BOOST_TEST(n.control().empty());
}

// node-a/ is this node: the local dead letter moves as it always did, no request.
BOOST_AUTO_TEST_CASE(retry_of_this_nodes_letter_is_local) {
  viewed_node n;
  auto r = n.run({"retry", "node-a/c.json"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.err == "");
  BOOST_TEST(r.out == "node-a/c.json: back in incoming/\n");
  BOOST_TEST(n.in("incoming", "c.json"));
  BOOST_TEST(!n.in("dead", "c.json"));
  BOOST_TEST(n.control().empty());
}

BOOST_AUTO_TEST_CASE(retry_all_dead_in_the_cluster) {
  viewed_node n;
  // erp: no local letter (c.json is books); node-b's dup.json (late.json is not filed yet).
  auto r = n.run({"retry", "--all-dead", "--backend", "erp"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out ==
             "retry of node-b/dup.json requested; node-b moves it back to its incoming/ when it "
             "is up\n");
  BOOST_TEST(r.err ==
             "reconcilerctl retry: note: 3 jobs of the cluster are not shown: status.json lists 9 "
             "of the 12 in the database; the other nodes' dead letters not listed there were not "
             "requested\n");
  BOOST_TEST(n.control() == std::vector<std::string>{"retry@node-b@dup.json"});
  r = n.run({"retry", "--all-dead"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out ==
             "c.json: back in incoming/\n"
             "retry of node-b/dup.json already requested (" +
                 n.root +
                 "/control/retry@node-b@dup.json is waiting for the daemon)\n"
                 "retry of node-c/dup.json requested; node-c moves it back to its incoming/ when "
                 "it is up\n"
                 "retry of node-c/old.json requested; node-c moves it back to its incoming/ when "
                 "it is up\n");
  BOOST_TEST(n.in("incoming", "c.json"));
  BOOST_TEST(n.control() ==
             (std::vector<std::string>{"retry@node-b@dup.json", "retry@node-c@dup.json",
                                       "retry@node-c@old.json"}));
  // Without other nodes' letters: as on a single node.
  auto c = cluster_section();
  c.jobs.clear();
  c.jobs_total = 0;
  n.write_status(snapshot(c));
  r = n.run({"retry", "--all-dead"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == "no dead letters\n");
  BOOST_TEST(r.err == "");
}

// `cluster:` configured, the daemon not running: the request waits in control/ for it.
BOOST_AUTO_TEST_CASE(retry_without_a_view) {
  ctl_node n;
  auto r = n.run({"retry", "node-b/dup.json"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(n.control() == std::vector<std::string>{"retry@node-b@dup.json"});
  r = n.run({"show", "node-b/dup.json"});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.err == "reconcilerctl show: cannot show node-b/dup.json: " + n.root +
                          "/status.json does not exist (the daemon is not running)\n");
  r = n.run({"retry", "--all-dead", "--backend", "erp"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == "no dead letters for backend erp\n");
  BOOST_TEST(r.err ==
             "reconcilerctl retry: note: the other nodes' dead letters were not requested: " +
                 n.root + "/status.json does not exist (the daemon is not running)\n");
}

BOOST_AUTO_TEST_CASE(single_node_refuses_node_names) {
  ctl_node n(false);
  n.write_status(snapshot(std::nullopt));
  const std::string why =
      "NODE/JOB names a job of a cluster node, but the daemon is not in "
      "cluster mode (no `cluster:` in " +
      n.config + "); give the name of a job in " + n.root + "\n";
  auto r = n.run({"retry", "node-b/dup.json", "node-a/c.json"});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.out == "");
  BOOST_TEST(r.err ==
             "node-b/dup.json: not retried: " + why + "node-a/c.json: not retried: " + why);
  BOOST_TEST(n.control().empty());
  BOOST_TEST(n.in("dead", "c.json"));
  r = n.run({"show", "node-b/dup.json"});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.err == "reconcilerctl show: node-b/dup.json: " + why);
  r = n.run({"show", "nope.json"});
  BOOST_TEST(r.err == "reconcilerctl show: no job \"nope.json\" in " + n.root + "\n");
  r = n.run({"retry", "nope.json"});
  BOOST_TEST(r.err == "nope.json: not retried: no such job\n");
}

// A null cluster section (or none at all): list as before, JSON without "node".
BOOST_AUTO_TEST_CASE(single_node_list_is_unchanged) {
  ctl_node n(false);
  const std::string table =
      "STATE     JOB     BACKEND  INVOICE  ATTEMPTS  NEXT ATTEMPT  LAST ERROR\n"
      "incoming  a.json  erp      1        0         -             -\n"
      "dead      c.json  books    3        1         -             rejected: invoice 3 is paid\n";
  const std::string json =
      R"([{"job":"a.json","state":"incoming","backend":"erp","invoice_id":"1","attempts":0,)"
      R"("next_attempt":null,"category":null,"last_error":null},)"
      R"({"job":"c.json","state":"dead","backend":"books","invoice_id":"3","attempts":1,)"
      R"("next_attempt":null,"category":"rejected","last_error":"invoice 3 is paid"}])"
      "\n";
  for (bool with_status : {false, true}) {
    if (with_status) n.write_status(snapshot(std::nullopt));
    auto r = n.run({"list"});
    BOOST_TEST(r.rc == 0);
    BOOST_TEST(r.out == table);
    BOOST_TEST(r.err == "");
    r = n.run({"list", "--json"});
    BOOST_TEST(r.out == json);
    BOOST_TEST(r.err == "");
  }
}

BOOST_AUTO_TEST_CASE(resume_says_every_node) {
  viewed_node n;
  auto r = n.run({"resume", "books"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out ==
             "resume of books requested; the daemon acts on it within a second and it applies to "
             "every node of the cluster (see `reconcilerctl status`)\n");
  BOOST_TEST(n.control() == std::vector<std::string>{"resume-books"});
  ctl_node single(false);
  single.write_status(snapshot(std::nullopt));
  r = single.run({"resume", "books"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out ==
             "resume of books requested; the daemon acts on it within a second (see "
             "`reconcilerctl status`)\n");
}

BOOST_AUTO_TEST_CASE(usage_texts_mention_cluster_mode) {
  for (const char* cmd : {"status", "list", "show", "retry", "resume"}) {
    std::ostringstream out, err;
    BOOST_TEST(reconcilerd::ctl::run({cmd, "--help"}, out, err, now) == 0);
    BOOST_TEST(out.str().find("cluster mode") != std::string::npos, cmd);
  }
}

BOOST_AUTO_TEST_CASE(status_json_round_trip_with_a_cluster) {
  auto s = snapshot(cluster_section());
  s.cluster->checked_at.reset();
  auto back = reconcilerd::ctl::parse_status_json(rd::to_status_json(s));
  BOOST_TEST((back == s));
  BOOST_REQUIRE(back.cluster.has_value());
  BOOST_TEST(back.cluster->jobs.size() == 9u);
  s = snapshot(cluster_section());
  back = reconcilerd::ctl::parse_status_json(rd::to_status_json(s));
  BOOST_TEST((back == s));
  BOOST_TEST((back.cluster->jobs[5].category == "rejected"));
  BOOST_TEST((reconcilerd::ctl::parse_status_json(rd::to_status_json(snapshot(std::nullopt))) ==
              snapshot(std::nullopt)));
}

BOOST_AUTO_TEST_SUITE_END()

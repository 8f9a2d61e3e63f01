// reconcilerctl list / show / retry on a temp spool set up through the spool module
// (incoming, deferred with state, dead with error.json); golden outputs.
#include <boost/test/unit_test.hpp>
#include <sstream>

#include "daemon/ctl/ctl.hpp"
#include "jobs/rfc3339.hpp"
#include "jobs/spool.hpp"
#include "tests/support/temp_dir.hpp"

namespace jobs = reconcilerd::jobs;

namespace {

struct result {
  int rc;
  std::string out, err;
};

std::chrono::system_clock::time_point at(const char* text) { return *jobs::parse_rfc3339(text); }

const std::string job_a = R"({"backend":"erp","invoice_id":1,"update":{"urgent":true}})";
const std::string job_b = R"({"backend":"erp","invoice_id":"INV/2","update":{"urgent":true}})";
const std::string job_c = R"({"backend":"books","invoice_id":3,"update":{"urgent":true}})";

struct ctl_spool {
  reconcilerd::test::temp_dir dir;
  std::string config = (dir / "reconcilerd.yaml").string();
  std::string root = (dir / "spool").string();

  ctl_spool() {
    reconcilerd::test::write_file(dir / "reconcilerd.yaml",
                                  "spool_dir: " + root +
                                      "\n"
                                      "backends:\n"
                                      "  erp:\n"
                                      "    type: simetri\n"
                                      "    base_url: https://erp.example.id\n"
                                      "    token_credential: erp-token\n");
    jobs::spool sp(root);
    auto t0 = at("2026-11-01T10:00:00Z");
    BOOST_REQUIRE(std::holds_alternative<std::string>(jobs::spool::submit(root, "a.json", job_a)));
    BOOST_REQUIRE(std::holds_alternative<std::string>(jobs::spool::submit(root, "b.json", job_b)));
    BOOST_REQUIRE(std::holds_alternative<std::string>(jobs::spool::submit(root, "c.json", job_c)));
    // b: one failed attempt, deferred.
    BOOST_REQUIRE(std::holds_alternative<jobs::claimed>(sp.claim("b.json", t0)));
    jobs::delivery_state sb;
    sb.attempts = 1;
    sb.first_seen = t0;
    sb.last_attempt = at("2026-11-01T10:00:01Z");
    sb.next_attempt = at("2026-11-01T10:00:31.5Z");
    sb.last_error = "HTTP 503: service unavailable";
    sb.last_http_status = 503;
    BOOST_REQUIRE(sp.defer("b.json", sb).ok());
    // c: rejected, dead.
    BOOST_REQUIRE(std::holds_alternative<jobs::claimed>(sp.claim("c.json", t0)));
    jobs::delivery_state sc;
    sc.attempts = 1;
    sc.first_seen = t0;
    sc.last_attempt = at("2026-11-01T10:00:02Z");
    jobs::dead_letter why;
    why.category = jobs::dead_category::rejected;
    why.message = "The backend refused the update: invoice 3 is paid.";
    why.backend = "books";
    why.invoice_id = "3";
    why.invoice_id_is_integer = true;
    why.http_status = 422;
    BOOST_REQUIRE(sp.bury("c.json", why, sc, at("2026-11-01T10:00:02Z")).ok());
    BOOST_REQUIRE(sp.sync().ok());
  }
  result run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config});
    std::ostringstream out, err;
    int rc = reconcilerd::ctl::run(args, out, err, at("2026-11-01T10:01:00Z"));
    return {rc, out.str(), err.str()};
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_jobs)

BOOST_AUTO_TEST_CASE(list_table) {
  ctl_spool s;
  auto r = s.run({"list"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.err == "");
  BOOST_TEST(
      r.out ==
      "STATE     JOB     BACKEND  INVOICE  ATTEMPTS  NEXT ATTEMPT              LAST ERROR\n"
      "incoming  a.json  erp      1        0         -                         -\n"
      "deferred  b.json  erp      INV/2    1         2026-11-01T10:00:31.500Z  HTTP 503: "
      "service unavailable\n"
      "dead      c.json  books    3        1         -                         rejected: The "
      "backend refused the update: invoice 3 is paid.\n");
}

BOOST_AUTO_TEST_CASE(list_filters_and_json) {
  ctl_spool s;
  auto r = s.run({"list", "--backend", "erp", "--json"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(
      r.out ==
      R"([{"job":"a.json","state":"incoming","backend":"erp","invoice_id":"1","attempts":0,)"
      R"("next_attempt":null,"category":null,"last_error":null},)"
      R"({"job":"b.json","state":"deferred","backend":"erp","invoice_id":"INV/2","attempts":1,)"
      R"("next_attempt":"2026-11-01T10:00:31.500Z","category":null,)"
      R"("last_error":"HTTP 503: service unavailable"}])"
      "\n");
  r = s.run({"list", "--state", "dead"});
  BOOST_TEST(r.out ==
             "STATE  JOB     BACKEND  INVOICE  ATTEMPTS  NEXT ATTEMPT  LAST ERROR\n"
             "dead   c.json  books    3        1         -             rejected: The backend "
             "refused the update: invoice 3 is paid.\n");
  r = s.run({"list", "--state", "done"});
  BOOST_TEST(r.out == "STATE  JOB  BACKEND  INVOICE  ATTEMPTS  NEXT ATTEMPT  LAST ERROR\n");
  BOOST_TEST(s.run({"list", "--state", "limbo"}).rc == 2);
}

// list and show only read: a spool the daemon has not laid out yet is shown as it is and
// left as it is; a missing spool is an error, not created.
BOOST_AUTO_TEST_CASE(list_and_show_change_nothing) {
  ctl_spool s;
  namespace fs = std::filesystem;
  fs::remove_all(s.root);
  auto r = s.run({"list"});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.err == "reconcilerctl list: spool directory " + s.root + " does not exist\n");
  BOOST_TEST(!fs::exists(s.root));
  reconcilerd::test::write_file(fs::path(s.root) / "incoming" / "a.json", job_a);
  r = s.run({"list"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out ==
             "STATE     JOB     BACKEND  INVOICE  ATTEMPTS  NEXT ATTEMPT  LAST ERROR\n"
             "incoming  a.json  erp      1        0         -             -\n");
  BOOST_TEST(s.run({"show", "a.json"}).rc == 0);
  BOOST_TEST(s.run({"show", "b.json"}).rc == 1);
  std::vector<std::string> left;
  for (auto& e : fs::directory_iterator(s.root)) left.push_back(e.path().filename().string());
  BOOST_TEST(left == std::vector<std::string>{"incoming"});
}

BOOST_AUTO_TEST_CASE(show_deferred_and_dead) {
  ctl_spool s;
  auto r = s.run({"show", "b.json"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out ==
             "job:          b.json\n"
             "state:        deferred\n"
             "backend:      erp\n"
             "invoice_id:   INV/2\n"
             "attempts:     1\n"
             "first seen:   2026-11-01T10:00:00.000Z\n"
             "last attempt: 2026-11-01T10:00:01.000Z\n"
             "next attempt: 2026-11-01T10:00:31.500Z\n"
             "last error:   HTTP 503: service unavailable\n"
             "content:\n" +
                 job_b + "\n");
  r = s.run({"show", "c.json"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out ==
             "job:          c.json\n"
             "state:        dead\n"
             "backend:      books\n"
             "invoice_id:   3\n"
             "attempts:     1\n"
             "first seen:   2026-11-01T10:00:00.000Z\n"
             "last attempt: 2026-11-01T10:00:02.000Z\n"
             "next attempt: -\n"
             "last error:   rejected: The backend refused the update: invoice 3 is "
             "paid.\n"
             "dead letter:  " +
                 reconcilerd::test::read_file(std::filesystem::path(s.root) / "dead" /
                                              "c.json.error.json") +
                 "content:\n" + job_c + "\n");
  r = s.run({"show", "nope.json"});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.err == "reconcilerctl show: no job \"nope.json\" in " + s.root + "\n");
}

// A hostile job: escapes in its backend name, invoice id and body reach the terminal only
// as visible text.
BOOST_AUTO_TEST_CASE(show_and_list_make_control_characters_visible) {
  ctl_spool s;
  const std::string hostile =
      "{\"backend\":\"x\u001b]0;owned\u0007\",\"invoice_id\":\"\u001b[2J\",\"update\":{}}\n"
      "\x1b[31mraw escape line\n";
  BOOST_REQUIRE(
      std::holds_alternative<std::string>(jobs::spool::submit(s.root, "evil.json", hostile)));
  auto shown = s.run({"show", "evil.json"});
  BOOST_TEST(shown.rc == 0);
  BOOST_TEST(shown.out.find('\x1b') == std::string::npos, shown.out);
  BOOST_TEST(shown.out.find('\x07') == std::string::npos);
  BOOST_TEST(shown.out.find("\\x1b[31mraw escape line") != std::string::npos, shown.out);
  auto listed = s.run({"list"});
  BOOST_TEST(listed.out.find('\x1b') == std::string::npos, listed.out);
}

BOOST_AUTO_TEST_CASE(retry_dead_letters) {
  ctl_spool s;
  auto r = s.run({"retry", "a.json", "c.json"});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.out == "c.json: back in incoming/\n");
  BOOST_TEST(r.err == "a.json: not retried: it is in incoming/, not dead/\n");
  BOOST_TEST(std::filesystem::exists(std::filesystem::path(s.root) / "incoming" / "c.json"));
  BOOST_TEST(
      !std::filesystem::exists(std::filesystem::path(s.root) / "dead" / "c.json.error.json"));
  r = s.run({"retry", "--all-dead"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == "no dead letters\n");
  BOOST_TEST(s.run({"retry"}).rc == 2);
  BOOST_TEST(s.run({"retry", "--backend", "erp", "a.json"}).rc == 2);
}

BOOST_AUTO_TEST_CASE(retry_all_dead_by_backend) {
  ctl_spool s;
  auto r = s.run({"retry", "--all-dead", "--backend", "erp"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == "no dead letters for backend erp\n");
  r = s.run({"retry", "--all-dead", "--backend", "books"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == "c.json: back in incoming/\n");
}

BOOST_AUTO_TEST_SUITE_END()

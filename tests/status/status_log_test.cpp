// Status log: exact lines for a job's whole life, and rotation followed by itself
// (rename, removal) and on reopen().
#include "daemon/status/status_log.hpp"

#include <sys/stat.h>

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <thread>

#include "jobs/rfc3339.hpp"
#include "tests/support/temp_dir.hpp"

namespace rd = reconcilerd::daemon;
using reconcilerd::test::read_file;

namespace {

rd::time_point at(const char* text) { return *reconcilerd::jobs::parse_rfc3339(text); }

rd::event_record job_event(rd::log_event ev, const char* ts) {
  rd::event_record e;
  e.event = ev;
  e.ts = at(ts);
  e.job = "inv-42.json";
  e.backend = "ledger";
  e.invoice_id = "42";
  return e;
}

rd::event_record simple(rd::log_event ev, const char* ts) {
  rd::event_record e;
  e.event = ev;
  e.ts = at(ts);
  return e;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(status_log)

BOOST_AUTO_TEST_CASE(full_job_life) {
  reconcilerd::test::temp_dir dir;
  auto path = (dir / "status.log").string();
  rd::status_log log(path);

  auto queued = job_event(rd::log_event::queued, "2026-11-01T10:00:00.001Z");
  auto sent1 = job_event(rd::log_event::sent, "2026-11-01T10:00:00.120Z");
  sent1.attempt = 1;
  auto deferred = job_event(rd::log_event::deferred, "2026-11-01T10:00:00.480Z");
  deferred.attempt = 1;
  deferred.http_status = 503;
  deferred.next_attempt = at("2026-11-01T10:00:31.5Z");
  deferred.reason = "HTTP 503: service unavailable";
  auto sent2 = job_event(rd::log_event::sent, "2026-11-01T10:00:31.502Z");
  sent2.attempt = 2;
  auto delivered = job_event(rd::log_event::delivered, "2026-11-01T10:00:31.700Z");
  delivered.attempt = 2;
  delivered.http_status = 200;

  auto other = job_event(rd::log_event::dead, "2026-11-01T10:01:00Z");
  other.job = "inv-43.json";
  other.invoice_id = "INV/43";
  other.attempt = 1;
  other.http_status = 422;
  other.category = "rejected";
  other.message = "The backend refused the update: \"dueDate\" is before \"invoiceDate\".";

  auto suspended = simple(rd::log_event::suspended, "2026-11-01T10:02:00Z");
  suspended.backend = "ledger";
  suspended.http_status = 401;
  suspended.reason = "HTTP 401: API key refused";
  auto resumed = simple(rd::log_event::resumed, "2026-11-01T10:05:00Z");
  resumed.backend = "ledger";
  resumed.reason = "reconcilerctl resume";
  auto reloaded = simple(rd::log_event::reloaded, "2026-11-01T10:06:00Z");
  reloaded.reason = "SIGHUP";

  for (auto& e : {queued, sent1, deferred, sent2, delivered, other, suspended, resumed, reloaded})
    BOOST_TEST(!log.write(e));

  const std::string expected =
      R"({"ts":"2026-11-01T10:00:00.001Z","event":"queued","job":"inv-42.json","backend":"ledger","invoice_id":"42"})"
      "\n"
      R"({"ts":"2026-11-01T10:00:00.120Z","event":"sent","job":"inv-42.json","backend":"ledger","invoice_id":"42","attempt":1})"
      "\n"
      R"({"ts":"2026-11-01T10:00:00.480Z","event":"deferred","job":"inv-42.json","backend":"ledger","invoice_id":"42","attempt":1,"http_status":503,"next_attempt":"2026-11-01T10:00:31.500Z","reason":"HTTP 503: service unavailable"})"
      "\n"
      R"({"ts":"2026-11-01T10:00:31.502Z","event":"sent","job":"inv-42.json","backend":"ledger","invoice_id":"42","attempt":2})"
      "\n"
      R"({"ts":"2026-11-01T10:00:31.700Z","event":"delivered","job":"inv-42.json","backend":"ledger","invoice_id":"42","attempt":2,"http_status":200})"
      "\n"
      R"({"ts":"2026-11-01T10:01:00.000Z","event":"dead","job":"inv-43.json","backend":"ledger","invoice_id":"INV/43","attempt":1,"http_status":422,"category":"rejected","message":"The backend refused the update: \"dueDate\" is before \"invoiceDate\"."})"
      "\n"
      R"({"ts":"2026-11-01T10:02:00.000Z","event":"suspended","backend":"ledger","http_status":401,"reason":"HTTP 401: API key refused"})"
      "\n"
      R"({"ts":"2026-11-01T10:05:00.000Z","event":"resumed","backend":"ledger","reason":"reconcilerctl resume"})"
      "\n"
      R"({"ts":"2026-11-01T10:06:00.000Z","event":"reloaded","reason":"SIGHUP"})"
      "\n";
  BOOST_TEST(read_file(path) == expected);

  // Every line is a JSON document of its own.
  std::size_t start = 0, lines = 0;
  for (std::size_t nl; (nl = expected.find('\n', start)) != std::string::npos; start = nl + 1) {
    BOOST_TEST(boost::json::parse(expected.substr(start, nl - start)).is_object());
    ++lines;
  }
  BOOST_TEST(lines == 9u);
  struct stat st {};
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777 & ~0640) == 0u);
}

BOOST_AUTO_TEST_CASE(appends_to_existing_file) {
  reconcilerd::test::temp_dir dir;
  reconcilerd::test::write_file(dir / "status.log", "old line\n");
  rd::status_log log((dir / "status.log").string());
  BOOST_TEST(!log.write(simple(rd::log_event::reloaded, "2026-11-01T10:06:00Z")));
  BOOST_TEST(read_file(dir / "status.log") ==
             "old line\n{\"ts\":\"2026-11-01T10:06:00.000Z\",\"event\":\"reloaded\"}\n");
}

BOOST_AUTO_TEST_CASE(follows_rename_by_itself) {
  reconcilerd::test::temp_dir dir;
  rd::status_log log((dir / "status.log").string());
  BOOST_TEST(!log.write(simple(rd::log_event::reloaded, "2026-11-01T10:00:00Z")));
  std::filesystem::rename(dir / "status.log", dir / "status.log.1");
  BOOST_TEST(!log.write(simple(rd::log_event::reloaded, "2026-11-01T10:00:01Z")));
  BOOST_TEST(read_file(dir / "status.log.1") ==
             "{\"ts\":\"2026-11-01T10:00:00.000Z\",\"event\":\"reloaded\"}\n");
  BOOST_TEST(read_file(dir / "status.log") ==
             "{\"ts\":\"2026-11-01T10:00:01.000Z\",\"event\":\"reloaded\"}\n");
}

// With check_every, a rename is noticed at the first write once that much time has passed
// since the last look (lines before that still go to the renamed file).
BOOST_AUTO_TEST_CASE(follows_rename_at_the_next_look) {
  reconcilerd::test::temp_dir dir;
  rd::status_log log((dir / "status.log").string(), std::chrono::milliseconds(50));
  BOOST_TEST(!log.write(simple(rd::log_event::reloaded, "2026-11-01T10:00:00Z")));
  const auto looked = std::chrono::steady_clock::now();
  std::filesystem::rename(dir / "status.log", dir / "status.log.1");
  BOOST_TEST(!log.write(simple(rd::log_event::reloaded, "2026-11-01T10:00:01Z")));
  const bool within = std::chrono::steady_clock::now() - looked < std::chrono::milliseconds(50);
  std::this_thread::sleep_until(looked + std::chrono::milliseconds(50));
  BOOST_TEST(!log.write(simple(rd::log_event::reloaded, "2026-11-01T10:00:02Z")));
  if (within)  // the second write came before the next look (else it may have reopened)
    BOOST_TEST(read_file(dir / "status.log.1") ==
               "{\"ts\":\"2026-11-01T10:00:00.000Z\",\"event\":\"reloaded\"}\n"
               "{\"ts\":\"2026-11-01T10:00:01.000Z\",\"event\":\"reloaded\"}\n");
  BOOST_TEST(read_file(dir / "status.log") ==
             "{\"ts\":\"2026-11-01T10:00:02.000Z\",\"event\":\"reloaded\"}\n");
}

BOOST_AUTO_TEST_CASE(follows_removal_by_itself) {
  reconcilerd::test::temp_dir dir;
  rd::status_log log((dir / "status.log").string());
  BOOST_TEST(!log.write(simple(rd::log_event::reloaded, "2026-11-01T10:00:00Z")));
  std::filesystem::remove(dir / "status.log");
  BOOST_TEST(!log.write(simple(rd::log_event::reloaded, "2026-11-01T10:00:01Z")));
  BOOST_TEST(read_file(dir / "status.log") ==
             "{\"ts\":\"2026-11-01T10:00:01.000Z\",\"event\":\"reloaded\"}\n");
}

BOOST_AUTO_TEST_CASE(reopen_on_request) {
  // copytruncate-less rotation where a new file was already created by logrotate's
  // `create`: the name now is another inode, reopen() switches to it.
  reconcilerd::test::temp_dir dir;
  rd::status_log log((dir / "status.log").string());
  BOOST_TEST(!log.write(simple(rd::log_event::reloaded, "2026-11-01T10:00:00Z")));
  std::filesystem::rename(dir / "status.log", dir / "status.log.1");
  reconcilerd::test::write_file(dir / "status.log", "");
  BOOST_TEST(!log.reopen());
  BOOST_TEST(!log.write(simple(rd::log_event::reloaded, "2026-11-01T10:00:01Z")));
  BOOST_TEST(read_file(dir / "status.log") ==
             "{\"ts\":\"2026-11-01T10:00:01.000Z\",\"event\":\"reloaded\"}\n");
  BOOST_TEST(read_file(dir / "status.log.1") ==
             "{\"ts\":\"2026-11-01T10:00:00.000Z\",\"event\":\"reloaded\"}\n");
}

BOOST_AUTO_TEST_CASE(disabled_and_failing) {
  rd::status_log off("");
  BOOST_TEST(!off.enabled());
  BOOST_TEST(!off.write(simple(rd::log_event::reloaded, "2026-11-01T10:00:00Z")));
  BOOST_TEST(!off.reopen());

  reconcilerd::test::temp_dir dir;
  rd::status_log bad((dir / "no-such-dir" / "status.log").string());
  auto ec = bad.write(simple(rd::log_event::reloaded, "2026-11-01T10:00:00Z"));
  BOOST_TEST(ec.value() == ENOENT);
  // Works once the directory appears (e.g. LogsDirectory= created late).
  std::filesystem::create_directory(dir / "no-such-dir");
  BOOST_TEST(!bad.write(simple(rd::log_event::reloaded, "2026-11-01T10:00:00Z")));
}

BOOST_AUTO_TEST_SUITE_END()

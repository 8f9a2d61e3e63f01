// Reconciling, end to end (issue 14; interface.md "Arrival order", "Updates that are not safe
// to repeat", "Folding"): a real reconciler-sim and a real reconcilerd over verified TLS.
// - Arrival order: 25 jobs for one invoice without `sequence`, renamed into incoming/ under
//   names that do not sort in arrival order, found at start-up or dropped while running:
//   nothing older lands after something newer and the invoice ends with the newest.
// - Unsafe updates (WHMCS newitem*/publish, simetri (0,0,..)/(2,id)) meeting apply-then-fail
//   faults: no dead letter, every line on the invoice exactly once.
// - Folding of waiting Campfire jobs (and `fold: false`), Campfire `"mode": "merge"`, and
//   `skip_unchanged`.
// The invoice as the simulator holds it is read over HTTPS from /_sim/state.
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/fixture.hpp"

using namespace reconcilerd::test;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// ---- the simulator's state over HTTPS --------------------------------------------------

// GET https://127.0.0.1:PORT/_sim/state/{api}/{id}, verified against the simulator's CA.
json::value sim_state(const sim_fixture& sim, const std::string& api, std::int64_t id) {
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
  return json::parse(res.body());
}

// How many of `lines` have `field` == `value`.
std::size_t count_by(const json::array& lines, const char* field, const std::string& value) {
  return std::count_if(lines.begin(), lines.end(), [&](const json::value& l) {
    const json::value* v = l.as_object().if_contains(field);
    return v && v->is_string() && v->get_string() == value;
  });
}

// ---- the request log and the status log -------------------------------------------------

bool is(const json::object& o, const char* key, const std::string& value) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() && v->get_string() == value;
}

// The simulator's requests that changed invoice `id` of `api`, in the order it applied them.
std::vector<json::object> updates_of(const sim_fixture& sim, const std::string& api,
                                     std::int64_t id) {
  std::vector<json::object> out;
  for (auto& r : sim.requests())
    if (is(r, "api", api) && is(r, "result", "updated") && r.at("invoice_id").is_int64() &&
        r.at("invoice_id").as_int64() == id)
      out.push_back(r);
  return out;
}

// Requests of `method` to invoice `id` of `api` that the simulator saw (any result).
std::size_t requests_of(const sim_fixture& sim, const std::string& api, const std::string& method,
                        std::int64_t id) {
  std::size_t n = 0;
  for (auto& r : sim.requests())
    n += is(r, "api", api) && is(r, "method", method) && r.at("invoice_id").is_int64() &&
         r.at("invoice_id").as_int64() == id;
  return n;
}

std::vector<json::object> status_events(const daemon_fixture& d) {
  std::vector<json::object> out;
  std::istringstream lines(d.status_log());
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) out.push_back(json::parse(line).as_object());
  return out;
}

std::vector<json::object> events_named(const daemon_fixture& d, const std::string& event) {
  std::vector<json::object> out;
  for (auto& e : status_events(d))
    if (is(e, "event", event)) out.push_back(e);
  return out;
}

// ---- configuration ---------------------------------------------------------------------

// One backend of `type` named `name` against the simulator, then `settings` (indented 4).
std::string backend_yaml(const sim_fixture& sim, const std::string& name, const std::string& type,
                         const std::string& settings = "") {
  static const std::map<std::string, std::string> creds = {
      {"simetri", "    token: sim-simetri-token\n"},
      {"whmcs", "    identifier: sim-id\n    secret: sim-secret\n"},
      {"campfire", "    api_key: sim-campfire-key\n"},
      {"bigcapital", "    api_key: bc_sim\n"}};
  return "  " + name + ":\n    type: " + type + "\n    base_url: " + sim.url(type) + "\n" +
         creds.at(type) + "    tls:\n      ca_file: " + sim.info().ca_file + "\n" + settings;
}

// Quick retries, so transient faults settle within a test's time; a short request timeout
// (the simulator answers in milliseconds), since a read-back after an ambiguous end may
// wait for one.
const std::string quick_retry =
    "defaults:\n  timeout: 5s\n  retry:\n    initial_backoff: 1s\n    max_backoff: 2s\n    "
    "max_attempts: 15\n";

// ---- jobs ------------------------------------------------------------------------------

std::string version(int i) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "v%02d", i);
  return buf;
}

// A full Campfire invoice whose message says `message`.
std::string campfire_job(std::int64_t invoice, const std::string& message,
                         const std::string& extra_fields = "") {
  return R"({"backend":"books","invoice_id":)" + std::to_string(invoice) +
         R"(,"update":{"client":"5","entity":"1","invoice_date":"2026-11-01",)"
         R"("due_date":"2026-12-01","terms":"net_30","message_on_invoice":")" +
         message + "\"" + extra_fields +
         R"(,"lines":[{"amount":10.5,"description":"Hosting"},{"amount":4,"description":"Support"}]}})";
}

std::string bigcapital_job(std::int64_t invoice, const std::string& message) {
  return R"({"backend":"ledger","invoice_id":)" + std::to_string(invoice) +
         R"(,"update":{"customerId":7,"invoiceDate":"2026-11-01","dueDate":"2026-12-01",)"
         R"("invoiceMessage":")" +
         message + R"(","entries":[{"index":1,"itemId":3,"rate":120.5,"quantity":2}]}})";
}

// `n` distinct random names ("3fa9c2d17b0e.json") that do not sort in the order given: the
// last is not the greatest, and the whole list is not sorted (a daemon that goes by name,
// or by a directory listing that happens to, ends with another job).
std::vector<std::string> unsorted_names(int n) {
  std::random_device rd;
  std::mt19937_64 rng(rd());
  for (;;) {
    std::set<std::string> seen;
    std::vector<std::string> names;
    while (static_cast<int>(names.size()) < n) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%012llx.json",
                    static_cast<unsigned long long>(rng() & 0xffffffffffffULL));
      if (seen.insert(buf).second) names.push_back(buf);
    }
    if (names.back() != *seen.rbegin() && !std::is_sorted(names.begin(), names.end())) return names;
  }
}

timespec change_time(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) throw std::runtime_error("stat " + p.string());
  return st.st_ctim;
}

bool later(const timespec& a, const timespec& b) {
  return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

// The producer protocol into a spool whose daemon may not run yet. With `distinct_ticks`,
// waits before each rename until the file system clock has moved past the previous job's
// change time: the renames then have strictly increasing change times, so "arrival order"
// for a start-up scan ((change time, name), interface.md) is the order of the renames and
// not the names' order (a burst within one clock tick is ordered by name by contract).
void drop_in_order(const fs::path& spool, const std::vector<std::string>& names,
                   const std::vector<std::string>& bodies, bool distinct_ticks) {
  fs::create_directories(spool / "tmp");
  fs::create_directories(spool / "incoming");
  const fs::path probe = spool / "tmp" / ".tick-probe";
  std::optional<timespec> previous;
  for (std::size_t i = 0; i < names.size(); ++i) {
    write_file(spool / "tmp" / names[i], bodies[i]);
    if (distinct_ticks && previous) {
      const bool moved = wait_until(
          [&] {
            write_file(probe, std::to_string(i));
            return later(change_time(probe), *previous);
          },
          2s);
      if (!moved) throw std::runtime_error("the file system clock did not move in 2 s");
    }
    fs::rename(spool / "tmp" / names[i], spool / "incoming" / names[i]);
    previous = change_time(spool / "incoming" / names[i]);
  }
  std::error_code ec;
  fs::remove(probe, ec);
}

// Checks that invoice `id` of `api` was changed in arrival order and ends with the last
// job. A request that changed it carries its own job (X-Reconcilerd-Job) and the jobs the
// status log says were folded into that one; what it sets is the newest of those (Campfire:
// the newest wins; Bigcapital: the header merged, and every job here sets invoiceMessage).
// So each request's position is the latest arrival position among the jobs it carries:
// these positions must increase, the last must be the last job, and every job is carried
// by exactly one request that changed the invoice.
void check_applied_in_arrival_order(const daemon_fixture& d, const sim_fixture& sim,
                                    const std::string& api, std::int64_t id,
                                    const std::vector<std::string>& names) {
  std::map<std::string, long> position, carried;
  for (std::size_t i = 0; i < names.size(); ++i) position[names[i]] = carried[names[i]] = i;
  std::map<std::string, std::string> folded_into;
  for (auto& e : events_named(d, "folded")) {
    const std::string job(e.at("job").as_string());
    if (!position.count(job)) continue;  // another invoice's job
    BOOST_TEST_REQUIRE(e.contains("into"), "a folded event without into");
    const std::string into(e.at("into").as_string());
    BOOST_TEST(position.count(into) == 1u,
               job << " folded into " << into << ", not one of its invoice's jobs");
    BOOST_TEST(folded_into.emplace(job, into).second, job << " folded twice");
    carried[into] = std::max(carried[into], position[job]);
  }
  std::vector<long> positions;
  std::set<std::string> carriers;
  for (auto& r : updates_of(sim, api, id)) {
    const std::string job = r.at("job").is_string() ? std::string(r.at("job").as_string()) : "";
    BOOST_TEST_REQUIRE(position.count(job) == 1u, "an update without one of the jobs' names");
    BOOST_TEST(carriers.insert(job).second, job << " changed the invoice twice");
    BOOST_TEST(!folded_into.count(job), job << " was folded and changed the invoice itself too");
    positions.push_back(carried[job]);
  }
  BOOST_TEST_REQUIRE(!positions.empty());
  std::ostringstream seen;
  for (long p : positions) seen << ' ' << p + 1;
  BOOST_TEST_MESSAGE(api << " invoice " << id << ": " << positions.size()
                         << " requests changed it, carrying up to arrival positions" << seen.str());
  for (std::size_t i = 1; i < positions.size(); ++i)
    BOOST_TEST(positions[i - 1] < positions[i], "a request carrying up to job "
                                                    << positions[i] + 1
                                                    << " applied after one carrying up to job "
                                                    << positions[i - 1] + 1 << ";" << seen.str());
  BOOST_TEST(positions.back() == static_cast<long>(names.size()) - 1, seen.str());
  for (auto& n : names) {
    const auto f = folded_into.find(n);
    BOOST_TEST((carriers.count(n) == 1u || (f != folded_into.end() && carriers.count(f->second))),
               n << " neither changed the invoice nor was folded into a request that did");
  }
}

// What a failing case should show: the dead letters' reasons and the daemon's log.
std::string diagnosis(const daemon_fixture& d) {
  std::string out = "\n--- dead letters:\n";
  for (auto& f : list_dir(d.spool() / "dead"))
    if (f.ends_with(".error.json")) out += read_file(d.spool() / "dead" / f) + "\n";
  std::string log = d.log();
  if (log.size() > 6000) log = "..." + log.substr(log.size() - 6000);
  return out + "--- daemon log (tail):\n" + log;
}

void expect_all_done(const daemon_fixture& d, const std::vector<std::string>& names) {
  for (auto& n : names) BOOST_TEST(fs::exists(d.spool() / "done" / n), n << " not in done/");
  BOOST_TEST(list_dir(d.spool() / "dead").empty(), diagnosis(d));
}

// A Campfire invoice's state without what a PUT always changes (line ids, modification
// time) and without `except`: what a merge must leave as it was.
json::object comparable(json::object inv, const std::string& except) {
  inv.erase("last_modified_at");
  inv.erase(except);
  for (json::value& l : inv.at("lines").as_array()) l.as_object().erase("id");
  return inv;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reconcile)

// ---- a) arrival order, backlog found at start-up ----------------------------------------

namespace {

// 25 jobs each for Campfire invoice 41 and Bigcapital invoice 42, renamed into incoming/
// before the daemon starts (with distinct change times); `settings` for both backends.
void backlog_lands_in_arrival_order(const std::string& settings) {
  temp_dir dir;
  sim_fixture sim(dir / "sim", R"({"limits": {"bigcapital": {"kind": "none"}}})");
  const int n = 25;
  const auto books = unsorted_names(n), ledger = unsorted_names(n);
  std::vector<std::string> books_bodies, ledger_bodies;
  for (int i = 1; i <= n; ++i) {
    books_bodies.push_back(campfire_job(41, version(i)));
    ledger_bodies.push_back(bigcapital_job(42, version(i)));
  }
  const fs::path spool = dir / "d" / "spool";
  drop_in_order(spool, books, books_bodies, true);
  drop_in_order(spool, ledger, ledger_bodies, true);
  daemon_fixture d(dir / "d", quick_retry + "backends:\n" +
                                  backend_yaml(sim, "books", "campfire", settings) +
                                  backend_yaml(sim, "ledger", "bigcapital", settings));
  BOOST_TEST_REQUIRE(d.wait_settled(2 * n, 90s), diagnosis(d));
  expect_all_done(d, books);
  expect_all_done(d, ledger);
  BOOST_TEST(sim_state(sim, "campfire", 41).at("message_on_invoice") == json::value("v25"));
  BOOST_TEST(sim_state(sim, "bigcapital", 42).at("invoiceMessage") == json::value("v25"));
  check_applied_in_arrival_order(d, sim, "campfire", 41, books);
  check_applied_in_arrival_order(d, sim, "bigcapital", 42, ledger);
}

// The same, dropped back to back (interleaved) while the daemon runs and sends slowly: it
// learns the order from inotify.
void burst_lands_in_arrival_order(const std::string& settings) {
  temp_dir dir;
  sim_fixture sim(dir / "sim", R"({"limits": {"bigcapital": {"kind": "none"}}})");
  daemon_fixture d(dir / "d", quick_retry + "backends:\n" +
                                  backend_yaml(sim, "books", "campfire", settings) +
                                  backend_yaml(sim, "ledger", "bigcapital", settings));
  const int n = 25;
  const auto books = unsorted_names(n), ledger = unsorted_names(n);
  for (int i = 0; i < n; ++i) {
    d.drop(books[i], campfire_job(43, version(i + 1)));
    d.drop(ledger[i], bigcapital_job(44, version(i + 1)));
  }
  BOOST_TEST_REQUIRE(d.wait_settled(2 * n, 90s), diagnosis(d));
  expect_all_done(d, books);
  expect_all_done(d, ledger);
  BOOST_TEST(sim_state(sim, "campfire", 43).at("message_on_invoice") == json::value("v25"));
  BOOST_TEST(sim_state(sim, "bigcapital", 44).at("invoiceMessage") == json::value("v25"));
  check_applied_in_arrival_order(d, sim, "campfire", 43, books);
  check_applied_in_arrival_order(d, sim, "bigcapital", 44, ledger);
}

}  // namespace

BOOST_AUTO_TEST_CASE(backlog_for_one_invoice_lands_in_arrival_order) {
  backlog_lands_in_arrival_order("    rate: 20/s\n");
}

// Without folding every job is its own request: the queue's order itself is checked.
BOOST_AUTO_TEST_CASE(backlog_for_one_invoice_lands_in_arrival_order_without_folding) {
  backlog_lands_in_arrival_order("    rate: 20/s\n    fold: false\n");
}

// ---- b) arrival order, a burst while running ---------------------------------------------

BOOST_AUTO_TEST_CASE(burst_for_one_invoice_while_running_lands_in_arrival_order) {
  burst_lands_in_arrival_order("    rate: 5/s\n    burst: 1\n");
}

BOOST_AUTO_TEST_CASE(burst_for_one_invoice_while_running_lands_in_arrival_order_without_folding) {
  burst_lands_in_arrival_order("    rate: 10/s\n    burst: 1\n    fold: false\n");
}

// ---- c) updates that are not safe to repeat, under apply-then-fail faults ---------------

namespace {

// Twelve WHMCS newitem* jobs (invoices 21..24), twelve simetri (0, 0, ..) jobs (31..34), a
// WHMCS publish (25) and a simetri (2, id) (35) under the simulator's `faults`: every job
// ends in done/ and every line is on its invoice exactly once.
void unsafe_updates_apply_once(const std::string& faults) {
  temp_dir dir;
  sim_fixture sim(dir / "sim", R"({"seed": 14, "faults": )" + faults + "}");
  daemon_fixture d(dir / "d", quick_retry + "backends:\n" +
                                  backend_yaml(sim, "billing", "whmcs", "    rate: 20/s\n") +
                                  backend_yaml(sim, "erp", "simetri", "    rate: 20/s\n"));
  std::vector<std::string> names;
  std::map<std::int64_t, std::vector<std::string>> whmcs_lines, simetri_lines;
  for (std::int64_t inv = 21; inv <= 24; ++inv) {
    for (int k = 1; k <= 3; ++k) {
      const std::string desc = "W" + std::to_string(inv) + "-" + std::to_string(k);
      const std::string name = "w" + std::to_string(inv) + "-" + std::to_string(k) + ".json";
      d.drop(name, R"({"backend":"billing","invoice_id":)" + std::to_string(inv) +
                       R"(,"update":{"newitemdescription":[")" + desc +
                       R"("],"newitemamount":[12.5],"newitemtaxed":[true]}})");
      names.push_back(name);
      whmcs_lines[inv].push_back(desc);
    }
  }
  for (std::int64_t inv = 31; inv <= 34; ++inv) {
    for (int k = 1; k <= 3; ++k) {
      const std::string desc = "S" + std::to_string(inv) + "-" + std::to_string(k);
      const std::string name = "s" + std::to_string(inv) + "-" + std::to_string(k) + ".json";
      d.drop(name, R"({"backend":"erp","invoice_id":)" + std::to_string(inv) +
                       R"(,"update":{"invoice_line":[[0,0,{"name":")" + desc +
                       R"(","quantity":1,"price_unit":8.5}]]}})");
      names.push_back(name);
      simetri_lines[inv].push_back(desc);
    }
  }
  // publish (fails when repeated) and (2, id) (fails when the line is gone).
  d.drop("w25-publish.json", R"({"backend":"billing","invoice_id":25,"update":{"publish":true}})");
  d.drop("s35-delete.json",
         R"({"backend":"erp","invoice_id":35,"update":{"invoice_line":[[2,69]]}})");
  names.push_back("w25-publish.json");
  names.push_back("s35-delete.json");

  BOOST_TEST_REQUIRE(d.wait_settled(names.size(), 180s), diagnosis(d));
  expect_all_done(d, names);
  for (auto& [inv, descs] : whmcs_lines) {
    const json::array items = sim_state(sim, "whmcs", inv).at("items").at("item").as_array();
    BOOST_TEST(items.size() == 2 + descs.size(), "whmcs invoice " << inv);
    for (auto& desc : descs) BOOST_TEST(count_by(items, "description", desc) == 1u, desc);
  }
  for (auto& [inv, descs] : simetri_lines) {
    const json::array lines = sim_state(sim, "simetri", inv).at("lines").as_array();
    BOOST_TEST(lines.size() == 2 + descs.size(), "simetri invoice " << inv);
    for (auto& desc : descs) BOOST_TEST(count_by(lines, "name", desc) == 1u, desc);
  }
  BOOST_TEST(sim_state(sim, "whmcs", 25).at("status") == json::value("Unpaid"));
  const json::array lines35 = sim_state(sim, "simetri", 35).at("lines").as_array();
  BOOST_TEST(lines35.size() == 1u);
  BOOST_TEST(lines35.at(0).at("id") == json::value(70));

  // The faults did strike writes that were applied (else this tested nothing).
  std::map<std::string, int> applied_then_failed;
  for (auto& r : sim.requests())
    if (is(r, "result", "updated") && r.at("fault").is_string())
      ++applied_then_failed[std::string(r.at("api").as_string())];
  BOOST_TEST(applied_then_failed["whmcs"] >= 2);
  BOOST_TEST(applied_then_failed["simetri"] >= 2);
}

}  // namespace

// About half of the writes are applied and then answered with nothing, a reset or a 500;
// read-backs are never faulted (writes_only), so verification can always decide at once.
BOOST_AUTO_TEST_CASE(unsafe_updates_under_apply_then_fail_faults_apply_once_without_dead_letters) {
  unsafe_updates_apply_once(R"([
      {"api": "whmcs", "kind": "applied_drop", "writes_only": true, "probability": 0.25},
      {"api": "whmcs", "kind": "applied_status", "status": 500, "writes_only": true,
       "probability": 0.3},
      {"api": "simetri", "kind": "applied_status", "status": 500, "writes_only": true,
       "probability": 0.25},
      {"api": "simetri", "kind": "applied_reset", "writes_only": true, "probability": 0.3}])");
}

// The same, and one request in five (read-backs included) also fails before reaching the
// API: a read-back that fails is tried again, never taken as "not applied".
BOOST_AUTO_TEST_CASE(unsafe_updates_apply_once_when_read_backs_fail_too) {
  unsafe_updates_apply_once(R"([
      {"api": "whmcs", "kind": "applied_drop", "writes_only": true, "probability": 0.25},
      {"api": "whmcs", "kind": "applied_status", "status": 500, "writes_only": true,
       "probability": 0.3},
      {"api": "simetri", "kind": "applied_status", "status": 500, "writes_only": true,
       "probability": 0.25},
      {"api": "simetri", "kind": "applied_reset", "writes_only": true, "probability": 0.3},
      {"api": "whmcs", "kind": "drop", "probability": 0.2},
      {"api": "simetri", "kind": "status", "status": 503, "probability": 0.2}])");
}

// ---- d) folding waiting jobs (Campfire: the newest wins) --------------------------------

namespace {

struct fold_run {
  std::vector<std::string> names;
  std::size_t puts_applied = 0;  // PUTs that changed the invoice
  std::size_t puts_seen = 0;     // every PUT to it, answered or not
  std::vector<json::object> folded;
  std::set<std::string> carriers;  // jobs whose own request changed the invoice
  json::value message;
};

// Five jobs for invoice 51 wait while the backend is paused by a first answer 429
// Retry-After: 3; returns what happened.
fold_run five_waiting_jobs(const std::string& settings) {
  temp_dir dir;
  sim_fixture sim(dir / "sim", R"({"faults": [{"api": "campfire", "kind": "status",
      "status": 429, "retry_after": "3", "first_n": 1}]})");
  daemon_fixture d(dir / "d",
                   quick_retry + "backends:\n" + backend_yaml(sim, "books", "campfire", settings));
  fold_run run;
  for (int i = 1; i <= 5; ++i) run.names.push_back("fold-" + std::to_string(i) + ".json");
  d.drop(run.names[0], campfire_job(51, version(1)));
  // The first PUT was answered 429: the backend now waits 3 s; the other four arrive.
  BOOST_TEST_REQUIRE(wait_until(
      [&] {
        for (auto& r : sim.requests())
          if (r.at("status") == json::value(429)) return true;
        return false;
      },
      20s));
  for (int i = 2; i <= 5; ++i) d.drop(run.names[i - 1], campfire_job(51, version(i)));
  BOOST_TEST_REQUIRE(d.wait_settled(5, 60s), diagnosis(d));
  expect_all_done(d, run.names);
  const auto puts = updates_of(sim, "campfire", 51);
  run.puts_applied = puts.size();
  run.puts_seen = requests_of(sim, "campfire", "PUT", 51);
  for (auto& r : puts)
    if (r.at("job").is_string()) run.carriers.insert(std::string(r.at("job").as_string()));
  run.folded = events_named(d, "folded");
  run.message = sim_state(sim, "campfire", 51).at("message_on_invoice");
  return run;
}

}  // namespace

BOOST_AUTO_TEST_CASE(waiting_campfire_jobs_are_folded_into_the_newest) {
  const fold_run run = five_waiting_jobs("");
  BOOST_TEST(run.puts_applied < 5u);
  BOOST_TEST(run.puts_seen < 5u);  // the first one (answered 429) included
  BOOST_TEST(run.message == json::value("v05"));
  BOOST_TEST(!run.folded.empty());
  // Every job either carried a request that changed the invoice or was folded into one
  // that did, never both; `into` names a carrier.
  std::set<std::string> folded;
  for (auto& e : run.folded) {
    const std::string job(e.at("job").as_string());
    BOOST_TEST_REQUIRE(e.contains("into"));
    const std::string into(e.at("into").as_string());
    BOOST_TEST(folded.insert(job).second, job << " folded twice");
    BOOST_TEST(job != into);
    BOOST_TEST(run.carriers.count(into) == 1u,
               job << " folded into " << into << ", whose request did not change it");
    BOOST_TEST(run.carriers.count(job) == 0u, job << " was folded and sent too");
  }
  for (auto& n : run.names) BOOST_TEST((folded.count(n) + run.carriers.count(n)) == 1u, n);
}

BOOST_AUTO_TEST_CASE(fold_false_sends_every_waiting_job) {
  const fold_run run = five_waiting_jobs("    fold: false\n");
  BOOST_TEST(run.puts_applied == 5u);
  BOOST_TEST(run.folded.empty());
  BOOST_TEST(run.message == json::value("v05"));
}

// ---- e) Campfire "mode": "merge" ---------------------------------------------------------

BOOST_AUTO_TEST_CASE(campfire_merge_changes_only_the_given_field) {
  temp_dir dir;
  sim_fixture sim(dir / "sim");
  daemon_fixture d(dir / "d", quick_retry + "backends:\n" + backend_yaml(sim, "books", "campfire"));
  // A full invoice with values that differ from the simulator's defaults.
  d.drop("full.json", campfire_job(61, "before",
                                   R"(,"purchase_order_number":"PO-61","currency":"EUR",)"
                                   R"("billing_address":"1 Main St","status":"sent")"));
  BOOST_TEST_REQUIRE(d.wait_in("done", "full.json"), diagnosis(d));
  const json::object before = sim_state(sim, "campfire", 61).as_object();
  BOOST_TEST_REQUIRE(before.at("purchase_order_number") == json::value("PO-61"));

  d.drop(
      "merge.json",
      R"({"backend":"books","invoice_id":61,"mode":"merge","update":{"message_on_invoice":"after"}})");
  BOOST_TEST_REQUIRE(d.wait_settled(2, 30s), diagnosis(d));
  BOOST_TEST_REQUIRE(fs::exists(d.spool() / "done" / "merge.json"), diagnosis(d));
  const json::object after = sim_state(sim, "campfire", 61).as_object();
  BOOST_TEST(after.at("message_on_invoice") == json::value("after"));
  BOOST_TEST(json::serialize(comparable(after, "message_on_invoice")) ==
             json::serialize(comparable(before, "message_on_invoice")));
  BOOST_TEST(after.at("lines").as_array().size() == 2u);
}

// ---- f) skip_unchanged -------------------------------------------------------------------

namespace {

// With skip_unchanged, three jobs for one invoice, one after the other: the first differs
// from the invoice (written), the second repeats it (finished without a write, event
// `unchanged`), the third changes the message (written). `job(message)` makes the job
// file; `message_of` reads the message from /_sim/state.
void skip_unchanged_run(const std::string& api, const std::string& backend,
                        const std::function<std::string(const std::string&)>& job,
                        const char* message_key, std::int64_t invoice) {
  temp_dir dir;
  sim_fixture sim(dir / "sim", R"({"limits": {"bigcapital": {"kind": "none"}}})");
  daemon_fixture d(dir / "d", quick_retry + "backends:\n" +
                                  backend_yaml(sim, backend, api, "    skip_unchanged: true\n"));
  const std::vector<std::string> names = {"first.json", "same.json", "changed.json"};
  const std::vector<std::string> messages = {"same", "same", "changed"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    d.drop(names[i], job(messages[i]));
    BOOST_TEST_REQUIRE(d.wait_settled(i + 1, 30s), diagnosis(d));
  }
  expect_all_done(d, names);

  std::string seen = "requests:";
  for (auto& r : sim.requests())
    seen += "\n  " + json::serialize(r.at("method")) + " " + json::serialize(r.at("target")) + " " +
            json::serialize(r.at("result")) + " " + json::serialize(r.at("job"));
  BOOST_TEST_INFO(seen << "\nstatus log:\n" << d.status_log());
  std::set<std::string> unchanged;
  for (auto& e : events_named(d, "unchanged"))
    unchanged.insert(std::string(e.at("job").as_string()));
  BOOST_TEST((unchanged == std::set<std::string>{"same.json"}));
  std::map<std::string, int> puts;  // by job
  for (auto& r : sim.requests())
    if (is(r, "method", "PUT") && r.at("job").is_string())
      ++puts[std::string(r.at("job").as_string())];
  BOOST_TEST(puts["first.json"] == 1);
  BOOST_TEST(puts["same.json"] == 0);
  BOOST_TEST(puts["changed.json"] == 1);
  BOOST_TEST(requests_of(sim, api, "PUT", invoice) == 2u);
  BOOST_TEST(sim_state(sim, api, invoice).at(message_key) == json::value("changed"));
}

}  // namespace

BOOST_AUTO_TEST_CASE(skip_unchanged_campfire_finishes_a_job_already_on_the_invoice_unwritten) {
  skip_unchanged_run(
      "campfire", "books", [](const std::string& m) { return campfire_job(71, m); },
      "message_on_invoice", 71);
}

BOOST_AUTO_TEST_CASE(skip_unchanged_bigcapital_finishes_a_job_already_on_the_invoice_unwritten) {
  skip_unchanged_run(
      "bigcapital", "ledger", [](const std::string& m) { return bigcapital_job(72, m); },
      "invoiceMessage", 72);
}

BOOST_AUTO_TEST_SUITE_END()

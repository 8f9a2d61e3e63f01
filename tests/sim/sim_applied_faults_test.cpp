// Apply-then-fail faults end to end: the real reconciler-sim over verified TLS. An
// applied_* fault lets the update change the simulated state and then fails the answer
// (drop, reset, or an HTML status page), so the client cannot tell whether it landed; a
// plain fault of the same shape changes nothing. `writes_only` faults leave read-backs
// alone.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <string>

#include "tests/sim/sim_harness.hpp"

namespace json = boost::json;
using reconcilerd::sim::testing::http_reply;
using reconcilerd::sim::testing::sim_process;
using reconcilerd::sim::testing::url_encode;

namespace {

const std::string whmcs_api = "/whmcs/includes/api.php";
const std::string whmcs_auth = "identifier=sim-id&secret=sim-secret";
const std::string simetri_update = "/simetri/api/account.invoice/update/";
const std::string simetri_token = "sim-simetri-token";
const std::string campfire_inv = "/campfire/coa/api/v1/invoice/";

// An UpdateInvoice that appends one line (not safe to repeat).
std::string whmcs_new_item(const std::string& description) {
  return "action=UpdateInvoice&" + whmcs_auth + "&invoiceid=7&responsetype=json" +
         "&newitemdescription%5B%5D=" + url_encode(description) +
         "&newitemamount%5B%5D=25.00&newitemtaxed%5B%5D=1";
}

std::string simetri_new_line(const std::string& name) {
  return "token=" + simetri_token + "&update_vals=" +
         url_encode("{'invoice_line': [(0, 0, {'name': u'" + name +
                    "', 'quantity': 1, 'price_unit': 80.0})]}");
}

// Lines of a JSON array (under `key`) whose `field` equals `value`.
std::size_t count_lines(const json::array& lines, const char* field, const std::string& value) {
  std::size_t n = 0;
  for (const json::value& l : lines) {
    const json::value* v = l.as_object().if_contains(field);
    if (v && v->is_string() && v->get_string() == value) ++n;
  }
  return n;
}

// WHMCS GetInvoice (a read: writes_only faults never meet it) -> items.item[].
json::array whmcs_items(const sim_process& sim) {
  const http_reply r =
      sim.form(whmcs_api, "action=GetInvoice&" + whmcs_auth + "&invoiceid=7&responsetype=json");
  BOOST_TEST_REQUIRE(r.status == 200);
  return r.json().at("items").at("item").as_array();
}

json::value sim_state(const sim_process& sim, const std::string& api, int id) {
  const http_reply r = sim.call("GET", "/_sim/state/" + api + "/" + std::to_string(id));
  BOOST_TEST_REQUIRE(r.status == 200);
  return r.json();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reconciler_sim_applied_faults)

BOOST_AUTO_TEST_CASE(whmcs_applied_drop_appends_the_new_item_once_and_answers_nothing) {
  sim_process sim(
      R"({"faults": [{"api": "whmcs", "kind": "applied_drop", "writes_only": true, "first_n": 1}]})");
  http_reply r = sim.call(
      "POST", whmcs_api,
      {{"Content-Type", "application/x-www-form-urlencoded"}, {"X-Reconcilerd-Job", "job-a"}},
      whmcs_new_item("Setup fee"));
  BOOST_TEST(r.status == 0);  // no HTTP answer at all
  BOOST_TEST(!r.error.empty());

  // The read-back (not a write: not faulted) shows the line, once; so does the raw state.
  const json::array items = whmcs_items(sim);
  BOOST_TEST(items.size() == 3u);
  BOOST_TEST(count_lines(items, "description", "Setup fee") == 1u);
  BOOST_TEST(count_lines(sim_state(sim, "whmcs", 7).at("items").at("item").as_array(),
                         "description", "Setup fee") == 1u);

  const auto lines = sim.log_lines();
  BOOST_TEST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(lines[0].at("result") == json::value("updated"));
  BOOST_TEST(lines[0].at("fault") == json::value("applied_drop"));
  BOOST_TEST(lines[0].at("status").is_null());
  BOOST_TEST(lines[0].at("invoice_id") == json::value(7));
  BOOST_TEST(lines[0].at("job") == json::value("job-a"));
  BOOST_TEST(lines[1].at("result") == json::value("read"));
  BOOST_TEST(lines[1].at("fault").is_null());

  // first_n: 1 is used up: the next write is answered, and appends a second line.
  r = sim.form(whmcs_api, whmcs_new_item("Setup fee"));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == R"({"result":"success","invoiceid":"7"})");
  BOOST_TEST(count_lines(whmcs_items(sim), "description", "Setup fee") == 2u);
}

BOOST_AUTO_TEST_CASE(simetri_applied_status_500_leaves_the_created_line) {
  sim_process sim(R"({"faults": [{"api": "simetri", "kind": "applied_status", "status": 500,
                                  "writes_only": true, "first_n": 1}]})");
  const http_reply r = sim.form(simetri_update + "7", simetri_new_line("Support"));
  BOOST_TEST(r.status == 500);
  BOOST_TEST(r.headers.at("content-type") == "text/html");
  BOOST_TEST(r.body.find("<html>") != std::string::npos);
  BOOST_TEST(r.body.find("Record Updated") == std::string::npos);

  // Lines 13 and 14 exist; the (0, 0, ..) created 2001 although the client saw a 500.
  http_reply got = sim.call("GET", "/simetri/api/account.invoice/search/7?token=" + simetri_token);
  BOOST_TEST_REQUIRE(got.status == 200);
  BOOST_TEST(json::serialize(got.json().as_array().at(0).at("invoice_line")) == "[13,14,2001]");
  got = sim.call("GET", "/simetri/api/account.invoice.line/search/2001?token=" + simetri_token);
  BOOST_TEST(got.json().as_array().at(0).at("name") == json::value("Support"));
  BOOST_TEST(count_lines(sim_state(sim, "simetri", 7).at("lines").as_array(), "name", "Support") ==
             1u);

  const auto lines = sim.log_lines();
  BOOST_TEST_REQUIRE(lines.size() == 3u);
  BOOST_TEST(lines[0].at("result") == json::value("updated"));
  BOOST_TEST(lines[0].at("fault") == json::value("applied_status"));
  BOOST_TEST(lines[0].at("status") == json::value(500));
  BOOST_TEST(lines[1].at("fault").is_null());
  BOOST_TEST(lines[2].at("fault").is_null());
}

BOOST_AUTO_TEST_CASE(plain_drop_and_status_apply_nothing) {
  sim_process sim(R"({"faults": [
      {"api": "whmcs", "kind": "drop", "writes_only": true, "first_n": 1},
      {"api": "simetri", "kind": "status", "status": 500, "writes_only": true, "first_n": 1}]})");
  http_reply r = sim.form(whmcs_api, whmcs_new_item("Setup fee"));
  BOOST_TEST(r.status == 0);
  BOOST_TEST(!r.error.empty());
  const json::array items = whmcs_items(sim);
  BOOST_TEST(items.size() == 2u);
  BOOST_TEST(count_lines(items, "description", "Setup fee") == 0u);
  BOOST_TEST(count_lines(sim_state(sim, "whmcs", 7).at("items").at("item").as_array(),
                         "description", "Setup fee") == 0u);

  r = sim.form(simetri_update + "7", simetri_new_line("Support"));
  BOOST_TEST(r.status == 500);
  BOOST_TEST(count_lines(sim_state(sim, "simetri", 7).at("lines").as_array(), "name", "Support") ==
             0u);

  const auto lines = sim.log_lines();
  BOOST_TEST_REQUIRE(lines.size() == 3u);
  BOOST_TEST(lines[0].at("result") == json::value("fault"));
  BOOST_TEST(lines[0].at("fault") == json::value("drop"));
  BOOST_TEST(lines[1].at("result") == json::value("read"));
  BOOST_TEST(lines[2].at("result") == json::value("fault"));
  BOOST_TEST(lines[2].at("fault") == json::value("status"));
}

BOOST_AUTO_TEST_CASE(applied_reset_changes_state_and_reads_meet_it_without_writes_only) {
  // Without writes_only the first request (a read) meets the fault too: it is answered by
  // the API, then reset -- to the client the same as a plain reset.
  sim_process sim(R"({"faults": [{"api": "campfire", "kind": "applied_reset", "first_n": 2}]})");
  const std::string auth = "Token sim-campfire-key";
  http_reply r = sim.json("GET", campfire_inv + "7/", auth, "");
  BOOST_TEST(r.status == 0);
  const std::string body =
      R"({"client":"3","entity":"1","invoice_date":"2024-02-01","due_date":"2024-03-01",)"
      R"("message_on_invoice":"applied then reset","lines":[{"amount":"9.50"}]})";
  r = sim.json("PUT", campfire_inv + "7/", auth, body);
  BOOST_TEST(r.status == 0);
  BOOST_TEST(!r.error.empty());
  const json::value state = sim_state(sim, "campfire", 7);
  BOOST_TEST(state.at("message_on_invoice") == json::value("applied then reset"));
  BOOST_TEST(state.at("total_amount") == json::value("9.50"));

  r = sim.json("GET", campfire_inv + "7/", auth, "");  // the 3rd request: no fault
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.json().at("message_on_invoice") == json::value("applied then reset"));

  const auto lines = sim.log_lines();
  BOOST_TEST_REQUIRE(lines.size() == 3u);
  BOOST_TEST(lines[0].at("result") == json::value("read"));
  BOOST_TEST(lines[0].at("fault") == json::value("applied_reset"));
  BOOST_TEST(lines[0].at("status").is_null());
  BOOST_TEST(lines[1].at("result") == json::value("updated"));
  BOOST_TEST(lines[1].at("fault") == json::value("applied_reset"));
  BOOST_TEST(lines[2].at("fault").is_null());
}

BOOST_AUTO_TEST_CASE(every_write_applies_once_whatever_the_client_saw) {
  // About half of the writes fail after applying; reads in between are never faulted. Each of the
  // 20 distinct lines is on the invoice exactly once, and the client saw an answer for
  // exactly the writes the log shows without a fault.
  sim_process sim(R"({"seed": 5, "faults": [
      {"api": "whmcs", "kind": "applied_drop", "writes_only": true, "probability": 0.3},
      {"api": "whmcs", "kind": "applied_status", "status": 502, "writes_only": true,
       "probability": 0.3}]})");
  int answered = 0;
  for (int i = 0; i < 20; ++i) {
    const http_reply r = sim.form(whmcs_api, whmcs_new_item("item " + std::to_string(i)));
    if (r.status == 200) {
      BOOST_TEST(r.body == R"({"result":"success","invoiceid":"7"})");
      ++answered;
    } else {
      BOOST_TEST((r.status == 0 || r.status == 502));
    }
    BOOST_TEST(whmcs_items(sim).size() == 3u + static_cast<std::size_t>(i));
  }
  const json::array items = sim_state(sim, "whmcs", 7).at("items").at("item").as_array();
  for (int i = 0; i < 20; ++i)
    BOOST_TEST(count_lines(items, "description", "item " + std::to_string(i)) == 1u);

  int updated = 0, faulted = 0, drops = 0, statuses = 0;
  for (const auto& l : sim.log_lines()) {
    if (l.at("result") == json::value("read")) {
      BOOST_TEST(l.at("fault").is_null());
      continue;
    }
    BOOST_TEST(l.at("result") == json::value("updated"));
    ++updated;
    if (!l.at("fault").is_null()) ++faulted;
    drops += l.at("fault") == json::value("applied_drop");
    statuses += l.at("fault") == json::value("applied_status");
  }
  BOOST_TEST(updated == 20);
  BOOST_TEST(faulted == 20 - answered);
  BOOST_TEST(drops > 0);     // the seed gives both kinds at least once
  BOOST_TEST(statuses > 0);  // (and some plain answers)
  BOOST_TEST(answered > 0);
}

BOOST_AUTO_TEST_SUITE_END()

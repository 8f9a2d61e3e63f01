// End-to-end tests of reconciler-sim: the real binary as a child process, real TLS,
// one correct update per API (with read-back) and each documented wrong variant.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>

#include "tests/sim/sim_harness.hpp"

namespace json = boost::json;
using reconcilerd::sim::testing::run_sim_expecting_exit;
using reconcilerd::sim::testing::sim_process;
using reconcilerd::sim::testing::url_encode;

namespace {

const std::string simetri_update = "/simetri/api/account.invoice/update/";
const std::string whmcs_api = "/whmcs/includes/api.php";
const std::string alloy_inv = "/alloy/accounting/invoices/";
const std::string campfire_inv = "/campfire/coa/api/v1/invoice/";
const std::string bigcapital_inv = "/bigcapital/api/sale-invoices/";

std::string simetri_body(const std::string& token, const std::string& vals) {
  return "token=" + url_encode(token) + "&update_vals=" + url_encode(vals);
}

const std::string whmcs_auth = "identifier=sim-id&secret=sim-secret";

const std::string campfire_ok =
    R"({"client":"3","entity":"1","invoice_date":"2024-02-01","due_date":"2024-03-01",)"
    R"("terms":"net_30","lines":[{"amount":"120.50","description":"Hosting"}]})";
const std::string bigcapital_ok =
    R"({"customerId":7,"invoiceDate":"2024-02-01","dueDate":"2024-03-01",)"
    R"("entries":[{"index":1,"itemId":3,"rate":120.5,"quantity":2}]})";

}  // namespace

BOOST_AUTO_TEST_SUITE(reconciler_sim)

BOOST_AUTO_TEST_CASE(start_writes_sim_json_and_ready_line_and_exits_0_on_sigterm) {
  sim_process sim;
  const std::string out = sim.stdout_text();
  BOOST_TEST(out == "reconciler-sim ready port=" + std::to_string(sim.port()) +
                        " ca=" + sim.ca_file() +
                        " log=" + (sim.dir() / "sim" / "requests.jsonl").string() + "\n");
  BOOST_TEST(sim.stop() == 0);
}

BOOST_AUTO_TEST_CASE(unknown_config_key_exits_2) {
  const auto [rc, err] = run_sim_expecting_exit(R"({"seed": 1, "invoice": 10})");
  BOOST_TEST(rc == 2);
  BOOST_TEST(err.find("invoice: unknown key") != std::string::npos);
  const auto [rc2, err2] = run_sim_expecting_exit(
      R"({"limits": {"alloy": {"kind": "window", "limit": 1, "windw_s": 1}}})");
  BOOST_TEST(rc2 == 2);
  BOOST_TEST(err2.find("limits.alloy.windw_s: unknown key") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(simetri_update_and_errors) {
  sim_process sim;
  auto r =
      sim.form(simetri_update + "7",
               simetri_body("sim-simetri-token",
                            "{'urgent': True, 'period_id': False, 'invoice_line': [(5,), "
                            "(0, 0, {'name': u'Hosting', 'quantity': 2, 'price_unit': 3.5})]}"));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == R"({"success":"Record Updated Successfully"})");
  // Repeating a (0, 0, ..) command duplicates the line; the read-back shows both.
  r = sim.form(
      simetri_update + "7",
      simetri_body("sim-simetri-token", "{'invoice_line': [(0, 0, {'name': 'Hosting'})]}"));
  BOOST_TEST(r.body == R"({"success":"Record Updated Successfully"})");
  r = sim.call("GET", "/simetri/api/account.invoice/search/7?token=sim-simetri-token");
  BOOST_TEST(r.status == 200);
  const json::object inv = r.json().as_array().at(0).as_object();
  BOOST_TEST(inv.at("urgent") == json::value(true));
  BOOST_TEST(json::serialize(inv.at("invoice_line")) == "[2001,2002]");
  BOOST_TEST(json::serialize(inv.at("partner_id")) == R"([8,"partner 8"])");
  r = sim.call("GET", "/simetri/api/account.invoice.line/search/2001?token=sim-simetri-token");
  BOOST_TEST(r.json().as_array().at(0).as_object().at("name") == json::value("Hosting"));

  auto expect_error = [&](const std::string& body, const std::string& error,
                          const std::string& id = "7") {
    auto e = sim.form(simetri_update + id, body);
    BOOST_TEST(e.status == 200);
    BOOST_TEST(e.body == json::serialize(json::object{{"error", error}}));
  };
  expect_error(simetri_body("sim-simetri-token", "{'urgent': true}"),
               "Model Not Found name 'true' is not defined");
  expect_error(simetri_body("sim-simetri-token", "{'period_id': null}"),
               "Model Not Found name 'null' is not defined");
  expect_error(simetri_body("sim-simetri-token", "{'invoice_line': [(5)]}"),
               "Model Not Found 'int' object is not iterable");
  expect_error("token=sim-simetri-token", "update_vals not fount in query string");
  expect_error(simetri_body("wrong", "{}"), "Invalid User Token");
  expect_error(simetri_body("sim-simetri-token", "{'invoice_line': [(2, 999999, 0)]}"),
               "Model Not Found One of the records you are trying to modify has already been "
               "deleted (Document type: Invoice Line).");
  expect_error(simetri_body("sim-simetri-token", "{'urgent': False}"),
               "Model Not Found One of the records you are trying to modify has already been "
               "deleted (Document type: Invoice).",
               "5000");
  // A failed write changes nothing (one transaction): the (5,) before the bad delete is undone.
  expect_error(simetri_body("sim-simetri-token", "{'invoice_line': [(5,), (2, 13)]}"),
               "Model Not Found One of the records you are trying to modify has already been "
               "deleted (Document type: Invoice Line).");
  r = sim.call("GET", "/simetri/api/account.invoice/search/7?token=sim-simetri-token");
  BOOST_TEST(json::serialize(r.json().as_array().at(0).as_object().at("invoice_line")) ==
             "[2001,2002]");
  r = sim.call("GET", "/simetri/api/account.invoice/search/5000?token=sim-simetri-token");
  BOOST_TEST(r.body == "[]");
}

BOOST_AUTO_TEST_CASE(whmcs_update_and_errors) {
  sim_process sim;
  const std::string base = "action=UpdateInvoice&" + whmcs_auth + "&invoiceid=7";
  auto r = sim.form(whmcs_api, base +
                                   "&responsetype=json&status=Unpaid&itemdescription%5B13%5D=Web"
                                   "&itemamount%5B13%5D=16.95&itemtaxed%5B13%5D=0"
                                   "&newitemdescription%5B%5D=Extra&newitemamount%5B%5D=2.00"
                                   "&newitemtaxed%5B%5D=1");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == R"({"result":"success","invoiceid":"7"})");
  r = sim.form(whmcs_api,
               base + "&responsetype=json&newitemdescription[]=Extra&newitemamount[]=2.00");
  BOOST_TEST(r.body == R"({"result":"success","invoiceid":"7"})");
  r = sim.form(whmcs_api, "action=GetInvoice&" + whmcs_auth + "&invoiceid=7&responsetype=json");
  BOOST_TEST(r.status == 200);
  const json::object inv = r.json().as_object();
  BOOST_TEST(inv.at("status") == json::value("Unpaid"));
  BOOST_TEST(
      json::serialize(inv.at("items")) ==
      R"({"item":[{"id":13,"type":"","relid":0,"description":"Web","amount":"16.95","taxed":0},)"
      R"({"id":14,"type":"","relid":0,"description":"Line 14","amount":"50.00","taxed":0},)"
      R"({"id":2001,"type":"","relid":0,"description":"Extra","amount":"2.00","taxed":1},)"
      R"({"id":2002,"type":"","relid":0,"description":"Extra","amount":"2.00","taxed":0}]})");

  r = sim.form(whmcs_api, base);  // no responsetype=json: text answer
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == "result=success;invoiceid=7");
  r = sim.form(whmcs_api, base + "&responsetype=json&status=Bogus");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == R"({"result":"error","message":"Invalid status Bogus"})");
  r = sim.form(whmcs_api, base + "&responsetype=json&itemdescription[14]=x&itemamount[14]=1.00");
  BOOST_TEST(r.body ==
             R"({"result":"error","message":"Missing Variables: itemdescription, itemamount and )"
             R"(itemtaxed are required for each item being changed"})");
  r = sim.form(whmcs_api, base + "&responsetype=json&publish=1");  // already Unpaid
  BOOST_TEST(r.body ==
             R"({"result":"error","message":"Invoice must be in Draft status to be published"})");
  r = sim.form(whmcs_api,
               "action=UpdateInvoice&" + whmcs_auth + "&invoiceid=5000&responsetype=json");
  BOOST_TEST(r.body == R"({"result":"error","message":"Invoice ID Not Found"})");
  r = sim.form(whmcs_api, "action=GetInvoice&" + whmcs_auth + "&invoiceid=5000&responsetype=json");
  BOOST_TEST(r.body == R"({"status":"error","message":"Invoice ID Not Found"})");
  r = sim.form(whmcs_api,
               "action=UpdateInvoice&identifier=sim-id&secret=nope&invoiceid=7&responsetype=json");
  BOOST_TEST(r.status == 403);
  BOOST_TEST(r.body == R"({"result":"error","message":"Authentication Failed"})");
}

BOOST_AUTO_TEST_CASE(alloy_update_and_errors) {
  sim_process sim(R"({"limits": {"alloy": {"kind": "window", "limit": 6, "window_s": 600}}})");
  const std::string t = alloy_inv + "7?credentialId=sim-cred";
  auto r = sim.json(
      "PUT", t, "bearer sim-alloy-key",
      R"({"memo":"paid by card","lineItems":[{"description":"Hosting","totalAmount":"16.95"}]})");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.json().at("invoice").at("memo") == json::value("paid by card"));
  r = sim.json("GET", t, "Bearer sim-alloy-key", "");
  BOOST_TEST(r.status == 200);
  const json::value got = r.json();
  const json::array& lines = got.at("invoice").at("lineItems").as_array();
  BOOST_TEST(lines.size() == 1u);
  BOOST_TEST(lines.at(0).at("description") == json::value("Hosting"));
  BOOST_TEST(lines.at(0).at("totalAmount") == json::value(16.95));

  r = sim.json("PUT", t, "bearer wrong", R"({"lineItems":[]})");
  BOOST_TEST(r.status == 401);
  r = sim.json("PUT", alloy_inv + "7?credentialId=other", "bearer sim-alloy-key",
               R"({"lineItems":[]})");
  BOOST_TEST(r.status == 401);
  r = sim.json("PUT", t, "bearer sim-alloy-key",
               R"({"lineItems":[{"description":"x","totalAmount":16.95}]})");
  BOOST_TEST(r.status == 400);
  BOOST_TEST(r.body == R"({"message":"lineItems[0].totalAmount must be a string"})");
  r = sim.json("PUT", alloy_inv + "5000?credentialId=sim-cred", "bearer sim-alloy-key",
               R"({"lineItems":[]})");
  BOOST_TEST(r.status == 404);
  // Counted per credential after auth: PUT, GET, 400, 404 so far.
  r = sim.json("PUT", t, "bearer sim-alloy-key", R"({"lineItems":[]})");  // 5th
  BOOST_TEST(r.status == 200);
  r = sim.json("PUT", t, "bearer sim-alloy-key", R"({"lineItems":[]})");  // 6th of 6
  BOOST_TEST(r.status == 200);
  r = sim.json("PUT", t, "bearer sim-alloy-key", R"({"lineItems":[]})");
  BOOST_TEST(r.status == 429);
  BOOST_TEST(r.headers["retry-after"] == "600");
}

BOOST_AUTO_TEST_CASE(campfire_update_and_errors) {
  sim_process sim(R"({"limits": {"campfire": {"kind": "window", "limit": 5, "window_s": 30}}})");
  auto r = sim.json("PUT", campfire_inv + "7/", "Token sim-campfire-key", campfire_ok);
  BOOST_TEST(r.status == 200);
  r = sim.json("GET", campfire_inv + "7/", "Bearer sim-campfire-key", "");
  BOOST_TEST(r.status == 200);
  const json::object inv = r.json().as_object();
  BOOST_TEST(inv.at("client") == json::value(3));
  BOOST_TEST(inv.at("status").is_null());  // full replacement: missing fields become null
  BOOST_TEST(inv.at("total_amount") == json::value("120.50"));
  BOOST_TEST(inv.at("lines").as_array().size() == 1u);

  r = sim.json("PUT", campfire_inv + "7/", "Token wrong", campfire_ok);
  BOOST_TEST(r.status == 401);
  BOOST_TEST(r.body == R"({"detail":"Invalid token."})");
  r = sim.json(
      "PUT", campfire_inv + "7/", "Token sim-campfire-key",
      R"({"client":"3","entity":"1","invoice_date":"2024-02-01","lines":[{"rate":"1.00"}]})");
  BOOST_TEST(r.status == 400);
  BOOST_TEST(
      r.body ==
      R"({"due_date":["This field is required."],"lines":[{"amount":["This field is required."]}]})");
  r = sim.json("PUT", campfire_inv + "5000/", "Token sim-campfire-key", campfire_ok);
  BOOST_TEST(r.status == 404);
  BOOST_TEST(r.body == R"({"detail":"Not found."})");
  r = sim.json("PUT", campfire_inv + "7", "Token sim-campfire-key", campfire_ok);
  BOOST_TEST(r.status == 301);
  BOOST_TEST(r.headers["location"] == campfire_inv + "7/");
  // Throttling counts after auth; the 301 comes from middleware: PUT, GET, 400, 404 so far.
  r = sim.json("PUT", campfire_inv + "7/", "Token sim-campfire-key", campfire_ok);  // 5th
  BOOST_TEST(r.status == 200);
  r = sim.json("PUT", campfire_inv + "7/", "Token sim-campfire-key", campfire_ok);
  BOOST_TEST(r.status == 429);
  BOOST_TEST(r.headers["retry-after"] == "30");
  BOOST_TEST(r.body == R"({"detail":"Request was throttled. Expected available in 30 seconds."})");
}

BOOST_AUTO_TEST_CASE(bigcapital_update_and_errors) {
  sim_process sim(R"({"limits": {"bigcapital": {"kind": "window", "limit": 6, "window_s": 60}}})");
  auto r = sim.json("PUT", bigcapital_inv + "7", "Bearer bc_sim", bigcapital_ok);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == R"({"id":7,"message":"The sale invoice has been edited successfully."})");
  // Both throttlers' headers, as the real server sends them: `default` 100/60 s without a
  // suffix, the configured (binding) `auth` one with "-auth".
  BOOST_TEST(r.headers["x-ratelimit-limit"] == "100");
  BOOST_TEST(r.headers["x-ratelimit-remaining"] == "99");
  BOOST_TEST(r.headers["x-ratelimit-reset"] == "60");
  BOOST_TEST(r.headers["x-ratelimit-limit-auth"] == "6");
  BOOST_TEST(r.headers["x-ratelimit-remaining-auth"] == "5");
  BOOST_TEST(r.headers["x-ratelimit-reset-auth"] == "60");
  r = sim.json("GET", bigcapital_inv + "7", "Bearer bc_sim", "");
  BOOST_TEST(r.status == 200);
  const json::object inv = r.json().as_object();
  BOOST_TEST(inv.at("customerId") == json::value(7));
  BOOST_TEST(inv.at("entries").as_array().size() == 1u);
  BOOST_TEST(inv.at("entries").at(0).at("itemId") == json::value(3));

  r = sim.json("PUT", bigcapital_inv + "7", "Bearer bc_wrong", bigcapital_ok);
  BOOST_TEST(r.status == 401);
  BOOST_TEST(r.body == R"({"message":"Unauthorized","statusCode":401})");
  r = sim.json(
      "PUT", bigcapital_inv + "7", "Bearer bc_sim",
      R"({"customerId":7,"invoiceDate":"2024-02-01","dueDate":"2024-03-01","entries":[]})");
  BOOST_TEST(r.status == 400);
  BOOST_TEST(
      r.body ==
      R"({"message":[{"property":"entries","children":[],"constraints":{"arrayMinSize":)"
      R"("entries must contain at least 1 elements"},"value":[]}],"error":"Bad Request","statusCode":400})");
  r = sim.json("PUT", bigcapital_inv + "5000", "Bearer bc_sim", bigcapital_ok);
  BOOST_TEST(r.status == 400);
  BOOST_TEST(r.body ==
             R"({"errors":[{"statusCode":400,"type":"SALE_INVOICE_NOT_FOUND","message":null}]})");
  // The throttler runs before auth: PUT, 401, 400, 400 counted so far (GET has its own window).
  r = sim.json("PUT", bigcapital_inv + "7", "Bearer bc_sim", bigcapital_ok);  // 5th
  BOOST_TEST(r.headers["x-ratelimit-remaining-auth"] == "1");
  BOOST_TEST(r.headers["x-ratelimit-remaining"] == "95");
  r = sim.json("PUT", bigcapital_inv + "7", "Bearer bc_sim", bigcapital_ok);  // 6th
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.headers["x-ratelimit-remaining-auth"] == "0");
  // The 7th: `auth` blocks for a whole window. The 429 carries only Retry-After-auth (no
  // plain Retry-After, no -auth X-RateLimit-*), while the plain headers still say 100/93.
  r = sim.json("PUT", bigcapital_inv + "7", "Bearer bc_sim", bigcapital_ok);
  BOOST_TEST(r.status == 429);
  BOOST_TEST(r.body == R"({"statusCode":429,"message":"ThrottlerException: Too Many Requests"})");
  BOOST_TEST(r.headers["retry-after-auth"] == "60");
  BOOST_TEST(r.headers.count("retry-after") == 0u);
  BOOST_TEST(r.headers.count("x-ratelimit-limit-auth") == 0u);
  BOOST_TEST(r.headers.count("x-ratelimit-remaining-auth") == 0u);
  BOOST_TEST(r.headers["x-ratelimit-limit"] == "100");
  BOOST_TEST(r.headers["x-ratelimit-remaining"] == "93");
  BOOST_TEST(r.headers.count("x-ratelimit-reset") == 1u);
}

BOOST_AUTO_TEST_CASE(configured_faults_and_request_log) {
  sim_process sim(R"({"faults": [
      {"api": "campfire", "kind": "status", "status": 503, "retry_after": "2", "first_n": 1},
      {"api": "alloy", "kind": "drop", "first_n": 1}]})");
  auto r = sim.call("PUT", campfire_inv + "7/",
                    {{"Authorization", "Token sim-campfire-key"}, {"X-Reconcilerd-Job", "job-1"}},
                    campfire_ok);
  BOOST_TEST(r.status == 503);
  BOOST_TEST(r.headers["retry-after"] == "2");
  r = sim.call("PUT", campfire_inv + "7/",
               {{"Authorization", "Token sim-campfire-key"}, {"X-Reconcilerd-Job", "job-1"}},
               campfire_ok);
  BOOST_TEST(r.status == 200);
  r = sim.json("PUT", alloy_inv + "7?credentialId=sim-cred", "bearer sim-alloy-key",
               R"({"lineItems":[]})");
  BOOST_TEST(r.status == 0);  // connection closed without an answer
  BOOST_TEST(!r.error.empty());
  r = sim.json("PUT", alloy_inv + "7?credentialId=sim-cred", "bearer sim-alloy-key",
               R"({"lineItems":[]})");
  BOOST_TEST(r.status == 200);
  sim.form("/simetri/api/account.invoice/search/7", "token=sim-simetri-token");

  const auto lines = sim.log_lines();
  BOOST_TEST_REQUIRE(lines.size() == 5u);
  BOOST_TEST(lines[0].at("api") == json::value("campfire"));
  BOOST_TEST(lines[0].at("status") == json::value(503));
  BOOST_TEST(lines[0].at("result") == json::value("fault"));
  BOOST_TEST(lines[0].at("fault") == json::value("status"));
  BOOST_TEST(lines[0].at("job") == json::value("job-1"));
  BOOST_TEST(lines[1].at("result") == json::value("updated"));
  BOOST_TEST(lines[1].at("invoice_id") == json::value(7));
  BOOST_TEST(lines[1].at("fault").is_null());
  BOOST_TEST(lines[2].at("fault") == json::value("drop"));
  BOOST_TEST(lines[2].at("status").is_null());
  BOOST_TEST(lines[3].at("result") == json::value("updated"));
  BOOST_TEST(lines[3].at("job").is_null());
  BOOST_TEST(lines[4].at("result") == json::value("read"));
  for (const auto& l : lines) {
    const std::string s = json::serialize(l);
    for (const char* secret : {"sim-campfire-key", "sim-alloy-key", "sim-simetri-token"}) {
      BOOST_TEST(s.find(secret) == std::string::npos);
    }
    BOOST_TEST(l.at("t_ms").is_double());
  }
}

BOOST_AUTO_TEST_CASE(token_bucket_limit) {
  sim_process sim(R"({"limits": {"alloy": {"kind": "bucket", "rate": 0.01, "burst": 2}}})");
  const std::string t = alloy_inv + "7?credentialId=sim-cred";
  BOOST_TEST(sim.json("GET", t, "bearer sim-alloy-key", "").status == 200);
  BOOST_TEST(sim.json("GET", t, "bearer sim-alloy-key", "").status == 200);
  const auto r = sim.json("GET", t, "bearer sim-alloy-key", "");
  BOOST_TEST(r.status == 429);
  // An empty bucket refills one token in 100 s at 0.01/s (give or take the elapsed time).
  const int after = std::stoi(r.headers.at("retry-after"));
  BOOST_TEST(after >= 90);
  BOOST_TEST(after <= 100);
}

BOOST_AUTO_TEST_CASE(garbage_reset_slow_faults_and_front_limit) {
  sim_process sim(R"({"limits": {"whmcs": {"kind": "window", "limit": 3, "window_s": 60}},
      "faults": [{"api": "whmcs", "kind": "garbage", "first_n": 1},
                 {"api": "simetri", "kind": "reset", "first_n": 1},
                 {"api": "bigcapital", "kind": "slow", "delay_ms": 300, "first_n": 1}]})");
  const std::string get = "action=GetInvoice&" + whmcs_auth + "&invoiceid=7&responsetype=json";
  auto r = sim.form(whmcs_api, get);
  BOOST_TEST(r.status == 0);
  BOOST_TEST(!r.error.empty());
  BOOST_TEST(sim.form(whmcs_api, get).status == 200);
  BOOST_TEST(sim.form(whmcs_api, get).status == 200);
  BOOST_TEST(sim.form(whmcs_api, get).status == 200);
  r = sim.form(whmcs_api, get);  // the garbled one did not count
  BOOST_TEST(r.status == 429);
  BOOST_TEST(r.headers.count("retry-after") == 1u);
  r = sim.form("/simetri/api/account.invoice/search/7", "token=sim-simetri-token");
  BOOST_TEST(r.status == 0);
  const auto t0 = std::chrono::steady_clock::now();
  r = sim.json("GET", bigcapital_inv + "7", "Bearer bc_sim", "");
  BOOST_TEST(r.status == 200);
  const auto waited =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  BOOST_TEST(waited.count() >= 300);
  const auto lines = sim.log_lines();
  BOOST_TEST_REQUIRE(lines.size() == 7u);
  BOOST_TEST(lines[0].at("fault") == json::value("garbage"));
  BOOST_TEST(lines[4].at("result") == json::value("throttled"));
  BOOST_TEST(lines[5].at("fault") == json::value("reset"));
  BOOST_TEST(lines[6].at("fault") == json::value("slow"));
  BOOST_TEST(lines[6].at("result") == json::value("read"));
}

BOOST_AUTO_TEST_SUITE_END()

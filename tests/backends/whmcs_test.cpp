// Tests of the whmcs adapter: golden job -> request cases (golden/whmcs/*.json), number
// formatting, validation messages, answer classification (200 + result, 403, garbage),
// safe_to_repeat, read-back, and that no secret reaches a message.
#include "backends/whmcs/whmcs.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <map>
#include <string>
#include <vector>

#include "backends/whmcs/body.hpp"
#include "backends/whmcs/md5.hpp"
#include "tests/backends/adapter_tables.hpp"
#include "tests/support/golden.hpp"

namespace json = boost::json;
namespace rb = reconcilerd::backends;
namespace golden = reconcilerd::test::golden;
namespace tables = reconcilerd::test::tables;

namespace {

reconcilerd::config::backend whmcs_config() {
  reconcilerd::config::backend cfg;
  cfg.name = "billing";
  cfg.type = reconcilerd::config::backend_type::whmcs;
  cfg.base_url_text = "https://billing.example.com/billing";
  cfg.base_url = {"https", "billing.example.com", 443, "/billing"};
  cfg.params["identifier"] = "D3m0Ident";
  cfg.secrets["secret"] = "s3cr3t&=+x";
  cfg.secrets["access_key"] = "acc/ess key";
  return cfg;
}

json::object obj(const std::string& text) { return json::parse(text).as_object(); }

rb::response answer(unsigned status, std::string body) {
  rb::response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

reconcilerd::jobs::job job(const std::string& id, const std::string& update) {
  reconcilerd::jobs::job j;
  j.name = "t.json";
  j.invoice_id = id;
  j.update = obj(update);
  return j;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(whmcs)

BOOST_AUTO_TEST_CASE(golden_requests) {
  auto r = golden::run("whmcs", whmcs_config());
  BOOST_TEST(r.cases == 11u);
  BOOST_TEST(r.problems.empty(), golden::joined(r.problems));
}

BOOST_AUTO_TEST_CASE(decimal_formatting) {
  const std::pair<std::string, std::string> cases[] = {
      {"0", "0.00"},
      {"5", "5.00"},
      {"-3", "-3.00"},
      {"0.0", "0.00"},
      {"-0.0", "0.00"},
      {"16.95", "16.95"},
      {"16.9", "16.90"},
      {"0.1", "0.10"},
      {"7.125", "7.125"},
      {"1e3", "1000.00"},
      {"-5.5", "-5.50"},
      {"9999999999999.99", "9999999999999.99"},
      {"123456.78", "123456.78"},
  };
  for (auto& [in, want] : cases) {
    BOOST_TEST_CONTEXT("number " << in) {
      BOOST_TEST(rb::whmcs::format_decimal(json::parse(in)) == want);
    }
  }
}

BOOST_AUTO_TEST_CASE(read_back_request) {
  auto adapter = rb::whmcs::make_adapter(whmcs_config());
  auto r = adapter->read_back(job("77", R"({"status": "Paid"})"));
  json::object want = obj(R"({
    "method": "POST", "target": "/billing/includes/api.php",
    "headers": [["Content-Type", "application/x-www-form-urlencoded"], ["Accept", "application/json"]],
    "form": [["action", "GetInvoice"], ["identifier", "D3m0Ident"], ["secret", "s3cr3t&=+x"],
             ["accesskey", "acc/ess key"], ["responsetype", "json"], ["invoiceid", "77"]]})");
  BOOST_TEST(golden::differences(r, want).empty(), golden::joined(golden::differences(r, want)));
}

BOOST_AUTO_TEST_CASE(valid_updates) {
  const tables::update_row cases[] = {
      {R"({"status": "Draft"})"},
      {R"({"status": "Refunded", "notes": "x"})"},
      {R"({"status": "Collections"})"},
      {R"({"taxrate": 0, "taxrate2": 100})"},
      {R"({"credit": -10.25, "subtotal": 9999999999999.99})"},
      {R"({"date": "2024-02-29"})"},
      {R"({"itemdescription": {"1": ""}, "itemamount": {"1": 0}, "itemtaxed": {"1": true}})"},
      {R"({"newitemdescription": [], "newitemamount": [], "newitemtaxed": []})"},
      {R"({"deletelineids": [1, 18446744073709551615]})"},
      {R"({"publish": false, "publishandsendemail": false})"},
  };
  auto problems = tables::validate_mismatches(*rb::whmcs::make_adapter(whmcs_config()), cases);
  BOOST_TEST(problems.empty(), golden::joined(problems));
}

BOOST_AUTO_TEST_CASE(invalid_updates) {
  const tables::update_row cases[] = {
      {R"({})", "update: is empty; there is nothing to send"},
      {R"({"stauts": "Paid"})", "update.stauts: unknown field"},
      {R"({"status": "paid"})",
       "update.status: must be one of Draft, Unpaid, Paid, Cancelled, Refunded, Collections, "
       "Payment Pending"},
      {R"({"status": "Overdue"})",
       "update.status: must be one of Draft, Unpaid, Paid, Cancelled, Refunded, Collections, "
       "Payment Pending"},
      {R"({"invoiceid": 5, "status": "Paid"})",
       "update.invoiceid: is set by reconcilerd, not by the job"},
      {R"({"action": "DeleteInvoice"})", "update.action: is set by reconcilerd, not by the job"},
      {R"({"notes": ""})", "update.notes: must be a non-empty string (WHMCS ignores empty values)"},
      {R"({"paymentmethod": 3})",
       "update.paymentmethod: must be a non-empty string (WHMCS ignores empty values)"},
      {R"({"taxrate": "10"})", "update.taxrate: must be a number from 0 to 100 (a percentage)"},
      {R"({"taxrate2": -1})", "update.taxrate2: must be a number from 0 to 100 (a percentage)"},
      {R"({"total": "16.95"})", "update.total: must be a number with at most 2 decimals"},
      {R"({"credit": 1.005})", "update.credit: must be a number with at most 2 decimals"},
      {R"({"subtotal": 1e13})", "update.subtotal: must be less than 10^13 in magnitude"},
      {R"({"itemdescription": {"1": "x"}, "itemamount": {"1": -98549598782829.67}, "itemtaxed": {"1": true}})",
       "update.itemamount.1: must be less than 10^13 in magnitude"},
      {R"({"date": "2026-13-01"})", "update.date: must be a date YYYY-MM-DD"},
      {R"({"duedate": "01/12/2026"})", "update.duedate: must be a date YYYY-MM-DD"},
      {R"({"datepaid": "2026-11-03 10:00:00"})", "update.datepaid: must be a date YYYY-MM-DD"},
      {R"({"publish": 1})", "update.publish: must be true or false"},
      {R"({"publishandsendemail": "yes"})", "update.publishandsendemail: must be true or false"},
      {R"({"itemdescription": ["x"], "itemamount": {"1": 1}, "itemtaxed": {"1": true}})",
       "update.itemdescription: must be an object keyed by line id, e.g. {\"13\": ...}"},
      {R"({"itemdescription": {"abc": "x"}})",
       "update.itemdescription.abc: the key must be a line id (a positive integer)"},
      {R"({"itemdescription": {"013": "x"}, "itemamount": {"013": 1}, "itemtaxed": {"013": true}})",
       "update.itemdescription.013: the key must be a line id (a positive integer); "
       "update.itemamount.013: the key must be a line id (a positive integer); "
       "update.itemtaxed.013: the key must be a line id (a positive integer)"},
      {R"({"itemdescription": {"13": "x"}, "itemamount": {"13": 16.95}})",
       "update.itemtaxed: line 13 is missing; itemdescription, itemamount and itemtaxed are "
       "required for each changed line"},
      {R"({"itemamount": {"13": 16.95}})",
       "update.itemdescription: line 13 is missing; itemdescription, itemamount and itemtaxed "
       "are required for each changed line; update.itemtaxed: line 13 is missing; "
       "itemdescription, itemamount and itemtaxed are required for each changed line"},
      {R"({"itemdescription": {"13": "x", "14": "y"}, "itemamount": {"13": 1, "14": 2},
           "itemtaxed": {"13": true}})",
       "update.itemtaxed: line 14 is missing; itemdescription, itemamount and itemtaxed are "
       "required for each changed line"},
      {R"({"itemdescription": {"13": "x"}, "itemamount": {"13": "1"}, "itemtaxed": {"13": 0}})",
       "update.itemamount.13: must be a number with at most 2 decimals; update.itemtaxed.13: "
       "must be true or false"},
      {R"({"newitemdescription": ["a", "b"], "newitemamount": [1], "newitemtaxed": [true, true]})",
       "update.newitemamount: has 1 elements but newitemdescription has 2; the newitem* lists "
       "must be equally long"},
      {R"({"newitemdescription": ["a"], "newitemamount": [1]})",
       "update.newitemtaxed: missing; newitemdescription, newitemamount and newitemtaxed go "
       "together, one element per new line"},
      {R"({"newitemdescription": "a", "newitemamount": [1], "newitemtaxed": [true]})",
       "update.newitemdescription: must be a list with one element per new line"},
      {R"({"newitemdescription": ["a"], "newitemamount": [0.001], "newitemtaxed": ["1"]})",
       "update.newitemamount[0]: must be a number with at most 2 decimals; "
       "update.newitemtaxed[0]: must be true or false"},
      {R"({"deletelineids": [4, "5", 0]})",
       "update.deletelineids[1]: must be a line id (a positive integer); update.deletelineids[2]: "
       "must be a line id (a positive integer)"},
      {R"({"deletelineids": 4})", "update.deletelineids: must be a list of line ids"},
  };
  auto problems = tables::validate_mismatches(*rb::whmcs::make_adapter(whmcs_config()), cases);
  BOOST_TEST(problems.empty(), golden::joined(problems));
}

BOOST_AUTO_TEST_CASE(lenient_config_passes_unknown_scalars_only) {
  auto cfg = whmcs_config();
  cfg.strict_fields = false;
  auto adapter = rb::whmcs::make_adapter(cfg);
  BOOST_TEST(!adapter->validate(obj(R"({"customfield": "x", "status": "Paid"})")).has_value());
  BOOST_TEST(*adapter->validate(obj(R"({"customfield": ["x"]})")) ==
             "update.customfield: unknown field with a value that is not a string, number or "
             "boolean");
  BOOST_TEST(*adapter->validate(obj(R"({"secret": "x"})")) ==
             "update.secret: is set by reconcilerd, not by the job");
  auto fields = golden::form_decode(
      adapter->build(job("3", R"({"x_flag": true, "x_num": 2.5, "x_int": 7})")).body);
  BOOST_TEST_REQUIRE(fields.size() == 9u);
  BOOST_TEST(fields[6].first == "x_flag");
  BOOST_TEST(fields[6].second == "1");
  BOOST_TEST(fields[7].second == "2.50");
  BOOST_TEST(fields[8].second == "7");
}

// PHP trims leading spaces of a form field name and cuts it at a NUL byte: " invoiceid" and
// "responsetype\u0000" would reach WHMCS as invoiceid and responsetype. In lenient mode an
// unknown name must be [a-z0-9_]+; the message shows the name with control characters
// visible (and cut when long).
BOOST_AUTO_TEST_CASE(lenient_field_names_are_lower_case_words) {
  auto cfg = whmcs_config();
  cfg.strict_fields = false;
  const std::string rule =
      ": not a WHMCS field name (only a-z, 0-9 and _ are allowed; PHP "
      "would trim or cut this one)";
  const tables::update_row cases[] = {
      {R"({" invoiceid": 5})", R"(update." invoiceid")" + rule},
      {R"({"invoiceid ": 5})", R"(update."invoiceid ")" + rule},
      {R"({"responsetype\u0000": "xml"})", R"(update."responsetype\u0000")" + rule},
      {R"({"action\u0000x": "DeleteInvoice"})", R"(update."action\u0000x")" + rule},
      {R"({"\u001b[31mred": 1})", R"(update."\u001b[31mred")" + rule},
      {R"({"notes\n": "x"})", R"(update."notes\n")" + rule},
      {R"({"Status": "Paid"})", R"(update."Status")" + rule},
      {R"({"x-y": 1})", R"(update."x-y")" + rule},
      {R"({"custom[1]": "x"})", R"(update."custom[1]")" + rule},
      {R"({"say\"hi\"": "x"})", R"(update."say\"hi\"")" + rule},
      {R"({"": "x"})", R"(update."")" + rule},
      {"{\"" + std::string(70, 'a') + " \": 1}",
       "update.\"" + std::string(60, 'a') + "\"..." + rule},
      {R"({"custom_field_2": "x", "status": "Paid"})"},
  };
  auto problems = tables::validate_mismatches(*rb::whmcs::make_adapter(cfg), cases);
  BOOST_TEST(problems.empty(), golden::joined(problems));
}

BOOST_AUTO_TEST_CASE(classify_answers) {
  auto adapter = rb::whmcs::make_adapter(whmcs_config());
  using k = rb::outcome_kind;
  const std::tuple<rb::response, k, std::string> rows[] = {
      {answer(200, R"({"result":"success","invoiceid":"1"})"), k::delivered,
       "WHMCS updated invoice 1"},
      {answer(200, R"({"result":"success"})"), k::delivered, "WHMCS updated the invoice"},
      {answer(200, R"({"result":"error","message":"Invoice ID Not Found"})"), k::rejected,
       "WHMCS rejected the update: Invoice ID Not Found"},
      {answer(200, R"({"result":"error","message":"Invalid status Overdue"})"), k::rejected,
       "WHMCS rejected the update: Invalid status Overdue"},
      {answer(200,
              R"({"result":"error","message":"Invoice must be in Draft status to be published"})"),
       k::rejected, "WHMCS rejected the update: Invoice must be in Draft status to be published"},
      {answer(
           200,
           R"({"result":"error","message":"Missing Variables: itemdescription, itemamount and itemtaxed are required for each item being changed"})"),
       k::rejected,
       "WHMCS rejected the update: Missing Variables: itemdescription, itemamount and itemtaxed "
       "are required for each item being changed"},
      {answer(200, R"({"result":"error"})"), k::rejected,
       "WHMCS rejected the update: (no message)"},
      {answer(200, R"({"result":"error","message":"Authentication Failed"})"), k::suspend,
       "WHMCS refused the credentials or this client: Authentication Failed"},
      {answer(200, R"({"result":"error","message":"IP Banned"})"), k::suspend,
       "WHMCS refused the credentials or this client: IP Banned"},
      {answer(200, R"({"status":"error","message":"Invoice ID Not Found"})"), k::rejected,
       "WHMCS rejected the update: Invoice ID Not Found"},
      {answer(403, R"({"result":"error","message":"Authentication Failed"})"), k::suspend,
       "WHMCS refused the credentials or this client (HTTP 403): Authentication Failed"},
      {answer(403, R"({"result":"error","message":"Invalid IP 203.0.113.9"})"), k::suspend,
       "WHMCS refused the credentials or this client (HTTP 403): Invalid IP 203.0.113.9"},
      {answer(403, R"({"result":"error","message":"Invalid Access Key"})"), k::suspend,
       "WHMCS refused the credentials or this client (HTTP 403): Invalid Access Key"},
      {answer(403, R"({"result":"error","message":"IP Banned"})"), k::suspend,
       "WHMCS refused the credentials or this client (HTTP 403): IP Banned"},
      {answer(
           403,
           R"({"result":"error","message":"Invalid Permissions: API action \"UpdateInvoice\" is not allowed"})"),
       k::suspend,
       "WHMCS refused the credentials or this client (HTTP 403): Invalid Permissions: API action "
       "\"UpdateInvoice\" is not allowed"},
      {answer(403, "<html>Forbidden</html>"), k::suspend,
       "WHMCS refused the credentials or this client (HTTP 403): <html>Forbidden</html>"},
      {answer(200, "result=success;invoiceid=1"), k::retry,
       "WHMCS answered HTTP 200 with a body that is not JSON: result=success;invoiceid=1"},
      {answer(200, ""), k::retry,
       "WHMCS answered HTTP 200 with a body that is not JSON: (empty body)"},
      {answer(200, R"({"invoiceid":"1"})"), k::retry,
       "WHMCS answered HTTP 200 without a result: {\"invoiceid\":\"1\"}"},
      {answer(500, "<b>Fatal error</b>"), k::retry, "WHMCS answered HTTP 500: <b>Fatal error</b>"},
      {answer(503, ""), k::retry, "WHMCS answered HTTP 503: (empty body)"},
      {answer(404, "Not Found"), k::rejected, "WHMCS answered HTTP 404: Not Found"},
      {answer(401, R"({"result":"error","message":"Authentication Failed"})"), k::suspend,
       "WHMCS answered HTTP 401: Authentication Failed"},
  };
  for (auto& [r, kind, message] : rows) {
    BOOST_TEST_CONTEXT("status " << r.status << " body " << r.body) {
      auto o = adapter->classify(r, {});
      BOOST_TEST(static_cast<int>(o.kind) == static_cast<int>(kind));
      BOOST_TEST(o.message == message);
    }
  }
}

BOOST_AUTO_TEST_CASE(safe_to_repeat) {
  auto adapter = rb::whmcs::make_adapter(whmcs_config());
  const std::pair<std::string, bool> cases[] = {
      {R"({"status": "Paid"})", true},
      {R"({"itemdescription": {"1": "x"}, "itemamount": {"1": 1}, "itemtaxed": {"1": true}})",
       true},
      {R"({"deletelineids": [4]})", true},
      {R"({"publish": false})", true},
      {R"({"newitemdescription": [], "newitemamount": [], "newitemtaxed": []})", true},
      {R"({"newitemdescription": ["a"], "newitemamount": [1], "newitemtaxed": [true]})", false},
      {R"({"newitemamount": [1]})", false},
      {R"({"publish": true})", false},
      {R"({"status": "Draft", "publishandsendemail": true})", false},
  };
  for (auto& [text, safe] : cases) {
    BOOST_TEST_CONTEXT("update: " << text) {
      BOOST_TEST(adapter->safe_to_repeat(obj(text)) == safe);
    }
  }
}

// RFC 1321, appendix A.5: the test suite.
BOOST_AUTO_TEST_CASE(md5_test_vectors) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
       "d174ab98d277d9f5a5611c2c9f419d9f"},
      {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
       "57edf4a22be3c955ac49da2e2107b67a"},
  };
  for (auto& [in, want] : cases) {
    BOOST_TEST_CONTEXT("\"" << in << "\"") { BOOST_TEST(rb::whmcs::md5_hex(in) == want); }
  }
  // Lengths around the padding boundary (55, 56, 64 bytes), checked against md5sum.
  BOOST_TEST(rb::whmcs::md5_hex(std::string(55, 'x')) == "04364420e25c512fd958a70738aa8f72");
  BOOST_TEST(rb::whmcs::md5_hex(std::string(56, 'x')) == "668a72d5ba17f08e62dabcafad6db14b");
  BOOST_TEST(rb::whmcs::md5_hex(std::string(64, 'x')) == "c1bb4f81d892b2d57947682aeb252456");
}

// `render` builds with redacted settings: the password shows as the mask, not as the MD5
// of the mask (which would look like a real credential).
BOOST_AUTO_TEST_CASE(rendered_admin_login_shows_the_mask) {
  auto cfg = whmcs_config();
  cfg.params = {{"username", "apiadmin"}};
  for (auto& secrets :
       {std::map<std::string, std::string>{{"password", "hunter2!"}},
        std::map<std::string, std::string>{{"password_md5", std::string(32, 'a')}}}) {
    cfg.secrets = secrets;
    auto adapter = rb::whmcs::make_adapter(rb::redacted(cfg));
    auto fields = golden::form_decode(adapter->build(job("3", R"({"status": "Paid"})")).body);
    BOOST_TEST_REQUIRE(fields.size() == 6u);
    BOOST_TEST(fields[1].first == "username");
    BOOST_TEST(fields[2].first == "password");
    BOOST_TEST(fields[2].second == "<redacted>");
  }
}

BOOST_AUTO_TEST_CASE(secrets_never_appear_in_messages) {
  auto cfg = whmcs_config();
  cfg.secrets["password"] = "hunter2!";
  auto adapter = rb::whmcs::make_adapter(cfg);
  // The MD5 of the password is what WHMCS takes as the password: as secret as the password.
  const std::vector<std::string> secrets{"s3cr3t&=+x", "acc/ess key", "hunter2!",
                                         "52b1c0c4e443ed8033ec965067e7fc2a"};
  for (auto& s : secrets) {
    auto error = adapter->validate(obj("{\"" + s + "\": 1}"));
    BOOST_TEST_REQUIRE(error.has_value());
    BOOST_TEST(*error == "update.<redacted>: unknown field");
    for (unsigned status : {200u, 403u, 500u}) {
      for (auto& body :
           {R"({"result":"error","message":"bad secret )" + s + "\"}", "secret=" + s,
            std::string(296, 'x') + s, R"({"result":"success","invoiceid":")" + s + "\"}"}) {
        BOOST_TEST_CONTEXT("status " << status << " body " << body) {
          auto o = adapter->classify(answer(status, body), {});
          BOOST_TEST(o.message.find(s) == std::string::npos);
          BOOST_TEST(o.message.find(s.substr(0, 5)) == std::string::npos);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

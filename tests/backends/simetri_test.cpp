// Tests of the simetri adapter: the Python-literal encoder (exact text and round trip
// through the strict parser), golden job -> request cases (golden/simetri/*.json),
// validation messages, answer classification, safe_to_repeat and secret hygiene.
#include "backends/simetri/simetri.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "backends/simetri/body.hpp"
#include "tests/backends/adapter_tables.hpp"
#include "tests/support/golden.hpp"
#include "tests/support/python_literal.hpp"

namespace json = boost::json;
namespace rb = reconcilerd::backends;
namespace golden = reconcilerd::test::golden;
namespace tables = reconcilerd::test::tables;

namespace {

const std::string token = "T0k3n+/=sim";

reconcilerd::config::backend simetri_config(bool strict = true) {
  reconcilerd::config::backend cfg;
  cfg.name = "erp";
  cfg.type = reconcilerd::config::backend_type::simetri;
  cfg.base_url_text = "https://erp.example.id/erp";
  cfg.base_url = {"https", "erp.example.id", 443, "/erp"};
  cfg.strict_fields = strict;
  cfg.secrets["token"] = token;
  return cfg;
}

json::object obj(const std::string& text) { return json::parse(text).as_object(); }

rb::response answer(unsigned status, std::string body, std::vector<rb::header> headers = {}) {
  rb::response r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(simetri)

BOOST_AUTO_TEST_CASE(encoder_exact_text) {
  using rb::simetri::encode_python_literal;
  const std::pair<std::string, std::string> cases[] = {
      {"null", "None"},
      {"true", "True"},
      {"false", "False"},
      {"0", "0"},
      {"-12", "-12"},
      {"18446744073709551615", "18446744073709551615"},
      {"5.0", "5.0"},
      {"16.95", "16.95"},
      {"-0.5", "-0.5"},
      {"1e-7", "1e-07"},
      {"1e300", "1e+300"},
      {"\"\"", "''"},
      {"\"plain\"", "'plain'"},
      {"\"it's\"", "'it\\'s'"},
      {"\"say \\\"hi\\\"\"", "'say \"hi\"'"},
      {"\"a\\\\b\"", "'a\\\\b'"},
      {"\"l1\\nl2\\tt\\rr\"", "'l1\\nl2\\tt\\rr'"},
      {"\"\\u0000\\u001f\\u007f\"", "'\\x00\\x1f\\x7f'"},
      {"\"caf\\u00e9\"", "u'caf\\u00e9'"},
      {"\"\\u20ac 5\\n\"", "u'\\u20ac 5\\n'"},
      {"\"\\ud83d\\ude80\"", "u'\\U0001f680'"},
      {"\"\\u0080\"", "u'\\u0080'"},
      {"[]", "[]"},
      {"[1, \"a\", null]", "[1, 'a', None]"},
      {"{}", "{}"},
      {"{\"b\": 1, \"a\": [true]}", "{'b': 1, 'a': [True]}"},
      {"{\"caf\\u00e9\": 1}", "{u'caf\\u00e9': 1}"},
      {"{\"$tuple\": []}", "()"},
      {"{\"$tuple\": [5]}", "(5,)"},
      {"{\"$tuple\": [6, 0, [1, 2]]}", "(6, 0, [1, 2])"},
      {"{\"$tuple\": 5}", "{'$tuple': 5}"},
      {"{\"$tuple\": [], \"x\": 1}", "{'$tuple': [], 'x': 1}"},
  };
  for (auto& [in, want] : cases) {
    BOOST_TEST_CONTEXT("json: " << in) {
      BOOST_TEST(encode_python_literal(json::parse(in)) == want);
    }
  }
}

BOOST_AUTO_TEST_CASE(encoder_invalid_utf8_and_non_finite) {
  using rb::simetri::encode_python_literal;
  using rb::simetri::encode_python_string;
  BOOST_TEST(encode_python_string("a\xff"
                                  "b") == "u'a\\ufffdb'");
  BOOST_TEST(encode_python_string("\xc3") == "u'\\ufffd'");
  BOOST_TEST(encode_python_literal(json::value(1.0 / 0.0)) == "1e999");
  BOOST_TEST(encode_python_literal(json::value(-1.0 / 0.0)) == "-1e999");
}

BOOST_AUTO_TEST_CASE(encoder_round_trips_through_the_strict_parser) {
  const std::string values[] = {
      "{\"partner_id\": 22, \"urgent\": true, \"period_id\": false, \"note\": null}",
      "{\"s\": \"\\u0001\\u0002 \\\\ ' \\\" \\n\\t\\r \\u00ff \\u4e2d \\ud83d\\ude00\"}",
      "[0.1, 2.5e-10, 1.7976931348623157e308, -4.9e-324, 123456789.125, 3.0]",
      "[-9223372036854775808, 9223372036854775807, 18446744073709551615]",
      "{\"l\": [{\"$tuple\": [0, 0, {\"x\": [{\"$tuple\": [6, 0, [1]]}]}]}, {\"$tuple\": [5]}]}",
      "{\"nested\": [[[]], {}, {\"$tuple\": []}]}",
  };
  for (auto& text : values) {
    BOOST_TEST_CONTEXT("json: " << text) {
      json::value v = json::parse(text);
      std::string literal = rb::simetri::encode_python_literal(v);
      std::string error;
      auto back = reconcilerd::test::parse_python_literal(literal, &error);
      BOOST_TEST_REQUIRE(back.has_value(), error << " in " << literal);
      BOOST_TEST(json::serialize(*back) == json::serialize(v));
      BOOST_TEST((*back == v));
    }
  }
}

BOOST_AUTO_TEST_CASE(golden_requests) {
  auto r = golden::run("simetri", simetri_config(), {"update_vals"});
  BOOST_TEST(r.cases == 10u);
  BOOST_TEST(r.problems.empty(), golden::joined(r.problems));
}

BOOST_AUTO_TEST_CASE(update_vals_are_plain_ascii_text) {
  auto adapter = rb::simetri::make_adapter(simetri_config());
  reconcilerd::jobs::job j;
  j.invoice_id = "4";
  j.update = obj(R"({"invoice_line": [[5], [0, 0, {"name": "Caf\u00e9"}]]})");
  auto fields = golden::form_decode(adapter->build(j).body);
  BOOST_TEST_REQUIRE(fields.size() == 2u);
  BOOST_TEST(fields[1].second == "{'invoice_line': [(5,), (0, 0, {'name': u'Caf\\u00e9'})]}");
}

BOOST_AUTO_TEST_CASE(base_path_may_be_empty) {
  auto cfg = simetri_config();
  cfg.base_url.path = "";
  auto adapter = rb::simetri::make_adapter(cfg);
  reconcilerd::jobs::job j;
  j.invoice_id = "4";
  j.update = obj(R"({"urgent": true})");
  BOOST_TEST(adapter->build(j).target == "/api/account.invoice/update/4");
  BOOST_TEST(adapter->read_back(j).target ==
             "/api/account.invoice/search/4?token=T0k3n%2B%2F%3Dsim");
}

BOOST_AUTO_TEST_CASE(read_back_request) {
  auto adapter = rb::simetri::make_adapter(simetri_config());
  reconcilerd::jobs::job j;
  j.invoice_id = "INV/7";
  j.update = obj(R"({"urgent": true})");
  auto r = adapter->read_back(j);
  BOOST_TEST(r.method == "GET");
  BOOST_TEST(r.target == "/erp/api/account.invoice/search/INV%2F7?token=T0k3n%2B%2F%3Dsim");
  BOOST_TEST_REQUIRE(r.headers.size() == 1u);
  BOOST_TEST(r.headers[0].name == "Accept");
  BOOST_TEST(r.headers[0].value == "application/json");
  BOOST_TEST(r.body.empty());
}

BOOST_AUTO_TEST_CASE(valid_updates) {
  const tables::update_row cases[] = {
      {R"({"partner_id": 1})"},
      {R"({"partner_id": false, "account_id": false, "journal_id": 18446744073709551615})"},
      {R"({"type": "in_invoice"})"},
      {R"({"type": "in_refund", "urgent": false})"},
      {R"({"date_invoice": "2024-02-29", "date_due": "2000-02-29"})"},
      {R"({"last_backoffice_sync": "2026-12-31 00:00:00"})"},
      {R"({"invoice_line": []})"},
      {R"({"invoice_line": [[6, 0, []], [6, 0, [1, 2]]]})"},
      {R"({"invoice_line": [[0, 0, {}]]})"},
      {R"({"invoice_line": [[1, 5, {"name": false, "quantity": false, "sequence": 0}]]})"},
      {R"({"invoice_line": [[0, 0, {"invoice_line_tax_id": [[3, 1], [4, 2], [5], [6, 0, [3]]]}]]})"},
  };
  auto problems = tables::validate_mismatches(*rb::simetri::make_adapter(simetri_config()), cases);
  BOOST_TEST(problems.empty(), golden::joined(problems));
}

BOOST_AUTO_TEST_CASE(invalid_updates) {
  const tables::update_row cases[] = {
      {R"({})", "update: is empty; there is nothing to send"},
      {R"({"partnr_id": 22})", "update.partnr_id: unknown field"},
      {R"({"partner_id": "22"})", "update.partner_id: must be a positive integer (an id) or false"},
      {R"({"partner_id": 0})", "update.partner_id: must be a positive integer (an id) or false"},
      {R"({"period_id": true})", "update.period_id: must be a positive integer (an id) or false"},
      {R"({"journal_id": 46.0})", "update.journal_id: must be a positive integer (an id) or false"},
      {R"({"customer_code": 42})", "update.customer_code: must be a string or false"},
      {R"({"urgency_note": null})", "update.urgency_note: must be a string or false"},
      {R"({"type": "invoice"})",
       "update.type: must be one of out_invoice, in_invoice, out_refund, in_refund"},
      {R"({"type": false})",
       "update.type: must be one of out_invoice, in_invoice, out_refund, in_refund"},
      {R"({"urgent": "True"})", "update.urgent: must be true or false"},
      {R"({"date_invoice": "2026-02-29"})",
       "update.date_invoice: must be a date YYYY-MM-DD or false"},
      {R"({"date_due": "2026-1-05"})", "update.date_due: must be a date YYYY-MM-DD or false"},
      {R"({"date_due": "2026-01-05T00:00:00"})",
       "update.date_due: must be a date YYYY-MM-DD or false"},
      {R"({"last_backoffice_sync": "2026-01-05T10:00:00Z"})",
       "update.last_backoffice_sync: must be a UTC datetime YYYY-MM-DD HH:MM:SS or false"},
      {R"({"last_backoffice_sync": "2026-01-05 24:00:00"})",
       "update.last_backoffice_sync: must be a UTC datetime YYYY-MM-DD HH:MM:SS or false"},
      {R"({"invoice_line": [5]})",
       "update.invoice_line: must be a list of x2many commands; this looks like one command not "
       "wrapped in a list (write [[5]], not [5])"},
      {R"({"invoice_line": [[5], 5]})",
       "update.invoice_line[1]: must be an x2many command: an array whose first element is 0..6"},
      {R"({"invoice_line": {"0": [5]}})",
       "update.invoice_line: must be a list of x2many commands, e.g. [[5], [0, 0, {values}]]"},
      {R"({"invoice_line": [[5], [0, {"name": "x"}]]})",
       "update.invoice_line[1]: command 0 needs 3 elements: [0, 0, {values}]"},
      {R"({"invoice_line": [[7, 1]]})",
       "update.invoice_line[0]: must be an x2many command: an array whose first element is 0..6"},
      {R"({"invoice_line": [[]]})",
       "update.invoice_line[0]: must be an x2many command: an array whose first element is 0..6"},
      {R"({"invoice_line": [["0", 0, {}]]})",
       "update.invoice_line[0]: must be an x2many command: an array whose first element is 0..6"},
      {R"({"invoice_line": [[5, 0]]})", "update.invoice_line[0]: command 5 needs 1 element: [5]"},
      {R"({"invoice_line": [[2, 3, 0]]})",
       "update.invoice_line[0]: command 2 needs 2 elements: [2, id]"},
      {R"({"invoice_line": [[1, 3]]})",
       "update.invoice_line[0]: command 1 needs 3 elements: [1, id, {values}]"},
      {R"({"invoice_line": [[6, [1, 2]]]})",
       "update.invoice_line[0]: command 6 needs 3 elements: [6, 0, [ids]]"},
      {R"({"invoice_line": [[0, 1, {}]]})", "update.invoice_line[0][1]: must be 0"},
      {R"({"invoice_line": [[4, "12"]]})",
       "update.invoice_line[0][1]: must be a positive integer (an id)"},
      {R"({"invoice_line": [[1, 3, [1]]]})",
       "update.invoice_line[0][2]: must be an object of invoice line values"},
      {R"({"invoice_line": [[6, 0, [1, -2]]]})",
       "update.invoice_line[0][2][1]: must be a positive integer (an id)"},
      {R"({"invoice_line": [[6, 0, 3]]})", "update.invoice_line[0][2]: must be a list of ids"},
      {R"({"invoice_line": [[0, 0, {"qty": 1}]]})", "update.invoice_line[0][2].qty: unknown field"},
      {R"({"invoice_line": [[0, 0, {"quantity": "2"}]]})",
       "update.invoice_line[0][2].quantity: must be a number or false"},
      {R"({"invoice_line": [[0, 0, {"sequence": 1.5}]]})",
       "update.invoice_line[0][2].sequence: must be an integer or false"},
      {R"({"invoice_line": [[0, 0, {"name": ["a"]}]]})",
       "update.invoice_line[0][2].name: must be a string or false"},
      {R"({"invoice_line": [[0, 0, {"invoice_line_tax_id": [[6, 0, [1]], [0, 0, {}]]}]]})",
       "update.invoice_line[0][2].invoice_line_tax_id[1]: command 0 is not allowed here (it would "
       "create, change or delete account.tax records); use 3, 4, 5 or 6"},
      {R"({"invoice_line": [[1, 4, {"invoice_line_tax_id": [[2, 9]]}]]})",
       "update.invoice_line[0][2].invoice_line_tax_id[0]: command 2 is not allowed here (it would "
       "create, change or delete account.tax records); use 3, 4, 5 or 6"},
      {R"({"invoice_line": [[1, 4, {"invoice_line_tax_id": [6, 0, [1]]}]]})",
       "update.invoice_line[0][2].invoice_line_tax_id: must be a list of x2many commands; this "
       "looks like one command not wrapped in a list (write [[5]], not [5])"},
      {R"({"partner_id": "x", "urgent": 1, "foo": 2})",
       "update.partner_id: must be a positive integer (an id) or false; update.urgent: must be "
       "true "
       "or false; update.foo: unknown field"},
  };
  auto problems = tables::validate_mismatches(*rb::simetri::make_adapter(simetri_config()), cases);
  BOOST_TEST(problems.empty(), golden::joined(problems));
}

BOOST_AUTO_TEST_CASE(at_most_ten_problems_are_listed) {
  auto adapter = rb::simetri::make_adapter(simetri_config());
  json::object u;
  for (int i = 0; i < 15; ++i) u["x" + std::to_string(i)] = 1;
  auto error = adapter->validate(u);
  BOOST_TEST_REQUIRE(error.has_value());
  BOOST_TEST(*error ==
             "update.x0: unknown field; update.x1: unknown field; update.x2: unknown field; "
             "update.x3: unknown field; update.x4: unknown field; update.x5: unknown field; "
             "update.x6: unknown field; update.x7: unknown field; update.x8: unknown field; "
             "update.x9: unknown field");
}

BOOST_AUTO_TEST_CASE(lenient_config_lets_unknown_fields_through) {
  auto adapter = rb::simetri::make_adapter(simetri_config(false));
  auto update = obj(R"({"x_custom": [1, 2], "invoice_line": [[0, 0, {"x_note": "n"}]]})");
  BOOST_TEST(!adapter->validate(update).has_value());
  BOOST_TEST(*adapter->validate(obj(R"({"x_custom": 1, "urgent": 2})")) ==
             "update.urgent: must be true or false");
  reconcilerd::jobs::job j;
  j.invoice_id = "4";
  j.update = update;
  auto fields = golden::form_decode(adapter->build(j).body);
  BOOST_TEST_REQUIRE(fields.size() == 2u);
  BOOST_TEST(fields[1].second == "{'x_custom': [1, 2], 'invoice_line': [(0, 0, {'x_note': 'n'})]}");
}

BOOST_AUTO_TEST_CASE(classify_answers) {
  auto adapter = rb::simetri::make_adapter(simetri_config());
  using k = rb::outcome_kind;
  struct row {
    rb::response r;
    k kind;
    std::string message;
    bool backend_wide = false;
    std::optional<std::chrono::milliseconds> retry_after = std::nullopt;
  };
  const row rows[] = {
      {answer(200, R"({"success": "Record Updated Successfully"})"), k::delivered,
       "simetri: Record Updated Successfully"},
      {answer(200, R"({"error": "Invalid User Token"})"), k::suspend,
       "simetri refused the token: Invalid User Token"},
      {answer(200, R"({"error": "update_vals not fount in query string"})"), k::rejected,
       "simetri rejected the update: update_vals not fount in query string"},
      {answer(200, R"({"error": "Model Not Found Record does not exist or has been deleted."})"),
       k::rejected,
       "simetri rejected the update: Model Not Found Record does not exist or has been deleted."},
      {answer(
           200,
           R"j({"error": "Model Not Found ('ValidateError', u'Field(s) `partner_id` failed')"})j"),
       k::rejected,
       "simetri rejected the update: Model Not Found ('ValidateError', u'Field(s) `partner_id` "
       "failed')"},
      {answer(
           200,
           R"({"error": "Model Not Found could not serialize access due to concurrent update\n"})"),
       k::retry,
       "simetri hit a transient database error: Model Not Found could not serialize access due "
       "to concurrent update "},
      {answer(200, R"({"error": "Model Not Found deadlock detected\nDETAIL: Process 1 waits"})"),
       k::retry,
       "simetri hit a transient database error: Model Not Found deadlock detected DETAIL: "
       "Process 1 waits"},
      {answer(
           200,
           R"({"error": "Model Not Found could not obtain lock on row in relation \"account_invoice\""})"),
       k::retry,
       "simetri hit a transient database error: Model Not Found could not obtain lock on row in "
       "relation \"account_invoice\""},
      {answer(200, R"({"error": "Model Not Found connection already closed"})"), k::retry,
       "simetri hit a transient database error: Model Not Found connection already closed"},
      {answer(200, R"({"error": "Model Not Found server closed the connection unexpectedly"})"),
       k::retry,
       "simetri hit a transient database error: Model Not Found server closed the connection "
       "unexpectedly"},
      {answer(200, R"({"error": "Model Not Found SSL connection has been closed unexpectedly"})"),
       k::retry,
       "simetri hit a transient database error: Model Not Found SSL connection has been closed "
       "unexpectedly"},
      {answer(200, "<html><body>Internal Server Error</body></html>"), k::retry,
       "simetri answered HTTP 200 with a body that is not JSON: <html><body>Internal Server "
       "Error</body></html>"},
      {answer(200, ""), k::retry,
       "simetri answered HTTP 200 with a body that is not JSON: (empty body)"},
      {answer(200, R"(["success"])"), k::retry,
       "simetri answered HTTP 200 with a body that is not JSON: [\"success\"]"},
      {answer(200, R"({"result": "ok"})"), k::retry,
       "simetri answered HTTP 200 without \"success\" or \"error\": {\"result\": \"ok\"}"},
      {answer(502, "Bad Gateway"), k::retry, "simetri answered HTTP 502: Bad Gateway"},
      {answer(503, "", {{"Retry-After", "120"}}), k::retry,
       "simetri answered HTTP 503: (empty body)", true, std::chrono::seconds(120)},
      {answer(404, "Not Found"), k::rejected, "simetri answered HTTP 404: Not Found"},
      {answer(403, "Forbidden"), k::suspend, "simetri answered HTTP 403: Forbidden"},
  };
  for (auto& row : rows) {
    BOOST_TEST_CONTEXT("status " << row.r.status << " body " << row.r.body) {
      auto o = adapter->classify(row.r, {});
      BOOST_TEST(static_cast<int>(o.kind) == static_cast<int>(row.kind));
      BOOST_TEST(o.message == row.message);
      BOOST_TEST(o.backend_wide == row.backend_wide);
      BOOST_TEST((o.retry_after == row.retry_after));
    }
  }
}

BOOST_AUTO_TEST_CASE(safe_to_repeat) {
  auto adapter = rb::simetri::make_adapter(simetri_config());
  const std::pair<std::string, bool> cases[] = {
      {R"({"partner_id": 22, "urgent": true})", true},
      {R"({"invoice_line": [[5]]})", true},
      {R"({"invoice_line": [[1, 3, {"price_unit": 2}], [3, 4], [4, 5], [6, 0, [1]]]})", true},
      {R"({"invoice_line": [[5], [0, 0, {"name": "x"}]]})", false},
      {R"({"invoice_line": [[2, 8]]})", false},
      {R"({"invoice_line": [[1, 3, {"invoice_line_tax_id": [[4, 1], [6, 0, [2]]]}]]})", true},
      {R"({"invoice_line": [[1, 3, {"invoice_line_tax_id": [[2, 1]]}]]})", false},
      {R"({"invoice_line": [[1, 3, {"invoice_line_tax_id": [[0, 0, {}]]}]]})", false},
  };
  for (auto& [text, safe] : cases) {
    BOOST_TEST_CONTEXT("update: " << text) {
      BOOST_TEST(adapter->safe_to_repeat(obj(text)) == safe);
    }
  }
}

BOOST_AUTO_TEST_CASE(token_never_appears_in_messages) {
  auto adapter = rb::simetri::make_adapter(simetri_config());
  auto error = adapter->validate(obj(R"({"T0k3n+/=sim": 1})"));
  BOOST_TEST_REQUIRE(error.has_value());
  BOOST_TEST(*error == "update.<redacted>: unknown field");
  const std::string bodies[] = {
      R"({"error": "Invalid token T0k3n+/=sim"})",
      R"({"error": "Model Not Found deadlock detected for T0k3n+/=sim"})",
      R"({"success": "T0k3n+/=sim"})",
      "token=T0k3n+/=sim",
      std::string(295, 'x') + "T0k3n+/=sim",  // the excerpt cut would split the token
  };
  for (unsigned status : {200u, 500u, 403u}) {
    for (auto& body : bodies) {
      BOOST_TEST_CONTEXT("status " << status << " body " << body) {
        auto o = adapter->classify(answer(status, body), {});
        BOOST_TEST(o.message.find("T0k3n") == std::string::npos);
        BOOST_TEST(o.message.find("k3n+/") == std::string::npos);
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

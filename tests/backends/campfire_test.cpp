// Campfire adapter tests: golden requests (tests/backends/golden/campfire), DRF answers ->
// outcomes, invalid updates with their exact messages (the full-replacement rule first),
// strictness, and secrets kept out of every message.
#include "backends/campfire/campfire.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>

#include "tests/backends/adapter_tables.hpp"
#include "tests/support/golden.hpp"

namespace b = reconcilerd::backends;
namespace json = boost::json;
namespace golden = reconcilerd::test::golden;
namespace tables = reconcilerd::test::tables;
using namespace std::chrono_literals;

namespace {

const std::string api_key = "cf_SECRET_campfire_key";

reconcilerd::config::backend settings(bool strict = true) {
  reconcilerd::config::backend cfg;
  cfg.name = "books";
  cfg.type = reconcilerd::config::backend_type::campfire;
  cfg.strict_fields = strict;
  cfg.secrets["api_key"] = api_key;
  return cfg;
}

const tables::answer_row answers[] = {
    {"200 with the invoice",
     200,
     {},
     R"({"id": 981, "client": 17, "total_amount": "1200.00"})",
     b::outcome_kind::delivered,
     "invoice updated",
     std::nullopt,
     false},
    {"204", 204, {}, "", b::outcome_kind::delivered, "invoice updated", std::nullopt, false},
    {"400 one field",
     400,
     {},
     R"({"client": ["This field is required."]})",
     b::outcome_kind::rejected,
     "client: This field is required.",
     std::nullopt,
     false},
    {"400 nested line errors",
     400,
     {},
     R"({"client": ["This field is required."], "lines": [{}, {"amount": ["A valid number is required.", "Ensure this value is positive."]}]})",
     b::outcome_kind::rejected,
     "client: This field is required.; lines[1].amount: A valid number is required. Ensure this "
     "value is positive.",
     std::nullopt,
     false},
    {"400 non_field_errors",
     400,
     {},
     R"({"non_field_errors": ["Due date must be on or after the invoice date."]})",
     b::outcome_kind::rejected,
     "Due date must be on or after the invoice date.",
     std::nullopt,
     false},
    {"400 choice",
     400,
     {},
     R"({"terms": ["\"net_31\" is not a valid choice."]})",
     b::outcome_kind::rejected,
     R"(terms: "net_31" is not a valid choice.)",
     std::nullopt,
     false},
    {"400 parse error detail",
     400,
     {},
     R"({"detail": "JSON parse error - Expecting value"})",
     b::outcome_kind::rejected,
     "JSON parse error - Expecting value",
     std::nullopt,
     false},
    {"400 not JSON",
     400,
     {},
     "<h1>Bad Request (400)</h1>",
     b::outcome_kind::rejected,
     "HTTP 400: <h1>Bad Request (400)</h1>",
     std::nullopt,
     false},
    {"401 invalid token",
     401,
     {},
     R"({"detail": "Invalid token."})",
     b::outcome_kind::suspend,
     "HTTP 401: Invalid token.",
     std::nullopt,
     false},
    {"403 view-only key",
     403,
     {},
     R"({"detail": "You do not have permission to perform this action."})",
     b::outcome_kind::suspend,
     "HTTP 403: You do not have permission to perform this action.",
     std::nullopt,
     false},
    {"404",
     404,
     {},
     R"({"detail": "Not found."})",
     b::outcome_kind::rejected,
     "invoice 42 not found (HTTP 404: Not found.)",
     std::nullopt,
     false},
    {"405",
     405,
     {},
     R"({"detail": "Method \"PUT\" not allowed."})",
     b::outcome_kind::rejected,
     R"(HTTP 405: Method "PUT" not allowed.)",
     std::nullopt,
     false},
    {"429 with Retry-After",
     429,
     {{"Retry-After", "17"}},
     R"({"detail": "Request was throttled. Expected available in 17 seconds."})",
     b::outcome_kind::retry,
     "HTTP 429: Request was throttled. Expected available in 17 seconds.",
     17s,
     true},
    {"429 detail only",
     429,
     {},
     R"({"detail": "Request was throttled. Expected available in 12 seconds."})",
     b::outcome_kind::retry,
     "HTTP 429: Request was throttled. Expected available in 12 seconds.",
     12s,
     true},
    {"429 detail singular",
     429,
     {},
     R"({"detail": "Request was throttled. Expected available in 1 second."})",
     b::outcome_kind::retry,
     "HTTP 429: Request was throttled. Expected available in 1 second.",
     1s,
     true},
    {"429 bad Retry-After, detail used",
     429,
     {{"Retry-After", "soon"}},
     R"({"detail": "Request was throttled. Expected available in 5 seconds."})",
     b::outcome_kind::retry,
     "HTTP 429: Request was throttled. Expected available in 5 seconds.",
     5s,
     true},
    {"429 nothing", 429, {}, "", b::outcome_kind::retry, "HTTP 429", std::nullopt, true},
    {"500",
     500,
     {},
     "<h1>Server Error (500)</h1>",
     b::outcome_kind::retry,
     "HTTP 500: <h1>Server Error (500)</h1>",
     std::nullopt,
     false},
    {"503", 503, {}, "", b::outcome_kind::retry, "HTTP 503", std::nullopt, true},
    {"401 echoing the key",
     401,
     {},
     R"({"detail": "Invalid token )" + api_key + R"("})",
     b::outcome_kind::suspend,
     "HTTP 401: Invalid token <redacted>",
     std::nullopt,
     false},
};

const char* const full_invoice = R"({
  "client": 17, "entity": 2, "invoice_date": "2026-11-01", "due_date": "2026-12-01",
  "lines": [{"amount": 1200.0, "description": "Consulting"}]})";

json::object patched(const char* patch) { return tables::patched(full_invoice, patch); }

const char* const missing_note =
    " (Campfire replaces the whole invoice on update: a partial update would wipe every field "
    "left out, so send the complete invoice)";

const tables::update_row invalid[] = {
    {R"({"lines": "<delete>"})", "update: missing lines" + std::string(missing_note)},
    {R"({"client": "<delete>", "due_date": "<delete>"})",
     "update: missing client, due_date" + std::string(missing_note)},
    {R"({"terms": "net_31"})",
     "update.terms: must be one of custom, net_5, net_7, net_10, net_15, net_20, net_30, net_40, "
     "net_45, net_60, net_90, net_105, net_120, due_on_receipt (got \"net_31\")"},
    {R"({"status": "closed"})",
     "update.status: must be one of draft, open, sent, partial, paid, uncollectible, voided (got "
     "\"closed\")"},
    {R"({"total_amount": "1200.00"})",
     "update.total_amount: is read-only (computed by Campfire); leave it out"},
    {R"({"id": 981})", "update.id: is read-only (computed by Campfire); leave it out"},
    {R"({"memo": "hi"})",
     "update.memo: is not a Campfire invoice field (the text printed on the invoice is "
     "message_on_invoice)"},
    {R"({"lines": [{"description": "no amount"}]})", "update.lines[0].amount: is required"},
    {R"({"lines": [{"amount": 100000000000000}]})",
     "update.lines[0].amount: must be < 100000000000000"},
    {R"({"lines": [{"amount": 1}, {"amount": -1e14}]})",
     "update.lines[1].amount: must be > -100000000000000"},
    {R"({"lines": [{"amount": 1, "discount_amount": 1e18}]})",
     "update.lines[0].discount_amount: must be < 1000000000000000000"},
    {R"({"lines": [{"amount": 1, "rate": "150"}]})", "update.lines[0].rate: must be a number"},
    {R"({"client": -1})",
     "update.client: must be an id (a non-empty string or a non-negative integer)"},
    {R"({"entity": 1.5})",
     "update.entity: must be an id (a non-empty string or a non-negative integer)"},
    {R"({"client": null})",
     "update.client: must be an id (a non-empty string or a non-negative integer)"},
    {R"({"invoice_date": "2026-13-01"})",
     "update.invoice_date: must be a date YYYY-MM-DD (got \"2026-13-01\")"},
    {R"({"currency": "EURO"})",
     "update.currency: must be an active ISO 4217 currency code (got \"EURO\")"},
    {R"({"auto_send_invoice": "yes"})", "update.auto_send_invoice: must be true or false"},
    {R"({"lines": []})", "update.lines: must have at least 1 item"},
    {R"({"lines": [{"amount": 1, "product_is_taxable": 1}]})",
     "update.lines[0].product_is_taxable: must be true or false"},
    {R"({"lines": [{"amount": 1, "service_date": "2026-11-01T10:00:00Z"}]})",
     "update.lines[0].service_date: must be a date YYYY-MM-DD without a time of day (got "
     "\"2026-11-01T10:00:00Z\"; send \"2026-11-01\")"},
    {R"({"customer": 17})", "update.customer: unknown field"},
    {R"({"lines": [{"amount": 1, "unit": "h"}]})", "update.lines[0].unit: unknown field"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(campfire)

BOOST_AUTO_TEST_CASE(golden_requests) {
  auto r = golden::run("campfire", {.type = reconcilerd::config::backend_type::campfire});
  BOOST_TEST(r.cases == 10u);
  BOOST_TEST(r.problems.empty(), golden::joined(r.problems));
}

BOOST_AUTO_TEST_CASE(answers_to_outcomes) {
  auto problems = tables::classify_mismatches(*b::campfire::make_adapter(settings()), answers);
  BOOST_TEST(problems.empty(), golden::joined(problems));
}

BOOST_AUTO_TEST_CASE(invalid_updates) {
  auto problems =
      tables::validate_mismatches(*b::campfire::make_adapter(settings()), invalid, full_invoice);
  BOOST_TEST(problems.empty(), golden::joined(problems));
}

BOOST_AUTO_TEST_CASE(partial_update_is_refused_with_the_reason) {
  auto a = b::campfire::make_adapter(settings());
  auto got = a->validate(json::parse(R"({"status": "paid"})").as_object());
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST(*got == std::string("update: missing client, entity, invoice_date, due_date, lines") +
                         missing_note);
  BOOST_TEST(!a->validate(patched("{}")).has_value());
}

BOOST_AUTO_TEST_CASE(non_strict_lets_unknown_fields_through_but_not_read_only_ones) {
  auto loose = b::campfire::make_adapter(settings(false));
  BOOST_TEST(!loose->validate(patched(R"({"customer": 17})")).has_value());
  BOOST_TEST(!loose->validate(patched(R"({"lines": [{"amount": 1, "unit": "h"}]})")).has_value());
  auto got = loose->validate(patched(R"({"amount_due": 0})"));
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST(*got == "update.amount_due: is read-only (computed by Campfire); leave it out");
  BOOST_TEST(loose->validate(patched(R"({"lines": "<delete>"})")).has_value());
}

BOOST_AUTO_TEST_CASE(every_update_is_safe_to_repeat) {
  BOOST_TEST(b::campfire::make_adapter(settings())->safe_to_repeat(patched("{}")));
}

BOOST_AUTO_TEST_SUITE_END()

// Bigcapital adapter tests: golden requests (tests/backends/golden/bigcapital), answers ->
// outcomes with rate hints, invalid updates with their exact messages (date-only dates),
// strictness, and secrets kept out of every message.
#include "backends/bigcapital/bigcapital.hpp"

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

const std::string api_key = "bc_SECRET_bigcapital_key";
const std::string jwt = "eyJ.SECRET_bigcapital_jwt.sig";

reconcilerd::config::backend settings(bool strict = true, bool with_jwt = false) {
  reconcilerd::config::backend cfg;
  cfg.name = "ledger";
  cfg.type = reconcilerd::config::backend_type::bigcapital;
  cfg.strict_fields = strict;
  cfg.secrets["api_key"] = api_key;
  if (with_jwt) {
    cfg.secrets["jwt"] = jwt;
    cfg.params["organization_id"] = "org_5";
  }
  return cfg;
}

const std::vector<b::header> limits_ok = {
    {"X-RateLimit-Limit", "10"}, {"X-RateLimit-Remaining", "7"}, {"X-RateLimit-Reset", "42"}};

const tables::answer_row answers[] = {
    {"200 with hints", 200, limits_ok,
     R"({"id": 42, "message": "The sale invoice has been edited."})", b::outcome_kind::delivered,
     "invoice updated", std::nullopt, false, 10, 7, 42s},
    {"400 nested validation",
     400,
     {},
     R"({"message": [{"property": "entries", "children": [{"property": "0", "children": [{"property": "rate", "constraints": {"isNumber": "rate must be a number conforming to the specified constraints"}}]}]}], "error": "Bad Request", "statusCode": 400})",
     b::outcome_kind::rejected,
     "entries.0.rate: rate must be a number conforming to the specified constraints",
     std::nullopt,
     false},
    {"400 two constraints",
     400,
     {},
     R"({"message": [{"property": "customerId", "constraints": {"isNotEmpty": "customerId should not be empty", "isInt": "customerId must be an integer number"}}], "error": "Bad Request", "statusCode": 400})",
     b::outcome_kind::rejected,
     "customerId: customerId should not be empty; customerId: customerId must be an integer number",
     std::nullopt,
     false},
    {"400 string messages",
     400,
     {},
     R"({"message": ["invoiceDate must be a valid ISO 8601 date string"], "error": "Bad Request", "statusCode": 400})",
     b::outcome_kind::rejected,
     "invoiceDate must be a valid ISO 8601 date string",
     std::nullopt,
     false},
    {"400 invoice not found", 400, limits_ok,
     R"({"errors": [{"statusCode": 400, "type": "SALE_INVOICE_NOT_FOUND", "message": null}]})",
     b::outcome_kind::rejected, "invoice 42 not found (SALE_INVOICE_NOT_FOUND)", std::nullopt,
     false, 10, 7, 42s},
    {"400 number not unique",
     400,
     {},
     R"({"errors": [{"statusCode": 400, "type": "INVOICE_NUMBER_NOT_UNIQUE", "message": null}]})",
     b::outcome_kind::rejected,
     "the invoice number is already used by another invoice (INVOICE_NUMBER_NOT_UNIQUE)",
     std::nullopt,
     false},
    {"400 two business errors",
     400,
     {},
     R"({"errors": [{"type": "ITEMS_NOT_FOUND", "message": null}, {"type": "NOT_SELL_ABLE_ITEMS"}]})",
     b::outcome_kind::rejected,
     "an entry names an item that does not exist (ITEMS_NOT_FOUND); an entry names an item that "
     "cannot be sold (NOT_SELL_ABLE_ITEMS)",
     std::nullopt,
     false},
    {"400 entries ids",
     400,
     {},
     R"({"errors": [{"type": "ENTRIES_IDS_NOT_FOUND"}]})",
     b::outcome_kind::rejected,
     "an entry id does not belong to this invoice (ENTRIES_IDS_NOT_FOUND)",
     std::nullopt,
     false},
    {"400 other type with message",
     400,
     {},
     R"({"errors": [{"statusCode": 400, "type": "CUSTOMER_NOT_FOUND", "message": "The customer is archived"}]})",
     b::outcome_kind::rejected,
     "customer not found (CUSTOMER_NOT_FOUND): The customer is archived",
     std::nullopt,
     false},
    {"400 plain message",
     400,
     {},
     R"({"message": "Bad Request", "statusCode": 400})",
     b::outcome_kind::rejected,
     "HTTP 400: Bad Request",
     std::nullopt,
     false},
    {"400 not JSON",
     400,
     {},
     "Bad Request",
     b::outcome_kind::rejected,
     "HTTP 400: Bad Request",
     std::nullopt,
     false},
    {"401",
     401,
     {},
     R"({"message": "Unauthorized", "statusCode": 401})",
     b::outcome_kind::suspend,
     "HTTP 401: Unauthorized",
     std::nullopt,
     false},
    {"403",
     403,
     {},
     R"({"message": "Forbidden resource", "error": "Forbidden", "statusCode": 403})",
     b::outcome_kind::suspend,
     "HTTP 403: Forbidden resource",
     std::nullopt,
     false},
    {"404 route",
     404,
     {},
     R"({"message": "Cannot PUT /api/sale-invoices/x", "error": "Not Found", "statusCode": 404})",
     b::outcome_kind::rejected,
     "HTTP 404: Cannot PUT /api/sale-invoices/x",
     std::nullopt,
     false},
    {"429 Retry-After",
     429,
     {{"Retry-After", "60"},
      {"X-RateLimit-Limit", "10"},
      {"X-RateLimit-Remaining", "0"},
      {"X-RateLimit-Reset", "60"}},
     R"({"statusCode": 429, "message": "ThrottlerException: Too Many Requests"})",
     b::outcome_kind::retry,
     "HTTP 429: ThrottlerException: Too Many Requests",
     60s,
     true,
     10,
     0,
     60s},
    {"429 -auth copies only",
     429,
     {{"Retry-After-auth", "45"},
      {"X-RateLimit-Limit-auth", "10"},
      {"x-ratelimit-remaining-auth", "0"},
      {"X-RateLimit-Reset-auth", "45"}},
     R"({"statusCode": 429, "message": "ThrottlerException: Too Many Requests"})",
     b::outcome_kind::retry,
     "HTTP 429: ThrottlerException: Too Many Requests",
     45s,
     true,
     10,
     0,
     45s},
    // The real server's set (backends.md): both throttlers on every answer; `auth` binds.
    {"200 with both throttlers' headers",
     200,
     {{"X-RateLimit-Limit", "100"},
      {"X-RateLimit-Remaining", "99"},
      {"X-RateLimit-Reset", "60"},
      {"X-RateLimit-Limit-auth", "10"},
      {"X-RateLimit-Remaining-auth", "9"},
      {"X-RateLimit-Reset-auth", "60"}},
     R"({"id": 42, "message": "The sale invoice has been edited."})",
     b::outcome_kind::delivered,
     "invoice updated",
     std::nullopt,
     false,
     10,
     9,
     60s},
    {"200 with the auth bucket used up",
     200,
     {{"X-RateLimit-Limit", "100"},
      {"X-RateLimit-Remaining", "95"},
      {"X-RateLimit-Reset", "50"},
      {"X-RateLimit-Limit-auth", "10"},
      {"X-RateLimit-Remaining-auth", "0"},
      {"X-RateLimit-Reset-auth", "50"}},
     R"({"id": 42, "message": "The sale invoice has been edited."})",
     b::outcome_kind::delivered,
     "invoice updated",
     std::nullopt,
     false,
     10,
     0,
     50s},
    {"200 with the default bucket used up",
     200,
     {{"X-RateLimit-Limit", "100"},
      {"X-RateLimit-Remaining", "0"},
      {"X-RateLimit-Reset", "30"},
      {"X-RateLimit-Limit-auth", "10"},
      {"X-RateLimit-Remaining-auth", "5"},
      {"X-RateLimit-Reset-auth", "60"}},
     R"({"id": 42, "message": "The sale invoice has been edited."})",
     b::outcome_kind::delivered,
     "invoice updated",
     std::nullopt,
     false,
     100,
     0,
     30s},
    // The 11th PUT in a minute: only Retry-After-auth, while the plain set says 100/89.
    {"429 from the auth throttler",
     429,
     {{"X-RateLimit-Limit", "100"},
      {"X-RateLimit-Remaining", "89"},
      {"X-RateLimit-Reset", "41"},
      {"Retry-After-auth", "60"}},
     R"({"statusCode":429,"message":"ThrottlerException: Too Many Requests"})",
     b::outcome_kind::retry,
     "HTTP 429: ThrottlerException: Too Many Requests",
     60s,
     true,
     100,
     89,
     41s},
    {"429 bare", 429, {}, "", b::outcome_kind::retry, "HTTP 429", std::nullopt, true},
    {"500",
     500,
     {},
     R"({"statusCode": 500, "message": "Internal server error"})",
     b::outcome_kind::retry,
     "HTTP 500: Internal server error",
     std::nullopt,
     false},
    {"401 echoing the JWT",
     401,
     {},
     R"({"message": "jwt malformed: )" + jwt + R"("})",
     b::outcome_kind::suspend,
     "HTTP 401: jwt malformed: <redacted>",
     std::nullopt,
     false},
};

const char* const full_invoice = R"({
  "customerId": 7, "invoiceDate": "2026-11-01", "dueDate": "2026-12-01",
  "entries": [{"index": 1, "itemId": 3, "rate": 120.5, "quantity": 2}]})";

json::object patched(const char* patch) { return tables::patched(full_invoice, patch); }

const tables::update_row invalid[] = {
    {R"({"customerId": "<delete>"})", "update.customerId: is required"},
    {R"({"customerId": "7"})", "update.customerId: must be an integer"},
    {R"({"invoiceDate": "2026-11-01T00:00:00Z"})",
     "update.invoiceDate: must be a date YYYY-MM-DD without a time of day (got "
     "\"2026-11-01T00:00:00Z\"; send \"2026-11-01\")"},
    {R"({"dueDate": "2026-12-01 00:00:00"})",
     "update.dueDate: must be a date YYYY-MM-DD without a time of day (got \"2026-12-01 "
     "00:00:00\"; send \"2026-12-01\")"},
    {R"({"dueDate": "<delete>"})", "update.dueDate: is required"},
    {R"({"entries": []})", "update.entries: must have at least 1 item"},
    {R"({"entries": [{"index": 1, "itemId": 3, "quantity": 2}]})",
     "update.entries[0].rate: is required"},
    {R"({"entries": [{"index": 1, "itemId": 3, "rate": 1, "quantity": 1}, {"itemId": 3, "rate": 1, "quantity": 1}]})",
     "update.entries[1].index: is required"},
    {R"({"entries": [{"index": 1, "itemId": 3, "rate": 1, "quantity": "2"}]})",
     "update.entries[0].quantity: must be a number"},
    {R"({"entries": [{"index": 1, "itemId": 3.5, "rate": 1, "quantity": 2}]})",
     "update.entries[0].itemId: must be an integer"},
    {R"({"entries": [{"index": 1, "itemId": 3, "rate": 1, "quantity": 2, "discountType": "percent"}]})",
     "update.entries[0].discountType: must be one of percentage, amount (got \"percent\")"},
    {R"({"discountType": "fixed"})",
     "update.discountType: must be one of percentage, amount (got \"fixed\")"},
    {R"({"exchangeRate": -1})", "update.exchangeRate: must be >= 0"},
    {R"({"attachments": [{"name": "x"}]})",
     "update.attachments[0].key: is required; update.attachments[0].name: unknown field"},
    {R"({"attachments": ["a1"]})", "update.attachments[0]: must be an object"},
    {R"({"paymentMethods": [{"paymentIntegrationId": 1}]})",
     "update.paymentMethods[0].enable: is required"},
    {R"({"delivered": "yes"})", "update.delivered: must be true or false"},
    {R"({"currencyCode": "EUR"})", "update.currencyCode: unknown field"},
    {R"({"entries": {"index": 1}})", "update.entries: must be an array"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(bigcapital)

BOOST_AUTO_TEST_CASE(golden_requests) {
  auto r = golden::run("bigcapital", {.type = reconcilerd::config::backend_type::bigcapital});
  BOOST_TEST(r.cases == 10u);
  BOOST_TEST(r.problems.empty(), golden::joined(r.problems));
}

BOOST_AUTO_TEST_CASE(answers_to_outcomes) {
  auto problems =
      tables::classify_mismatches(*b::bigcapital::make_adapter(settings(true, true)), answers);
  BOOST_TEST(problems.empty(), golden::joined(problems));
}

BOOST_AUTO_TEST_CASE(invalid_updates) {
  auto problems =
      tables::validate_mismatches(*b::bigcapital::make_adapter(settings()), invalid, full_invoice);
  BOOST_TEST(problems.empty(), golden::joined(problems));
}

BOOST_AUTO_TEST_CASE(non_strict_lets_unknown_fields_through) {
  auto loose = b::bigcapital::make_adapter(settings(false));
  BOOST_TEST(!loose->validate(patched(R"({"currencyCode": "EUR"})")).has_value());
  BOOST_TEST(
      !loose
           ->validate(patched(
               R"({"entries": [{"index": 1, "itemId": 3, "rate": 1, "quantity": 1, "unit": "h"}]})"))
           .has_value());
  BOOST_TEST(loose->validate(patched(R"({"invoiceDate": "2026-11-01T00:00:00Z"})")).has_value());
}

BOOST_AUTO_TEST_CASE(every_update_is_safe_to_repeat) {
  BOOST_TEST(b::bigcapital::make_adapter(settings())->safe_to_repeat(patched("{}")));
}

BOOST_AUTO_TEST_SUITE_END()

// Alloy adapter tests: golden requests (tests/backends/golden/alloy), answer -> outcome
// table, invalid updates with their exact messages, strictness, and secrets kept out of
// every message.
#include "backends/alloy/alloy.hpp"

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

const std::string api_key = "sk_live_SECRET_alloy_key";

reconcilerd::config::backend settings(bool strict = true) {
  reconcilerd::config::backend cfg;
  cfg.name = "unified";
  cfg.type = reconcilerd::config::backend_type::alloy;
  cfg.base_url.path = "/2024-03/one";
  cfg.strict_fields = strict;
  cfg.secrets["api_key"] = api_key;
  cfg.params["credential_id"] = "cred1";
  return cfg;
}

const std::string long_page = "<html>" + std::string(400, 'x') + "</html>";

const tables::answer_row answers[] = {
    {"documented success",
     200,
     {},
     R"({"invoice": {"remoteId": "77", "remoteUpdatedAt": "x"}})",
     b::outcome_kind::delivered,
     "invoice updated",
     std::nullopt,
     false},
    {"200 without invoice",
     200,
     {},
     R"({})",
     b::outcome_kind::retry,
     "HTTP 200 without the expected {\"invoice\": ...} object, so the update is not known to be "
     "applied: {}",
     std::nullopt,
     false},
    {"200 with empty body",
     200,
     {},
     "",
     b::outcome_kind::retry,
     "HTTP 200 without the expected {\"invoice\": ...} object, so the update is not known to be "
     "applied: (empty body)",
     std::nullopt,
     false},
    {"200 with invoice null",
     200,
     {},
     R"({"invoice": null})",
     b::outcome_kind::retry,
     "HTTP 200 without the expected {\"invoice\": ...} object, so the update is not known to be "
     "applied: {\"invoice\": null}",
     std::nullopt,
     false},
    {"400",
     400,
     {},
     R"({"message": "lineItems[0].totalAmount must be a string"})",
     b::outcome_kind::rejected,
     R"(HTTP 400: {"message": "lineItems[0].totalAmount must be a string"})",
     std::nullopt,
     false},
    {"401",
     401,
     {},
     R"({"message": "Unauthorized"})",
     b::outcome_kind::suspend,
     R"(HTTP 401: {"message": "Unauthorized"})",
     std::nullopt,
     false},
    {"403", 403, {}, "", b::outcome_kind::suspend, "HTTP 403", std::nullopt, false},
    {"404",
     404,
     {},
     R"({"message": "Invoice not found"})",
     b::outcome_kind::rejected,
     R"(HTTP 404: {"message": "Invoice not found"})",
     std::nullopt,
     false},
    {"422",
     422,
     {},
     "bad\ncurrency",
     b::outcome_kind::rejected,
     "HTTP 422: bad currency",
     std::nullopt,
     false},
    {"429 with Retry-After",
     429,
     {{"Retry-After", "30"}},
     R"({"message": "Too many requests"})",
     b::outcome_kind::retry,
     R"(HTTP 429: {"message": "Too many requests"})",
     30s,
     true},
    {"429 without Retry-After",
     429,
     {},
     "",
     b::outcome_kind::retry,
     "HTTP 429",
     std::nullopt,
     true},
    {"500", 500, {}, "oops", b::outcome_kind::retry, "HTTP 500: oops", std::nullopt, false},
    {"503 with an HTTP date",
     503,
     {{"retry-after", "Wed, 18 Nov 2026 11:08:40 GMT"}},
     "",
     b::outcome_kind::retry,
     "HTTP 503",
     2min,
     true},
    {"502 long page",
     502,
     {},
     long_page,
     b::outcome_kind::retry,
     "HTTP 502: " + long_page.substr(0, 300) + "...",
     std::nullopt,
     false},
    {"401 echoing the key",
     401,
     {},
     "bad key bearer " + api_key,
     b::outcome_kind::suspend,
     "HTTP 401: bad key bearer <redacted>",
     std::nullopt,
     false},
    {"504", 504, {}, "", b::outcome_kind::retry, "HTTP 504", std::nullopt, false},
    // Alloy documents no X-RateLimit-* headers: a proxy's are not its limit.
    {"success with X-RateLimit-* (ignored)",
     200,
     {{"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", "60"}},
     R"({"invoice": {}})",
     b::outcome_kind::delivered,
     "invoice updated",
     std::nullopt,
     false},
};

const tables::update_row invalid[] = {
    {R"({})", "update.lineItems: is required"},
    {R"({"lineItems": []})", "update.lineItems: must have at least 1 item"},
    {R"({"lineItems": {"description": "A", "totalAmount": "1"}})",
     "update.lineItems: must be an array"},
    {R"({"lineItems": [{"totalAmount": "1"}]})", "update.lineItems[0].description: is required"},
    {R"({"lineItems": [{"description": "A"}]})", "update.lineItems[0].totalAmount: is required"},
    {R"({"lineItems": [{"description": "A", "totalAmount": 12.5}]})",
     "update.lineItems[0].totalAmount: must be a string"},
    {R"({"lineItems": [{"description": "A", "totalAmount": "12,50"}]})",
     "update.lineItems[0].totalAmount: must be a decimal number written as text, e.g. \"12.50\""},
    {R"({"lineItems": [{"description": "A", "totalAmount": "1", "quantity": 1.5}]})",
     "update.lineItems[0].quantity: must be an integer"},
    {R"({"lineItems": [{"description": "A", "totalAmount": "1", "quantity": 2147483648}]})",
     "update.lineItems[0].quantity: must be <= 2147483647"},
    {R"({"lineItems": [{"description": "A", "totalAmount": "1"}, {"description": "B", "totalAmount": "1", "unitPrice": "3"}]})",
     "update.lineItems[1].unitPrice: must be a number"},
    {R"({"lineItems": [{"description": 5, "totalAmount": "1"}]})",
     "update.lineItems[0].description: must be a string"},
    {R"({"lineItems": [{"description": "A", "totalAmount": "1"}], "issueDate": "01/11/2026"})",
     "update.issueDate: must be a date YYYY-MM-DD (got \"01/11/2026\")"},
    {R"({"lineItems": [{"description": "A", "totalAmount": "1"}], "dueDate": "2026-11-31"})",
     "update.dueDate: must be a date YYYY-MM-DD (got \"2026-11-31\")"},
    {R"({"lineItems": [{"description": "A", "totalAmount": "1"}], "currency": "usd"})",
     "update.currency: must be an active ISO 4217 currency code (got \"usd\")"},
    {R"({"lineItems": [{"description": "A", "totalAmount": "1"}], "currency": "HRK"})",
     "update.currency: must be an active ISO 4217 currency code (\"HRK\" was withdrawn; use "
     "\"EUR\")"},
    {R"({"lineItems": [{"description": "A", "totalAmount": "1"}], "remoteFields": []})",
     "update.remoteFields: must be an object"},
    {R"({"lineItems": [{"description": "A", "totalAmount": "1"}], "customerId": 7})",
     "update.customerId: must be a string"},
    {R"({"lineItems": [{"description": "A", "totalAmount": "1"}], "exchangeRate": "1.1"})",
     "update.exchangeRate: must be a number"},
    {R"({"lineItems": [{"description": "A", "totalAmount": "1"}], "memo": null})",
     "update.memo: must be a string"},
    {R"({"lineItems": [{"description": "A", "totalAmount": "1"}], "status": "OPEN"})",
     "update.status: unknown field"},
    {R"({"lineItems": [{"description": "A", "totalAmount": "1", "taxRate": 0.2}]})",
     "update.lineItems[0].taxRate: unknown field"},
    {R"({"lineItems": [{"description": "A", "totalAmount": 1}], "balance": "0"})",
     "update.lineItems[0].totalAmount: must be a string; update.balance: must be a number"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(alloy)

BOOST_AUTO_TEST_CASE(golden_requests) {
  auto r = golden::run("alloy", {.type = reconcilerd::config::backend_type::alloy});
  BOOST_TEST(r.cases == 10u);
  BOOST_TEST(r.problems.empty(), golden::joined(r.problems));
}

BOOST_AUTO_TEST_CASE(answers_to_outcomes) {
  auto problems = tables::classify_mismatches(*b::alloy::make_adapter(settings()), answers);
  BOOST_TEST(problems.empty(), golden::joined(problems));
}

BOOST_AUTO_TEST_CASE(invalid_updates) {
  auto problems = tables::validate_mismatches(*b::alloy::make_adapter(settings()), invalid);
  BOOST_TEST(problems.empty(), golden::joined(problems));
}

BOOST_AUTO_TEST_CASE(non_strict_lets_unknown_fields_through) {
  auto update = json::parse(
                    R"({"lineItems": [{"description": "A", "totalAmount": "1", "taxRate": 0.2}],
                        "status": "OPEN"})")
                    .as_object();
  BOOST_TEST(b::alloy::make_adapter(settings(true))->validate(update).has_value());
  BOOST_TEST(!b::alloy::make_adapter(settings(false))->validate(update).has_value());
  // Known fields are still checked.
  update["currency"] = "usd";
  BOOST_TEST(b::alloy::make_adapter(settings(false))->validate(update).has_value());
}

BOOST_AUTO_TEST_CASE(every_update_is_safe_to_repeat) {
  auto a = b::alloy::make_adapter(settings());
  BOOST_TEST(a->safe_to_repeat(json::object{}));
  BOOST_TEST(a->safe_to_repeat(
      json::parse(R"({"lineItems": [{"description": "A", "totalAmount": "1"}]})").as_object()));
}

BOOST_AUTO_TEST_SUITE_END()

// Tests of the bigcapital adapter's reconciliation (backend.hpp): read() of sale-invoice
// answers (golden/bigcapital/read/*.json, dates of servers east and west of UTC), the
// calendar day of a read-back date, fold() (header merged, entries of the newer, and the
// fields the edit treats otherwise), unchanged(), and that reads are paced on their own.
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <optional>
#include <string>
#include <variant>

#include "backends/backend.hpp"
#include "backends/bigcapital/reconcile.hpp"
#include "tests/backends/adapter_tables.hpp"
#include "tests/backends/reconcile_tables.hpp"

namespace json = boost::json;
namespace rb = reconcilerd::backends;
namespace rt = reconcilerd::test::reconcile;

namespace {

reconcilerd::config::backend bigcapital_config() {
  reconcilerd::config::backend cfg;
  cfg.name = "ledger";
  cfg.type = reconcilerd::config::backend_type::bigcapital;
  cfg.secrets["api_key"] = "bc_SECRET_bigcapital_key";
  return cfg;
}

const std::string base = R"({"customerId": 7, "invoiceDate": "2026-11-01",
    "dueDate": "2026-12-01", "entries": [{"index": 1, "itemId": 3, "rate": 120.5, "quantity": 2}]})";

std::string with(const std::string& patch) {
  return json::serialize(reconcilerd::test::tables::patched(base, patch));
}

const std::string newer_entries = R"([{"index": 1, "itemId": 4, "rate": 10, "quantity": 1}])";

}  // namespace

BOOST_AUTO_TEST_SUITE(bigcapital_reconcile)

BOOST_AUTO_TEST_CASE(read_goldens) {
  auto r = rt::read_goldens("bigcapital", bigcapital_config());
  BOOST_TEST(r.cases == 9u);
  BOOST_TEST(r.problems.empty(), reconcilerd::test::golden::joined(r.problems));
}

BOOST_AUTO_TEST_CASE(read_carries_the_get_buckets_rate_hint) {
  auto a = rb::make_adapter(bigcapital_config());
  rb::response r;
  r.status = 200;
  r.headers = {{"X-RateLimit-Limit", "100"},        {"X-RateLimit-Remaining", "97"},
               {"X-RateLimit-Reset", "41"},         {"X-RateLimit-Limit-auth", "10"},
               {"X-RateLimit-Remaining-auth", "2"}, {"X-RateLimit-Reset-auth", "41"}};
  r.body = R"({"id": 42, "entries": []})";
  reconcilerd::jobs::job j;
  j.invoice_id = "42";
  auto got = a->read(r, j);
  BOOST_TEST((got.result.kind == rb::outcome_kind::delivered));
  BOOST_TEST((got.result.hint.limit == std::optional<long>(10)));
  BOOST_TEST((got.result.hint.remaining == std::optional<long>(2)));
  BOOST_TEST(a->reads_paced_separately());
}

BOOST_AUTO_TEST_CASE(calendar_days) {
  using rb::bigcapital::calendar_day;
  struct row {
    const char* value;
    const char* formatted;
    std::optional<std::string> day;
  };
  const row rows[] = {
      {"2026-11-01", "", "2026-11-01"},
      {"2026-11-01T00:00:00.000Z", "", "2026-11-01"},
      {"2026-11-01 00:00:00", "", "2026-11-01"},
      {"2026-10-31T23:00:00.000Z", "01-11-2026", "2026-11-01"},   // UTC+1, DD-MM-YYYY
      {"2026-10-31T23:00:00.000Z", "31-10-2026", "2026-10-31"},   // a date written back
      {"2026-11-01T05:00:00.000Z", "2026 Nov 01", "2026-11-01"},  // UTC-5, YYYY MMM DD
      {"2026-11-11T14:00:00.000Z", "12/11/2026", "2026-11-12"},   // UTC+10, DD/MM/YYYY
      {"2026-11-11T14:00:00.000Z", "11/12/2026", "2026-11-12"},   // MM/DD/YYYY
      {"2026-12-31T23:00:00.000Z", "01 January 2027", "2027-01-01"},
      {"2024-02-28T23:00:00.000Z", "29/02/24", "2024-02-29"},
      {"2026-10-31T23:00:00.000Z", "", std::nullopt},            // nothing decides
      {"2026-10-31T23:00:00.000Z", "02-11-2026", std::nullopt},  // neither day
      {"2026-11-01T00:00:00+01:00", "", "2026-11-01"},
      {"2026-11-01T10:00:00+01:00", "01-11-2026", std::nullopt},
      {"01/11/2026", "", std::nullopt},
  };
  for (auto& r : rows)
    BOOST_TEST((calendar_day(r.value, r.formatted) == r.day), r.value << " / " << r.formatted);
}

BOOST_AUTO_TEST_CASE(fold_table) {
  auto a = rb::make_adapter(bigcapital_config());
  const rt::fold_row rows[] = {
      {"header merged, entries of the newer",
       with(R"({"invoiceMessage": "old", "referenceNo": "R1"})"),
       with(R"({"invoiceMessage": "new", "entries": )" + newer_entries + "}"),
       with(R"({"invoiceMessage": "new", "referenceNo": "R1", "entries": )" + newer_entries + "}")},
      {"an explicit null in the newer clears", with(R"({"termsConditions": "30 days"})"),
       with(R"({"termsConditions": null})"), with(R"({"termsConditions": null})")},
      {"discount fields merged", with(R"({"discount": 5, "discountType": "amount"})"),
       with(R"({"adjustment": 1.5})"),
       with(R"({"discount": 5, "discountType": "amount", "adjustment": 1.5})")},
      {"exchangeRate left out means 1: only the newer's", with(R"({"exchangeRate": 1.2})"), base,
       base},
      {"exchangeRate of the newer", with(R"({"exchangeRate": 1.2})"),
       with(R"({"exchangeRate": 1.3})"), with(R"({"exchangeRate": 1.3})")},
      {"attachments left out are unlinked: only the newer's",
       with(R"({"attachments": [{"key": "a.pdf"}]})"), base, base},
      {"paymentMethods are kept when left out",
       with(R"({"paymentMethods": [{"paymentIntegrationId": 1, "enable": true}]})"), base,
       with(R"({"paymentMethods": [{"paymentIntegrationId": 1, "enable": true}]})")},
      {"delivered stays delivered", with(R"({"delivered": true})"), with(R"({"delivered": false})"),
       with(R"({"delivered": true})")},
      {"an empty invoiceNo keeps the older's", with(R"({"invoiceNo": "INV-7"})"),
       with(R"({"invoiceNo": ""})"), with(R"({"invoiceNo": "INV-7"})")},
      {"isInclusiveTax of the newer", with(R"({"isInclusiveTax": true})"),
       with(R"({"isInclusiveTax": false})"), with(R"({"isInclusiveTax": false})")},
      {"isInclusiveTax the newer leaves out: refused", with(R"({"isInclusiveTax": true})"), base,
       ""},
      {"pdfTemplateId the newer leaves out: refused", with(R"({"pdfTemplateId": 3})"), base, ""},
      {"pdfTemplateId of the newer", with(R"({"pdfTemplateId": 3})"),
       with(R"({"pdfTemplateId": 4})"), with(R"({"pdfTemplateId": 4})")},
  };
  auto m = rt::fold_mismatches(*a, rows);
  BOOST_TEST(m.empty(), reconcilerd::test::golden::joined(m));
}

BOOST_AUTO_TEST_CASE(fold_refuses_unknown_fields) {
  auto cfg = bigcapital_config();
  cfg.strict_fields = false;
  auto a = rb::make_adapter(cfg);
  const auto snake = rt::obj(with(R"({"invoice_no": "INV-8"})"));
  BOOST_TEST(!a->validate(snake));
  BOOST_TEST(!a->fold(snake, rt::obj(base)));
  BOOST_TEST(!a->fold(rt::obj(base), snake));
}

BOOST_AUTO_TEST_CASE(unchanged_table) {
  auto a = rb::make_adapter(bigcapital_config());
  const std::string view = R"({"customerId": 7, "invoiceNo": "INV-00042", "referenceNo": null,
      "invoiceMessage": "Thanks", "termsConditions": null, "exchangeRate": 1,
      "warehouseId": null, "branchId": 1, "projectId": null, "isInclusiveTax": false,
      "pdfTemplateId": 1, "discount": 0, "discountType": "amount", "adjustment": 0,
      "invoiceDate": "2026-11-01", "dueDate": "2026-12-01", "delivered": true,
      "entries": [{"id": 91, "index": 1, "itemId": 3, "rate": 120.5, "quantity": 2,
                   "discount": 0, "discountType": "percentage", "description": null,
                   "taxRateId": null, "sellAccountId": 41}]})";
  const rt::unchanged_row rows[] = {
      {"the same values", view, base, true},
      {"header fields the view shows", view,
       with(
           R"({"invoiceMessage": "Thanks", "invoiceNo": "INV-00042", "delivered": true, "branchId": 1})"),
       true},
      {"an empty invoiceNo keeps the number", view, with(R"({"invoiceNo": null})"), true},
      {"another due date", view, with(R"({"dueDate": "2026-12-02"})"), false},
      {"another rate", view,
       with(R"({"entries": [{"index": 1, "itemId": 3, "rate": 120.51, "quantity": 2}]})"), false},
      {"one more entry", view,
       with(
           R"({"entries": [{"index": 1, "itemId": 3, "rate": 120.5, "quantity": 2}, {"index": 2, "itemId": 3, "rate": 1, "quantity": 1}]})"),
       false},
      {"a description the view lacks", view,
       with(
           R"({"entries": [{"index": 1, "itemId": 3, "rate": 120.5, "quantity": 2, "description": "X"}]})"),
       false},
      {"exchangeRate left out is 1", R"({"exchangeRate": 1.2, "customerId": 7})", base, false},
      {"delivered asked, not delivered",
       R"({"delivered": false, "customerId": 7, "invoiceDate": "2026-11-01", "dueDate": "2026-12-01", "exchangeRate": 1, "entries": [{"index": 1, "itemId": 3, "rate": 120.5, "quantity": 2}]})",
       with(R"({"delivered": true})"), false},
      {"a date the view could not decide",
       R"({"customerId": 7, "dueDate": "2026-12-01", "exchangeRate": 1, "entries": [{"index": 1, "itemId": 3, "rate": 120.5, "quantity": 2}]})",
       base, false},
      {"isInclusiveTax left out but set on the invoice",
       R"({"isInclusiveTax": true, "customerId": 7, "invoiceDate": "2026-11-01", "dueDate": "2026-12-01", "exchangeRate": 1, "entries": [{"index": 1, "itemId": 3, "rate": 120.5, "quantity": 2}]})",
       base, false},
      {"attachments cannot be seen", view, with(R"({"attachments": [{"key": "a.pdf"}]})"), false},
      {"an entry's taxCode cannot be seen", view,
       with(
           R"({"entries": [{"index": 1, "itemId": 3, "rate": 120.5, "quantity": 2, "taxCode": "VAT"}]})"),
       false},
  };
  auto m = rt::unchanged_mismatches(*a, rows);
  BOOST_TEST(m.empty(), reconcilerd::test::golden::joined(m));
}

BOOST_AUTO_TEST_SUITE_END()

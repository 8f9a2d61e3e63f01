// Tests of the campfire adapter's reconciliation (backend.hpp): read() of invoice answers
// (golden/campfire/read/*.json), fold() (the newer full invoice), unchanged() of a full
// replacement and merge() for "mode": "merge".
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <variant>

#include "backends/backend.hpp"
#include "tests/backends/adapter_tables.hpp"
#include "tests/backends/reconcile_tables.hpp"

namespace json = boost::json;
namespace rb = reconcilerd::backends;
namespace rt = reconcilerd::test::reconcile;

namespace {

reconcilerd::config::backend campfire_config() {
  reconcilerd::config::backend cfg;
  cfg.name = "books";
  cfg.type = reconcilerd::config::backend_type::campfire;
  cfg.secrets["api_key"] = "cf_SECRET_campfire_key";
  return cfg;
}

// A view as read() makes it (ids as integers, decimals as strings).
const std::string view = R"({"client": 7, "entity": 2, "contract": null, "terms": "net_30",
    "status": "open", "invoice_date": "2026-11-01", "due_date": "2026-12-01",
    "currency": "USD", "exchange_rate": "1.000000", "message_on_invoice": "Thanks",
    "auto_send_invoice": false,
    "lines": [{"id": 501, "amount": "241.00", "product": 3, "rate": "120.50",
               "quantity": "2.00", "description": "Hosting", "discount": null}]})";

// The same invoice as a job sends it (ids as strings, amounts as numbers).
const std::string same_invoice = R"({"client": "7", "entity": "2", "contract": null,
    "terms": "net_30", "status": "open", "invoice_date": "2026-11-01",
    "due_date": "2026-12-01", "currency": "USD", "exchange_rate": 1,
    "message_on_invoice": "Thanks", "auto_send_invoice": false,
    "lines": [{"amount": 241, "product": "3", "rate": 120.5, "quantity": 2,
               "description": "Hosting"}]})";

std::string with(const std::string& patch) {
  return json::serialize(reconcilerd::test::tables::patched(same_invoice, patch));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(campfire_reconcile)

BOOST_AUTO_TEST_CASE(read_goldens) {
  auto r = rt::read_goldens("campfire", campfire_config());
  BOOST_TEST(r.cases == 7u);
  BOOST_TEST(r.problems.empty(), reconcilerd::test::golden::joined(r.problems));
}

BOOST_AUTO_TEST_CASE(fold_table) {
  auto a = rb::make_adapter(campfire_config());
  const rt::fold_row rows[] = {
      {"the newer full invoice wins", same_invoice,
       with(R"({"status": "paid", "terms": "<delete>"})"),
       with(R"({"status": "paid", "terms": "<delete>"})")},
      {"a field only the older has is dropped (a PUT would clear it)",
       with(R"({"message_on_invoice": "old"})"), with(R"({"message_on_invoice": "<delete>"})"),
       with(R"({"message_on_invoice": "<delete>"})")},
  };
  auto m = rt::fold_mismatches(*a, rows);
  BOOST_TEST(m.empty(), reconcilerd::test::golden::joined(m));
}

BOOST_AUTO_TEST_CASE(unchanged_table) {
  auto a = rb::make_adapter(campfire_config());
  const std::string view_sending =
      json::serialize(reconcilerd::test::tables::patched(view, R"({"auto_send_invoice": true})"));
  const rt::unchanged_row rows[] = {
      {"the same invoice in the API's terms", view, same_invoice, true},
      {"a different status", view, with(R"({"status": "paid"})"), false},
      {"a different id", view, with(R"({"client": "8"})"), false},
      {"a decimal that differs in the third place", view, with(R"({"exchange_rate": 1.001})"),
       false},
      {"a field the update leaves out is cleared by the PUT", view,
       with(R"({"message_on_invoice": "<delete>"})"), false},
      {"a line amount differs", view,
       with(
           R"({"lines": [{"amount": 240, "product": "3", "rate": 120.5, "quantity": 2, "description": "Hosting"}]})"),
       false},
      {"a line field left out that the view has", view,
       with(R"({"lines": [{"amount": 241, "product": "3", "rate": 120.5, "quantity": 2}]})"),
       false},
      {"one more line", view,
       with(
           R"({"lines": [{"amount": 241, "product": "3", "rate": 120.5, "quantity": 2, "description": "Hosting"}, {"amount": 1}]})"),
       false},
      {"an unknown field", view, with(R"({"x_custom": 1})"), false},
      {"a boolean left out is stored as false: unchanged", view,
       with(R"({"auto_send_invoice": "<delete>"})"), true},
      {"a boolean left out while the invoice has true: changed", view_sending,
       with(R"({"auto_send_invoice": "<delete>"})"), false},
  };
  auto m = rt::unchanged_mismatches(*a, rows);
  BOOST_TEST(m.empty(), reconcilerd::test::golden::joined(m));
}

BOOST_AUTO_TEST_CASE(merge_overlays_the_update_on_the_writable_fields) {
  auto a = rb::make_adapter(campfire_config());
  auto out = a->merge(rt::obj(view), rt::obj(R"({"status": "paid", "message_on_invoice": null})"));
  BOOST_REQUIRE(std::holds_alternative<json::object>(out));
  const auto& merged = std::get<json::object>(out);
  const auto want = rt::obj(R"({"client": "7", "entity": "2", "contract": null,
      "terms": "net_30", "status": "paid", "invoice_date": "2026-11-01",
      "due_date": "2026-12-01", "currency": "USD", "exchange_rate": 1,
      "message_on_invoice": null, "auto_send_invoice": false,
      "lines": [{"amount": 241, "product": "3", "rate": 120.5, "quantity": 2,
                 "description": "Hosting", "discount": null}]})");
  BOOST_TEST(merged == want, json::serialize(merged));
  BOOST_TEST(!a->validate(merged), a->validate(merged).value_or(""));
  // What a PUT of the merged invoice leaves is the invoice read back with the update laid on.
  BOOST_TEST(a->unchanged(rt::obj(view), merged) == false);  // status differs
}

BOOST_AUTO_TEST_CASE(merge_replaces_all_lines) {
  auto a = rb::make_adapter(campfire_config());
  auto out =
      a->merge(rt::obj(view), rt::obj(R"({"lines": [{"amount": 5, "description": "Fee"}]})"));
  BOOST_REQUIRE(std::holds_alternative<json::object>(out));
  const auto& lines = std::get<json::object>(out).at("lines").as_array();
  BOOST_TEST(json::serialize(lines) == R"([{"amount":5,"description":"Fee"}])");
  BOOST_TEST(!a->validate(std::get<json::object>(out)));
}

BOOST_AUTO_TEST_CASE(merge_of_an_unchanged_invoice_is_unchanged) {
  auto a = rb::make_adapter(campfire_config());
  auto out = a->merge(rt::obj(view), rt::obj("{}"));
  BOOST_REQUIRE(std::holds_alternative<json::object>(out));
  BOOST_TEST(a->unchanged(rt::obj(view), std::get<json::object>(out)));
}

BOOST_AUTO_TEST_CASE(merge_refuses_without_a_required_field) {
  auto a = rb::make_adapter(campfire_config());
  auto v = rt::obj(view);
  v.erase("entity");
  auto out = a->merge(v, rt::obj(R"({"status": "paid"})"));
  BOOST_REQUIRE(std::holds_alternative<std::string>(out));
  BOOST_TEST(std::get<std::string>(out) ==
             "the invoice read back has no entity and the update does not give it, so a full "
             "replacement cannot be made");
  // The update may give what the read-back lacks.
  BOOST_TEST(std::holds_alternative<json::object>(a->merge(v, rt::obj(R"({"entity": "2"})"))));
}

BOOST_AUTO_TEST_CASE(reads_paced_with_writes) {
  BOOST_TEST(!rb::make_adapter(campfire_config())->reads_paced_separately());
}

BOOST_AUTO_TEST_SUITE_END()

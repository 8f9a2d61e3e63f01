// Tests of the simetri adapter's reconciliation (backend.hpp): read() of account.invoice
// search answers (golden/simetri/read/*.json), judge() of updates with (0, 0, {...}) and
// (2, id) commands from the line ids before and after, fold() (plain fields only) and
// unchanged().
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "tests/backends/reconcile_tables.hpp"

namespace rb = reconcilerd::backends;
namespace rt = reconcilerd::test::reconcile;
using rb::applied_kind;

namespace {

reconcilerd::config::backend simetri_config(bool strict = true) {
  reconcilerd::config::backend cfg;
  cfg.name = "erp";
  cfg.type = reconcilerd::config::backend_type::simetri;
  cfg.base_url_text = "https://erp.example.id/erp";
  cfg.base_url = {"https", "erp.example.id", 443, "/erp"};
  cfg.strict_fields = strict;
  cfg.secrets["token"] = "T0k3n+/=sim";
  return cfg;
}

std::string view(const std::string& ids) {
  return R"({"partner_id": 22, "date_due": "2026-12-01", "invoice_line": [)" + ids + "]}";
}

const std::string add_one = R"({"invoice_line": [[0, 0, {"name": "Hosting", "price_unit": 10}]]})";
const std::string add_two =
    R"({"invoice_line": [[0, 0, {"name": "Hosting"}], [0, 0, {"name": "Setup"}]]})";

}  // namespace

BOOST_AUTO_TEST_SUITE(simetri_reconcile)

BOOST_AUTO_TEST_CASE(read_goldens) {
  auto r = rt::read_goldens("simetri", simetri_config());
  BOOST_TEST(r.cases == 9u);
  BOOST_TEST(r.problems.empty(), reconcilerd::test::golden::joined(r.problems));
}

BOOST_AUTO_TEST_CASE(judge_table) {
  auto a = rb::make_adapter(simetri_config());
  const rt::judge_row rows[] = {
      {"two lines created", view("7, 8"), view("7, 8, 15, 16"), add_two, applied_kind::applied,
       "2 new lines (15, 16) present (lines are seen by id only)"},
      {"nothing changed", view("7, 8"), view("7, 8"), add_two, applied_kind::not_applied,
       "line ids unchanged (7, 8)"},
      {"one line more than the update creates (another writer)", view("7, 8"), view("7, 8, 15, 16"),
       add_one, applied_kind::unknown,
       "the line ids match neither the invoice before nor the update applied (line ids before: "
       "7, 8; after: 7, 8, 15, 16; expected 1 new line)"},
      {"a line vanished besides the new one", view("7, 8"), view("7, 15"), add_one,
       applied_kind::unknown,
       "the line ids match neither the invoice before nor the update applied (line ids before: "
       "7, 8; after: 7, 15; expected 1 new line and line 8 to stay or be linked)"},
      {"delete applied", view("7, 8"), view("7"), R"({"invoice_line": [[2, 8]]})",
       applied_kind::applied, "line 8 gone (lines are seen by id only)"},
      {"delete not applied", view("7, 8"), view("7, 8"), R"({"invoice_line": [[2, 8]]})",
       applied_kind::not_applied, "line ids unchanged (7, 8)"},
      {"delete of a line the invoice does not have: could not apply", view("7, 8"), view("7, 8"),
       R"({"invoice_line": [[2, 9]]})", applied_kind::not_applied,
       "line ids unchanged (7, 8); the write could not apply anyway: line 9 is not on the invoice"},
      {"replace all: clear then create", view("7, 8"), view("15, 16"),
       R"({"invoice_line": [[5], [0, 0, {"name": "A"}], [0, 0, {"name": "B"}]]})",
       applied_kind::applied,
       "2 new lines (15, 16) present, lines 7, 8 gone (lines are seen by id only)"},
      {"create, edit and delete together", view("7, 8"), view("8, 15"),
       R"({"invoice_line": [[1, 8, {"quantity": 2}], [2, 7], [0, 0, {"name": "C"}]]})",
       applied_kind::applied, "1 new line (15) present, line 7 gone (lines are seen by id only)"},
      {"the delete happened but the new line is missing", view("7, 8"), view("8"),
       R"({"invoice_line": [[2, 7], [0, 0, {"name": "C"}]]})", applied_kind::unknown,
       "the line ids match neither the invoice before nor the update applied (line ids before: "
       "7, 8; after: 8; expected 1 new line)"},
      {"created on an empty invoice", view(""), view("3"), add_one, applied_kind::applied,
       "1 new line (3) present (lines are seen by id only)"},
      {"create then clear changes nothing visible", view(""), view(""),
       R"({"invoice_line": [[0, 0, {"name": "A"}], [5]]})", applied_kind::unknown,
       "the update does not change the line ids, so the read-back cannot tell (line ids before: "
       "none; after: none)"},
  };
  auto m = rt::judge_mismatches(*a, rows);
  BOOST_TEST(m.empty(), reconcilerd::test::golden::joined(m));
}

BOOST_AUTO_TEST_CASE(fold_table) {
  auto a = rb::make_adapter(simetri_config());
  const rt::fold_row rows[] = {
      {"plain fields merged, newer wins",
       R"({"partner_id": 22, "urgent": true, "date_due": "2026-12-01"})",
       R"({"urgent": false, "period_id": false})",
       R"({"partner_id": 22, "urgent": false, "date_due": "2026-12-01", "period_id": false})"},
      {"older creates a line", add_one, R"({"urgent": true})", ""},
      {"newer deletes a line", R"({"urgent": true})", R"({"invoice_line": [[2, 7]]})", ""},
      {"safe line commands are line commands too", R"({"invoice_line": [[5]]})",
       R"({"urgent": true})", ""},
      {"an edit of a line", R"({"urgent": true})", R"({"invoice_line": [[1, 7, {"quantity": 2}]]})",
       ""},
  };
  auto m = rt::fold_mismatches(*a, rows);
  BOOST_TEST(m.empty(), reconcilerd::test::golden::joined(m));
}

BOOST_AUTO_TEST_CASE(fold_refuses_unknown_list_values) {
  auto a = rb::make_adapter(simetri_config(false));
  const auto older = rt::obj(R"({"tax_line": [[5]]})");
  BOOST_TEST(!a->validate(older));
  BOOST_TEST(!a->fold(older, rt::obj(R"({"urgent": true})")));
  BOOST_TEST(a->fold(rt::obj(R"({"comment": "x"})"), rt::obj(R"({"urgent": true})")).has_value());
}

BOOST_AUTO_TEST_CASE(unchanged_table) {
  auto a = rb::make_adapter(simetri_config());
  const std::string v = R"({"partner_id": 22, "customer_code": "C022", "account_id": 948,
      "partner_bank_id": false, "period_id": 31, "type": "out_invoice",
      "date_invoice": "2026-11-01", "date_due": "2026-12-01", "urgent": true,
      "urgency_note": false, "last_backoffice_sync": "2026-11-01 08:30:00",
      "invoice_line": [7, 8]})";
  const rt::unchanged_row rows[] = {
      {"same ids and values", v,
       R"({"partner_id": 22, "period_id": 31, "urgent": true, "date_due": "2026-12-01"})", true},
      {"false as false", v, R"({"partner_bank_id": false, "urgency_note": false})", true},
      {"a datetime", v, R"({"last_backoffice_sync": "2026-11-01 08:30:00"})", true},
      {"another partner", v, R"({"partner_id": 23})", false},
      {"clearing a set many2one", v, R"({"period_id": false})", false},
      {"setting a cleared text", v, R"({"urgency_note": "soon"})", false},
      {"a different date", v, R"({"date_invoice": "2026-11-02"})", false},
      {"line commands", v, R"({"invoice_line": [[5]]})", false},
      {"a field the view lacks", R"({"invoice_line": []})", R"({"journal_id": 46})", false},
  };
  auto m = rt::unchanged_mismatches(*a, rows);
  BOOST_TEST(m.empty(), reconcilerd::test::golden::joined(m));
}

BOOST_AUTO_TEST_SUITE_END()

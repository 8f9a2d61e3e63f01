// Tests of the whmcs adapter's reconciliation (backend.hpp): read() of GetInvoice answers
// (golden/whmcs/read/*.json), judge() of updates that are not safe to repeat (newitem*,
// publish; applied, not applied, partly applied, another writer's line, a vanished line),
// fold() (plain fields only) and unchanged().
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "tests/backends/reconcile_tables.hpp"

namespace rb = reconcilerd::backends;
namespace rt = reconcilerd::test::reconcile;
using rb::applied_kind;

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

// Views as read() makes them.
const std::string draft_two_lines = R"({"status": "Draft", "lines": {
    "13": {"description": "Line 13", "amount": "100.00", "taxed": false},
    "14": {"description": "Line 14", "amount": "50.00", "taxed": false}}})";

std::string with_lines(const std::string& status, const std::string& extra) {
  return R"({"status": ")" + status + R"(", "lines": {
    "13": {"description": "Line 13", "amount": "100.00", "taxed": false},
    "14": {"description": "Line 14", "amount": "50.00", "taxed": false})" +
         (extra.empty() ? "" : ", " + extra) + "}}";
}

const std::string hosting = R"("20": {"description": "Hosting", "amount": "16.95", "taxed": true})";
const std::string setup = R"("21": {"description": "Setup", "amount": "0.00", "taxed": false})";
const std::string two_new = R"({"newitemdescription": ["Hosting", "Setup"],
    "newitemamount": [16.95, 0], "newitemtaxed": [true, false]})";

}  // namespace

BOOST_AUTO_TEST_SUITE(whmcs_reconcile)

BOOST_AUTO_TEST_CASE(read_goldens) {
  auto r = rt::read_goldens("whmcs", whmcs_config());
  BOOST_TEST(r.cases == 10u);
  BOOST_TEST(r.problems.empty(), reconcilerd::test::golden::joined(r.problems));
}

BOOST_AUTO_TEST_CASE(judge_table) {
  auto a = rb::make_adapter(whmcs_config());
  const rt::judge_row rows[] = {
      {"both new lines present", draft_two_lines, with_lines("Draft", hosting + ", " + setup),
       two_new, applied_kind::applied, R"(2 of 2 new lines ("Hosting", "Setup") present)"},
      {"no new line", draft_two_lines, draft_two_lines, two_new, applied_kind::not_applied,
       R"(none of the 2 new lines ("Hosting", "Setup") present)"},
      {"partly applied: the first line written, the second not", draft_two_lines,
       with_lines("Draft", hosting), two_new, applied_kind::unknown,
       R"(1 of 2 new lines present ("Hosting"), missing "Setup" (partly applied))"},
      {"another writer's line, ours absent", draft_two_lines,
       with_lines("Draft", R"("20": {"description": "Hosting", "amount": "19.95", "taxed": true})"),
       R"({"newitemdescription": ["Hosting"], "newitemamount": [16.95], "newitemtaxed": [true]})",
       applied_kind::unknown,
       R"(the new line "Hosting" is not present; line 20 ("Hosting", 19.95) appeared that the update does not add)"},
      {"ours present plus a foreign line", draft_two_lines,
       with_lines(
           "Draft",
           hosting + R"(, "22": {"description": "Other", "amount": "1.00", "taxed": false})"),
       R"({"newitemdescription": ["Hosting"], "newitemamount": [16.95], "newitemtaxed": [true]})",
       applied_kind::unknown,
       R"(1 of 1 new line ("Hosting") present; line 22 ("Other", 1.00) appeared that the update does not add)"},
      {"a line vanished that the update does not delete", draft_two_lines,
       R"({"status": "Draft", "lines": {"13": {"description": "Line 13", "amount": "100.00", "taxed": false}, )" +
           hosting + "}}",
       R"({"newitemdescription": ["Hosting"], "newitemamount": [16.95], "newitemtaxed": [true]})",
       applied_kind::unknown,
       R"(1 of 1 new line ("Hosting") present; line 14 vanished though the update does not delete it)"},
      {"new line and delete both applied", draft_two_lines,
       R"({"status": "Draft", "lines": {"13": {"description": "Line 13", "amount": "100.00", "taxed": false}, )" +
           hosting + "}}",
       R"({"newitemdescription": ["Hosting"], "newitemamount": [16.95], "newitemtaxed": [true],
           "deletelineids": [14]})",
       applied_kind::applied, R"(1 of 1 new line ("Hosting") present; deleted line 14 gone)"},
      {"new line present, delete not done (not atomic)", draft_two_lines,
       with_lines("Draft", hosting),
       R"({"newitemdescription": ["Hosting"], "newitemamount": [16.95], "newitemtaxed": [true],
           "deletelineids": [14]})",
       applied_kind::unknown,
       R"(1 of 1 new line ("Hosting") present; deleted line 14 still present (partly applied))"},
      {"published", draft_two_lines, with_lines("Unpaid", ""), R"({"publish": true})",
       applied_kind::applied, R"(status "Unpaid" (published))"},
      {"not published, no new line", draft_two_lines, draft_two_lines,
       R"({"publishandsendemail": true, "newitemdescription": ["Hosting"], "newitemamount": [16.95], "newitemtaxed": [true]})",
       applied_kind::not_applied, R"(the new line "Hosting" is not present; status still Draft)"},
      {"lines written, publish refused: the invoice was not Draft", with_lines("Unpaid", ""),
       with_lines("Unpaid", hosting),
       R"({"publish": true, "newitemdescription": ["Hosting"], "newitemamount": [16.95], "newitemtaxed": [true]})",
       applied_kind::unknown,
       R"(1 of 1 new line ("Hosting") present; status "Unpaid" (it was "Unpaid", not Draft, so WHMCS refuses to publish) (partly applied))"},
      {"status set with publish: the status cannot tell", draft_two_lines, with_lines("Paid", ""),
       R"({"publish": true, "status": "Paid"})", applied_kind::unknown,
       R"(status "Paid": the update sets the status as well as publishing, so the status cannot show whether it was published)"},
      {"description escaped by WHMCS's input filter", draft_two_lines,
       with_lines(
           "Draft",
           R"("20": {"description": "Setup &amp; install", "amount": "5.00", "taxed": false})"),
       R"({"newitemdescription": ["Setup & install"], "newitemamount": [5], "newitemtaxed": [false]})",
       applied_kind::applied, R"(1 of 1 new line ("Setup & install") present)"},
      {"two equal new lines, one present", draft_two_lines,
       with_lines("Draft", R"("20": {"description": "Fee", "amount": "1.00", "taxed": false})"),
       R"({"newitemdescription": ["Fee", "Fee"], "newitemamount": [1, 1], "newitemtaxed": [false, false]})",
       applied_kind::unknown,
       R"(1 of 2 new lines present ("Fee"), missing "Fee" (partly applied))"},
  };
  auto m = rt::judge_mismatches(*a, rows);
  BOOST_TEST(m.empty(), reconcilerd::test::golden::joined(m));
}

BOOST_AUTO_TEST_CASE(judge_never_leaks_a_secret) {
  auto a = rb::make_adapter(whmcs_config());
  auto j = a->judge(rt::obj(draft_two_lines), rt::obj(draft_two_lines),
                    rt::obj(R"({"newitemdescription": ["key acc/ess key"], "newitemamount": [1],
                                "newitemtaxed": [false]})"));
  BOOST_TEST(j.seen.find("acc/ess key") == std::string::npos, j.seen);
  BOOST_TEST(j.seen.find("<redacted>") != std::string::npos, j.seen);
}

BOOST_AUTO_TEST_CASE(fold_table) {
  auto a = rb::make_adapter(whmcs_config());
  const rt::fold_row rows[] = {
      {"plain fields merged, newer wins", R"({"status": "Unpaid", "notes": "old", "taxrate": 5})",
       R"({"notes": "new", "duedate": "2026-12-01"})",
       R"({"status": "Unpaid", "notes": "new", "taxrate": 5, "duedate": "2026-12-01"})"},
      {"the same field twice", R"({"status": "Unpaid"})", R"({"status": "Paid"})",
       R"({"status": "Paid"})"},
      {"older adds lines", two_new, R"({"status": "Unpaid"})", ""},
      {"newer adds lines", R"({"status": "Unpaid"})", two_new, ""},
      {"changed line (safe, but a line command)", R"({"notes": "x"})",
       R"({"itemdescription": {"13": "A"}, "itemamount": {"13": 1}, "itemtaxed": {"13": false}})",
       ""},
      {"deletelineids", R"({"deletelineids": [4]})", R"({"notes": "x"})", ""},
      {"publish", R"({"notes": "x"})", R"({"publish": true})", ""},
      {"publish false is still not folded", R"({"publish": false})", R"({"notes": "x"})", ""},
  };
  auto m = rt::fold_mismatches(*a, rows);
  BOOST_TEST(m.empty(), reconcilerd::test::golden::joined(m));
}

BOOST_AUTO_TEST_CASE(fold_refuses_unknown_fields) {
  auto cfg = whmcs_config();
  cfg.strict_fields = false;
  auto a = rb::make_adapter(cfg);
  BOOST_TEST(!a->validate(rt::obj(R"({"custom_field": "x"})")));
  BOOST_TEST(!a->fold(rt::obj(R"({"custom_field": "x"})"), rt::obj(R"({"notes": "y"})")));
  BOOST_TEST(a->fold(rt::obj(R"({"notes": "x"})"), rt::obj(R"({"notes": "y"})")).has_value());
}

BOOST_AUTO_TEST_CASE(unchanged_table) {
  auto a = rb::make_adapter(whmcs_config());
  const std::string view = R"({"status": "Unpaid", "paymentmethod": "banktransfer",
      "date": "2026-11-01", "duedate": "2026-12-01", "datepaid": "2026-11-05 00:00:00",
      "notes": "Thanks", "taxrate": "7.50", "taxrate2": "0.00", "credit": "16.90",
      "lines": {"13": {"description": "Line 13", "amount": "100.00", "taxed": false}}})";
  const rt::unchanged_row rows[] = {
      {"same plain fields", view,
       R"({"status": "Unpaid", "notes": "Thanks", "date": "2026-11-01"})", true},
      {"amounts compared with two decimals", view,
       R"({"taxrate": 7.5, "credit": 16.9, "taxrate2": 0})", true},
      {"datepaid as a date", view, R"({"datepaid": "2026-11-05"})", true},
      {"a different status", view, R"({"status": "Paid"})", false},
      {"a different amount", view, R"({"credit": 16.95})", false},
      {"a field the view lacks", R"({"status": "Unpaid", "lines": {}})", R"({"notes": "Thanks"})",
       false},
      {"changed line, even with the same values", view,
       R"({"itemdescription": {"13": "Line 13"}, "itemamount": {"13": 100}, "itemtaxed": {"13": false}})",
       false},
      {"new lines", view, two_new, false},
      {"publish", view, R"({"publish": true})", false},
      {"total is ignored by WHMCS, so never seen", view, R"({"total": 100})", false},
  };
  auto m = rt::unchanged_mismatches(*a, rows);
  BOOST_TEST(m.empty(), reconcilerd::test::golden::joined(m));
}

BOOST_AUTO_TEST_CASE(no_merge_and_reads_paced_with_writes) {
  auto a = rb::make_adapter(whmcs_config());
  BOOST_TEST(
      std::holds_alternative<std::string>(a->merge(rt::obj("{}"), rt::obj(R"({"notes": "x"})"))));
  BOOST_TEST(!a->reads_paced_separately());
}

BOOST_AUTO_TEST_SUITE_END()

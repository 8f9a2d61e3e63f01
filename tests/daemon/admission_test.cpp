// Admission: what happens to a claimed job before anything is sent, one row per case.
#include "daemon/admission.hpp"

#include <boost/test/unit_test.hpp>

using namespace reconcilerd::daemon;

BOOST_AUTO_TEST_SUITE(admission_table)

BOOST_AUTO_TEST_CASE(every_claimed_job_has_one_place_to_go) {
  auto facts = [](job_source src) {
    admission_facts f;
    f.source = src;
    f.job = "j.json";
    f.backend = "ledger";
    f.invoice_id = "42";
    f.configured = {"erp", "ledger"};
    return f;
  };
  struct row {
    const char* name;
    admission_facts f;
    admission expected;
    std::string reason_has;
  };
  std::vector<row> rows;
  auto add = [&](const char* name, job_source src, auto change, admission expected,
                 std::string reason_has = "") {
    admission_facts f = facts(src);
    change(f);
    rows.push_back({name, f, expected, reason_has});
  };
  using s = job_source;
  using a = admission;
  auto none = [](admission_facts&) {};
  add("valid incoming job", s::incoming, none, a::queue);
  add("valid deferred job", s::deferred, none, a::queue);
  add(
      "bad JSON", s::incoming, [](auto& f) { f.decode_error = "line 1: expected a value"; },
      a::dead_invalid, "line 1: expected a value");
  add(
      "bad JSON in deferred/", s::deferred, [](auto& f) { f.decode_error = "bad"; },
      a::dead_invalid, "bad");
  add(
      "unknown backend", s::incoming,
      [](auto& f) {
        f.backend_configured = false;
        f.backend = "x";
      },
      a::dead_invalid, "unknown backend \"x\" (configured: erp, ledger)");
  add(
      "backend removed by a reload, job deferred", s::deferred,
      [](auto& f) { f.backend_configured = false; }, a::park);
  add(
      "schema violation", s::incoming,
      [](auto& f) { f.validation_error = "\"rate\": must be a number"; }, a::dead_invalid,
      "\"rate\": must be a number");
  add(
      "deferred jobs are not validated again", s::deferred,
      [](auto& f) { f.validation_error = "ignored"; }, a::queue);
  add(
      "backend full: incoming to deferred/", s::incoming, [](auto& f) { f.backend_full = true; },
      a::defer);
  add(
      "backend full: deferred stays", s::deferred, [](auto& f) { f.backend_full = true; }, a::skip);
  add(
      "interrupted unsafe send", s::deferred, [](auto& f) { f.sending_unsafe = true; },
      a::dead_interrupted, "Check invoice 42 on backend ledger, then `reconcilerctl retry j.json`");
  add(
      "interrupted unsafe send with the invoice read before: verified first", s::deferred,
      [](auto& f) {
        f.sending_unsafe = true;
        f.read_before = true;
      },
      a::queue);
  add(
      "interrupted beats unknown backend", s::deferred,
      [](auto& f) {
        f.sending_unsafe = true;
        f.backend_configured = false;
      },
      a::dead_interrupted);
  add(
      "decode error beats everything", s::deferred,
      [](auto& f) {
        f.decode_error = "bad";
        f.sending_unsafe = true;
        f.backend_full = true;
      },
      a::dead_invalid, "bad");
  add(
      "unknown backend beats full", s::incoming,
      [](auto& f) {
        f.backend_configured = false;
        f.backend_full = true;
      },
      a::dead_invalid);
  add(
      "invalid beats full", s::incoming,
      [](auto& f) {
        f.validation_error = "v";
        f.backend_full = true;
      },
      a::dead_invalid, "v");

  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.name) {
      auto d = admit(r.f);
      BOOST_TEST(to_string(d.what) == to_string(r.expected));
      if (!r.reason_has.empty())
        BOOST_TEST(d.reason.find(r.reason_has) != std::string::npos, d.reason);
      if (d.what == admission::queue || d.what == admission::park || d.what == admission::skip ||
          d.what == admission::defer)
        BOOST_TEST(d.reason.empty());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

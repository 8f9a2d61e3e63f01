// Tests of the alloy adapter's reconciliation (backend.hpp): read() of {"invoice": ...}
// answers (golden/alloy/read/*.json); nothing is judged, folded, skipped or merged.
#include <boost/test/unit_test.hpp>
#include <string>
#include <variant>

#include "backends/backend.hpp"
#include "tests/backends/reconcile_tables.hpp"

namespace rb = reconcilerd::backends;
namespace rt = reconcilerd::test::reconcile;

namespace {

reconcilerd::config::backend alloy_config() {
  reconcilerd::config::backend cfg;
  cfg.name = "unified";
  cfg.type = reconcilerd::config::backend_type::alloy;
  cfg.base_url.path = "/2024-03/one";
  cfg.secrets["api_key"] = "sk_live_SECRET_alloy_key";
  cfg.params["credential_id"] = "cred1";
  return cfg;
}

const std::string update =
    R"({"memo": "x", "lineItems": [{"description": "A", "totalAmount": "1.00"}]})";

}  // namespace

BOOST_AUTO_TEST_SUITE(alloy_reconcile)

BOOST_AUTO_TEST_CASE(read_goldens) {
  auto r = rt::read_goldens("alloy", alloy_config());
  BOOST_TEST(r.cases == 3u);
  BOOST_TEST(r.problems.empty(), reconcilerd::test::golden::joined(r.problems));
}

BOOST_AUTO_TEST_CASE(never_folds_skips_or_merges) {
  auto a = rb::make_adapter(alloy_config());
  BOOST_TEST(!a->validate(rt::obj(update)));
  BOOST_TEST(!a->fold(rt::obj(update), rt::obj(update)));
  BOOST_TEST(!a->unchanged(rt::obj(update), rt::obj(update)));
  BOOST_TEST(std::holds_alternative<std::string>(a->merge(rt::obj(update), rt::obj(update))));
  BOOST_TEST(!a->reads_paced_separately());
}

BOOST_AUTO_TEST_SUITE_END()

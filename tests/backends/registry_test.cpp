// The adapter registry: one adapter per type, redacted settings for display, and
// classify() naming the invoice where the API's adapter can.
#include <boost/test/unit_test.hpp>

#include "backends/backend.hpp"

using namespace reconcilerd;

namespace {
config::backend settings(config::backend_type t) {
  config::backend b;
  b.name = "b";
  b.type = t;
  b.base_url = {"https", "api.example.com", 443, ""};
  b.secrets = {{"api_key", "k-123"}, {"token", "t-456"}, {"secret", "s-789"}};
  b.params = {{"identifier", "id"}, {"credential_id", "cred"}, {"auth_scheme", "Token"}};
  return b;
}
jobs::job job42() {
  jobs::job j;
  j.name = "j.json";
  j.backend = "b";
  j.invoice_id = "42";
  j.invoice_id_is_integer = true;
  return j;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(registry)

BOOST_AUTO_TEST_CASE(every_type_has_an_adapter) {
  for (auto t :
       {config::backend_type::simetri, config::backend_type::whmcs, config::backend_type::alloy,
        config::backend_type::campfire, config::backend_type::bigcapital}) {
    BOOST_TEST_CONTEXT(config::to_string(t)) {
      BOOST_TEST(backends::make_adapter(settings(t)) != nullptr);
    }
  }
}

BOOST_AUTO_TEST_CASE(redacted_settings_hold_no_secret) {
  auto r = backends::redacted(settings(config::backend_type::alloy));
  for (auto& [k, v] : r.secrets) BOOST_TEST(v == "<redacted>", k);
  BOOST_TEST(r.params.at("credential_id") == "cred");  // not a secret
}

BOOST_AUTO_TEST_CASE(classify_names_the_invoice_where_it_can) {
  backends::response not_found;
  not_found.status = 404;
  not_found.body = R"({"detail": "Not found."})";
  auto campfire = backends::make_adapter(settings(config::backend_type::campfire));
  auto o = campfire->classify(not_found, job42());
  BOOST_TEST((o.kind == backends::outcome_kind::rejected));
  BOOST_TEST(o.message.find("invoice 42 not found") != std::string::npos, o.message);

  backends::response bc;
  bc.status = 400;
  bc.body = R"({"errors":[{"statusCode":400,"type":"SALE_INVOICE_NOT_FOUND","message":null}]})";
  auto bigcapital = backends::make_adapter(settings(config::backend_type::bigcapital));
  auto o2 = bigcapital->classify(bc, job42());
  BOOST_TEST(o2.message.find("invoice 42 not found") != std::string::npos, o2.message);
}

BOOST_AUTO_TEST_SUITE_END()

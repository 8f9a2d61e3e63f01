// The adapter registry: one adapter per type, redacted settings for display, and
// classify() naming the invoice where the API's adapter can, and no secret in any message.
#include <boost/test/unit_test.hpp>
#include <map>

#include "backends/backend.hpp"
#include "tests/backends/adapter_tables.hpp"

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
  auto o = campfire->classify(not_found, test::tables::invoice_42());
  BOOST_TEST((o.kind == backends::outcome_kind::rejected));
  BOOST_TEST(o.message.find("invoice 42 not found") != std::string::npos, o.message);

  backends::response bc;
  bc.status = 400;
  bc.body = R"({"errors":[{"statusCode":400,"type":"SALE_INVOICE_NOT_FOUND","message":null}]})";
  auto bigcapital = backends::make_adapter(settings(config::backend_type::bigcapital));
  auto o2 = bigcapital->classify(bc, test::tables::invoice_42());
  BOOST_TEST(o2.message.find("invoice 42 not found") != std::string::npos, o2.message);
}

// Every adapter sends its messages through the one redaction helper, before any excerpt is
// cut: no piece of a secret reaches a message, whatever the server echoes.
BOOST_AUTO_TEST_CASE(no_adapter_lets_a_piece_of_a_secret_into_a_message) {
  const std::map<std::string, std::string> secrets = {
      {"api_key", "api-key-SECRET-0001"}, {"token", "token-SECRET-0002"},
      {"secret", "secret-SECRET-0003"},   {"password", "password-SECRET-0004"},
      {"jwt", "jwt-SECRET-0005"},         {"access_key", "access-key-SECRET-0006"}};
  for (auto t :
       {config::backend_type::simetri, config::backend_type::whmcs, config::backend_type::alloy,
        config::backend_type::campfire, config::backend_type::bigcapital}) {
    auto cfg = settings(t);
    cfg.secrets = secrets;
    auto adapter = backends::make_adapter(cfg);
    for (auto& [key, s] : secrets) {
      const std::string piece = s.substr(0, 8);
      BOOST_TEST_CONTEXT(config::to_string(t) << ", " << key) {
        auto problem = adapter->validate(boost::json::object{{s, 1}});
        BOOST_TEST_REQUIRE(problem.has_value());
        BOOST_TEST(problem->find(piece) == std::string::npos, *problem);
        const std::string bodies[] = {
            R"({"result": "error", "message": ")" + s + R"(", "detail": ")" + s + R"("})",
            R"({"errors": [{"type": "SALE_INVOICE_NOT_FOUND", "message": ")" + s + R"("}]})",
            R"({"success": ")" + s + R"(", "invoice": ")" + s + R"("})",
            std::string(292, 'x') + s,  // the excerpt (300 bytes) would cut it after 8
        };
        for (unsigned status : {200u, 400u, 401u, 404u, 429u, 500u}) {
          for (auto& body : bodies) {
            backends::response r;
            r.status = status;
            r.body = body;
            auto o = adapter->classify(r, test::tables::invoice_42());
            BOOST_TEST(o.message.find(piece) == std::string::npos, status << " " << o.message);
          }
        }
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// Alloy adapter: request building and answer classification; see alloy.hpp.
#include "backends/alloy/alloy.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "backends/alloy/schema.hpp"
#include "backends/status_rules.hpp"

namespace reconcilerd::backends::alloy {

namespace json = boost::json;

namespace {

bool has_invoice_object(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return false;
  auto* inv = v.get_object().if_contains("invoice");
  return inv && inv->is_object();
}

}  // namespace

std::optional<std::string> adapter::validate(const json::object& update) const {
  fields::options opt;
  opt.strict = cfg_.strict_fields;
  auto error = fields::validate(invoice_schema(), update, opt);
  if (error) *error = redact_secrets(std::move(*error), cfg_);
  return error;
}

std::string adapter::target(const jobs::job& j) const {
  return cfg_.base_url.path + "/accounting/invoices/" + percent_encode(j.invoice_id) +
         "?credentialId=" + percent_encode(cfg_.param("credential_id"));
}

request adapter::build(const jobs::job& j) const {
  request req;
  req.method = "PUT";
  req.target = target(j);
  req.headers = {{"Authorization", "bearer " + cfg_.secret("api_key")},
                 {"Content-Type", "application/json"},
                 {"Accept", "application/json"}};
  req.body = json::serialize(j.update);
  return req;
}

// 2xx counts as delivered only with the documented {"invoice": {...}} answer: anything else
// (a proxy's page, an empty body) may not have reached Alloy, and the PUT is safe to repeat,
// so it is retried (per job, not backend-wide) and ends as "exhausted" if it persists.
outcome adapter::classify(const response& answer, const jobs::job&) const {
  response r = answer;
  r.body = redact_secrets(answer.body, cfg_);  // before any excerpt cuts a secret in two
  outcome o = classify_status(r, status_text(r));
  if (o.kind == outcome_kind::delivered) {
    if (has_invoice_object(r.body)) {
      o.message = "invoice updated";
    } else {
      o.kind = outcome_kind::retry;
      o.message = "HTTP " + std::to_string(r.status) +
                  " without the expected {\"invoice\": ...} object, so the update is not known "
                  "to be applied: " +
                  (r.body.empty() ? std::string("(empty body)") : body_excerpt(r.body));
    }
  }
  return o;
}

bool adapter::safe_to_repeat(const json::object&) const { return true; }

request adapter::read_back(const jobs::job& j) const {
  request req;
  req.method = "GET";
  req.target = target(j);
  req.headers = {{"Authorization", "bearer " + cfg_.secret("api_key")},
                 {"Accept", "application/json"}};
  return req;
}

}  // namespace reconcilerd::backends::alloy

namespace reconcilerd::backends {

std::unique_ptr<adapter> make_alloy_adapter(const config::backend& cfg) {
  return std::make_unique<alloy::adapter>(cfg);
}

}  // namespace reconcilerd::backends

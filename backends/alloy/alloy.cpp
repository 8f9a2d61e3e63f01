// Alloy adapter: request building and answer classification; see alloy.hpp.
#include "backends/alloy/alloy.hpp"

#include "backends/alloy/schema.hpp"
#include "backends/requests.hpp"
#include "backends/status_rules.hpp"

namespace reconcilerd::backends::alloy {

namespace json = boost::json;

namespace {

bool has_invoice_object(std::string_view body) {
  auto v = json_body(body);
  auto* inv = v.is_object() ? v.get_object().if_contains("invoice") : nullptr;
  return inv && inv->is_object();
}

class adapter final : public backends::adapter {
 public:
  explicit adapter(config::backend cfg) : cfg_(std::move(cfg)) {}

  std::optional<std::string> validate(const json::object& update) const override {
    auto error = fields::validate(invoice_schema(), update, {.strict = cfg_.strict_fields});
    if (error) *error = redact_secrets(*error, cfg_);
    return error;
  }

  request build(const jobs::job& j) const override {
    return json_request("PUT", target(j), auth(), &j.update);
  }

  // 2xx counts as delivered only with the documented {"invoice": {...}} answer: anything
  // else (a proxy's page, an empty body) may not have reached Alloy, and the PUT is safe to
  // repeat, so it is retried (per job, not backend-wide) and ends as "exhausted" if it
  // persists.
  outcome classify(const response& answer, const jobs::job&) const override {
    response r = answer;
    r.body = redact_secrets(answer.body, cfg_);  // before an excerpt can cut a secret in two
    outcome o = classify_status(r, status_text(r));
    if (o.kind == outcome_kind::delivered && has_invoice_object(r.body)) {
      o.message = "invoice updated";
    } else if (o.kind == outcome_kind::delivered) {
      o.kind = outcome_kind::retry;
      o.message = "HTTP " + std::to_string(r.status) +
                  " without the expected {\"invoice\": ...} object, so the update is not known "
                  "to be applied: " +
                  (r.body.empty() ? std::string("(empty body)") : body_excerpt(r.body));
    }
    o.message = redact_secrets(o.message, cfg_);  // secrets the body had JSON-escaped
    return o;
  }

  bool safe_to_repeat(const json::object&) const override { return true; }

  request read_back(const jobs::job& j) const override {
    return json_request("GET", target(j), auth());
  }

 private:
  std::string target(const jobs::job& j) const {
    return cfg_.base_url.path + "/accounting/invoices/" + percent_encode(j.invoice_id) +
           "?credentialId=" + percent_encode(cfg_.param("credential_id"));
  }

  std::vector<header> auth() const {
    return {{"Authorization", "bearer " + cfg_.secret("api_key")}};
  }

  config::backend cfg_;
};

}  // namespace

std::unique_ptr<backends::adapter> make_adapter(const config::backend& cfg) {
  return std::make_unique<adapter>(cfg);
}

}  // namespace reconcilerd::backends::alloy

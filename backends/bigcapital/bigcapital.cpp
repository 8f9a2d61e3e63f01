// Bigcapital adapter: request building and answer classification; see bigcapital.hpp.
#include "backends/bigcapital/bigcapital.hpp"

#include "backends/bigcapital/reconcile.hpp"
#include "backends/bigcapital/schema.hpp"
#include "backends/reconcile_values.hpp"
#include "backends/requests.hpp"
#include "backends/status_rules.hpp"

namespace reconcilerd::backends::bigcapital {

namespace json = boost::json;

namespace {

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

  // Business errors name the invoice ("invoice 42 not found (SALE_INVOICE_NOT_FOUND)").
  outcome classify(const response& answer, const jobs::job& j) const override {
    response r = answer;
    r.body = redact_secrets(answer.body, cfg_);  // before an excerpt can cut a secret in two
    outcome o = classify_status(r, status_text(r, "message"));
    // Bigcapital documents X-RateLimit-*: a set per throttler (plain `default` 100/min and
    // "-auth" 10/min, the one that binds); follow the tightest.
    o.hint = tightest(parse_rate_hints(r));
    if (o.kind == outcome_kind::delivered) {
      o.message = "invoice updated";
    } else if (r.status == 400) {
      const json::value body = json_body(r.body);
      std::string errors = business_errors(body, j.invoice_id);
      if (errors.empty()) errors = validation_errors(body);
      if (!errors.empty()) o.message = body_excerpt(redact_secrets(errors, cfg_), 1000);
    }  // a 429's Retry-After-auth is read by classify_status (Retry-After-<name>)
    o.message = redact_secrets(o.message, cfg_);  // secrets the body had JSON-escaped
    return o;
  }

  bool safe_to_repeat(const json::object&) const override { return true; }

  request read_back(const jobs::job& j) const override {
    return json_request("GET", target(j), auth());
  }

  // The sale invoice (200, snake_case); other answers as classify() reads them (a missing
  // invoice is 400 SALE_INVOICE_NOT_FOUND). Every outcome carries the GET route's tightest
  // X-RateLimit-* bucket.
  invoice_read read(const response& r, const jobs::job& j) const override {
    if (r.status < 200 || r.status >= 300) return values::not_read(classify(r, j));
    auto view = invoice_view(json_body(r.body), j.invoice_id);
    invoice_read out;
    if (auto* error = std::get_if<std::string>(&view)) {
      const std::string body = redact_secrets(r.body, cfg_);
      out = values::unreadable(redact_secrets(
          "Bigcapital answered the read-back of invoice " + j.invoice_id +
              " with something that cannot be read (" + *error +
              "): " + (body.empty() ? std::string("(empty body)") : body_excerpt(body)),
          cfg_));
    } else {
      out = values::read_ok(std::move(std::get<json::object>(view)));
    }
    out.result.hint = tightest(parse_rate_hints(r));
    return out;
  }

  std::optional<json::object> fold(const json::object& older,
                                   const json::object& newer) const override {
    return fold_updates(older, newer);
  }

  bool unchanged(const json::object& invoice, const json::object& update) const override {
    return shows_update(invoice, update);
  }

  // GET /api/sale-invoices/{id} has its own throttler bucket (per route and client).
  bool reads_paced_separately() const override { return true; }

 private:
  std::string target(const jobs::job& j) const {
    return cfg_.base_url.path + "/api/sale-invoices/" + percent_encode(j.invoice_id);
  }

  // A configured JWT wins over an API key, and needs the organization-id header.
  std::vector<header> auth() const {
    std::string jwt = cfg_.secret("jwt");
    if (jwt.empty()) return {{"Authorization", "Bearer " + cfg_.secret("api_key")}};
    return {{"Authorization", "Bearer " + jwt}, {"organization-id", cfg_.param("organization_id")}};
  }

  config::backend cfg_;
};

}  // namespace

std::unique_ptr<backends::adapter> make_adapter(const config::backend& cfg) {
  return std::make_unique<adapter>(cfg);
}

}  // namespace reconcilerd::backends::bigcapital

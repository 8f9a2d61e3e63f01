// Alloy adapter: request building and answer classification; see alloy.hpp.
#include "backends/alloy/alloy.hpp"

#include "backends/alloy/schema.hpp"
#include "backends/reconcile_values.hpp"
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

  // {"invoice": {...}}: the view is the invoice's writable fields (alloy.hpp); other
  // answers as classify() reads them. Alloy's reads may be stale right after a write, so
  // nothing else (judge, fold, unchanged, merge) is built on them.
  invoice_read read(const response& answer, const jobs::job& j) const override {
    if (answer.status < 200 || answer.status >= 300) return values::not_read(classify(answer, j));
    const json::value body = json_body(answer.body);
    const json::value* inv = body.is_object() ? body.get_object().if_contains("invoice") : nullptr;
    if (!inv || !inv->is_object()) {
      const std::string text = redact_secrets(answer.body, cfg_);
      return values::unreadable(
          redact_secrets("Alloy answered the read-back of invoice " + j.invoice_id +
                             " without the expected {\"invoice\": ...} object: " +
                             (text.empty() ? std::string("(empty body)") : body_excerpt(text)),
                         cfg_));
    }
    json::object view;
    for (auto& f : invoice_schema().fields) {
      const json::value* v = inv->get_object().if_contains(f.name);
      if (!v) continue;
      if (f.name != "lineItems" || !v->is_array()) {
        view[f.name] = *v;
        continue;
      }
      const fields::schema& line = *f.spec.items->shape;
      json::array lines;
      for (auto& l : v->get_array()) {
        json::object kept;
        if (const json::object* lo = l.if_object())
          for (auto& lf : line.fields)
            if (auto* lv = lo->if_contains(lf.name)) kept[lf.name] = *lv;
        lines.push_back(std::move(kept));
      }
      view[f.name] = std::move(lines);
    }
    return values::read_ok(std::move(view));
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

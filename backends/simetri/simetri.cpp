// simetri adapter: validation, request building and answer classification; see simetri.hpp.
#include "backends/simetri/simetri.hpp"

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <string_view>

#include "backends/reconcile_values.hpp"
#include "backends/requests.hpp"
#include "backends/simetri/body.hpp"
#include "backends/simetri/reconcile.hpp"
#include "backends/simetri/schema.hpp"
#include "backends/status_rules.hpp"

namespace reconcilerd::backends::simetri {

namespace json = boost::json;

namespace {

// psycopg2 / PostgreSQL texts that mean "try again": serialization failures, deadlocks,
// lock timeouts (NOWAIT) and a lost database connection.
constexpr std::array<std::string_view, 7> transient_markers{
    "could not serialize access", "deadlock detected",     "could not obtain lock",
    "connection already closed",  "closed the connection", "connection has been closed",
    "terminating connection"};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_transient(std::string_view error) {
  const std::string e = lower(error);
  for (auto m : transient_markers)
    if (e.find(m) != std::string::npos) return true;
  // "connection ... closed" in any other wording.
  auto c = e.find("connection");
  return c != std::string::npos && e.find("closed", c) != std::string::npos;
}

class adapter final : public backends::adapter {
 public:
  explicit adapter(config::backend cfg) : cfg_(std::move(cfg)) {}

  std::optional<std::string> validate(const json::object& update) const override {
    auto error = check_update(update, cfg_.strict_fields);
    if (error) *error = redact_secrets(*error, cfg_);
    return error;
  }

  request build(const jobs::job& j) const override {
    return form_request(
        cfg_.base_url.path + "/api/account.invoice/update/" + percent_encode(j.invoice_id),
        {{"token", cfg_.secret("token")}, {"update_vals", update_vals(j.update)}});
  }

  outcome classify(const response& r, const jobs::job&) const override {
    if (r.status != 200)
      return classify_status(
          r, "simetri answered HTTP " + std::to_string(r.status) + ": " + excerpt(r.body));
    outcome o;
    o.kind = outcome_kind::retry;
    const json::value body = json_body(r.body);
    if (!body.is_object()) {
      o.message = "simetri answered HTTP 200 with a body that is not JSON: " + excerpt(r.body);
      return o;
    }
    const json::object& obj = body.get_object();
    if (auto* s = obj.if_contains("success")) {
      o.kind = outcome_kind::delivered;
      o.message = "simetri: " + text_of(*s);
      return o;
    }
    const json::value* e = obj.if_contains("error");
    if (!e) {
      o.message = "simetri answered HTTP 200 without \"success\" or \"error\": " + excerpt(r.body);
      return o;
    }
    const std::string error = text_of(*e);
    if (error == "Invalid User Token") {
      o.kind = outcome_kind::suspend;
      o.message = "simetri refused the token: Invalid User Token";
    } else if (is_transient(error)) {
      o.message = "simetri hit a transient database error: " + error;
    } else {
      o.kind = outcome_kind::rejected;
      o.message = "simetri rejected the update: " + error;
    }
    return o;
  }

  bool safe_to_repeat(const json::object& update) const override {
    return !has_unrepeatable_command(update);
  }

  request read_back(const jobs::job& j) const override {
    return json_request("GET",
                        cfg_.base_url.path + "/api/account.invoice/search/" +
                            percent_encode(j.invoice_id) +
                            "?token=" + percent_encode(cfg_.secret("token")),
                        {});
  }

  // The search answer: HTTP 200 with a JSON list of records (empty: no such invoice), or
  // {"error": ...} as for updates.
  invoice_read read(const response& r, const jobs::job& j) const override {
    if (r.status != 200) return values::not_read(classify(r, j));
    const std::string what = "the read-back of invoice " + j.invoice_id;
    const json::value body = json_body(r.body);
    if (const json::object* obj = body.if_object(); obj && obj->contains("error")) {
      outcome o = classify(r, j);  // token refused -> suspend, transient -> retry
      if (o.kind == outcome_kind::rejected) {
        o.message = "simetri refused " + what + ": " + text_of(obj->at("error"));
      }
      return values::not_read(std::move(o));
    }
    if (body.is_null())
      return values::unreadable("simetri answered " + what +
                                " with a body that is not JSON: " + excerpt(r.body));
    auto view = invoice_view(body, j.invoice_id);
    if (std::holds_alternative<std::monostate>(view)) {
      outcome o;
      o.kind = outcome_kind::rejected;
      o.message = "simetri has no invoice " + j.invoice_id + " (the search found no record)";
      return values::not_read(std::move(o));
    }
    if (auto* error = std::get_if<std::string>(&view))
      return values::unreadable(redact_secrets(
          "simetri answered " + what + " with something that cannot be read: " + *error + ": " +
              excerpt(r.body),
          cfg_));
    return values::read_ok(std::move(std::get<json::object>(view)));
  }

  applied_judgement judge(const json::object& before, const json::object& after,
                          const json::object& update) const override {
    applied_judgement out = judge_update(before, after, update);
    out.seen = redact_secrets(out.seen, cfg_);
    return out;
  }

  std::optional<json::object> fold(const json::object& older,
                                   const json::object& newer) const override {
    return fold_updates(older, newer);
  }

  bool unchanged(const json::object& invoice, const json::object& update) const override {
    return safe_to_repeat(update) && shows_update(invoice, update);
  }

 private:
  // Printable excerpts, redacted before cutting so no piece of the token survives.
  std::string excerpt(std::string_view body) const {
    // Redacted again after the cut: the excerpt turns control characters into spaces, which
    // can complete a secret ("acc/ess\0key" -> "acc/ess key").
    return body.empty() ? std::string("(empty body)")
                        : redact_secrets(body_excerpt(redact_secrets(body, cfg_)), cfg_);
  }

  std::string text_of(const json::value& v) const {
    return redact_secrets(
        body_excerpt(
            redact_secrets(v.is_string() ? std::string(v.get_string()) : json::serialize(v), cfg_)),
        cfg_);
  }

  config::backend cfg_;
};

}  // namespace

std::unique_ptr<backends::adapter> make_adapter(const config::backend& cfg) {
  return std::make_unique<adapter>(cfg);
}

}  // namespace reconcilerd::backends::simetri

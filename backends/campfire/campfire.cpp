// Campfire adapter: validation of the full invoice, request building, and DRF answers;
// see campfire.hpp.
#include "backends/campfire/campfire.hpp"

#include "backends/campfire/reconcile.hpp"
#include "backends/campfire/schema.hpp"
#include "backends/reconcile_values.hpp"
#include "backends/requests.hpp"
#include "backends/status_rules.hpp"

namespace reconcilerd::backends::campfire {

namespace json = boost::json;

namespace {

// Campfire takes ids as strings (and returns them as integers).
void id_as_string(json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return;
  if (v->is_int64()) *v = std::to_string(v->get_int64());
  if (v->is_uint64()) *v = std::to_string(v->get_uint64());
}

// DRF throttling text: "Request was throttled. Expected available in 12 seconds."
std::optional<std::chrono::milliseconds> throttle_wait(std::string_view detail) {
  static constexpr std::string_view marker = "Expected available in ";
  auto pos = detail.find(marker);
  if (pos == std::string_view::npos) return std::nullopt;
  auto rest = detail.substr(pos + marker.size());
  long long secs = 0;
  std::size_t i = 0;
  for (; i < rest.size() && rest[i] >= '0' && rest[i] <= '9' && secs < 1000000; ++i)
    secs = secs * 10 + (rest[i] - '0');
  if (i == 0 || !rest.substr(i).starts_with(" second")) return std::nullopt;
  return std::chrono::seconds(secs);
}

class adapter final : public backends::adapter {
 public:
  explicit adapter(config::backend cfg) : cfg_(std::move(cfg)) {}

  std::optional<std::string> validate(const json::object& update) const override {
    std::vector<std::string> problems;
    std::string missing;
    for (auto& name : required_fields())
      if (!update.contains(name)) missing += (missing.empty() ? "" : ", ") + name;
    if (!missing.empty())
      problems.push_back("update: missing " + missing +
                         " (Campfire replaces the whole invoice on update: a partial update "
                         "would wipe every field left out, so send the complete invoice)");
    for (auto& p : fields::check(invoice_schema(), update, {.strict = cfg_.strict_fields}))
      problems.push_back(p);
    if (problems.empty()) return std::nullopt;
    std::string out;
    for (auto& p : problems) out += (out.empty() ? "" : "; ") + p;
    return redact_secrets(out, cfg_);
  }

  std::optional<std::string> validate_merge(const json::object& update) const override {
    std::string out;
    for (auto& p : fields::check(invoice_schema(), update, {.strict = cfg_.strict_fields}))
      out += (out.empty() ? "" : "; ") + p;
    if (out.empty()) return std::nullopt;
    return redact_secrets(out, cfg_);
  }

  request build(const jobs::job& j) const override {
    json::object body = j.update;
    for (auto key : {"client", "entity", "contract"}) id_as_string(body, key);
    if (auto* lines = body.if_contains("lines"); lines && lines->is_array())
      for (auto& line : lines->get_array())
        if (line.is_object()) id_as_string(line.get_object(), "product");
    return json_request("PUT", target(j), auth(), &body);
  }

  // A 404 names the invoice ("invoice 42 not found").
  outcome classify(const response& answer, const jobs::job& j) const override {
    response r = answer;
    r.body = redact_secrets(answer.body, cfg_);  // before an excerpt can cut a secret in two
    const std::string text = status_text(r, "detail");
    outcome o = classify_status(r, text);
    if (o.kind == outcome_kind::delivered) {
      o.message = "invoice updated";
    } else if (r.status == 400) {
      std::string errors = drf_errors(json_body(r.body));
      if (!errors.empty()) o.message = body_excerpt(redact_secrets(errors, cfg_), 1000);
    } else if (r.status == 404) {
      o.message = (j.invoice_id.empty() ? std::string("invoice") : "invoice " + j.invoice_id) +
                  " not found (" + text + ")";
    } else if (r.status == 429 && !o.retry_after) {
      o.retry_after = throttle_wait(text);  // the detail is part of the text
      o.backend_wide = true;
    }
    o.message = redact_secrets(o.message, cfg_);  // secrets the body had JSON-escaped
    return o;
  }

  bool safe_to_repeat(const json::object&) const override { return true; }

  request read_back(const jobs::job& j) const override {
    return json_request("GET", target(j), auth());
  }

  // The full invoice (a 2xx JSON object with "lines"); other answers as classify() reads
  // them (404: the invoice does not exist).
  invoice_read read(const response& r, const jobs::job& j) const override {
    if (r.status < 200 || r.status >= 300) return values::not_read(classify(r, j));
    auto view = invoice_view(json_body(r.body), j.invoice_id);
    if (auto* error = std::get_if<std::string>(&view)) {
      const std::string body = redact_secrets(r.body, cfg_);
      return values::unreadable(redact_secrets(
          "Campfire answered the read-back of invoice " + j.invoice_id +
              " with something that "
              "cannot be read (" +
              *error + "): " + (body.empty() ? std::string("(empty body)") : body_excerpt(body)),
          cfg_));
    }
    return values::read_ok(std::move(std::get<json::object>(view)));
  }

  // A PUT replaces the whole invoice: sending `older`, then `newer`, leaves `newer`.
  std::optional<json::object> fold(const json::object&, const json::object& newer) const override {
    return newer;
  }

  bool unchanged(const json::object& invoice, const json::object& update) const override {
    return shows_update(invoice, update);
  }

  std::variant<json::object, std::string> merge(const json::object& invoice,
                                                const json::object& update) const override {
    auto out = merged(invoice, update);
    if (auto* why = std::get_if<std::string>(&out)) *why = redact_secrets(*why, cfg_);
    return out;
  }

 private:
  std::string target(const jobs::job& j) const {
    return cfg_.base_url.path + "/coa/api/v1/invoice/" + percent_encode(j.invoice_id) + "/";
  }

  std::vector<header> auth() const {
    return {{"Authorization", cfg_.param("auth_scheme", "Token") + " " + cfg_.secret("api_key")}};
  }

  config::backend cfg_;
};

}  // namespace

std::unique_ptr<backends::adapter> make_adapter(const config::backend& cfg) {
  return std::make_unique<adapter>(cfg);
}

}  // namespace reconcilerd::backends::campfire

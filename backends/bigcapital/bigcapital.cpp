// Bigcapital adapter: request building and answer classification; see bigcapital.hpp.
#include "backends/bigcapital/bigcapital.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>

#include "backends/bigcapital/schema.hpp"
#include "backends/status_rules.hpp"

namespace reconcilerd::backends::bigcapital {

namespace json = boost::json;

namespace {

// X-RateLimit-* hints, falling back to the "-auth"-suffixed copies some deployments send.
rate_hint hints(const response& r) {
  rate_hint h = parse_rate_hint(r);
  response suffixed;
  for (auto& hd : r.headers) {
    std::string lower;
    for (char c : hd.name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.size() > 5 && lower.ends_with("-auth"))
      suffixed.headers.push_back({hd.name.substr(0, hd.name.size() - 5), hd.value});
  }
  rate_hint a = parse_rate_hint(suffixed);
  if (!h.limit) h.limit = a.limit;
  if (!h.remaining) h.remaining = a.remaining;
  if (!h.reset) h.reset = a.reset;
  return h;
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
  return cfg_.base_url.path + "/api/sale-invoices/" + percent_encode(j.invoice_id);
}

// A configured JWT wins over an API key, and needs the organization-id header.
std::vector<header> adapter::auth_headers() const {
  std::string jwt = cfg_.secret("jwt");
  if (jwt.empty()) return {{"Authorization", "Bearer " + cfg_.secret("api_key")}};
  return {{"Authorization", "Bearer " + jwt}, {"organization-id", cfg_.param("organization_id")}};
}

request adapter::build(const jobs::job& j) const {
  request req;
  req.method = "PUT";
  req.target = target(j);
  req.headers = auth_headers();
  req.headers.push_back({"Content-Type", "application/json"});
  req.headers.push_back({"Accept", "application/json"});
  req.body = json::serialize(j.update);
  return req;
}

outcome adapter::classify(const response& answer, const jobs::job& j) const {
  response r = answer;
  r.body = redact_secrets(answer.body, cfg_);  // before any excerpt cuts a secret in two
  boost::system::error_code ec;
  json::value body = json::parse(r.body, ec);
  if (ec) body = nullptr;
  const std::string text = status_text(r, "message");

  outcome o = classify_status(r, text);
  o.hint = hints(r);
  if (o.kind == outcome_kind::delivered) {
    o.message = "invoice updated";
  } else if (r.status == 400) {
    std::string errors = business_errors(body, j.invoice_id);
    if (errors.empty()) errors = validation_errors(body);
    if (!errors.empty()) o.message = body_excerpt(errors, 1000);
  } else if (r.status == 429 && !o.retry_after) {
    if (auto v = r.header_value("Retry-After-auth")) {
      o.retry_after = parse_retry_after(*v, r.received_at);
      o.backend_wide = true;
    }
  }
  return o;
}

bool adapter::safe_to_repeat(const json::object&) const { return true; }

request adapter::read_back(const jobs::job& j) const {
  request req;
  req.method = "GET";
  req.target = target(j);
  req.headers = auth_headers();
  req.headers.push_back({"Accept", "application/json"});
  return req;
}

}  // namespace reconcilerd::backends::bigcapital

namespace reconcilerd::backends {

std::unique_ptr<adapter> make_bigcapital_adapter(const config::backend& cfg) {
  return std::make_unique<bigcapital::adapter>(cfg);
}

}  // namespace reconcilerd::backends

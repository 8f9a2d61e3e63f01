// Campfire adapter: validation of the full invoice, request building, and DRF answers;
// see campfire.hpp.
#include "backends/campfire/campfire.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "backends/campfire/schema.hpp"
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

}  // namespace

std::optional<std::string> adapter::validate(const json::object& update) const {
  std::vector<std::string> problems;
  std::string missing;
  for (auto& name : required_fields())
    if (!update.contains(name)) missing += (missing.empty() ? "" : ", ") + name;
  if (!missing.empty())
    problems.push_back("update: missing " + missing +
                       " (Campfire replaces the whole invoice on update: a partial update "
                       "would wipe every field left out, so send the complete invoice)");
  fields::options opt;
  opt.strict = cfg_.strict_fields;
  for (auto& p : fields::check(invoice_schema(), update, opt)) problems.push_back(p);
  if (problems.empty()) return std::nullopt;
  std::string out;
  for (auto& p : problems) out += (out.empty() ? "" : "; ") + p;
  return redact_secrets(std::move(out), cfg_);
}

std::string adapter::target(const jobs::job& j) const {
  return cfg_.base_url.path + "/coa/api/v1/invoice/" + percent_encode(j.invoice_id) + "/";
}

std::string adapter::authorization() const {
  return cfg_.param("auth_scheme", "Token") + " " + cfg_.secret("api_key");
}

request adapter::build(const jobs::job& j) const {
  json::object body = j.update;
  for (auto key : {"client", "entity", "contract"}) id_as_string(body, key);
  if (auto* lines = body.if_contains("lines"); lines && lines->is_array())
    for (auto& line : lines->get_array())
      if (line.is_object()) id_as_string(line.get_object(), "product");
  request req;
  req.method = "PUT";
  req.target = target(j);
  req.headers = {{"Authorization", authorization()},
                 {"Content-Type", "application/json"},
                 {"Accept", "application/json"}};
  req.body = json::serialize(body);
  return req;
}

outcome adapter::classify(const response& answer, const jobs::job& j) const {
  response r = answer;
  r.body = redact_secrets(answer.body, cfg_);  // before any excerpt cuts a secret in two
  boost::system::error_code ec;
  json::value body = json::parse(r.body, ec);
  if (ec) body = nullptr;
  const std::string text = status_text(r, "detail");
  outcome o = classify_status(r, "");
  if (o.kind == outcome_kind::delivered) {
    o.message = "invoice updated";
  } else if (r.status == 400) {
    std::string errors = body.is_null() ? std::string() : drf_errors(body);
    o.message = errors.empty() ? text : body_excerpt(errors, 1000);
  } else if (r.status == 404) {
    o.message = (j.invoice_id.empty() ? std::string("invoice") : "invoice " + j.invoice_id) +
                " not found (" + text + ")";
  } else {
    o.message = text;
    if (r.status == 429 && !o.retry_after) {
      o.retry_after = throttle_wait(text);  // the detail is part of the text
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
  req.headers = {{"Authorization", authorization()}, {"Accept", "application/json"}};
  return req;
}

}  // namespace reconcilerd::backends::campfire

namespace reconcilerd::backends {

std::unique_ptr<adapter> make_campfire_adapter(const config::backend& cfg) {
  return std::make_unique<campfire::adapter>(cfg);
}

}  // namespace reconcilerd::backends

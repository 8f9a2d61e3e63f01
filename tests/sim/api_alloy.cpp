// Alloy unified accounting API: PUT/GET /accounting/invoices/{id}?credentialId=..,
// `Authorization: bearer KEY` (scheme case-insensitive). A PUT updates the given header
// fields and replaces lineItems. Error bodies are undocumented: {"message": ...} is this
// simulator's choice; the status codes (400/401/404/429) are what clients rely on.
#include <boost/json.hpp>
#include <map>

#include "tests/sim/apis.hpp"
#include "tests/sim/rate_limiter.hpp"

namespace reconcilerd::sim {

namespace json = boost::json;

namespace {

class alloy_api final : public api {
 public:
  explicit alloy_api(const sim_config& cfg)
      : cfg_(cfg),
        limiter_(cfg.limits.count("alloy") ? cfg.limits.at("alloy") : limit_config{}),
        next_line_id_(2 * cfg.invoices + 1) {}

  handled handle(const api_request& r) override {
    handled h;
    static const std::string prefix = "/accounting/invoices/";
    if (r.path.rfind(prefix, 0) != 0 || r.path.size() == prefix.size() ||
        r.path.find('/', prefix.size()) != std::string::npos) {
      return fail(h, 404, "Not Found");
    }
    const std::string id_text = r.path.substr(prefix.size());
    h.invoice_id = id_for_log(id_text);
    if (r.raw.method != "GET" && r.raw.method != "PUT") return fail(h, 405, "Method Not Allowed");

    const auto key = auth_token(r.raw, "bearer");
    const auto cred = form_get(r.query, "credentialId");
    if (!key || *key != cfg_.creds.alloy_api_key) {
      h.outcome = outcome_kind::auth_failed;
      h.message = "invalid API key";
      h.response = json_response(401, {{"message", "Unauthorized"}});
      return h;
    }
    if (!cred || *cred != cfg_.creds.alloy_credential_id) {
      h.outcome = outcome_kind::auth_failed;
      h.message = "invalid credentialId";
      h.response = json_response(401, {{"message", "Invalid credentialId"}});
      return h;
    }
    if (limiter_.enabled()) {
      const limit_decision d = limiter_.hit(*cred, r.now_s);
      if (!d.allowed) {
        h.outcome = outcome_kind::throttled;
        h.message = "rate limit exceeded";
        h.response = json_response(429, {{"message", "Too Many Requests"}});
        h.response.headers.emplace_back("Retry-After", std::to_string(d.retry_after_s));
        return h;
      }
    }
    const auto id = parse_positive_id(id_text);
    if (r.raw.method == "GET") {
      if (!id || *id > cfg_.invoices) return fail(h, 404, "Invoice not found");
      h.outcome = outcome_kind::read;
      h.response = json_response(200, {{"invoice", render(*id)}});
      return h;
    }
    boost::system::error_code ec;
    json::value body = json::parse(r.raw.body, ec);
    if (ec || !body.is_object()) return fail(h, 400, "Request body must be a JSON object");
    if (auto err = validate(body.get_object())) return fail(h, 400, *err);
    if (!id || *id > cfg_.invoices) return fail(h, 404, "Invoice not found");
    apply(*id, body.get_object());
    h.outcome = outcome_kind::updated;
    h.response = json_response(200, {{"invoice", render(*id)}});
    return h;
  }

  bool is_update(const api_request& r) const override { return r.raw.method == "PUT"; }

  std::optional<json::value> state(std::int64_t id) override {
    if (id < 1 || id > cfg_.invoices) return std::nullopt;
    return render(id);
  }

 private:
  struct invoice {
    json::object fields;
    json::array lines;
    std::string updated_at;
  };

  static handled& fail(handled& h, int status, const std::string& message) {
    h.outcome = outcome_kind::error;
    h.message = message;
    h.response = json_response(status, {{"message", message}});
    return h;
  }

  static std::optional<std::string> validate(const json::object& o) {
    auto str_field = [&](const char* k) -> std::optional<std::string> {
      const json::value* v = o.if_contains(k);
      if (v && !v->is_string() && !v->is_null()) return std::string(k) + " must be a string";
      return std::nullopt;
    };
    for (const char* k : {"customerId", "invoiceNumber", "memo"}) {
      if (auto e = str_field(k)) return e;
    }
    for (const char* k : {"issueDate", "dueDate"}) {
      if (auto e = str_field(k)) return e;
      const json::value* v = o.if_contains(k);
      if (v && v->is_string() && !is_date(v->get_string()))
        return std::string(k) + " must be a date YYYY-MM-DD";
    }
    if (const json::value* c = o.if_contains("currency")) {
      if (!c->is_string() || c->get_string().size() != 3)
        return std::string("currency must be an ISO 4217 code");
      for (char ch : c->get_string()) {
        if (ch < 'A' || ch > 'Z') return std::string("currency must be an ISO 4217 code");
      }
    }
    for (const char* k : {"exchangeRate", "totalAmount", "balance"}) {
      const json::value* v = o.if_contains(k);
      if (v && !v->is_null() && !json_number(*v)) return std::string(k) + " must be a number";
    }
    if (const json::value* rf = o.if_contains("remoteFields")) {
      if (!rf->is_object()) return std::string("remoteFields must be an object");
    }
    const json::value* li = o.if_contains("lineItems");
    if (!li) return std::string("lineItems is required");
    if (!li->is_array()) return std::string("lineItems must be an array");
    int i = 0;
    for (const json::value& l : li->get_array()) {
      const std::string at = "lineItems[" + std::to_string(i++) + "]";
      if (!l.is_object()) return at + " must be an object";
      const json::object& lo = l.get_object();
      const json::value* d = lo.if_contains("description");
      if (!d || !d->is_string()) return at + ".description is required (string)";
      const json::value* t = lo.if_contains("totalAmount");
      if (!t) return at + ".totalAmount is required";
      if (!t->is_string()) return at + ".totalAmount must be a string";
      char* end = nullptr;
      const std::string ts(t->get_string());
      std::strtod(ts.c_str(), &end);
      if (ts.empty() || *end != '\0') return at + ".totalAmount must be a numeric string";
      if (const json::value* u = lo.if_contains("unitPrice")) {
        if (!json_number(*u)) return at + ".unitPrice must be a number";
      }
      if (const json::value* q = lo.if_contains("quantity")) {
        if (!q->is_int64() && !q->is_uint64()) return at + ".quantity must be an integer";
      }
      for (const char* k : {"accountingItemId", "accountId"}) {
        const json::value* v = lo.if_contains(k);
        if (v && !v->is_string() && !v->is_null()) return at + "." + k + " must be a string";
      }
    }
    return std::nullopt;
  }

  invoice& get(std::int64_t id) {
    auto it = invoices_.find(id);
    if (it != invoices_.end()) return it->second;
    invoice inv;
    inv.fields = {{"customerId", "cust-" + std::to_string(id)},
                  {"invoiceNumber", "INV-" + std::to_string(id)},
                  {"issueDate", "2024-01-01"},
                  {"dueDate", "2024-01-31"},
                  {"memo", nullptr},
                  {"currency", "USD"},
                  {"exchangeRate", 1.0},
                  {"totalAmount", 150.0},
                  {"balance", 150.0},
                  {"remoteFields", json::object{}}};
    for (std::int64_t k = 0; k < 2; ++k) {
      const std::string lid = std::to_string(2 * id - 1 + k);
      inv.lines.push_back(json::object{{"description", "Line " + lid},
                                       {"unitPrice", k == 0 ? 100.0 : 50.0},
                                       {"quantity", 1},
                                       {"totalAmount", k == 0 ? 100.0 : 50.0},
                                       {"id", lid},
                                       {"remoteId", lid},
                                       {"accountingItemId", nullptr},
                                       {"accountId", nullptr}});
    }
    inv.updated_at = "2024-01-01T00:00:00.000Z";
    return invoices_.emplace(id, std::move(inv)).first->second;
  }

  void apply(std::int64_t id, const json::object& body) {
    invoice& inv = get(id);
    for (const auto& kv : body) {
      if (kv.key() == "lineItems") continue;
      inv.fields[kv.key()] = kv.value();
    }
    inv.lines.clear();
    for (const json::value& l : body.at("lineItems").get_array()) {
      json::object line = l.get_object();
      const std::string lid = std::to_string(next_line_id_++);
      line["totalAmount"] =
          std::strtod(std::string(line["totalAmount"].get_string()).c_str(), nullptr);
      line["id"] = lid;
      line["remoteId"] = lid;
      inv.lines.push_back(std::move(line));
    }
    inv.updated_at = iso_now();
  }

  json::value render(std::int64_t id) {
    invoice& inv = get(id);
    json::object o = inv.fields;
    o["id"] = std::to_string(id);
    o["remoteId"] = std::to_string(id);
    o["lineItems"] = inv.lines;
    o["remoteCreatedAt"] = "2024-01-01T00:00:00.000Z";
    o["remoteUpdatedAt"] = inv.updated_at;
    o["remoteDeleted"] = false;
    return o;
  }

  const sim_config& cfg_;
  rate_limiter limiter_;
  std::int64_t next_line_id_;
  std::map<std::int64_t, invoice> invoices_;
};

}  // namespace

std::unique_ptr<api> make_alloy_api(const sim_config& cfg) {
  return std::make_unique<alloy_api>(cfg);
}

}  // namespace reconcilerd::sim

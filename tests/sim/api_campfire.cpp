// Campfire (Django REST Framework): PUT/GET /coa/api/v1/invoice/{id}/ with
// `Authorization: Token KEY` (or Bearer). Without the trailing slash Django's CommonMiddleware
// answers 301 to the slashed URL (production setting; DEBUG would give 500). DRF order:
// auth (401), throttle (429), object lookup (404), serializer (400 {"field": [msgs]}).
// PUT is a full replacement: missing fields become null, lines are replaced.
#include <boost/json.hpp>
#include <cmath>
#include <map>

#include "tests/sim/apis.hpp"
#include "tests/sim/rate_limiter.hpp"

namespace reconcilerd::sim {

namespace json = boost::json;

namespace {

enum class ftype { pk, date, text, decimal, boolean, terms, status };

struct field_spec {
  const char* name;
  ftype type;
  bool required;
};

const field_spec invoice_fields[] = {
    {"client", ftype::pk, true},
    {"entity", ftype::pk, true},
    {"contract", ftype::pk, false},
    {"terms", ftype::terms, false},
    {"status", ftype::status, false},
    {"invoice_date", ftype::date, true},
    {"due_date", ftype::date, true},
    {"item_date", ftype::date, false},
    {"period_start", ftype::date, false},
    {"period_end", ftype::date, false},
    {"shipping_date", ftype::date, false},
    {"currency", ftype::text, false},
    {"exchange_rate_book", ftype::decimal, false},
    {"exchange_rate", ftype::decimal, false},
    {"message_on_invoice", ftype::text, false},
    {"billing_address", ftype::text, false},
    {"shipping_address", ftype::text, false},
    {"purchase_order_number", ftype::text, false},
    {"invoice_number", ftype::text, false},
    {"ref_number", ftype::text, false},
    {"location_of_sale", ftype::text, false},
    {"stripe_connection", ftype::text, false},
    {"auto_send_invoice", ftype::boolean, false},
};

const field_spec line_fields[] = {
    {"amount", ftype::decimal, true},
    {"service_date", ftype::date, false},
    {"product", ftype::pk, false},
    {"rate", ftype::decimal, false},
    {"description", ftype::text, false},
    {"quantity", ftype::decimal, false},
    {"tax", ftype::decimal, false},
    {"tax_description", ftype::text, false},
    {"discount", ftype::decimal, false},
    {"discount_percentage", ftype::decimal, false},
    {"discount_amount", ftype::decimal, false},
    {"product_is_taxable", ftype::boolean, false},
    {"anrok_item_id", ftype::text, false},
};

const char* const terms_values[] = {"custom", "net_5",   "net_7",   "net_10",        "net_15",
                                    "net_20", "net_30",  "net_40",  "net_45",        "net_60",
                                    "net_90", "net_105", "net_120", "due_on_receipt"};
const char* const status_values[] = {"draft", "open",          "sent",  "partial",
                                     "paid",  "uncollectible", "voided"};

std::string type_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object:
      return "dict";
    case json::kind::array:
      return "list";
    case json::kind::string:
      return "str";
    case json::kind::bool_:
      return "bool";
    case json::kind::double_:
      return "float";
    case json::kind::null:
      return "NoneType";
    default:
      return "int";
  }
}

std::optional<double> decimal_of(const json::value& v) {
  if (auto n = json_number(v)) return n;
  if (v.is_string()) {
    const std::string s(v.get_string());
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && *end == '\0' && std::isfinite(d)) return d;
  }
  return std::nullopt;
}

// The DRF error for one field value, or nothing when valid; `out` gets the stored value.
std::optional<std::string> check(const field_spec& f, const json::value& v, bool in_line,
                                 json::value& out) {
  if (v.is_null()) {
    if (f.required) return "This field may not be null.";
    out = nullptr;
    return std::nullopt;
  }
  switch (f.type) {
    case ftype::pk: {
      if (v.is_int64() && v.get_int64() > 0) {
        out = v;
        return std::nullopt;
      }
      if (v.is_string()) {
        if (auto id = parse_positive_id(v.get_string())) {
          out = *id;
          return std::nullopt;
        }
        return "Invalid pk \"" + std::string(v.get_string()) + "\" - object does not exist.";
      }
      return "Incorrect type. Expected pk value, received " + type_name(v) + ".";
    }
    case ftype::date:
      if (v.is_string() && is_date(v.get_string())) {
        out = v;
        return std::nullopt;
      }
      return "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.";
    case ftype::text:
      if (v.is_string() || v.is_int64() || v.is_uint64() || v.is_double()) {
        out = v.is_string() ? v : json::value(json::serialize(v));
        return std::nullopt;
      }
      return "Not a valid string.";
    case ftype::decimal: {
      const auto d = decimal_of(v);
      if (!d || v.is_bool()) return "A valid number is required.";
      const double bound =
          (!in_line || std::string_view(f.name).rfind("discount", 0) != 0) ? 1e14 : 1e18;
      if (std::fabs(*d) >= bound) {
        return bound == 1e14 ? "Ensure this value is less than 100000000000000."
                             : "Ensure this value is less than 1000000000000000000.";
      }
      out = money(*d);
      return std::nullopt;
    }
    case ftype::boolean:
      if (v.is_bool()) {
        out = v;
        return std::nullopt;
      }
      return "Must be a valid boolean.";
    case ftype::terms:
    case ftype::status: {
      const bool terms = f.type == ftype::terms;
      if (v.is_string()) {
        const std::string s(v.get_string());
        if (terms) {
          for (const char* t : terms_values) {
            if (s == t) {
              out = v;
              return std::nullopt;
            }
          }
        } else {
          for (const char* t : status_values) {
            if (s == t) {
              out = v;
              return std::nullopt;
            }
          }
        }
        return "\"" + s + "\" is not a valid choice.";
      }
      return "\"" + json::serialize(v) + "\" is not a valid choice.";
    }
  }
  return std::nullopt;
}

class campfire_api final : public api {
 public:
  explicit campfire_api(const sim_config& cfg)
      : cfg_(cfg),
        limiter_(cfg.limits.count("campfire") ? cfg.limits.at("campfire") : limit_config{}),
        next_line_id_(2 * cfg.invoices + 1) {}

  handled handle(const api_request& r) override {
    handled h;
    static const std::string prefix = "/coa/api/v1/invoice/";
    std::string rest = r.path.rfind(prefix, 0) == 0 ? r.path.substr(prefix.size()) : "";
    const auto slash = rest.find('/');
    if (rest.empty() || (slash != std::string::npos && slash + 1 != rest.size())) {
      h.message = "no such URL";
      h.response = text_response(404, "text/html",
                                 "<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Not Found"
                                 "</title>\n</head>\n<body>\n  <h1>Not Found</h1><p>The requested "
                                 "resource was not found on this server.</p>\n</body>\n</html>\n");
      return h;
    }
    const std::string id_text = rest.substr(0, slash);
    h.invoice_id = id_for_log(id_text);
    if (slash == std::string::npos) {  // APPEND_SLASH redirect
      h.message = "missing trailing slash (301)";
      h.response = text_response(301, "text/html; charset=utf-8", "");
      const auto q = r.raw.target.find('?');
      std::string location = r.raw.target.substr(0, q) + "/";
      if (q != std::string::npos) location += r.raw.target.substr(q);
      h.response.headers.emplace_back("Location", location);
      return h;
    }
    const std::string* auth = r.raw.header("authorization");
    auto token = auth_token(r.raw, "token");
    if (!token) token = auth_token(r.raw, "bearer");
    if (!auth) return auth_fail(h, "Authentication credentials were not provided.");
    if (!token || *token != cfg_.creds.campfire_api_key) return auth_fail(h, "Invalid token.");
    if (limiter_.enabled()) {
      const limit_decision d = limiter_.hit("user", r.now_s);
      if (!d.allowed) {
        h.outcome = outcome_kind::throttled;
        h.message = "throttled";
        const std::string n = std::to_string(d.retry_after_s);
        h.response =
            json_response(429, {{"detail", "Request was throttled. Expected available in " + n +
                                               (d.retry_after_s == 1 ? " second." : " seconds.")}});
        h.response.headers.emplace_back("Retry-After", n);
        return h;
      }
    }
    if (r.raw.method != "GET" && r.raw.method != "PUT") {
      h.message = "method not allowed";
      h.response = json_response(405, {{"detail", "Method \"" + r.raw.method + "\" not allowed."}});
      return h;
    }
    const auto id = parse_positive_id(id_text);
    if (!id || *id > cfg_.invoices) {
      h.message = "Not found.";
      h.response = json_response(404, {{"detail", "Not found."}});
      return h;
    }
    if (r.raw.method == "GET") {
      h.outcome = outcome_kind::read;
      h.response = json_response(200, render(*id));
      return h;
    }
    boost::system::error_code ec;
    json::value body = json::parse(r.raw.body, ec);
    if (ec) {
      h.message = "JSON parse error";
      h.response = json_response(400, {{"detail", "JSON parse error - " + ec.message()}});
      return h;
    }
    if (!body.is_object()) {
      h.message = "body is not an object";
      h.response = json_response(
          400, {{"non_field_errors", json::array{"Invalid data. Expected a dictionary, but got " +
                                                 type_name(body) + "."}}});
      return h;
    }
    json::object stored;
    json::array lines;
    json::object errors = validate(body.get_object(), stored, lines);
    if (!errors.empty()) {
      h.message = "validation failed: " + std::string(errors.begin()->key());
      h.response = json_response(400, errors);
      return h;
    }
    invoice& inv = get(*id);
    inv.fields = std::move(stored);
    inv.lines = std::move(lines);
    inv.modified = iso_now();
    h.outcome = outcome_kind::updated;
    h.response = json_response(200, render(*id));
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
    std::string modified;
  };

  static handled& auth_fail(handled& h, const char* detail) {
    h.outcome = outcome_kind::auth_failed;
    h.message = detail;
    h.response = json_response(401, {{"detail", detail}});
    h.response.headers.emplace_back("WWW-Authenticate", "Token");
    return h;
  }

  json::object validate(const json::object& o, json::object& stored, json::array& lines) {
    json::object errors;
    for (const field_spec& f : invoice_fields) {
      const json::value* v = o.if_contains(f.name);
      if (!v) {
        if (f.required)
          errors[f.name] = json::array{"This field is required."};
        else
          stored[f.name] = f.type == ftype::boolean ? json::value(false) : json::value(nullptr);
        continue;
      }
      json::value out;
      if (auto e = check(f, *v, false, out))
        errors[f.name] = json::array{*e};
      else
        stored[f.name] = out;
    }
    const json::value* lv = o.if_contains("lines");
    if (!lv) {
      errors["lines"] = json::array{"This field is required."};
    } else if (lv->is_null()) {
      errors["lines"] = json::array{"This field may not be null."};
    } else if (!lv->is_array()) {
      errors["lines"] =
          json::object{{"non_field_errors", json::array{"Expected a list of items but got type \"" +
                                                        type_name(*lv) + "\"."}}};
    } else {
      json::array line_errors;
      bool any = false;
      for (const json::value& l : lv->get_array()) {
        json::object le;
        json::object line;
        if (!l.is_object()) {
          le["non_field_errors"] =
              json::array{"Invalid data. Expected a dictionary, but got " + type_name(l) + "."};
        } else {
          for (const field_spec& f : line_fields) {
            const json::value* v = l.get_object().if_contains(f.name);
            if (!v) {
              if (f.required)
                le[f.name] = json::array{"This field is required."};
              else
                line[f.name] = nullptr;
              continue;
            }
            json::value out;
            if (auto e = check(f, *v, true, out))
              le[f.name] = json::array{*e};
            else
              line[f.name] = out;
          }
        }
        any = any || !le.empty();
        line_errors.push_back(std::move(le));
        lines.push_back(std::move(line));
      }
      if (any) errors["lines"] = std::move(line_errors);
    }
    if (errors.empty()) {
      for (json::value& l : lines) l.get_object()["id"] = next_line_id_++;
    }
    return errors;
  }

  invoice& get(std::int64_t id) {
    auto it = invoices_.find(id);
    if (it != invoices_.end()) return it->second;
    invoice inv;
    for (const field_spec& f : invoice_fields) inv.fields[f.name] = nullptr;
    inv.fields["client"] = 1 + id % 50;
    inv.fields["entity"] = 1;
    inv.fields["terms"] = "net_30";
    inv.fields["status"] = "open";
    inv.fields["invoice_date"] = "2024-01-01";
    inv.fields["due_date"] = "2024-01-31";
    inv.fields["currency"] = "USD";
    inv.fields["invoice_number"] = "INV-" + std::to_string(id);
    inv.fields["auto_send_invoice"] = false;
    for (std::int64_t k = 0; k < 2; ++k) {
      json::object line;
      for (const field_spec& f : line_fields) line[f.name] = nullptr;
      line["id"] = 2 * id - 1 + k;
      line["amount"] = k == 0 ? "100.00" : "50.00";
      line["description"] = "Line " + std::to_string(2 * id - 1 + k);
      inv.lines.push_back(std::move(line));
    }
    inv.modified = "2024-01-01T00:00:00.000Z";
    return invoices_.emplace(id, std::move(inv)).first->second;
  }

  json::value render(std::int64_t id) {
    invoice& inv = get(id);
    json::object o{{"id", id}};
    for (const auto& kv : inv.fields) o[kv.key()] = kv.value();
    double total = 0;
    for (const json::value& l : inv.lines) {
      const json::value& a = l.get_object().at("amount");
      if (a.is_string()) total += std::strtod(std::string(a.get_string()).c_str(), nullptr);
    }
    o["lines"] = inv.lines;
    o["client_name"] = o["client"].is_null()
                           ? json::value(nullptr)
                           : json::value("Client " + json::serialize(o["client"]));
    o["total_amount"] = money(total);
    o["amount_paid"] = "0.00";
    o["amount_due"] = money(total);
    o["payments"] = json::array{};
    o["created_at"] = "2024-01-01T00:00:00.000Z";
    o["last_modified_at"] = inv.modified;
    return o;
  }

  const sim_config& cfg_;
  rate_limiter limiter_;
  std::int64_t next_line_id_;
  std::map<std::int64_t, invoice> invoices_;
};

}  // namespace

std::unique_ptr<api> make_campfire_api(const sim_config& cfg) {
  return std::make_unique<campfire_api>(cfg);
}

}  // namespace reconcilerd::sim

// Bigcapital: PUT/GET /api/sale-invoices/{id}, `Authorization: Bearer bc_...`. NestJS
// pipeline order: throttlers (`default` 100/60 s and `auth`, the binding one: both header
// sets on every answer of a throttled route, 429 + Retry-After or Retry-After-auth), auth
// (401), ParseIntPipe, body parse, DTO validation (400 with a list of {property,
// constraints, children}), then business errors (400 {"errors":[{type}]}).
// The edit replaces all entries; dates with a time are moved to the server's zone (UTC-5).
#include <boost/json.hpp>
#include <map>

#include "tests/sim/apis.hpp"
#include "tests/sim/rate_limiter.hpp"

namespace reconcilerd::sim {

namespace json = boost::json;

namespace {

constexpr std::int64_t known_items = 1000;  // items 1..1000 exist and are sellable

bool is_int(const json::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  return v.is_double() &&
         v.get_double() == static_cast<double>(static_cast<std::int64_t>(v.get_double()));
}

// class-validator's IsDateString (ISO 8601): YYYY-MM-DD, optionally THH:MM[:SS[.f]][Z|±HH:MM].
// Returns the calendar date in the server's zone (UTC-5) or nothing when not ISO 8601.
std::optional<std::string> server_date(std::string_view s) {
  if (s.size() < 10 || !is_date(s.substr(0, 10))) return std::nullopt;
  if (s.size() == 10) return std::string(s);
  if (s[10] != 'T' || s.size() < 16) return std::nullopt;
  auto dig = [&](std::size_t i) { return s[i] >= '0' && s[i] <= '9'; };
  if (!dig(11) || !dig(12) || s[13] != ':' || !dig(14) || !dig(15)) return std::nullopt;
  int minutes = ((s[11] - '0') * 10 + (s[12] - '0')) * 60 + (s[14] - '0') * 10 + (s[15] - '0');
  std::size_t i = 16;
  if (i < s.size() && s[i] == ':') {
    if (i + 2 >= s.size()) return std::nullopt;
    if (!dig(i + 1) || !dig(i + 2)) return std::nullopt;
    i += 3;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && dig(i)) ++i;
    }
  }
  int offset = 0;  // of the given time, minutes east of UTC; no zone = server local
  bool local = true;
  if (i < s.size() && s[i] == 'Z') {
    local = false;
    ++i;
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    if (!dig(i + 1) || !dig(i + 2) || !dig(i + 4) || !dig(i + 5)) return std::nullopt;
    offset =
        ((s[i + 1] - '0') * 10 + (s[i + 2] - '0')) * 60 + (s[i + 4] - '0') * 10 + (s[i + 5] - '0');
    if (s[i] == '-') offset = -offset;
    local = false;
    i += 6;
  }
  if (i != s.size()) return std::nullopt;
  if (local) return std::string(s.substr(0, 10));
  const int server_offset = -5 * 60;
  int local_minutes = minutes - offset + server_offset;  // may leave [0, 1440)
  int day_shift = 0;
  while (local_minutes < 0) {
    local_minutes += 1440;
    --day_shift;
  }
  while (local_minutes >= 1440) {
    local_minutes -= 1440;
    ++day_shift;
  }
  // Shift the civil date by day_shift days (days_from_civil / civil_from_days).
  int y = std::stoi(std::string(s.substr(0, 4)));
  unsigned m = static_cast<unsigned>(std::stoi(std::string(s.substr(5, 2))));
  unsigned d = static_cast<unsigned>(std::stoi(std::string(s.substr(8, 2))));
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  long z = era * 146097L + static_cast<long>(doe) - 719468 + day_shift;
  z += 719468;
  const long era2 = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe2 = static_cast<unsigned>(z - era2 * 146097);
  const unsigned yoe2 = (doe2 - doe2 / 1460 + doe2 / 36524 - doe2 / 146096) / 365;
  long y2 = static_cast<long>(yoe2) + era2 * 400;
  const unsigned doy2 = doe2 - (365 * yoe2 + yoe2 / 4 - yoe2 / 100);
  const unsigned mp = (5 * doy2 + 2) / 153;
  const unsigned d2 = doy2 - (153 * mp + 2) / 5 + 1;
  const unsigned m2 = mp < 10 ? mp + 3 : mp - 9;
  y2 += m2 <= 2;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04ld-%02u-%02u", y2, m2, d2);
  return std::string(buf);
}

json::object violation(const std::string& property, const json::value* value,
                       json::object constraints) {
  json::object o{
      {"property", property}, {"children", json::array{}}, {"constraints", std::move(constraints)}};
  if (value) o["value"] = *value;
  return o;
}

class bigcapital_api final : public api {
 public:
  explicit bigcapital_api(const sim_config& cfg)
      : cfg_(cfg),
        default_limiter_(blocking({limit_kind::window, 100, 60, 0, 0})),
        auth_limiter_(blocking(cfg.limits.count("bigcapital") ? cfg.limits.at("bigcapital")
                                                              : limit_config{})),
        next_entry_id_(2 * cfg.invoices + 1) {}

  handled handle(const api_request& r) override {
    handled h;
    static const std::string prefix = "/api/sale-invoices/";
    const bool routed = r.path.rfind(prefix, 0) == 0 && r.path.size() > prefix.size() &&
                        r.path.find('/', prefix.size()) == std::string::npos &&
                        (r.raw.method == "GET" || r.raw.method == "PUT");
    if (!routed) {
      const std::string msg = "Cannot " + r.raw.method + " /api" + r.path;
      h.message = "no such route";
      h.response =
          json_response(404, {{"message", msg}, {"error", "Not Found"}, {"statusCode", 404}});
      return h;
    }
    const std::string id_text = r.path.substr(prefix.size());
    h.invoice_id = id_for_log(id_text);

    throttled t = throttle(r.raw.method + " /api/sale-invoices/:id", r.now_s);
    respond(h, r, t.allowed);
    for (auto& hd : t.headers) h.response.headers.push_back(hd);
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
    json::array entries;
  };

  // NestJS's ThrottlerGuard with the real server's two throttlers, in its order: `default`
  // (100/60 s, headers without a suffix) and `auth` (limits.bigcapital, 10/60 s by default;
  // headers suffixed "-auth"), both per (route, client). A throttler that lets the request
  // through adds X-RateLimit-Limit/-Remaining/-Reset[-auth]; the first that blocks adds only
  // Retry-After[-auth] and ends the chain (the next one neither counts the hit nor answers).
  // `limits.bigcapital: none` turns both off.
  struct throttled {
    bool allowed = true;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  throttled throttle(const std::string& key, double now_s) {
    throttled t;
    if (!auth_limiter_.enabled()) return t;
    const std::pair<rate_limiter*, std::string> chain[] = {{&default_limiter_, ""},
                                                           {&auth_limiter_, "-auth"}};
    for (auto& [limiter, suffix] : chain) {
      const limit_decision d = limiter->hit(key, now_s);
      if (!d.allowed) {
        t.allowed = false;
        t.headers.emplace_back("Retry-After" + suffix, std::to_string(d.retry_after_s));
        return t;
      }
      t.headers.emplace_back("X-RateLimit-Limit" + suffix, std::to_string(d.limit));
      t.headers.emplace_back("X-RateLimit-Remaining" + suffix, std::to_string(d.remaining));
      t.headers.emplace_back("X-RateLimit-Reset" + suffix, std::to_string(d.reset_s));
    }
    return t;
  }

  static void bad_request(handled& h, json::value message, std::string log) {
    h.outcome = outcome_kind::error;
    h.message = std::move(log);
    h.response = json_response(
        400, {{"message", std::move(message)}, {"error", "Bad Request"}, {"statusCode", 400}});
  }

  static void business(handled& h, const char* type) {
    h.outcome = outcome_kind::error;
    h.message = type;
    h.response = json_response(
        400,
        {{"errors", json::array{{{"statusCode", 400}, {"type", type}, {"message", nullptr}}}}});
  }

  void respond(handled& h, const api_request& r, bool allowed) {
    if (!allowed) {
      h.outcome = outcome_kind::throttled;
      h.message = "ThrottlerException";
      h.response = json_response(
          429, {{"statusCode", 429}, {"message", "ThrottlerException: Too Many Requests"}});
      return;
    }
    const auto token = auth_token(r.raw, "bearer");
    if (!token || *token != cfg_.creds.bigcapital_api_key) {
      h.outcome = outcome_kind::auth_failed;
      h.message = "Unauthorized";
      h.response = json_response(401, {{"message", "Unauthorized"}, {"statusCode", 401}});
      return;
    }
    const std::string id_text = r.path.substr(std::string("/api/sale-invoices/").size());
    const auto id = parse_positive_id(id_text);
    if (!id) {
      bad_request(h, "Validation failed (numeric string is expected)", "id is not numeric");
      return;
    }
    if (r.raw.method == "GET") {
      if (*id > cfg_.invoices) return business(h, "SALE_INVOICE_NOT_FOUND");
      h.outcome = outcome_kind::read;
      h.response = json_response(200, render(*id));
      return;
    }
    boost::system::error_code ec;
    json::value body = json::parse(r.raw.body, ec);
    if (ec) {
      bad_request(h, "Unexpected token in JSON at position 0", "body is not JSON");
      return;
    }
    if (!body.is_object()) body = json::object{};
    json::array violations = validate(body.get_object());
    if (!violations.empty()) {
      const std::string first(violations[0].get_object().at("property").get_string());
      bad_request(h, std::move(violations), "validation failed: " + first);
      return;
    }
    if (*id > cfg_.invoices) return business(h, "SALE_INVOICE_NOT_FOUND");
    const json::object& o = body.get_object();
    invoice& inv = get(*id);
    for (const json::value& e : o.at("entries").get_array()) {
      const json::value* eid = e.get_object().if_contains("id");
      if (eid && !has_entry(inv, *eid)) return business(h, "ENTRIES_IDS_NOT_FOUND");
      const std::int64_t item = e.get_object().at("itemId").to_number<std::int64_t>();
      if (item < 1 || item > known_items) return business(h, "ITEMS_NOT_FOUND");
    }
    apply(inv, o);
    h.outcome = outcome_kind::updated;
    h.response = json_response(
        200, {{"id", *id}, {"message", "The sale invoice has been edited successfully."}});
  }

  static json::array validate(const json::object& o) {
    json::array out;
    auto check_number = [&](const char* k, bool required, bool integer) {
      const json::value* v = o.if_contains(k);
      if (!v || v->is_null()) {
        if (required) {
          out.push_back(
              violation(k, v,
                        {{"isNotEmpty", std::string(k) + " should not be empty"},
                         {"isNumber", std::string(k) + " must be a number conforming to the "
                                                       "specified constraints"}}));
        }
        return;
      }
      if (!json_number(*v) || (integer && !is_int(*v))) {
        out.push_back(
            violation(k, v,
                      {{"isNumber", std::string(k) + " must be a number conforming to the "
                                                     "specified constraints"}}));
      }
    };
    auto check_date = [&](const char* k) {
      const json::value* v = o.if_contains(k);
      if (!v || v->is_null() || (v->is_string() && v->get_string().empty())) {
        out.push_back(violation(
            k, v,
            {{"isNotEmpty", std::string(k) + " should not be empty"},
             {"isDateString", std::string(k) + " must be a valid ISO 8601 date string"}}));
      } else if (!v->is_string() || !server_date(v->get_string())) {
        out.push_back(violation(
            k, v, {{"isDateString", std::string(k) + " must be a valid ISO 8601 date string"}}));
      }
    };
    auto check_string = [&](const json::object& obj, const char* k, json::array& into) {
      const json::value* v = obj.if_contains(k);
      if (v && !v->is_null() && !v->is_string()) {
        into.push_back(violation(k, v, {{"isString", std::string(k) + " must be a string"}}));
      }
    };
    auto check_discount_type = [&](const json::object& obj, json::array& into) {
      const json::value* v = obj.if_contains("discountType");
      if (v && !v->is_null() &&
          !(v->is_string() && (v->get_string() == "percentage" || v->get_string() == "amount"))) {
        into.push_back(violation(
            "discountType", v,
            {{"isEnum", "discountType must be one of the following values: percentage, amount"}}));
      }
    };
    check_number("customerId", true, true);
    check_date("invoiceDate");
    check_date("dueDate");
    for (const char* k : {"invoiceNo", "referenceNo", "invoiceMessage", "termsConditions"}) {
      check_string(o, k, out);
    }
    if (const json::value* v = o.if_contains("delivered"); v && !v->is_null() && !v->is_bool()) {
      out.push_back(
          violation("delivered", v, {{"isBoolean", "delivered must be a boolean value"}}));
    }
    if (const json::value* v = o.if_contains("exchangeRate"); v && !v->is_null()) {
      if (!json_number(*v)) {
        out.push_back(violation("exchangeRate", v,
                                {{"isNumber",
                                  "exchangeRate must be a number conforming to the specified "
                                  "constraints"}}));
      } else if (*json_number(*v) < 0) {
        out.push_back(
            violation("exchangeRate", v, {{"min", "exchangeRate must not be less than 0"}}));
      }
    }
    for (const char* k : {"warehouseId", "branchId", "projectId", "pdfTemplateId", "discount",
                          "adjustment", "fromEstimateId"}) {
      check_number(k, false, false);
    }
    check_discount_type(o, out);
    const json::value* entries = o.if_contains("entries");
    if (!entries || !entries->is_array()) {
      out.push_back(violation("entries", entries,
                              {{"arrayMinSize", "entries must contain at least 1 elements"},
                               {"isArray", "entries must be an array"}}));
    } else if (entries->get_array().empty()) {
      out.push_back(violation("entries", entries,
                              {{"arrayMinSize", "entries must contain at least 1 elements"}}));
    } else {
      json::array children;
      std::size_t i = 0;
      for (const json::value& e : entries->get_array()) {
        json::array ec;
        if (!e.is_object()) {
          ec.push_back(violation(
              "", &e,
              {{"nestedValidation", "nested property entries must be either object or array"}}));
        } else {
          const json::object& eo = e.get_object();
          auto num = [&](const char* k, bool required, bool integer) {
            const json::value* v = eo.if_contains(k);
            if (!v || v->is_null()) {
              if (required) {
                ec.push_back(
                    violation(k, v,
                              {{"isNotEmpty", std::string(k) + " should not be empty"},
                               {integer ? "isInt" : "isNumber",
                                std::string(k) + (integer ? " must be an integer number"
                                                          : " must be a number conforming "
                                                            "to the specified constraints")}}));
              }
            } else if (!json_number(*v) || (integer && !is_int(*v))) {
              ec.push_back(
                  violation(k, v,
                            {{integer ? "isInt" : "isNumber",
                              std::string(k) + (integer ? " must be an integer number"
                                                        : " must be a number conforming "
                                                          "to the specified constraints")}}));
            }
          };
          num("index", true, true);
          num("itemId", true, true);
          num("rate", true, false);
          num("quantity", true, false);
          num("discount", false, false);
          num("id", false, true);
          for (const char* k : {"taxRateId", "warehouseId", "projectId", "projectRefId",
                                "projectRefInvoicedAmount", "sellAccountId", "costAccountId"}) {
            num(k, false, false);
          }
          check_string(eo, "description", ec);
          check_string(eo, "taxCode", ec);
          check_string(eo, "projectRefType", ec);
          check_discount_type(eo, ec);
        }
        if (!ec.empty()) {
          children.push_back(json::object{
              {"property", std::to_string(i)}, {"children", std::move(ec)}, {"value", e}});
        }
        ++i;
      }
      if (!children.empty()) {
        out.push_back(json::object{{"property", "entries"}, {"children", std::move(children)}});
      }
    }
    return out;
  }

  invoice& get(std::int64_t id) {
    auto it = invoices_.find(id);
    if (it != invoices_.end()) return it->second;
    invoice inv;
    inv.fields = {{"customerId", 1 + id % 50}, {"invoiceDate", "2024-01-01"},
                  {"dueDate", "2024-01-31"},   {"invoiceNo", "INV-" + std::to_string(id)},
                  {"referenceNo", nullptr},    {"delivered", false},
                  {"invoiceMessage", nullptr}, {"termsConditions", nullptr},
                  {"exchangeRate", 1},         {"discount", nullptr},
                  {"discountType", nullptr},   {"adjustment", nullptr}};
    for (std::int64_t k = 0; k < 2; ++k) {
      inv.entries.push_back(
          json::object{{"id", 2 * id - 1 + k},
                       {"index", k + 1},
                       {"itemId", 1 + k},
                       {"rate", k == 0 ? 100 : 50},
                       {"quantity", 1},
                       {"discount", 0},
                       {"discountType", "percentage"},
                       {"description", "Line " + std::to_string(2 * id - 1 + k)}});
    }
    return invoices_.emplace(id, std::move(inv)).first->second;
  }

  static bool has_entry(const invoice& inv, const json::value& id) {
    const auto want = json_number(id);
    for (const json::value& e : inv.entries) {
      if (want && json_number(e.get_object().at("id")) == want) return true;
    }
    return false;
  }

  void apply(invoice& inv, const json::object& o) {
    static const char* header[] = {"customerId",     "invoiceNo",       "referenceNo",  "delivered",
                                   "invoiceMessage", "termsConditions", "exchangeRate", "discount",
                                   "discountType",   "adjustment",      "warehouseId",  "branchId",
                                   "projectId",      "isInclusiveTax",  "pdfTemplateId"};
    for (const char* k : header) {
      if (const json::value* v = o.if_contains(k)) inv.fields[k] = *v;  // others are stripped
    }
    inv.fields["invoiceDate"] = *server_date(o.at("invoiceDate").get_string());
    inv.fields["dueDate"] = *server_date(o.at("dueDate").get_string());
    static const char* entry_keys[] = {"index",          "itemId",
                                       "rate",           "quantity",
                                       "discount",       "discountType",
                                       "description",    "taxCode",
                                       "taxRateId",      "warehouseId",
                                       "projectId",      "projectRefId",
                                       "projectRefType", "projectRefInvoicedAmount",
                                       "sellAccountId",  "costAccountId"};
    json::array entries;
    for (const json::value& e : o.at("entries").get_array()) {
      const json::object& eo = e.get_object();
      json::object ne;
      if (const json::value* id = eo.if_contains("id"))
        ne["id"] = *id;
      else
        ne["id"] = next_entry_id_++;
      for (const char* k : entry_keys) {
        if (const json::value* v = eo.if_contains(k)) ne[k] = *v;
      }
      entries.push_back(std::move(ne));
    }
    inv.entries = std::move(entries);
  }

  json::value render(std::int64_t id) {
    invoice& inv = get(id);
    json::object o{{"id", id}};
    for (const auto& kv : inv.fields) o[kv.key()] = kv.value();
    double total = 0;
    json::array entries;
    for (const json::value& e : inv.entries) {
      json::object eo = e.get_object();
      const double amount =
          json_number(eo.at("rate")).value_or(0) * json_number(eo.at("quantity")).value_or(0);
      eo["amount"] = amount;
      total += amount;
      entries.push_back(std::move(eo));
    }
    o["entries"] = std::move(entries);
    o["total"] = total;
    return o;
  }

  // The throttler blocks a client for a whole window from the hit that tripped it.
  static limit_config blocking(limit_config c) {
    c.block_for_window = true;
    return c;
  }

  const sim_config& cfg_;
  rate_limiter default_limiter_;
  rate_limiter auth_limiter_;
  std::int64_t next_entry_id_;
  std::map<std::int64_t, invoice> invoices_;
};

}  // namespace

std::unique_ptr<api> make_bigcapital_api(const sim_config& cfg) {
  return std::make_unique<bigcapital_api>(cfg);
}

}  // namespace reconcilerd::sim

// WHMCS: POST /includes/api.php, form-encoded, PHP bracket arrays. Auth by identifier +
// secret (403 "Authentication Failed"); action errors are HTTP 200 {"result":"error"};
// without responsetype=json the answer is `key=value;...` text. UpdateInvoice applies
// item* per line (all three required, not atomic), newitem* appends, deletelineids removes;
// GetInvoice reads back (its not-found uses key "status"). Initial status is Draft.
#include <boost/json.hpp>
#include <map>

#include "tests/sim/apis.hpp"

namespace reconcilerd::sim {

namespace json = boost::json;

namespace {

const char* const statuses[] = {"Draft",    "Unpaid",      "Paid",           "Cancelled",
                                "Refunded", "Collections", "Payment Pending"};

bool php_truthy(const std::string& s) { return !s.empty() && s != "0"; }

struct line {
  std::int64_t id;
  std::string description;
  std::string amount;  // as WHMCS stores it: decimal(16,2)
  int taxed;
};

std::string to_amount(const std::string& s) {
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  return money(end == s.c_str() ? 0.0 : d);
}

class whmcs_api final : public api {
 public:
  explicit whmcs_api(const sim_config& cfg) : cfg_(cfg), next_line_id_(2 * cfg.invoices + 1) {}

  handled handle(const api_request& r) override {
    handled h;
    if (r.path != "/includes/api.php") {
      h.message = "no such file";
      h.response = text_response(404, "text/html", "<h1>Not Found</h1>\n");
      return h;
    }
    form_pairs pairs = r.query;  // $_REQUEST: query then body
    const std::string* ct = r.raw.header("content-type");
    if (r.raw.method == "POST" && ct && ct->rfind("application/x-www-form-urlencoded", 0) == 0) {
      for (auto& p : parse_form(r.raw.body)) pairs.push_back(std::move(p));
    }
    const php_value req = php_parse(pairs);
    const bool as_json = req.get("responsetype") == std::optional<std::string>("json");
    if (auto id = req.get("invoiceid")) h.invoice_id = id_for_log(*id);

    const auto ident = req.get("identifier");
    const auto secret = req.get("secret");
    if (!ident || !secret || *ident != cfg_.creds.whmcs_identifier ||
        *secret != cfg_.creds.whmcs_secret) {
      h.outcome = outcome_kind::auth_failed;
      h.message = "Authentication Failed";
      h.response =
          answer(403, as_json, {{"result", "error"}, {"message", "Authentication Failed"}});
      return h;
    }
    const std::string action = req.get("action").value_or("");
    if (iequals(action, "UpdateInvoice")) return update(h, req, as_json);
    if (iequals(action, "GetInvoice")) return get_invoice(h, req, as_json);
    return error(h, as_json, "Command Not Found");
  }

  bool is_update(const api_request& r) const override {
    if (r.path != "/includes/api.php") return false;
    form_pairs pairs = r.query;  // as handle() reads $_REQUEST: the body's value wins
    const std::string* ct = r.raw.header("content-type");
    if (r.raw.method == "POST" && ct && ct->rfind("application/x-www-form-urlencoded", 0) == 0) {
      for (auto& p : parse_form(r.raw.body)) pairs.push_back(std::move(p));
    }
    return iequals(php_parse(pairs).get("action").value_or(""), "UpdateInvoice");
  }

  std::optional<json::value> state(std::int64_t id) override {
    if (id < 1 || id > cfg_.invoices) return std::nullopt;
    return render(id);
  }

 private:
  struct invoice {
    std::map<std::string, std::string> fields;
    std::vector<line> lines;
  };

  // JSON, or WHMCS's "key=value;key=value" text when responsetype is not json.
  static sim_response answer(int status, bool as_json, const json::object& o) {
    if (as_json) return json_response(status, o);
    std::string text;
    for (const auto& kv : o) {
      if (!text.empty()) text += ';';
      text += std::string(kv.key()) + "=" +
              (kv.value().is_string() ? std::string(kv.value().get_string())
                                      : json::serialize(kv.value()));
    }
    return text_response(status, "text/html; charset=utf-8", text);
  }

  static handled& error(handled& h, bool as_json, const std::string& message) {
    h.outcome = outcome_kind::error;
    h.message = message;
    h.response = answer(200, as_json, {{"result", "error"}, {"message", message}});
    return h;
  }

  invoice* find(const php_value& req) {
    const auto id = parse_positive_id(req.get("invoiceid").value_or(""));
    if (!id || *id > cfg_.invoices) return nullptr;
    return &get(*id);
  }

  handled& update(handled& h, const php_value& req, bool as_json) {
    invoice* inv = find(req);
    if (!inv) return error(h, as_json, "Invoice ID Not Found");
    const std::string status = req.get("status").value_or("");
    if (php_truthy(status)) {
      bool ok = false;
      for (const char* s : statuses) ok = ok || status == s;
      if (!ok) return error(h, as_json, "Invalid status " + status);
    }
    // Changed lines: every id named in any of the three arrays needs all three.
    const php_value* desc = req.find("itemdescription");
    const php_value* amount = req.find("itemamount");
    const php_value* taxed = req.find("itemtaxed");
    std::vector<std::string> ids;
    for (const php_value* a : {desc, amount, taxed}) {
      if (!a || !a->is_array) continue;
      for (const auto& kv : a->items) {
        if (std::find(ids.begin(), ids.end(), kv.first) == ids.end()) ids.push_back(kv.first);
      }
    }
    for (const std::string& lid : ids) {  // not atomic: earlier lines stay written
      const auto d = desc ? desc->get(lid) : std::nullopt;
      const auto a = amount ? amount->get(lid) : std::nullopt;
      const auto t = taxed ? taxed->get(lid) : std::nullopt;
      if (!d || !a || !t) {
        return error(h, as_json,
                     "Missing Variables: itemdescription, itemamount and itemtaxed are required "
                     "for each item being changed");
      }
      for (line& l : inv->lines) {
        if (std::to_string(l.id) == lid) {
          l.description = *d;
          l.amount = to_amount(*a);
          l.taxed = php_truthy(*t) ? 1 : 0;
        }
      }
    }
    if (const php_value* nd = req.find("newitemdescription"); nd && nd->is_array) {
      const php_value* na = req.find("newitemamount");
      const php_value* nt = req.find("newitemtaxed");
      for (const auto& kv : nd->items) {
        const auto a = na ? na->get(kv.first) : std::nullopt;
        const auto t = nt ? nt->get(kv.first) : std::nullopt;
        inv->lines.push_back(line{next_line_id_++, kv.second.scalar, to_amount(a.value_or("0")),
                                  php_truthy(t.value_or("")) ? 1 : 0});
      }
    }
    if (const php_value* del = req.find("deletelineids"); del && del->is_array) {
      for (const auto& kv : del->items) {
        std::erase_if(inv->lines,
                      [&](const line& l) { return std::to_string(l.id) == kv.second.scalar; });
      }
    }
    if (php_truthy(status)) inv->fields["status"] = status;
    for (const char* k : {"paymentmethod", "date", "duedate", "datepaid", "notes"}) {
      const std::string v = req.get(k).value_or("");
      if (php_truthy(v)) inv->fields[k] = v;
    }
    for (const char* k : {"taxrate", "taxrate2", "credit"}) {
      const std::string v = req.get(k).value_or("");
      if (php_truthy(v)) inv->fields[k] = to_amount(v);
    }
    if (php_truthy(req.get("publish").value_or("")) ||
        php_truthy(req.get("publishandsendemail").value_or(""))) {
      if (inv->fields["status"] != "Draft") {
        return error(h, as_json, "Invoice must be in Draft status to be published");
      }
      inv->fields["status"] = "Unpaid";
    }
    h.outcome = outcome_kind::updated;
    h.response = answer(200, as_json,
                        {{"result", "success"}, {"invoiceid", req.get("invoiceid").value_or("")}});
    return h;
  }

  handled& get_invoice(handled& h, const php_value& req, bool as_json) {
    invoice* inv = find(req);
    if (!inv) {
      h.outcome = outcome_kind::error;
      h.message = "Invoice ID Not Found";
      h.response = answer(200, as_json, {{"status", "error"}, {"message", "Invoice ID Not Found"}});
      return h;
    }
    h.outcome = outcome_kind::read;
    h.response = json_response(200, render(*parse_positive_id(*req.get("invoiceid"))));
    return h;
  }

  invoice& get(std::int64_t id) {
    auto it = invoices_.find(id);
    if (it != invoices_.end()) return it->second;
    invoice inv;
    inv.fields = {{"status", "Draft"},
                  {"paymentmethod", "banktransfer"},
                  {"date", "2024-01-01"},
                  {"duedate", "2024-01-31"},
                  {"datepaid", "0000-00-00 00:00:00"},
                  {"taxrate", "0.00"},
                  {"taxrate2", "0.00"},
                  {"credit", "0.00"},
                  {"notes", ""}};
    inv.lines = {line{2 * id - 1, "Line " + std::to_string(2 * id - 1), "100.00", 0},
                 line{2 * id, "Line " + std::to_string(2 * id), "50.00", 0}};
    return invoices_.emplace(id, std::move(inv)).first->second;
  }

  json::value render(std::int64_t id) {
    invoice& inv = get(id);
    double subtotal = 0;
    json::array items;
    for (const line& l : inv.lines) {
      subtotal += std::strtod(l.amount.c_str(), nullptr);
      items.push_back(json::object{{"id", l.id},
                                   {"type", ""},
                                   {"relid", 0},
                                   {"description", l.description},
                                   {"amount", l.amount},
                                   {"taxed", l.taxed}});
    }
    const double credit = std::strtod(inv.fields["credit"].c_str(), nullptr);
    json::object o{{"result", "success"},
                   {"invoiceid", id},
                   {"invoicenum", ""},
                   {"userid", 1 + id % 50},
                   {"subtotal", money(subtotal)},
                   {"tax", "0.00"},
                   {"tax2", "0.00"},
                   {"total", money(subtotal)},
                   {"balance", money(subtotal - credit)},
                   {"items", json::object{{"item", std::move(items)}}},
                   {"transactions", ""}};
    for (const auto& [k, v] : inv.fields) o[k] = v;
    return o;
  }

  const sim_config& cfg_;
  std::int64_t next_line_id_;
  std::map<std::int64_t, invoice> invoices_;
};

}  // namespace

std::unique_ptr<api> make_whmcs_api(const sim_config& cfg) {
  return std::make_unique<whmcs_api>(cfg);
}

}  // namespace reconcilerd::sim

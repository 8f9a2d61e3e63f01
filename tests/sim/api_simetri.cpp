// simetri (Odoo 8 REST module): POST /api/account.invoice/update/{id} with form fields
// `token` and `update_vals` (a Python literal, eval()ed by the server), GET
// /api/account.invoice/search/{id}?token= and /api/account.invoice.line/search/{id}.
// Always HTTP 200; errors are {"error": ...}, exceptions as "Model Not Found <text>".
// Writes are atomic (one DB transaction); x2many commands follow the Odoo 8 ORM.
#include <boost/json.hpp>
#include <map>
#include <set>

#include "tests/sim/apis.hpp"
#include "tests/support/python_literal.hpp"

namespace reconcilerd::sim {

namespace json = boost::json;

namespace {

struct line_rec {
  std::int64_t invoice = 0;
  json::object vals;
};

struct store {
  std::map<std::int64_t, json::object> invoices;  // initialised invoices
  std::map<std::int64_t, line_rec> lines;
  std::set<std::int64_t> deleted_lines;
  std::int64_t next_line_id = 0;
};

struct odoo_error {
  std::string text;
};

std::string py_type(const json::value& v) {
  if (v.is_object())
    return v.get_object().contains(reconcilerd::test::python_tuple_key) ? "tuple" : "dict";
  switch (v.kind()) {
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

std::string py_repr(const json::value& v) {
  if (v.is_string()) return "'" + std::string(v.get_string()) + "'";
  if (v.is_bool()) return v.get_bool() ? "True" : "False";
  if (v.is_null()) return "None";
  return json::serialize(v);
}

// A tuple or list's elements, else nullptr.
const json::array* sequence(const json::value& v) {
  if (v.is_array()) return &v.get_array();
  if (v.is_object()) {
    const json::value* t = v.get_object().if_contains(reconcilerd::test::python_tuple_key);
    if (t && t->is_array() && v.get_object().size() == 1) return &t->get_array();
  }
  return nullptr;
}

bool is_false(const json::value& v) { return v.is_bool() && !v.get_bool(); }

const char* const invoice_types[] = {"out_invoice", "in_invoice", "out_refund", "in_refund"};

class simetri_api final : public api {
 public:
  explicit simetri_api(const sim_config& cfg) : cfg_(cfg) {
    db_.next_line_id = 2 * cfg.invoices + 1;
  }

  handled handle(const api_request& r) override {
    handled h;
    static const std::string upd = "/api/account.invoice/update/";
    static const std::string inv_search = "/api/account.invoice/search/";
    static const std::string line_search = "/api/account.invoice.line/search/";
    form_pairs params = r.query;  // Odoo's kwargs: query + form body
    const std::string* ct = r.raw.header("content-type");
    if (ct && ct->rfind("application/x-www-form-urlencoded", 0) == 0) {
      for (auto& p : parse_form(r.raw.body)) params.push_back(std::move(p));
    }
    std::optional<std::int64_t> id;
    int route = 0;
    for (const auto& [n, prefix] : {std::pair{1, &upd}, {2, &inv_search}, {3, &line_search}}) {
      if (r.path.rfind(*prefix, 0) == 0) {
        const std::string rest = r.path.substr(prefix->size());
        h.invoice_id = id_for_log(rest);
        if (rest == "0" || (id = parse_positive_id(rest))) route = n;
        if (rest == "0") id = 0;
      }
    }
    if (route == 0 || (route == 1 && r.raw.method != "POST") ||
        (route != 1 && r.raw.method != "GET" && r.raw.method != "POST")) {
      h.message = "Not Found";
      h.response = text_response(
          404, "text/html",
          "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<title>404 Not "
          "Found</title>\n"
          "<h1>Not Found</h1>\n<p>The requested URL was not found on the server.</p>\n");
      return h;
    }
    const auto token = form_get(params, "token");
    if (!token || *token != cfg_.creds.simetri_token) {
      h.outcome = outcome_kind::auth_failed;
      return error(h, "Invalid User Token");
    }
    if (route == 2) return read_invoice(h, *id);
    if (route == 3) return read_line(h, *id);
    const auto vals_text = form_get(params, "update_vals");
    if (!vals_text) return error(h, "update_vals not fount in query string");
    std::string perr;
    const auto vals = reconcilerd::test::parse_python_literal(*vals_text, &perr);
    if (!vals) {
      const auto q = perr.find("unknown name '");
      if (q != std::string::npos) {
        const auto end = perr.find('\'', q + 14);
        return error(
            h, "Model Not Found name '" + perr.substr(q + 14, end - q - 14) + "' is not defined");
      }
      return error(h, "Model Not Found invalid syntax (<string>, line 1)");
    }
    store work = db_;  // one transaction: commit only when everything succeeded
    try {
      write(work, *id, *vals);
    } catch (const odoo_error& e) {
      return error(h, "Model Not Found " + e.text);
    }
    db_ = std::move(work);
    h.outcome = outcome_kind::updated;
    h.response = json_response(200, {{"success", "Record Updated Successfully"}});
    return h;
  }

  bool is_update(const api_request& r) const override {
    return r.raw.method == "POST" && r.path.rfind("/api/account.invoice/update/", 0) == 0;
  }

  std::optional<json::value> state(std::int64_t id) override {
    if (id < 1 || id > cfg_.invoices) return std::nullopt;
    json::object o = render(db_, id);
    json::array lines;
    for (const auto& [lid, rec] : db_.lines) {
      if (rec.invoice != id) continue;
      json::object l = rec.vals;
      l["id"] = lid;
      lines.push_back(std::move(l));
    }
    o["lines"] = std::move(lines);
    return o;
  }

 private:
  static handled& error(handled& h, const std::string& text) {
    if (h.outcome != outcome_kind::auth_failed) h.outcome = outcome_kind::error;
    h.message = text;
    h.response = json_response(200, {{"error", text}});
    return h;
  }

  void ensure(store& s, std::int64_t id) const {
    if (id < 1 || id > cfg_.invoices || s.invoices.count(id)) return;
    s.invoices[id] = json::object{{"partner_id", 1 + id % 50},
                                  {"customer_code", "C" + std::to_string(1 + id % 50)},
                                  {"account_id", 948},
                                  {"journal_id", 46},
                                  {"type", "out_invoice"},
                                  {"partner_bank_id", false},
                                  {"date_invoice", "2024-01-01"},
                                  {"date_due", "2024-01-31"},
                                  {"urgent", false},
                                  {"urgency_note", false},
                                  {"period_id", false},
                                  {"last_backoffice_sync", false}};
    for (std::int64_t k = 0; k < 2; ++k) {
      const std::int64_t lid = 2 * id - 1 + k;
      if (s.deleted_lines.count(lid)) continue;
      s.lines[lid] = line_rec{id, json::object{{"name", "Line " + std::to_string(lid)},
                                               {"quantity", 1},
                                               {"price_unit", k == 0 ? 100 : 50},
                                               {"discount", 0}}};
    }
  }

  line_rec* find_line(store& s, std::int64_t lid) const {
    if (lid >= 1 && lid <= 2 * cfg_.invoices) ensure(s, (lid + 1) / 2);
    auto it = s.lines.find(lid);
    return it == s.lines.end() ? nullptr : &it->second;
  }

  static std::int64_t need_id(const json::value& v) {
    if (v.is_int64()) return v.get_int64();
    throw odoo_error{"int() argument must be a string or a number, not '" + py_type(v) + "'"};
  }

  static void missing_line() {
    throw odoo_error{
        "One of the records you are trying to modify has already been deleted (Document type: "
        "Invoice Line)."};
  }

  static void check_line_vals(const json::value& v) {
    if (!v.is_object() || sequence(v)) {
      throw odoo_error{"'" + py_type(v) + "' object has no attribute 'keys'"};
    }
  }

  void write(store& s, std::int64_t id, const json::value& vals) const {
    if (!vals.is_object() || sequence(vals)) {
      if (sequence(vals) || vals.is_string()) {
        throw odoo_error{"'" + py_type(vals) + "' object has no attribute 'keys'"};
      }
      throw odoo_error{"'" + py_type(vals) + "' object is not iterable"};
    }
    ensure(s, id);
    if (!s.invoices.count(id)) {
      throw odoo_error{
          "One of the records you are trying to modify has already been deleted (Document type: "
          "Invoice)."};
    }
    json::object& inv = s.invoices[id];
    for (const auto& kv : vals.get_object()) {
      const std::string key(kv.key());
      const json::value& v = kv.value();
      if (key == "invoice_line") {
        apply_commands(s, id, v);
      } else if (key == "partner_id" || key == "account_id" || key == "journal_id" ||
                 key == "partner_bank_id" || key == "period_id") {
        if (!v.is_int64() && !is_false(v)) {
          throw odoo_error{"invalid input syntax for integer: \"" +
                           (v.is_string() ? std::string(v.get_string()) : py_repr(v)) + "\""};
        }
        inv[key] = v;
      } else if (key == "customer_code" || key == "urgency_note") {
        if (!v.is_string() && !is_false(v)) {
          throw odoo_error{"expected string or buffer, got " + py_type(v)};
        }
        inv[key] = v;
      } else if (key == "type") {
        bool ok = false;
        for (const char* t : invoice_types) ok = ok || (v.is_string() && v.get_string() == t);
        if (!ok) throw odoo_error{"Wrong value for account.invoice.type: " + py_repr(v)};
        inv[key] = v;
      } else if (key == "date_invoice" || key == "date_due") {
        if (!is_false(v) && !(v.is_string() && is_date(v.get_string()))) {
          throw odoo_error{"invalid input syntax for type date: \"" +
                           (v.is_string() ? std::string(v.get_string()) : py_repr(v)) + "\""};
        }
        inv[key] = v;
      } else if (key == "last_backoffice_sync") {
        const bool ok = v.is_string() && v.get_string().size() == 19 &&
                        is_date(std::string_view(v.get_string()).substr(0, 10)) &&
                        v.get_string()[10] == ' ';
        if (!is_false(v) && !ok) {
          throw odoo_error{"invalid input syntax for type timestamp: \"" +
                           (v.is_string() ? std::string(v.get_string()) : py_repr(v)) + "\""};
        }
        inv[key] = v;
      } else if (key == "urgent") {
        inv[key] = v.is_bool() ? v : json::value(!v.is_null() && !is_false(v));
      }
      // Unknown keys are silently ignored, as the server does.
    }
  }

  void unlink_rest(store& s, std::int64_t id, const std::set<std::int64_t>& keep) const {
    for (const auto& [lid, rec] : s.lines) {
      if (rec.invoice == id && !keep.count(lid)) {
        throw odoo_error{"null value in column \"invoice_id\" violates not-null constraint"};
      }
    }
  }

  void apply_commands(store& s, std::int64_t id, const json::value& cmds) const {
    if (is_false(cmds)) return;
    const json::array* list = sequence(cmds);
    if (!list) throw odoo_error{"'" + py_type(cmds) + "' object is not iterable"};
    for (const json::value& c : *list) {
      const json::array* cmd = sequence(c);
      if (!cmd) throw odoo_error{"'" + py_type(c) + "' object is not iterable"};
      if (cmd->empty()) throw odoo_error{"tuple index out of range"};
      const std::int64_t op = need_id((*cmd)[0]);
      auto arg = [&](std::size_t i) -> const json::value& {
        if (i >= cmd->size()) throw odoo_error{"tuple index out of range"};
        return (*cmd)[i];
      };
      switch (op) {
        case 0: {
          check_line_vals(arg(2));
          s.lines[s.next_line_id++] = line_rec{id, arg(2).get_object()};
          break;
        }
        case 1: {
          line_rec* l = find_line(s, need_id(arg(1)));
          if (!l) missing_line();
          check_line_vals(arg(2));
          for (const auto& kv : arg(2).get_object()) l->vals[kv.key()] = kv.value();
          break;
        }
        case 2: {
          const std::int64_t lid = need_id(arg(1));
          if (!find_line(s, lid)) missing_line();
          s.lines.erase(lid);
          s.deleted_lines.insert(lid);
          break;
        }
        case 3: {
          const std::int64_t lid = need_id(arg(1));
          if (!find_line(s, lid)) missing_line();
          throw odoo_error{"null value in column \"invoice_id\" violates not-null constraint"};
        }
        case 4: {
          line_rec* l = find_line(s, need_id(arg(1)));
          if (!l) missing_line();
          l->invoice = id;
          break;
        }
        case 5: {
          for (auto it = s.lines.begin(); it != s.lines.end();) {
            if (it->second.invoice == id) {
              s.deleted_lines.insert(it->first);
              it = s.lines.erase(it);
            } else {
              ++it;
            }
          }
          break;
        }
        case 6: {
          const json::array* ids = sequence(arg(2));
          if (!ids) throw odoo_error{"'" + py_type(arg(2)) + "' object is not iterable"};
          std::set<std::int64_t> keep;
          for (const json::value& v : *ids) {
            line_rec* l = find_line(s, need_id(v));
            if (!l) missing_line();
            l->invoice = id;
            keep.insert(need_id(v));
          }
          unlink_rest(s, id, keep);
          break;
        }
        default:
          throw odoo_error{"Unknown x2many command " + std::to_string(op)};
      }
    }
  }

  json::object render(store& s, std::int64_t id) const {
    ensure(s, id);
    json::object o{{"id", id}};
    for (const auto& kv : s.invoices[id]) {
      const std::string k(kv.key());
      const bool m2o = k == "partner_id" || k == "account_id" || k == "journal_id" ||
                       k == "partner_bank_id" || k == "period_id";
      if (m2o && kv.value().is_int64()) {
        o[k] = json::array{
            kv.value(), k.substr(0, k.size() - 3) + " " + std::to_string(kv.value().get_int64())};
      } else {
        o[k] = kv.value();
      }
    }
    json::array ids;
    double total = 0;
    for (const auto& [lid, rec] : s.lines) {
      if (rec.invoice != id) continue;
      ids.push_back(lid);
      const json::value* q = rec.vals.if_contains("quantity");
      const json::value* p = rec.vals.if_contains("price_unit");
      total += (q ? json_number(*q).value_or(0) : 1) * (p ? json_number(*p).value_or(0) : 0);
    }
    o["invoice_line"] = std::move(ids);
    o["amount_total"] = total;
    o["number"] = "INV/2024/" + std::to_string(id);
    return o;
  }

  handled& read_invoice(handled& h, std::int64_t id) {
    h.outcome = outcome_kind::read;
    json::array out;
    if (id >= 1 && id <= cfg_.invoices) out.push_back(render(db_, id));
    h.response = json_response(200, out);
    return h;
  }

  handled& read_line(handled& h, std::int64_t lid) {
    h.outcome = outcome_kind::read;
    json::array out;
    if (line_rec* l = find_line(db_, lid)) {
      json::object o = l->vals;
      o["id"] = lid;
      o["invoice_id"] = json::array{l->invoice, "INV/2024/" + std::to_string(l->invoice)};
      out.push_back(std::move(o));
    }
    h.response = json_response(200, out);
    return h;
  }

  const sim_config& cfg_;
  store db_;
};

}  // namespace

std::unique_ptr<api> make_simetri_api(const sim_config& cfg) {
  return std::make_unique<simetri_api>(cfg);
}

}  // namespace reconcilerd::sim

// simetri update validation; see schema.hpp.
#include "backends/simetri/schema.hpp"

#include <array>
#include <cmath>
#include <string_view>
#include <vector>

namespace reconcilerd::backends::simetri {

namespace json = boost::json;

namespace {

enum class field_kind {
  id,             // positive integer (a record id) or false
  integer,        // any integer or false
  number,         // any finite number or false
  text,           // string or false
  date,           // "YYYY-MM-DD" or false
  datetime,       // "YYYY-MM-DD HH:MM:SS" (UTC) or false
  flag,           // true or false
  invoice_type,   // one of the four account.invoice types
  line_commands,  // invoice_line: x2many commands with line values
  tax_commands,   // invoice_line_tax_id: many2many link commands only
};

struct field_spec {
  std::string_view name;
  field_kind kind;
};

constexpr std::array<field_spec, 13> header_fields{{
    {"partner_id", field_kind::id},
    {"customer_code", field_kind::text},
    {"account_id", field_kind::id},
    {"journal_id", field_kind::id},
    {"type", field_kind::invoice_type},
    {"partner_bank_id", field_kind::id},
    {"date_invoice", field_kind::date},
    {"date_due", field_kind::date},
    {"urgent", field_kind::flag},
    {"urgency_note", field_kind::text},
    {"period_id", field_kind::id},
    {"invoice_line", field_kind::line_commands},
    {"last_backoffice_sync", field_kind::datetime},
}};

constexpr std::array<field_spec, 10> line_fields{{
    {"name", field_kind::text},
    {"product_id", field_kind::id},
    {"account_id", field_kind::id},
    {"quantity", field_kind::number},
    {"price_unit", field_kind::number},
    {"discount", field_kind::number},
    {"uos_id", field_kind::id},
    {"sequence", field_kind::integer},
    {"account_analytic_id", field_kind::id},
    {"invoice_line_tax_id", field_kind::tax_commands},
}};

constexpr std::array<std::string_view, 4> invoice_types{"out_invoice", "in_invoice", "out_refund",
                                                        "in_refund"};

template <std::size_t N>
const field_spec* find(const std::array<field_spec, N>& table, std::string_view name) {
  for (const auto& f : table)
    if (f.name == name) return &f;
  return nullptr;
}

bool is_integer(const json::value& v) { return v.is_int64() || v.is_uint64(); }
bool is_positive_id(const json::value& v) {
  return (v.is_int64() && v.get_int64() > 0) || (v.is_uint64() && v.get_uint64() > 0);
}
bool is_number(const json::value& v) {
  return is_integer(v) || (v.is_double() && std::isfinite(v.get_double()));
}
bool is_false(const json::value& v) { return v.is_bool() && !v.get_bool(); }

bool digits_at(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool is_date(std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!digits_at(s, 0, 4, y) || !digits_at(s, 5, 2, m) || !digits_at(s, 8, 2, d)) return false;
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

bool is_datetime(std::string_view s) {
  int h, mi, se;
  if (s.size() != 19 || s[10] != ' ' || s[13] != ':' || s[16] != ':') return false;
  if (!is_date(s.substr(0, 10))) return false;
  if (!digits_at(s, 11, 2, h) || !digits_at(s, 14, 2, mi) || !digits_at(s, 17, 2, se)) return false;
  return h < 24 && mi < 60 && se < 60;
}

class checker {
 public:
  explicit checker(bool strict) : strict_(strict) {}

  void add(const std::string& path, const std::string& rule) {
    if (errors_.size() < max_errors) errors_.push_back(path + ": " + rule);
  }

  std::optional<std::string> result() const {
    if (errors_.empty()) return std::nullopt;
    std::string out;
    for (const auto& e : errors_) {
      if (!out.empty()) out += "; ";
      out += e;
    }
    return out;
  }

  template <std::size_t N>
  void object(const json::object& obj, const std::array<field_spec, N>& table,
              const std::string& path) {
    for (const auto& m : obj) {
      std::string p = path + "." + std::string(m.key());
      if (const field_spec* f = find(table, m.key()))
        value(m.value(), f->kind, p);
      else if (strict_)
        add(p, "unknown field");
    }
  }

 private:
  static constexpr std::size_t max_errors = 10;

  void value(const json::value& v, field_kind kind, const std::string& path) {
    switch (kind) {
      case field_kind::id:
        if (!is_positive_id(v) && !is_false(v))
          add(path, "must be a positive integer (an id) or false");
        break;
      case field_kind::integer:
        if (!is_integer(v) && !is_false(v)) add(path, "must be an integer or false");
        break;
      case field_kind::number:
        if (!is_number(v) && !is_false(v)) add(path, "must be a number or false");
        break;
      case field_kind::text:
        if (!v.is_string() && !is_false(v)) add(path, "must be a string or false");
        break;
      case field_kind::date:
        if (!(v.is_string() && is_date(v.get_string())) && !is_false(v))
          add(path, "must be a date YYYY-MM-DD or false");
        break;
      case field_kind::datetime:
        if (!(v.is_string() && is_datetime(v.get_string())) && !is_false(v))
          add(path, "must be a UTC datetime YYYY-MM-DD HH:MM:SS or false");
        break;
      case field_kind::flag:
        if (!v.is_bool()) add(path, "must be true or false");
        break;
      case field_kind::invoice_type: {
        bool ok = false;
        if (v.is_string())
          for (auto t : invoice_types) ok = ok || v.get_string() == t;
        if (!ok) add(path, "must be one of out_invoice, in_invoice, out_refund, in_refund");
        break;
      }
      case field_kind::line_commands:
      case field_kind::tax_commands:
        commands(v, kind == field_kind::line_commands, path);
        break;
    }
  }

  // An x2many command list. Lines accept all seven commands; taxes only 3..6 (0, 1 and 2
  // would create, change or delete account.tax records themselves).
  void commands(const json::value& v, bool lines, const std::string& path) {
    if (!v.is_array()) {
      add(path, "must be a list of x2many commands, e.g. [[5], [0, 0, {values}]]");
      return;
    }
    const auto& list = v.get_array();
    if (!list.empty() && list[0].is_number()) {
      add(path,
          "must be a list of x2many commands; this looks like one command not wrapped in "
          "a list (write [[5]], not [5])");
      return;
    }
    for (std::size_t i = 0; i < list.size(); ++i)
      command(list[i], lines, path + "[" + std::to_string(i) + "]");
  }

  void command(const json::value& v, bool lines, const std::string& path) {
    const json::array* c = v.if_array();
    std::int64_t op = -1;
    if (c && !c->empty() && (*c)[0].is_int64()) op = (*c)[0].get_int64();
    if (op < 0 || op > 6) {
      add(path, "must be an x2many command: an array whose first element is 0..6");
      return;
    }
    static constexpr std::string_view shapes[] = {
        "3 elements: [0, 0, {values}]", "3 elements: [1, id, {values}]", "2 elements: [2, id]",
        "2 elements: [3, id]",          "2 elements: [4, id]",           "1 element: [5]",
        "3 elements: [6, 0, [ids]]"};
    static constexpr std::size_t sizes[] = {3, 3, 2, 2, 2, 1, 3};
    if (!lines && op <= 2) {
      add(path, "command " + std::to_string(op) +
                    " is not allowed here (it would create, change or delete account.tax "
                    "records); use 3, 4, 5 or 6");
      return;
    }
    if (c->size() != sizes[op]) {
      add(path, "command " + std::to_string(op) + " needs " + std::string(shapes[op]));
      return;
    }
    const std::string second = path + "[1]", third = path + "[2]";
    switch (op) {
      case 0:
      case 6:
        if (!((*c)[1].is_int64() && (*c)[1].get_int64() == 0)) add(second, "must be 0");
        break;
      default:
        if (op != 5 && !is_positive_id((*c)[1])) add(second, "must be a positive integer (an id)");
    }
    if (op == 0 || op == 1) {
      if (!(*c)[2].is_object())
        add(third, "must be an object of invoice line values");
      else
        object((*c)[2].get_object(), line_fields, third);
    }
    if (op == 6) {
      if (!(*c)[2].is_array()) {
        add(third, "must be a list of ids");
      } else {
        const auto& ids = (*c)[2].get_array();
        for (std::size_t i = 0; i < ids.size(); ++i)
          if (!is_positive_id(ids[i]))
            add(third + "[" + std::to_string(i) + "]", "must be a positive integer (an id)");
      }
    }
  }

  bool strict_;
  std::vector<std::string> errors_;
};

bool unrepeatable(const json::value& commands);

bool unrepeatable_command(const json::value& command) {
  const json::array* c = command.if_array();
  if (!c || c->empty() || !(*c)[0].is_int64()) return false;
  auto op = (*c)[0].get_int64();
  if (op == 0 || op == 2) return true;
  if (op == 1 && c->size() == 3 && (*c)[2].is_object()) {
    const auto& vals = (*c)[2].get_object();
    if (auto it = vals.find("invoice_line_tax_id"); it != vals.end())
      return unrepeatable(it->value());
  }
  return false;
}

bool unrepeatable(const json::value& commands) {
  if (const json::array* list = commands.if_array())
    for (const auto& c : *list)
      if (unrepeatable_command(c)) return true;
  return false;
}

}  // namespace

std::optional<std::string> check_update(const json::object& update, bool strict) {
  checker ck(strict);
  if (update.empty()) ck.add("update", "is empty; there is nothing to send");
  ck.object(update, header_fields, "update");
  return ck.result();
}

bool has_unrepeatable_command(const json::object& update) {
  auto it = update.find("invoice_line");
  return it != update.end() && unrepeatable(it->value());
}

bool is_x2many_field(std::string_view name) {
  return name == "invoice_line" || name == "invoice_line_tax_id";
}

}  // namespace reconcilerd::backends::simetri

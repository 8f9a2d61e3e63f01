// WHMCS UpdateInvoice validation; see schema.hpp.
#include "backends/whmcs/schema.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <set>
#include <vector>

namespace reconcilerd::backends::whmcs {

namespace json = boost::json;

namespace {

struct field_spec {
  std::string_view name;
  field_kind kind;
};

constexpr std::array<field_spec, 20> fields{{
    {"status", field_kind::status},
    {"paymentmethod", field_kind::text},
    {"taxrate", field_kind::rate},
    {"taxrate2", field_kind::rate},
    {"subtotal", field_kind::amount},
    {"total", field_kind::amount},
    {"credit", field_kind::amount},
    {"date", field_kind::date},
    {"duedate", field_kind::date},
    {"datepaid", field_kind::date},
    {"notes", field_kind::text},
    {"itemdescription", field_kind::line_texts},
    {"itemamount", field_kind::line_amounts},
    {"itemtaxed", field_kind::line_flags},
    {"newitemdescription", field_kind::new_texts},
    {"newitemamount", field_kind::new_amounts},
    {"newitemtaxed", field_kind::new_flags},
    {"deletelineids", field_kind::line_ids},
    {"publish", field_kind::flag},
    {"publishandsendemail", field_kind::flag},
}};

constexpr std::array<std::string_view, 7> statuses{
    "Draft", "Unpaid", "Paid", "Cancelled", "Refunded", "Collections", "Payment Pending"};

constexpr std::array<std::string_view, 9> reserved{"action",    "invoiceid",    "identifier",
                                                   "secret",    "username",     "password",
                                                   "accesskey", "responsetype", "access_key"};

using group = std::array<std::string_view, 3>;
constexpr group changed_lines{"itemdescription", "itemamount", "itemtaxed"};
constexpr group new_lines{"newitemdescription", "newitemamount", "newitemtaxed"};

bool is_number(const json::value& v) {
  return v.is_int64() || v.is_uint64() || (v.is_double() && std::isfinite(v.get_double()));
}

double to_double(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

// Digits after the decimal point in the shortest round-trip fixed form (0 for integers).
std::size_t decimals(const json::value& v) {
  if (!v.is_double()) return 0;
  char buf[400];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.get_double(), std::chars_format::fixed);
  if (ec != std::errc{}) return 99;
  std::string_view s(buf, static_cast<std::size_t>(end - buf));
  auto dot = s.find('.');
  return dot == std::string_view::npos ? 0 : s.size() - dot - 1;
}

bool is_date(std::string_view s) {
  auto digits = [&](std::size_t pos, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!digits(0, 4, y) || !digits(5, 2, m) || !digits(8, 2, d)) return false;
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

bool is_line_id(std::string_view s) {
  if (s.empty() || s.size() > 18 || s[0] == '0') return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool is_positive_int(const json::value& v) {
  return (v.is_int64() && v.get_int64() > 0) || (v.is_uint64() && v.get_uint64() > 0);
}

// What PHP reads as the same name is not always the same bytes: it trims leading spaces,
// cuts at a NUL and turns "a[b]" into an array. Unknown names a lenient config lets through
// must therefore be plain lower-case words, like every documented one.
bool is_plain_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// `name` in double quotes with quotes, backslashes and control characters escaped as in
// JSON, cut after 60 bytes (at a character boundary) with "..." after the closing quote.
std::string shown_name(std::string_view name) {
  constexpr std::size_t max = 60;
  std::size_t cut = std::min(name.size(), max);
  while (cut < name.size() && cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xc0) == 0x80)
    --cut;
  std::string out = "\"";
  for (char c : name.substr(0, cut)) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      static constexpr char digits[] = "0123456789abcdef";
      out += "\\u00";
      out += digits[u >> 4];
      out += digits[u & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
  if (cut < name.size()) out += "...";
  return out;
}

std::string join(const group& g) {
  return std::string(g[0]) + ", " + std::string(g[1]) + " and " + std::string(g[2]);
}

class checker {
 public:
  void add(const std::string& path, const std::string& rule) {
    if (errors_.size() < 10) errors_.push_back(path + ": " + rule);
  }

  std::optional<std::string> result() const {
    if (errors_.empty()) return std::nullopt;
    std::string out;
    for (const auto& e : errors_) out += (out.empty() ? "" : "; ") + e;
    return out;
  }

  void field(const json::value& v, field_kind kind, const std::string& path) {
    const field_kind element = element_kind(kind);
    switch (kind) {
      case field_kind::line_texts:
      case field_kind::line_amounts:
      case field_kind::line_flags:
        if (!v.is_object()) {
          add(path, "must be an object keyed by line id, e.g. {\"13\": ...}");
          return;
        }
        for (const auto& m : v.get_object()) {
          std::string p = path + "." + std::string(m.key());
          if (!is_line_id(m.key()))
            add(p, "the key must be a line id (a positive integer)");
          else
            scalar(m.value(), element, p);
        }
        return;
      case field_kind::new_texts:
      case field_kind::new_amounts:
      case field_kind::new_flags:
      case field_kind::line_ids:
        if (!v.is_array()) {
          add(path, kind == field_kind::line_ids ? "must be a list of line ids"
                                                 : "must be a list with one element per new line");
          return;
        }
        for (std::size_t i = 0; i < v.get_array().size(); ++i)
          scalar(v.get_array()[i], element, path + "[" + std::to_string(i) + "]");
        return;
      default:
        scalar(v, kind, path);
    }
  }

  // Each changed line needs all three item* entries.
  void changed_lines_complete(const json::object& update) {
    for (auto name : changed_lines) {
      const json::object* o = nullptr;
      if (auto* v = update.if_contains(name)) o = v->if_object();
      if (!o) continue;
      for (const auto& m : *o) {
        if (!is_line_id(m.key())) continue;  // reported as a bad key already
        for (auto other : changed_lines) {
          const json::value* ov = update.if_contains(other);
          if (ov && (!ov->is_object() || ov->get_object().contains(m.key()))) continue;
          if (reported_.insert(std::string(other) + "/" + std::string(m.key())).second)
            add("update." + std::string(other), "line " + std::string(m.key()) + " is missing; " +
                                                    join(changed_lines) +
                                                    " are required for each changed line");
        }
      }
    }
  }

  // The newitem* arrays go together, one element per new line.
  void new_lines_complete(const json::object& update) {
    const json::array* first = nullptr;
    std::string_view first_name;
    bool any = false;
    for (auto name : new_lines) any = any || update.contains(name);
    if (!any) return;
    for (auto name : new_lines) {
      const json::value* v = update.if_contains(name);
      if (!v) {
        add("update." + std::string(name),
            "missing; " + join(new_lines) + " go together, one element per new line");
        continue;
      }
      const json::array* a = v->if_array();
      if (!a) continue;
      if (!first) {
        first = a, first_name = name;
      } else if (a->size() != first->size()) {
        add("update." + std::string(name), "has " + std::to_string(a->size()) + " elements but " +
                                               std::string(first_name) + " has " +
                                               std::to_string(first->size()) +
                                               "; the newitem* lists must be equally long");
      }
    }
  }

 private:
  void scalar(const json::value& v, field_kind kind, const std::string& path) {
    switch (kind) {
      case field_kind::status: {
        bool ok = false;
        if (v.is_string())
          for (auto s : statuses) ok = ok || v.get_string() == s;
        if (!ok)
          add(path,
              "must be one of Draft, Unpaid, Paid, Cancelled, Refunded, Collections, Payment "
              "Pending");
        break;
      }
      case field_kind::text:
        if (!v.is_string() || v.get_string().empty())
          add(path, "must be a non-empty string (WHMCS ignores empty values)");
        break;
      case field_kind::item_text:
        if (!v.is_string()) add(path, "must be a string");
        break;
      case field_kind::rate:
        if (!is_number(v) || to_double(v) < 0 || to_double(v) > 100)
          add(path, "must be a number from 0 to 100 (a percentage)");
        break;
      case field_kind::amount:
        if (!is_number(v) || decimals(v) > 2)
          add(path, "must be a number with at most 2 decimals");
        else if (std::fabs(to_double(v)) >= 1e13)  // Boost.JSON 1.81 misreads some above
          add(path, "must be less than 10^13 in magnitude");
        break;
      case field_kind::date:
        if (!v.is_string() || !is_date(v.get_string())) add(path, "must be a date YYYY-MM-DD");
        break;
      case field_kind::flag:
        if (!v.is_bool()) add(path, "must be true or false");
        break;
      case field_kind::line_ids:
        if (!is_positive_int(v)) add(path, "must be a line id (a positive integer)");
        break;
      default:
        break;
    }
  }

  std::vector<std::string> errors_;
  std::set<std::string> reported_;
};

}  // namespace

std::optional<field_kind> kind_of(std::string_view name) {
  for (const auto& f : fields)
    if (f.name == name) return f.kind;
  return std::nullopt;
}

field_kind element_kind(field_kind k) {
  switch (k) {
    case field_kind::line_texts:
    case field_kind::new_texts:
      return field_kind::item_text;
    case field_kind::line_amounts:
    case field_kind::new_amounts:
      return field_kind::amount;
    case field_kind::line_flags:
    case field_kind::new_flags:
      return field_kind::flag;
    default:
      return k;
  }
}

bool is_reserved(std::string_view name) {
  for (auto r : reserved)
    if (r == name) return true;
  return false;
}

std::optional<std::string> check_update(const json::object& update, bool strict) {
  checker ck;
  if (update.empty()) ck.add("update", "is empty; there is nothing to send");
  for (const auto& m : update) {
    const std::string path = "update." + std::string(m.key());
    if (is_reserved(m.key())) {
      ck.add(path, "is set by reconcilerd, not by the job");
    } else if (auto kind = kind_of(m.key())) {
      ck.field(m.value(), *kind, path);
    } else if (strict) {
      ck.add(path, "unknown field");
    } else if (!is_plain_name(m.key())) {
      ck.add("update." + shown_name(m.key()),
             "not a WHMCS field name (only a-z, 0-9 and _ are allowed; PHP would trim or cut "
             "this one)");
    } else if (m.value().is_array() || m.value().is_object() || m.value().is_null()) {
      ck.add(path, "unknown field with a value that is not a string, number or boolean");
    }
  }
  ck.changed_lines_complete(update);
  ck.new_lines_complete(update);
  return ck.result();
}

}  // namespace reconcilerd::backends::whmcs

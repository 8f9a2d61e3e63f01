// Declarative field validation and the ISO 4217 list; see fields.hpp.
#include "backends/fields.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <utility>

#include "backends/status_rules.hpp"  // body_excerpt: printable text for messages

namespace reconcilerd::backends::fields {

namespace json = boost::json;

// ---- rule modifiers ---------------------------------------------------------------------

namespace {

// `r` with one member set: what the modifiers below return.
template <class T, class V>
rule set(rule r, T rule::*member, V value) {
  r.*member = std::move(value);
  return r;
}

rule lower_bound(rule r, double v, bool exclusive) {
  r.min = v;
  r.min_exclusive = exclusive;
  return r;
}

rule upper_bound(rule r, double v, bool exclusive) {
  r.max = v;
  r.max_exclusive = exclusive;
  return r;
}

}  // namespace

rule rule::required() const { return set(*this, &rule::is_required, true); }
rule rule::nullable() const { return set(*this, &rule::is_nullable, true); }
rule rule::at_least(double v) const { return lower_bound(*this, v, false); }
rule rule::above(double v) const { return lower_bound(*this, v, true); }
rule rule::at_most(double v) const { return upper_bound(*this, v, false); }
rule rule::below(double v) const { return upper_bound(*this, v, true); }
rule rule::min_items(std::size_t n) const { return set(*this, &rule::min_size, n); }
rule rule::max_items(std::size_t n) const { return set(*this, &rule::max_size, n); }
rule rule::with(std::function<std::optional<std::string>(const json::value&)> f) const {
  return set(*this, &rule::extra, std::move(f));
}

const field* schema::find(std::string_view name) const {
  for (auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

namespace {
rule of(kind k) {
  rule r;
  r.type = k;
  return r;
}
}  // namespace

rule any() { return of(kind::any); }
rule string() { return of(kind::string); }
rule integer() { return of(kind::integer); }
rule number() { return of(kind::number); }
rule boolean() { return of(kind::boolean); }
rule date() { return of(kind::date); }
rule decimal_text() { return of(kind::decimal_text); }
rule id() { return of(kind::id); }
rule currency() { return of(kind::currency); }
rule object() { return of(kind::object); }
rule enumeration(std::vector<std::string> choices) {
  rule r = of(kind::enumeration);
  r.choices = std::move(choices);
  return r;
}
rule array_of(rule items) {
  rule r = of(kind::array);
  r.items = std::make_shared<const rule>(std::move(items));
  return r;
}
rule object_of(schema shape) {
  rule r = of(kind::object);
  r.shape = std::make_shared<const schema>(std::move(shape));
  return r;
}
rule map_of(rule values) {
  rule r = of(kind::map);
  r.items = std::make_shared<const rule>(std::move(values));
  return r;
}
rule forbidden(std::string note) {
  rule r = of(kind::forbidden);
  r.note = std::move(note);
  return r;
}

// ---- helpers ----------------------------------------------------------------------------

namespace {

std::string format_number(double v) {
  char buf[64];
  if (std::trunc(v) == v && std::fabs(v) < 9e18)
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  else
    std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_calendar_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!is_digit(s[i])) return false;
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int m = (s[5] - '0') * 10 + (s[6] - '0');
  int d = (s[8] - '0') * 10 + (s[9] - '0');
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int last = days[m - 1] + (m == 2 && leap ? 1 : 0);
  return d <= last;
}

bool is_decimal_text(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  auto dot = s.find('.');
  auto whole = s.substr(0, dot);
  if (whole.empty() || !std::all_of(whole.begin(), whole.end(), is_digit)) return false;
  if (dot == std::string_view::npos) return true;
  auto frac = s.substr(dot + 1);
  return !frac.empty() && std::all_of(frac.begin(), frac.end(), is_digit);
}

std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string member_path(std::string_view path, std::string_view key) {
  bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '_' || c == '-';
  });
  std::string p(path);
  if (plain) return p + "." + std::string(key);
  return p + "[\"" + body_excerpt(key, 60) + "\"]";
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

struct walker {
  const options& opt;
  std::vector<std::string> errors;

  bool full() const { return errors.size() >= opt.max_errors; }
  void add(std::string_view path, std::string_view msg) {
    if (!full()) errors.push_back(std::string(path) + ": " + std::string(msg));
  }

  void bounds(const rule& r, double v, std::string_view path) {
    if (r.min && (r.min_exclusive ? !(v > *r.min) : !(v >= *r.min)))
      add(path, "must be " + std::string(r.min_exclusive ? "> " : ">= ") + format_number(*r.min));
    else if (r.max && (r.max_exclusive ? !(v < *r.max) : !(v <= *r.max)))
      add(path, "must be " + std::string(r.max_exclusive ? "< " : "<= ") + format_number(*r.max));
  }

  void value(const rule& r, const json::value& v, const std::string& path) {
    if (full()) return;
    if (r.type == kind::forbidden) return add(path, r.note);
    if (v.is_null() && r.is_nullable) return;
    if (!kind_matches(r, v, path)) return;
    if (r.extra)
      if (auto broken = r.extra(v)) add(path, *broken);
  }

  // Checks the kind and its own bounds; false when a problem was reported.
  bool kind_matches(const rule& r, const json::value& v, const std::string& path) {
    const std::size_t before = errors.size();
    switch (r.type) {
      case kind::any:
      case kind::forbidden:
        break;
      case kind::string:
        if (!v.is_string()) {
          add(path, "must be a string");
        } else {
          auto n = utf8_length(v.get_string());
          if (n < r.min_size)
            add(path, r.min_size == 1 ? "must not be empty"
                                      : "must be at least " + plural(r.min_size, "character"));
          else if (r.max_size && n > *r.max_size)
            add(path, "must be at most " + plural(*r.max_size, "character"));
        }
        break;
      case kind::integer:
        if (!v.is_int64() && !v.is_uint64())
          add(path, "must be an integer");
        else
          bounds(r,
                 v.is_int64() ? static_cast<double>(v.get_int64())
                              : static_cast<double>(v.get_uint64()),
                 path);
        break;
      case kind::number:
        if (!v.is_number() || (v.is_double() && !std::isfinite(v.get_double())))
          add(path, "must be a number");
        else
          bounds(r, v.to_number<double>(), path);
        break;
      case kind::boolean:
        if (!v.is_bool()) add(path, "must be true or false");
        break;
      case kind::date:
        date_value(v, path);
        break;
      case kind::decimal_text:
        if (!v.is_string())
          add(path, "must be a string");
        else if (!is_decimal_text(v.get_string()))
          add(path, "must be a decimal number written as text, e.g. \"12.50\"");
        break;
      case kind::id:
        if (!(v.is_string() && !v.get_string().empty()) && !(v.is_int64() && v.get_int64() >= 0) &&
            !v.is_uint64())
          add(path, "must be an id (a non-empty string or a non-negative integer)");
        break;
      case kind::enumeration:
        if (!v.is_string() || std::find(r.choices.begin(), r.choices.end(),
                                        std::string_view(v.get_string())) == r.choices.end())
          add(path, "must be one of " + join(r.choices, ", ") + " (got " + quote_value(v) + ")");
        break;
      case kind::currency:
        currency_value(v, path);
        break;
      case kind::array:
        array_value(r, v, path);
        break;
      case kind::object:
        if (!v.is_object())
          add(path, "must be an object");
        else if (r.shape)
          object_value(*r.shape, v.get_object(), path);
        break;
      case kind::map:
        if (!v.is_object()) {
          add(path, "must be an object");
        } else if (r.items) {
          for (auto& m : v.get_object()) value(*r.items, m.value(), member_path(path, m.key()));
        }
        break;
    }
    return errors.size() == before;
  }

  void date_value(const json::value& v, const std::string& path) {
    if (!v.is_string()) return add(path, "must be a date YYYY-MM-DD");
    std::string_view s = v.get_string();
    if (is_calendar_date(s)) return;
    if (s.size() > 10 && is_calendar_date(s.substr(0, 10)) && (s[10] == 'T' || s[10] == ' '))
      return add(path, "must be a date YYYY-MM-DD without a time of day (got " + quote_value(v) +
                           "; send \"" + std::string(s.substr(0, 10)) + "\")");
    add(path, "must be a date YYYY-MM-DD (got " + quote_value(v) + ")");
  }

  void currency_value(const json::value& v, const std::string& path) {
    if (!v.is_string()) return add(path, "must be a string");
    std::string_view s = v.get_string();
    if (is_active_currency(s)) return;
    auto next = currency_successor(s);
    if (!next.empty())
      return add(path, "must be an active ISO 4217 currency code (" + quote_value(v) +
                           " was withdrawn; use \"" + std::string(next) + "\")");
    add(path, "must be an active ISO 4217 currency code (got " + quote_value(v) + ")");
  }

  void array_value(const rule& r, const json::value& v, const std::string& path) {
    if (!v.is_array()) return add(path, "must be an array");
    auto& a = v.get_array();
    if (a.size() < r.min_size) return add(path, "must have at least " + plural(r.min_size, "item"));
    if (r.max_size && a.size() > *r.max_size)
      return add(path, "must have at most " + plural(*r.max_size, "item"));
    if (!r.items) return;
    for (std::size_t i = 0; i < a.size() && !full(); ++i)
      value(*r.items, a[i], path + "[" + std::to_string(i) + "]");
  }

  void object_value(const schema& s, const json::object& obj, const std::string& path) {
    for (auto& f : s.fields) {
      auto it = obj.find(f.name);
      if (it == obj.end()) {
        if (f.spec.is_required) add(member_path(path, f.name), "is required");
        continue;
      }
      value(f.spec, it->value(), member_path(path, f.name));
    }
    if (!opt.strict) return;
    for (auto& m : obj)
      if (!s.find(m.key())) add(member_path(path, m.key()), "unknown field");
  }
};

}  // namespace

std::vector<std::string> check(const schema& s, const json::object& obj, const options& opt,
                               std::string_view path) {
  walker w{opt, {}};
  w.object_value(s, obj, std::string(path));
  return std::move(w.errors);
}

std::optional<std::string> validate(const schema& s, const json::object& obj, const options& opt,
                                    std::string_view path) {
  auto errors = check(s, obj, opt, path);
  if (errors.empty()) return std::nullopt;
  return join(errors, "; ");
}

std::string quote_value(const json::value& v, std::size_t max) {
  if (v.is_string()) return "\"" + body_excerpt(v.get_string(), max) + "\"";
  if (v.is_null()) return "null";
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_double()) return format_number(v.get_double());
  if (v.is_array()) return "an array";
  return "an object";
}

// ---- ISO 4217 -----------------------------------------------------------------------------

namespace {

// ISO 4217 List One, active alphabetic codes (funds and precious metals included), as of
// 2026. BGN is kept: Bulgaria adopted the euro on 2026-01-01 but old invoices still use it.
constexpr std::string_view active_codes[] = {
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
    "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUP", "CVE", "CZK",
    "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS",
    "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD",
    "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD",
    "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT",
    "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK",
    "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD",
    "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP",
    "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS",
    "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV", "WST",
    "XAF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XCG", "XDR", "XOF", "XPD", "XPF",
    "XPT", "XSU", "XTS", "XUA", "XXX", "YER", "ZAR", "ZMW", "ZWG",
};

// Withdrawn codes still seen in vendor lists (Alloy's included), with their successors.
constexpr std::pair<std::string_view, std::string_view> withdrawn_codes[] = {
    {"ANG", "XCG"}, {"BYR", "BYN"}, {"CUC", "CUP"}, {"HRK", "EUR"}, {"LTL", "EUR"}, {"LVL", "EUR"},
    {"MRO", "MRU"}, {"SLL", "SLE"}, {"STD", "STN"}, {"VEF", "VES"}, {"ZMK", "ZMW"}, {"ZWL", "ZWG"},
};

}  // namespace

bool is_active_currency(std::string_view code) {
  return std::binary_search(std::begin(active_codes), std::end(active_codes), code);
}

std::string_view currency_successor(std::string_view code) {
  for (auto& [old_code, next] : withdrawn_codes)
    if (old_code == code) return next;
  return {};
}

}  // namespace reconcilerd::backends::fields

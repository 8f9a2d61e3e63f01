// Value helpers of the reconciliation code; see reconcile_values.hpp.
#include "backends/reconcile_values.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "backends/status_rules.hpp"

namespace reconcilerd::backends::values {

namespace json = boost::json;

namespace {

// "-12.50": an optional '-', digits, optionally '.' and digits (at least one digit overall).
bool is_plain_decimal(std::string_view s) {
  std::size_t i = 0, digits = 0;
  if (i < s.size() && s[i] == '-') ++i;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++digits;
  }
  return digits > 0 && i == s.size();
}

}  // namespace

std::optional<double> number_of(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) {
    if (!std::isfinite(v.get_double())) return std::nullopt;
    return v.get_double();
  }
  if (!v.is_string()) return std::nullopt;
  std::string_view s = v.get_string();
  if (!is_plain_decimal(s)) return std::nullopt;
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

std::optional<std::int64_t> integer_of(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (!std::isfinite(d) || d != std::trunc(d) || std::fabs(d) > 9e15) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  if (!v.is_string()) return std::nullopt;
  std::string_view s = v.get_string();
  if (s.empty() || s == "-") return std::nullopt;
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return out;
}

std::optional<std::string> money_text(const json::value& v) {
  auto d = number_of(v);
  if (!d || std::fabs(*d) >= 1e15) return std::nullopt;
  // Round half away from zero on the decimal digits, as MySQL's DECIMAL(…,2) does; the
  // schemas allow at most two decimals, so this only tidies "16.9" and "16.950".
  const double cents = std::round(*d * 100.0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", cents / 100.0);
  std::string out(buf);
  if (out == "-0.00") out = "0.00";
  return out;
}

bool same_number(const json::value& a, const json::value& b) {
  auto x = number_of(a), y = number_of(b);
  return x && y && *x == *y;
}

bool same_integer(const json::value& a, const json::value& b) {
  auto x = integer_of(a), y = integer_of(b);
  return x && y && *x == *y;
}

std::string quoted(std::string_view text, std::size_t max) {
  return "\"" + body_excerpt(text, max) + "\"";
}

std::string joined(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

std::string count_of(std::size_t n, std::string_view thing) {
  return std::to_string(n) + " " + std::string(thing) + (n == 1 ? "" : "s");
}

invoice_read unreadable(std::string message) {
  invoice_read out;
  out.result.kind = outcome_kind::retry;
  out.result.message = std::move(message);
  return out;
}

invoice_read not_read(outcome o) {
  invoice_read out;
  out.result = std::move(o);
  if (out.result.kind == outcome_kind::delivered) {  // callers pass failures only
    out.result.kind = outcome_kind::retry;
  }
  return out;
}

invoice_read read_ok(json::object invoice) {
  invoice_read out;
  out.result.kind = outcome_kind::delivered;
  out.result.message = "invoice read back";
  out.invoice = std::move(invoice);
  return out;
}

}  // namespace reconcilerd::backends::values

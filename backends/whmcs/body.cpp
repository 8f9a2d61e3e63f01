// WHMCS form-field spelling; see body.hpp.
#include "backends/whmcs/body.hpp"

#include <boost/json/array.hpp>
#include <charconv>

#include "backends/whmcs/schema.hpp"

namespace reconcilerd::backends::whmcs {

namespace json = boost::json;

namespace {

// One scalar as WHMCS reads it.
std::string text_of(const json::value& v, field_kind kind) {
  if (v.is_bool()) return v.get_bool() ? "1" : "0";
  if (v.is_string()) return std::string(v.get_string());
  if (kind == field_kind::amount || kind == field_kind::rate) return format_decimal(v);
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_double()) return format_decimal(v);
  return {};
}

}  // namespace

std::string format_decimal(const json::value& number) {
  std::string s;
  if (number.is_int64()) {
    s = std::to_string(number.get_int64());
  } else if (number.is_uint64()) {
    s = std::to_string(number.get_uint64());
  } else {
    double d = number.is_double() ? number.get_double() : 0.0;
    if (d == 0) d = 0;  // no "-0.00"
    char buf[400];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    s.assign(buf, ec == std::errc{} ? end : buf);
  }
  auto dot = s.find('.');
  if (dot == std::string::npos) {
    s += ".00";
  } else {
    while (s.size() - dot - 1 < 2) s += '0';
  }
  return s;
}

form_fields update_fields(const json::object& update) {
  form_fields out;
  for (const auto& m : update) {
    const std::string name(m.key());
    const field_kind kind = kind_of(name).value_or(field_kind::text);
    const field_kind element = element_kind(kind);
    if (const json::object* lines = m.value().if_object()) {
      for (const auto& line : *lines)
        out.emplace_back(name + "[" + std::string(line.key()) + "]",
                         text_of(line.value(), element));
    } else if (const json::array* items = m.value().if_array()) {
      for (const auto& item : *items) out.emplace_back(name + "[]", text_of(item, element));
    } else {
      out.emplace_back(name, text_of(m.value(), kind));
    }
  }
  return out;
}

}  // namespace reconcilerd::backends::whmcs

// Fuzz target: simetri's Python-literal encoder, round trip. The input is parsed as JSON
// (anything else is skipped); its value is encoded with encode_python_literal and parsed
// back with the strict test parser (tests/support/python_literal.hpp), which must accept
// it and give the same value. The encoded text must be 7-bit ASCII. Also each string
// member alone through encode_python_string.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "backends/simetri/body.hpp"
#include "tests/support/python_literal.hpp"

namespace json = boost::json;
using reconcilerd::backends::simetri::encode_python_literal;
using reconcilerd::backends::simetri::encode_python_string;

namespace {

// Python has no -0 integer and reads "1e999" as inf; JSON numbers compare by value.
bool same(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_double() || b.is_double()) return a.to_number<double>() == b.to_number<double>();
    return a == b;
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    auto& x = a.get_array();
    auto& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!same(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object()) {
    auto& x = a.get_object();
    auto& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (auto& m : x) {
      auto* other = y.if_contains(m.key());
      if (!other || !same(m.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

void check_ascii(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80) __builtin_trap();
}

void check_strings(const json::value& v) {
  if (v.is_string()) {
    const auto text = encode_python_string(v.get_string());
    check_ascii(text);
    auto back = reconcilerd::test::parse_python_literal(text, nullptr);
    if (!back || !back->is_string() || back->get_string() != v.get_string()) __builtin_trap();
  } else if (v.is_array()) {
    for (auto& x : v.get_array()) check_strings(x);
  } else if (v.is_object()) {
    for (auto& m : v.get_object()) check_strings(m.value());
  }
}

// Boost.JSON reads 1e400 as inf; job decoding refuses non-finite numbers (so no update
// holds one), and the encoder's "1e999" is outside the strict parser's subset.
bool has_non_finite(const json::value& v) {
  if (v.is_double()) return !std::isfinite(v.get_double());
  if (v.is_array())
    for (auto& x : v.get_array())
      if (has_non_finite(x)) return true;
  if (v.is_object())
    for (auto& m : v.get_object())
      if (has_non_finite(m.value())) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  json::error_code ec;
  const json::value v =
      json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec || has_non_finite(v)) return 0;
  const std::string text = encode_python_literal(v);
  check_ascii(text);
  std::string error;
  const auto back = reconcilerd::test::parse_python_literal(text, &error);
  if (!back) __builtin_trap();  // the parser refused what the encoder wrote
  if (!same(v, *back)) __builtin_trap();
  check_strings(v);
  return 0;
}

// application/x-www-form-urlencoded decoding, plus PHP's reading of bracketed names
// (`itemamount[13]=1.00`, `newitemamount[]=2.00`) into nested arrays the way WHMCS sees
// them: `a[]` appends, a name with an unclosed `[` gets `_` instead, `.` and ` ` in the base
// name become `_`, the last value of a repeated name wins.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reconcilerd::sim {

using form_pairs = std::vector<std::pair<std::string, std::string>>;

// Percent-decoding with '+' as space. Invalid escapes are kept literally (as PHP does).
std::string form_decode_component(std::string_view s);
form_pairs parse_form(std::string_view body);
// The last value of `name` (exact, after decoding), if present.
std::optional<std::string> form_get(const form_pairs& pairs, std::string_view name);

struct php_value {
  bool is_array = false;
  std::string scalar;
  std::vector<std::pair<std::string, php_value>> items;  // insertion order, like PHP

  const php_value* find(std::string_view key) const;
  // Scalar at `key`, when present and not an array.
  std::optional<std::string> get(std::string_view key) const;
};

// All pairs into one PHP array, the way $_POST is built.
php_value php_parse(const form_pairs& pairs);

}  // namespace reconcilerd::sim

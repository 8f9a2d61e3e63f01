// Form decoding and PHP bracket arrays (see form_fields.hpp).
#include "tests/sim/form_fields.hpp"

#include <charconv>

namespace reconcilerd::sim {

namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_canonical_int(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  std::size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  if (s[i] == '0' && s.size() > i + 1) return false;
  if (s == "-0") return false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

std::string next_index(const php_value& arr) {
  long long next = 0;
  for (const auto& kv : arr.items) {
    if (is_canonical_int(kv.first)) {
      long long v = 0;
      std::from_chars(kv.first.data(), kv.first.data() + kv.first.size(), v);
      if (v + 1 > next) next = v + 1;
    }
  }
  return std::to_string(next);
}

php_value& slot(php_value& arr, const std::string& key) {
  for (auto& kv : arr.items) {
    if (kv.first == key) return kv.second;
  }
  arr.items.emplace_back(key, php_value{});
  return arr.items.back().second;
}

void make_array(php_value& v) {
  if (!v.is_array) {
    v = php_value{};
    v.is_array = true;
  }
}

}  // namespace

std::string form_decode_component(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

form_pairs parse_form(std::string_view body) {
  form_pairs out;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view part = body.substr(0, amp);
    if (!part.empty()) {
      const auto eq = part.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(form_decode_component(part), "");
      } else {
        out.emplace_back(form_decode_component(part.substr(0, eq)),
                         form_decode_component(part.substr(eq + 1)));
      }
    }
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return out;
}

std::optional<std::string> form_get(const form_pairs& pairs, std::string_view name) {
  std::optional<std::string> v;
  for (const auto& kv : pairs) {
    if (kv.first == name) v = kv.second;
  }
  return v;
}

const php_value* php_value::find(std::string_view key) const {
  if (!is_array) return nullptr;
  for (const auto& kv : items) {
    if (kv.first == key) return &kv.second;
  }
  return nullptr;
}

std::optional<std::string> php_value::get(std::string_view key) const {
  const php_value* v = find(key);
  if (!v || v->is_array) return std::nullopt;
  return v->scalar;
}

php_value php_parse(const form_pairs& pairs) {
  php_value root;
  root.is_array = true;
  for (const auto& [raw_name, value] : pairs) {
    std::string_view name = raw_name;
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    // Base name: up to the first '[' that has a matching ']' later.
    std::string base;
    std::size_t i = 0;
    bool has_index = false;
    for (; i < name.size(); ++i) {
      const char c = name[i];
      if (c == '[') {
        if (name.find(']', i) != std::string_view::npos) {
          has_index = true;
          break;
        }
        base += '_';  // unclosed: PHP turns this one '[' into '_' and keeps the rest
        base.append(name.substr(i + 1));
        i = name.size();
        break;
      }
      base += (c == '.' || c == ' ') ? '_' : c;
    }
    if (base.empty()) continue;
    std::vector<std::optional<std::string>> path;  // nullopt = "[]" (append)
    if (has_index) {
      while (i < name.size() && name[i] == '[') {
        const auto close = name.find(']', i);
        if (close == std::string_view::npos) break;
        const std::string_view idx = name.substr(i + 1, close - i - 1);
        if (idx.empty())
          path.push_back(std::nullopt);
        else
          path.push_back(std::string(idx));
        i = close + 1;
      }
    }
    php_value* cur = &slot(root, base);
    for (const auto& step : path) {
      make_array(*cur);
      const std::string key = step ? *step : next_index(*cur);
      cur = &slot(*cur, key);
    }
    *cur = php_value{};
    cur->scalar = value;
  }
  return root;
}

}  // namespace reconcilerd::sim

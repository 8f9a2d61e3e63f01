// One-line configuration problems, sorted by line for the operator.
#include "config/diagnostics.hpp"

#include <algorithm>
#include <cstdio>

namespace reconcilerd::config::detail {

void diagnostics::error(int line, std::string_view path, std::string_view message) {
  errors_.push_back({line, format(line, path, message)});
}

void diagnostics::warning(int line, std::string_view path, std::string_view message) {
  warnings_.push_back({line, format(line, path, message)});
}

void diagnostics::inline_secret(int line, std::string_view path) {
  if (first_inline_secret_.second.empty() || line < first_inline_secret_.first)
    first_inline_secret_ = {line, std::string(path)};
}

std::vector<std::string> diagnostics::errors() const { return sorted(errors_); }
std::vector<std::string> diagnostics::warnings() const { return sorted(warnings_); }

std::string diagnostics::format(int line, std::string_view path, std::string_view message) const {
  std::string out = file_;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!path.empty()) {
    out += path;
    out += ": ";
  }
  out += message;
  return out;
}

std::vector<std::string> diagnostics::sorted(std::vector<item> items) {
  std::stable_sort(items.begin(), items.end(),
                   [](const item& a, const item& b) { return a.line < b.line; });
  std::vector<std::string> out;
  out.reserve(items.size());
  for (auto& i : items) out.push_back(std::move(i.text));
  return out;
}

int line_of(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  int line = node.Mark().line;
  return line < 0 ? 0 : line + 1;
}

std::string quoted(std::string_view value) {
  constexpr std::size_t limit = 60;
  std::string out = "\"";
  for (std::size_t i = 0; i < value.size() && i < limit; ++i) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (value.size() > limit) out += "...";
  out += '"';
  return out;
}

std::string join_path(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

}  // namespace reconcilerd::config::detail

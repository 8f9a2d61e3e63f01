// Entries of a YAML map, duplicate and unknown key detection.
#include "config/yaml_map.hpp"

#include <algorithm>
#include <map>

namespace reconcilerd::config::detail {

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

int entry::line() const {
  if (!value.IsNull()) {
    int l = line_of(value);
    if (l > 0) return l;
  }
  return line_of(key_node);
}

std::vector<entry> map_entries(const YAML::Node& map, std::string_view path, diagnostics& d) {
  std::vector<entry> out;
  std::map<std::string, int, std::less<>> seen;  // key -> line of its first occurrence
  for (auto it = map.begin(); it != map.end(); ++it) {
    // Copies: yaml-cpp's iterator hands out a temporary pair.
    YAML::Node key = it->first;
    YAML::Node value = it->second;
    if (!key.IsScalar()) {
      d.error(line_of(key), path, "keys must be plain names, got " + std::string(kind_of(key)));
      continue;
    }
    std::string name = key.Scalar();
    std::string key_path = join_path(path, name);
    auto [pos, inserted] = seen.emplace(name, line_of(key));
    if (!inserted) {
      d.error(line_of(key), key_path,
              "duplicate key (first given on line " + std::to_string(pos->second) + ")");
      continue;
    }
    out.push_back(entry{std::move(name), std::move(key_path), key, value});
  }
  return out;
}

void report_unknown(const entry& e, std::span<const std::string_view> known, diagnostics& d) {
  std::string message = "unknown key " + quoted(e.key);
  std::string_view best;
  std::size_t best_distance = 0;
  for (auto k : known) {
    std::size_t dist = edit_distance(e.key, k);
    if (best.empty() || dist < best_distance) {
      best = k;
      best_distance = dist;
    }
  }
  // A suggestion only when it is plausibly a typo: at most 2 edits, fewer than the length.
  if (!best.empty() && best_distance <= 2 && best_distance < e.key.size())
    message += " (did you mean \"" + std::string(best) + "\"?)";
  d.error(line_of(e.key_node), e.path, message);
}

const entry* find_entry(const std::vector<entry>& entries, std::string_view key) {
  for (auto& e : entries)
    if (e.key == key) return &e;
  return nullptr;
}

std::string_view kind_of(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a single value";
    default:
      return "no value";
  }
}

}  // namespace reconcilerd::config::detail

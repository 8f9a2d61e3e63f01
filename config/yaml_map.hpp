// Walking one YAML map of the configuration: its entries in document order, with
// duplicate keys and non-string keys reported (yaml-cpp 0.7 accepts duplicates silently),
// and unknown keys reported with the closest valid key as a suggestion.
#pragma once

#include <yaml-cpp/yaml.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.hpp"

namespace reconcilerd::config::detail {

struct entry {
  std::string key;
  std::string path;  // full key path, e.g. "backends.erp.rate"
  YAML::Node key_node;
  YAML::Node value;
  int line() const;  // of the value, or of the key when the value has no line of its own
};

// The entries of `map` (which must be a map), in document order. A duplicate key is
// reported at its second occurrence and left out; so is a key that is not a scalar.
std::vector<entry> map_entries(const YAML::Node& map, std::string_view path, diagnostics& d);

// Reports `e` as an unknown key (suggesting the closest of `known`).
void report_unknown(const entry& e, std::span<const std::string_view> known, diagnostics& d);

// The entry named `key`, or nullptr.
const entry* find_entry(const std::vector<entry>& entries, std::string_view key);

// "a map", "a list", "a single value" or "no value" — for "expected X, got Y" messages.
std::string_view kind_of(const YAML::Node& node);

}  // namespace reconcilerd::config::detail

// A cheap scan of YAML text for its nesting depth, run before yaml-cpp sees the text:
// yaml-cpp parses and builds nodes recursively, so a deeply nested document ("[[[[...",
// "{a: {a: {...", "- - - - ...", or ever deeper indentation) can exhaust the stack. The scan
// over-approximates (block indentation levels + compact "- " items + open flow brackets,
// outside quotes, comments and block scalars), so a document it accepts is never deeper
// than the limit; real configurations are 4 or 5 levels deep.
#pragma once

#include <cstddef>
#include <string_view>

namespace reconcilerd::config {

inline constexpr std::size_t max_yaml_depth = 64;

// The 1-based line where the nesting first goes deeper than `limit`, or 0 when it never does.
int yaml_too_deep_line(std::string_view yaml, std::size_t limit = max_yaml_depth);

}  // namespace reconcilerd::config

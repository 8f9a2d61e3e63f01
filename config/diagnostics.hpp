// Collects configuration problems as one-line messages "FILE:LINE: KEY.PATH: message"
// (warnings have the same shape). Owns line numbering: yaml-cpp marks are 0-based, the
// lines written here are 1-based; a problem without a line is written "FILE: KEY: message".
// Callers must never pass secret values: only key paths, file names and non-secret values.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reconcilerd::config::detail {

class diagnostics {
 public:
  explicit diagnostics(std::string file) : file_(std::move(file)) {}

  // `line` is 1-based; 0 means "no line". `path` may be empty (then it is left out).
  void error(int line, std::string_view path, std::string_view message);
  void warning(int line, std::string_view path, std::string_view message);

  // A secret given inline (the file's permissions then matter); the first one is kept.
  void inline_secret(int line, std::string_view path);
  // Where the first inline secret was (line 0 and empty path: none).
  std::pair<int, std::string> first_inline_secret() const { return first_inline_secret_; }

  bool has_errors() const { return !errors_.empty(); }
  std::size_t error_count() const { return errors_.size(); }
  // In line order (problems on one line in the order they were found).
  std::vector<std::string> errors() const;
  std::vector<std::string> warnings() const;

 private:
  struct item {
    int line;
    std::string text;
  };
  std::string format(int line, std::string_view path, std::string_view message) const;
  static std::vector<std::string> sorted(std::vector<item> items);

  std::string file_;
  std::vector<item> errors_;
  std::vector<item> warnings_;
  std::pair<int, std::string> first_inline_secret_;
};

// 1-based line of a node (0 when yaml-cpp has no mark for it).
int line_of(const YAML::Node& node);

// `value` in double quotes for a message: control characters escaped, cut after 60 bytes.
std::string quoted(std::string_view value);

// "parent.key" (or "key" when parent is empty).
std::string join_path(std::string_view parent, std::string_view key);

}  // namespace reconcilerd::config::detail

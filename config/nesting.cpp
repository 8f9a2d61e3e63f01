// See config/nesting.hpp.
#include "config/nesting.hpp"

#include <vector>

namespace reconcilerd::config {

int yaml_too_deep_line(std::string_view yaml, std::size_t limit) {
  std::vector<std::size_t> indents;  // the block indentation levels open at this point
  std::size_t flow = 0;              // open [ and { (they may span lines)
  char quote = 0;                    // the open quote (may span lines), 0 when none
  // While > 0: inside a block scalar (| or >) whose introducing line had indent
  // block_scalar - 1; its lines (blank or deeper) are text, not structure.
  std::size_t block_scalar = 0;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= yaml.size()) {
    std::size_t end = yaml.find('\n', pos);
    if (end == std::string_view::npos) end = yaml.size();
    std::string_view line = yaml.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;

    std::size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    const bool blank = indent == line.size() || line.find_first_not_of(" \t\r") == line.npos;
    if (block_scalar > 0) {
      if (blank || indent >= block_scalar) continue;
      block_scalar = 0;
    }
    if (blank && quote == 0) continue;

    std::size_t i = indent;
    std::size_t dashes = 0;
    if (quote == 0 && flow == 0) {
      if (line[i] == '#') continue;
      while (!indents.empty() && indents.back() > indent) indents.pop_back();
      if (indents.empty() || indents.back() < indent) indents.push_back(indent);
      // Compact nested block sequences: "- - - x" (and "? " / "- " mixes).
      while (i + 1 < line.size() && (line[i] == '-' || line[i] == '?') &&
             (line[i + 1] == ' ' || line[i + 1] == '\t')) {
        ++dashes;
        i += 2;
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      }
      if (i + 1 == line.size() && line[i] == '-') ++dashes;  // a lone "-" opens an item
    }
    if (indents.size() + dashes + flow > limit) return line_no;

    bool after_space = true;  // a '#' starts a comment only after whitespace
    for (; i < line.size(); ++i) {
      const char c = line[i];
      if (quote == '\'') {
        if (c == '\'') {
          if (i + 1 < line.size() && line[i + 1] == '\'')
            ++i;
          else
            quote = 0;
        }
        continue;
      }
      if (quote == '"') {
        if (c == '\\')
          ++i;
        else if (c == '"')
          quote = 0;
        continue;
      }
      if (c == '#' && after_space) break;
      after_space = c == ' ' || c == '\t';
      if (after_space || c == '\r') continue;
      if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '[' || c == '{') {
        if (++flow + indents.size() + dashes > limit) return line_no;
      } else if ((c == ']' || c == '}') && flow > 0) {
        --flow;
      }
      if (c == '|' || c == '>') {
        // A block scalar header: "|", ">", with optional chomping/indent indicators.
        std::size_t j = i + 1;
        while (j < line.size() &&
               (line[j] == '-' || line[j] == '+' || (line[j] >= '1' && line[j] <= '9')))
          ++j;
        while (j < line.size() && (line[j] == ' ' || line[j] == '\t' || line[j] == '\r')) ++j;
        if (flow == 0 && (j == line.size() || line[j] == '#') &&
            (i == indent || line[i - 1] == ' '))
          block_scalar = indent + 1;
      }
    }
  }
  return 0;
}

}  // namespace reconcilerd::config

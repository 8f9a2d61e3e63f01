// Loading and validating the YAML configuration of interface.md into config::config.
// Every problem becomes one line "FILE:LINE: KEY: what is wrong"; all problems are
// collected (not only the first), and unknown keys are errors.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace reconcilerd::config {

struct load_result {
  std::optional<config> value;        // set only when errors is empty
  std::vector<std::string> errors;    // one line per problem
  std::vector<std::string> warnings;  // e.g. "tls.verify: false" (logged at every start)
};

// `credentials_dir` is $CREDENTIALS_DIRECTORY (empty when unset): where `<key>_credential`
// names are looked up.
load_result load_file(const std::string& path, const std::string& credentials_dir);
load_result load_string(const std::string& yaml, const std::string& display_name,
                        const std::string& credentials_dir);

// "250ms", "30s", "5m", "1h", "3d" -> duration; nothing on bad input. "0" and "0s" (any
// unit) give zero: callers decide whether zero is allowed (only done_retention allows it).
std::optional<duration> parse_duration(std::string_view s);
// "N/s", "N/min", "N/h" -> rate; nothing on bad input (N must be > 0). N is digits with an
// optional decimal part ("0.5/s"); no sign, exponent or spaces.
std::optional<rate> parse_rate(std::string_view s);

}  // namespace reconcilerd::config

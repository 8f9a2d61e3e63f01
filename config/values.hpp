// Reading single configuration values (strings, paths, numbers, booleans, durations,
// rates) from YAML entries. Each reader returns nothing after reporting the problem at the
// entry's line and key path. Values are echoed in messages, so never use these readers
// for secrets (config/secrets.hpp does that without echoing).
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/diagnostics.hpp"
#include "config/yaml_map.hpp"

namespace reconcilerd::config::detail {

// A scalar with at least one character.
std::optional<std::string> read_string(const entry& e, diagnostics& d);
// A string starting with '/' and free of control characters.
std::optional<std::string> read_absolute_path(const entry& e, diagnostics& d);
// An unquoted whole number in [min, max].
std::optional<int> read_int(const entry& e, int min, int max, diagnostics& d);
// Unquoted true or false (also True/TRUE/False/FALSE); not yes/no/on/off.
std::optional<bool> read_bool(const entry& e, diagnostics& d);
// A duration (see parse_duration); zero only when `allow_zero`.
std::optional<duration> read_duration(const entry& e, bool allow_zero, diagnostics& d);
// A rate (see parse_rate).
std::optional<rate> read_rate(const entry& e, diagnostics& d);
// The value of a scalar entry, or nothing after reporting "expected a single value".
std::optional<std::string> read_scalar(const entry& e, diagnostics& d);

// True when `s` has a control character (below 0x20, or 0x7f).
bool has_control(std::string_view s);

// The shortest exact spelling of `d` in the duration syntax: 90000ms -> "90s", 0 -> "0s".
std::string format_duration(duration d);

// "N/s", "N/min", "N/h" with N a plain decimal (digits, optionally '.' digits): the events
// per second, which may be zero. parse_rate adds the "> 0" rule.
std::optional<double> rate_per_second(std::string_view s);

}  // namespace reconcilerd::config::detail

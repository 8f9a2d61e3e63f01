// RFC 3339 UTC timestamps for everything the daemon writes for people and tools
// (status.json, status log, reconcilerctl): "2026-11-01T10:00:00.123Z", always UTC,
// always milliseconds. Parsing accepts what the daemon and jobs/ write: an optional
// fraction and "Z" or a "+HH:MM" / "-HH:MM" offset; anything else is nothing.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace reconcilerd::daemon {

std::string format_rfc3339_ms(std::chrono::system_clock::time_point t);

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s);

// "3d 4h", "2h 5m", "4m 10s", "12s": a short age/interval for humans (whole seconds,
// the two largest non-zero units). Negative values print as "0s".
std::string format_age(std::chrono::seconds s);

}  // namespace reconcilerd::daemon

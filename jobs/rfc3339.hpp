// RFC 3339 UTC timestamps: the one codec for every time the program writes or reads
// (spool state and error.json, status.json, the status log, reconcilerctl, log lines).
// Formatting is always UTC with "Z": "2026-11-01T10:00:00Z" (seconds) or
// "2026-11-01T10:00:00.123Z" (milliseconds). Parsing accepts RFC 3339 date-times
// (section 5.6): a fraction of any length, "Z" or a "+HH:MM"/"-HH:MM" offset, and the
// lowercase "t"/"z" the RFC allows; anything else is std::nullopt, never an exception.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace reconcilerd::jobs {

using clock_time = std::chrono::system_clock::time_point;

// Whole seconds (the fraction is truncated): "2026-11-21T11:13:10Z".
std::string rfc3339(clock_time t);
// Milliseconds (truncated): "2026-11-21T11:13:10.250Z". Round-trips millisecond time points.
std::string rfc3339_ms(clock_time t);
// The instant `s` names, or std::nullopt if it is not an RFC 3339 date-time or not a real
// calendar date (2026-02-30) or time (hours <= 23, minutes <= 59, seconds <= 60).
std::optional<clock_time> parse_rfc3339(std::string_view s);

}  // namespace reconcilerd::jobs

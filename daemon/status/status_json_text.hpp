// Small text helpers shared by the status writers: JSON string escaping and number
// formatting that gives "1.25" (shortest round-trip), never "1.25E0"; non-finite
// numbers become 0 so the output is always valid JSON / Prometheus text.
#pragma once

#include <string>
#include <string_view>

namespace reconcilerd::daemon {

// `s` as a JSON string literal, quotes included (control characters \u-escaped).
std::string json_quote(std::string_view s);

// Shortest decimal text that reads back as `v` ("0.05", "1", "2.5", "1e+21").
std::string format_number(double v);

}  // namespace reconcilerd::daemon

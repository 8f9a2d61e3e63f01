// Ages for people (reconcilerctl status). Timestamps are RFC 3339 (jobs/rfc3339.hpp).
#pragma once

#include <chrono>
#include <string>

namespace reconcilerd::daemon {

// "3d 4h", "2h 5m", "4m 10s", "12s": a short age/interval for humans (whole seconds,
// the two largest non-zero units). Negative values print as "0s".
std::string format_age(std::chrono::seconds s);

}  // namespace reconcilerd::daemon

// Retry policy (pure): when a failed job is tried again, or why it is not.
// Exponential backoff initial_backoff * 2^(attempts-1), capped at max_backoff, with full
// jitter above a floor; a server's Retry-After wins when it asks for longer. Attempt and
// age limits turn the decision into `exhausted` / `expired`. No clock, no randomness:
// the caller passes `now` and a uniform number in [0, 1).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "config/config.hpp"

namespace reconcilerd::jobs {

using wall_clock = std::chrono::system_clock;

enum class retry_verdict {
  retry_at,   // try again at `at`
  exhausted,  // max_attempts reached: dead-letter as "exhausted"
  expired,    // first_seen + max_age passed, or the next try would be after it
};
std::string_view to_string(retry_verdict v);

struct retry_decision {
  retry_verdict verdict = retry_verdict::retry_at;
  wall_clock::time_point at{};         // meaningful for retry_at only
  std::chrono::milliseconds delay{0};  // at - now, for logs
};

// The lower bound of every jittered delay: initial_backoff / 10, but at least 1 s, and
// never more than the attempt's cap (so tiny test backoffs stay tiny).
std::chrono::milliseconds backoff_floor(const config::retry_settings& s,
                                        std::chrono::milliseconds cap);

// The cap for the attempt number `attempts` (>= 1): initial_backoff * 2^(attempts-1),
// at most max_backoff. Overflow-safe for any attempt count.
std::chrono::milliseconds backoff_cap(const config::retry_settings& s, int attempts);

// The jittered delay: floor + u * (cap - floor), u in [0, 1) (clamped).
std::chrono::milliseconds backoff_delay(const config::retry_settings& s, int attempts, double u);

// The decision after `attempts` failed attempts (counting the one that just failed).
// Order: attempts >= max_attempts -> exhausted; then now >= first_seen + max_age, or
// now + delay > first_seen + max_age -> expired; else retry_at now + delay, where delay
// is max(backoff_delay, retry_after).
retry_decision decide_retry(const config::retry_settings& s, int attempts,
                            wall_clock::time_point first_seen, wall_clock::time_point now, double u,
                            std::optional<std::chrono::milliseconds> retry_after = std::nullopt);

}  // namespace reconcilerd::jobs

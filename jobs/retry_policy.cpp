// Retry policy; see retry_policy.hpp.
#include "jobs/retry_policy.hpp"

#include <algorithm>

namespace reconcilerd::jobs {

using std::chrono::milliseconds;

std::string_view to_string(retry_verdict v) {
  switch (v) {
    case retry_verdict::retry_at:
      return "retry_at";
    case retry_verdict::exhausted:
      return "exhausted";
    case retry_verdict::expired:
      return "expired";
  }
  return "unknown";
}

milliseconds backoff_cap(const config::retry_settings& s, int attempts) {
  const milliseconds max = std::max(s.max_backoff, milliseconds(0));
  milliseconds d = std::clamp(s.initial_backoff, milliseconds(0), max);
  for (int i = 1; i < attempts && d < max; ++i) d = (d > max / 2) ? max : d * 2;
  return d;
}

milliseconds backoff_floor(const config::retry_settings& s, milliseconds cap) {
  const milliseconds floor =
      std::max(s.initial_backoff / 10, milliseconds(std::chrono::seconds(1)));
  return std::min(floor, cap);
}

milliseconds backoff_delay(const config::retry_settings& s, int attempts, double u) {
  const milliseconds cap = backoff_cap(s, attempts);
  const milliseconds floor = backoff_floor(s, cap);
  if (!(u >= 0.0)) u = 0.0;  // also catches NaN
  if (u >= 1.0) u = 0.0;
  const auto span = static_cast<double>((cap - floor).count());
  return floor + milliseconds(static_cast<milliseconds::rep>(u * span));
}

retry_decision decide_retry(const config::retry_settings& s, int attempts,
                            wall_clock::time_point first_seen, wall_clock::time_point now, double u,
                            std::optional<milliseconds> retry_after) {
  retry_decision d;
  if (attempts >= s.max_attempts) {
    d.verdict = retry_verdict::exhausted;
    return d;
  }
  milliseconds delay = backoff_delay(s, attempts, u);
  if (retry_after && *retry_after > delay) delay = *retry_after;
  const wall_clock::time_point deadline = first_seen + s.max_age;
  if (now >= deadline || now + delay > deadline) {
    d.verdict = retry_verdict::expired;
    return d;
  }
  d.delay = delay;
  d.at = now + delay;
  return d;
}

}  // namespace reconcilerd::jobs

// Rate limits as the simulated servers apply them, keyed by a string (route, credential):
// a NestJS-throttler-style fixed window (starts at the first hit, every hit counts;
// optionally blocking for a whole window from the hit that exceeds it) and an
// exact token bucket (starts full). Pure: the caller passes the time in seconds, so tests
// need no clock.
#pragma once

#include <map>
#include <string>

#include "tests/sim/sim_config.hpp"

namespace reconcilerd::sim {

struct limit_decision {
  bool allowed = true;
  int limit = 0;          // window limit / bucket burst (0 when no limit)
  int remaining = 0;      // hits or whole tokens left after this request
  int reset_s = 0;        // whole seconds until the window ends / a token is back
  int retry_after_s = 0;  // set when !allowed (>= 1)
};

class rate_limiter {
 public:
  explicit rate_limiter(limit_config cfg) : cfg_(cfg) {}
  bool enabled() const { return cfg_.kind != limit_kind::none; }
  limit_decision hit(const std::string& key, double now_s);

 private:
  struct window_state {
    double expires_s = 0;
    int hits = 0;
    double blocked_until_s = 0;  // block_for_window: blocked before this time
  };
  struct bucket_state {
    double tokens = 0;
    double last_s = 0;
    bool started = false;
  };
  limit_config cfg_;
  std::map<std::string, window_state> windows_;
  std::map<std::string, bucket_state> buckets_;
};

}  // namespace reconcilerd::sim

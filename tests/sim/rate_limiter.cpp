// Fixed-window and token-bucket limiting (see rate_limiter.hpp).
#include "tests/sim/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace reconcilerd::sim {

namespace {
int ceil_s(double s) { return std::max(1, static_cast<int>(std::ceil(s - 1e-9))); }
}  // namespace

limit_decision rate_limiter::hit(const std::string& key, double now_s) {
  limit_decision d;
  if (cfg_.kind == limit_kind::window) {
    window_state& w = windows_[key];
    d.limit = cfg_.limit;
    if (cfg_.block_for_window && now_s < w.blocked_until_s) {
      d.allowed = false;
      d.retry_after_s = ceil_s(w.blocked_until_s - now_s);
      d.reset_s = d.retry_after_s;
      return d;
    }
    if (w.hits == 0 || now_s >= w.expires_s || w.blocked_until_s > 0) {
      w.hits = 0;
      w.expires_s = now_s + cfg_.window_s;
      w.blocked_until_s = 0;
    }
    ++w.hits;  // the throttler counts blocked requests too (the window does not move)
    d.remaining = std::max(0, cfg_.limit - w.hits);
    d.reset_s = ceil_s(w.expires_s - now_s);
    d.allowed = w.hits <= cfg_.limit;
    if (!d.allowed && cfg_.block_for_window) {
      w.blocked_until_s = now_s + cfg_.window_s;
      d.reset_s = ceil_s(cfg_.window_s);
    }
    if (!d.allowed) d.retry_after_s = d.reset_s;
  } else if (cfg_.kind == limit_kind::bucket) {
    bucket_state& b = buckets_[key];
    if (!b.started) {
      b.started = true;
      b.tokens = cfg_.burst;
      b.last_s = now_s;
    }
    b.tokens = std::min(cfg_.burst, b.tokens + (now_s - b.last_s) * cfg_.rate);
    b.last_s = std::max(b.last_s, now_s);
    d.limit = static_cast<int>(cfg_.burst);
    // A tiny tolerance for floating-point error; 1e-6 of a token is far below any pacing
    // a client could observe.
    if (b.tokens >= 1.0 - 1e-6) {
      b.tokens = std::max(0.0, b.tokens - 1.0);
      d.allowed = true;
    } else {
      d.allowed = false;
      d.retry_after_s = ceil_s((1.0 - b.tokens) / cfg_.rate);
    }
    d.remaining = static_cast<int>(std::floor(b.tokens + 1e-6));
    d.reset_s = b.tokens >= 1.0 ? 0 : ceil_s((1.0 - b.tokens) / cfg_.rate);
  }
  return d;
}

}  // namespace reconcilerd::sim

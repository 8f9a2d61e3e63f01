// Request pacing for one backend (pure; the caller passes the time): a token bucket
// (rate, burst; starts full), a concurrency cap, whole-backend pauses (Retry-After, 429
// backoff 1s..60s) and the server's X-RateLimit-* hints, which the operator may clear or cap
// (resume, a new max_pause). The scheduler asks next_start()
// and starts a request only when it says `none`; it never sleeps or owns a timer itself.
// Burst >= 2 keeps one token in reserve (burst 1: starts 2% wider apart), so network
// jitter between our start and the server's arrival cannot empty a same-sized bucket.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "backends/backend.hpp"

namespace reconcilerd::daemon {

using steady_time = std::chrono::steady_clock::time_point;

// Why a request may not start now.
enum class wait_reason {
  none,         // may start now
  concurrency,  // `concurrency` requests in flight: wait for on_finish()
  rate,         // token bucket empty: wait until `at`
  paused,       // Retry-After / 429 backoff: wait until `at`
  server_hint,  // X-RateLimit-* says the window is (nearly) used up: wait until `at`
};
std::string_view to_string(wait_reason r);

struct start_slot {
  wait_reason reason = wait_reason::none;
  steady_time at{};  // earliest start (== now when reason is none; max() for concurrency)
};

class pacer {
 public:
  // rate > 0 requests per second, burst >= 1, concurrency >= 1 (smaller values are clamped).
  pacer(double rate_per_second, int burst, int concurrency, steady_time now);

  // When the next request may start, and why not earlier.
  start_slot next_start(steady_time now) const;
  // A request starts now. Precondition: next_start(now).reason == none.
  void on_start(steady_time now);
  // A request finished (any outcome); frees a concurrency slot.
  void on_finish();
  // The server accepted a request (not 429): resets the 429 backoff.
  void on_success();
  // Retry-After (429/503): nothing starts before `t`. Pauses only ever extend.
  void pause_until(steady_time t);
  // A 429 without Retry-After: pause 1s, 2s, 4s, ... (at most 60s) and assume the server's
  // bucket is empty. on_success() resets the sequence.
  void on_throttled(steady_time now);
  // X-RateLimit-Remaining/-Reset of an answer (call after on_finish for that request):
  // remaining (minus requests still in flight) 0 -> wait until the reset; fewer than we
  // could send before the reset -> space the remaining ones evenly over the window.
  void apply_hint(const backends::rate_hint& h, steady_time now);
  // New settings (config reload); the bucket keeps its current fill (clamped).
  void reconfigure(double rate_per_second, int burst, int concurrency, steady_time now);
  // `reconcilerctl resume`: every pause the server set ends now (Retry-After, the 429
  // backoff and its level, X-RateLimit spacing). Our own token bucket is kept.
  void clear_pauses();
  // A new max_pause (config reload): no pause the server set lasts beyond `latest`.
  void limit_pauses(steady_time latest);

  int in_flight() const { return in_flight_; }
  int concurrency() const { return concurrency_; }
  int burst() const { return burst_; }
  double rate() const { return rate_; }
  // Tokens available now (0..usable burst), for status output.
  double tokens(steady_time now) const;
  // The end of a Retry-After / 429 / X-RateLimit pause still in force at `now`.
  std::optional<steady_time> paused_until(steady_time now) const;
  // Time between starts at the configured rate (rounded up to the nanosecond).
  std::chrono::nanoseconds interval() const { return interval_; }

 private:
  void set_limits(double rate_per_second, int burst, int concurrency);
  steady_time rate_ready_at() const;

  double rate_ = 1;
  int burst_ = 1;
  int usable_burst_ = 1;  // burst minus the reserve token
  int concurrency_ = 1;
  std::chrono::nanoseconds interval_{1};
  steady_time tat_{};  // GCRA "theoretical arrival time": bucket full when tat_ <= now
  int in_flight_ = 0;
  steady_time paused_until_{};
  int throttle_level_ = 0;
  steady_time last_start_{};
  steady_time hint_until_{};
  std::chrono::nanoseconds hint_gap_{0};
  steady_time hint_next_{};
  steady_time hint_pause_until_{};  // remaining budget used up: for paused_until()
};

}  // namespace reconcilerd::daemon

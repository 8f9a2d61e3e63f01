// Request pacing; see pacer.hpp. The bucket is kept as a GCRA theoretical arrival time in
// integer nanoseconds, so "never faster than the server's bucket" holds exactly.
#include "daemon/pacer.hpp"

#include <algorithm>
#include <cmath>

namespace reconcilerd::daemon {

using std::chrono::nanoseconds;
using namespace std::chrono_literals;

namespace {

constexpr nanoseconds throttle_first = 1s;
constexpr nanoseconds throttle_max = 60s;
// The longest window a hint may set (the adapters cap it at max_pause long before).
constexpr std::chrono::seconds longest_window = std::chrono::hours(24 * 36525);

}  // namespace

std::string_view to_string(wait_reason r) {
  switch (r) {
    case wait_reason::none:
      return "none";
    case wait_reason::concurrency:
      return "concurrency";
    case wait_reason::rate:
      return "rate";
    case wait_reason::paused:
      return "paused";
    case wait_reason::server_hint:
      return "server_hint";
  }
  return "unknown";
}

pacer::pacer(double rate_per_second, int burst, int concurrency, steady_time now) {
  set_limits(rate_per_second, burst, concurrency);
  tat_ = now;
  last_start_ = now - 24h;
}

void pacer::set_limits(double rate_per_second, int burst, int concurrency) {
  rate_ = (rate_per_second > 0 && std::isfinite(rate_per_second)) ? rate_per_second : 1.0;
  burst_ = std::max(1, burst);
  concurrency_ = std::max(1, concurrency);
  usable_burst_ = burst_ >= 2 ? burst_ - 1 : 1;
  double exact = 1e9 / rate_;
  if (burst_ == 1) exact *= 1.02;
  // Round up (ignoring floating-point noise far below a nanosecond) so we are never faster.
  interval_ = nanoseconds(std::max<long long>(1, static_cast<long long>(std::ceil(exact - 1e-3))));
}

steady_time pacer::rate_ready_at() const { return tat_ - (usable_burst_ - 1) * interval_; }

start_slot pacer::next_start(steady_time now) const {
  if (in_flight_ >= concurrency_) return {wait_reason::concurrency, steady_time::max()};
  start_slot s{wait_reason::none, now};
  auto consider = [&](steady_time t, wait_reason why) {
    if (t > s.at) s = {why, t};
  };
  consider(rate_ready_at(), wait_reason::rate);
  consider(paused_until_, wait_reason::paused);
  consider(std::min(hint_next_, hint_until_), wait_reason::server_hint);
  return s;
}

void pacer::on_start(steady_time now) {
  ++in_flight_;
  tat_ = std::max(tat_, now) + interval_;
  last_start_ = now;
  if (now < hint_until_) hint_next_ = std::min(now + hint_gap_, hint_until_);
}

void pacer::on_finish() {
  if (in_flight_ > 0) --in_flight_;
}

void pacer::on_success() { throttle_level_ = 0; }

void pacer::pause_until(steady_time t) { paused_until_ = std::max(paused_until_, t); }

void pacer::on_throttled(steady_time now) {
  nanoseconds delay = throttle_first;
  for (int i = 0; i < throttle_level_ && delay < throttle_max; ++i) delay *= 2;
  delay = std::min(delay, throttle_max);
  if (delay < throttle_max) ++throttle_level_;
  pause_until(now + delay);
  tat_ = std::max(tat_, now + usable_burst_ * interval_);  // bucket empty as of now
}

void pacer::apply_hint(const backends::rate_hint& h, steady_time now) {
  if (!h.remaining || !h.reset || *h.reset <= 0s) return;
  const nanoseconds window = std::min(*h.reset, longest_window);  // no nanosecond overflow
  const long usable = *h.remaining - in_flight_;
  if (usable <= 0) {
    hint_until_ = hint_next_ = hint_pause_until_ = now + window;
    hint_gap_ = window;
    return;
  }
  const double ours = usable_burst_ + rate_ * std::chrono::duration<double>(window).count();
  if (static_cast<double>(usable) >= ours) {  // our own bucket is the tighter limit
    hint_until_ = hint_next_ = now;
    hint_gap_ = 0ns;
    return;
  }
  hint_until_ = now + window;
  hint_gap_ = window / usable;
  hint_next_ = std::min(last_start_ + hint_gap_, hint_until_);
}

void pacer::reconfigure(double rate_per_second, int burst, int concurrency, steady_time now) {
  const double fill = tokens(now);
  set_limits(rate_per_second, burst, concurrency);
  const double kept = std::min(fill, static_cast<double>(usable_burst_));
  const double missing = static_cast<double>(usable_burst_) - kept;
  tat_ = now + nanoseconds(static_cast<long long>(std::ceil(missing * interval_.count())));
}

void pacer::clear_pauses() {
  paused_until_ = hint_until_ = hint_next_ = hint_pause_until_ = steady_time{};
  hint_gap_ = 0ns;
  throttle_level_ = 0;
}

void pacer::limit_pauses(steady_time latest) {
  for (steady_time* t : {&paused_until_, &hint_until_, &hint_next_, &hint_pause_until_})
    *t = std::min(*t, latest);
}

double pacer::tokens(steady_time now) const {
  const double owed =
      static_cast<double>(std::max(nanoseconds(0), nanoseconds(tat_ - now)).count()) /
      static_cast<double>(interval_.count());
  return std::clamp(usable_burst_ - owed, 0.0, static_cast<double>(usable_burst_));
}

std::optional<steady_time> pacer::paused_until(steady_time now) const {
  const steady_time t = std::max(paused_until_, hint_pause_until_);
  if (t > now) return t;
  return std::nullopt;
}

}  // namespace reconcilerd::daemon

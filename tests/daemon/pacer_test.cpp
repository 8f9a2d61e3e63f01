// Pacer: token bucket exactness against a simulated server bucket, concurrency cap,
// pauses, 429 backoff, X-RateLimit hints and reconfiguration. Fake clock only.
#include "daemon/pacer.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <limits>
#include <random>
#include <set>
#include <vector>

using namespace std::chrono_literals;
using namespace reconcilerd::daemon;
using reconcilerd::backends::rate_hint;

namespace {

const steady_time t0 = steady_time{} + 1000h;

double secs(steady_time::duration d) { return std::chrono::duration<double>(d).count(); }

// A server-side token bucket with an exact rational rate num/den per second.
class server_bucket {
 public:
  server_bucket(long long num, long long den, long long burst, steady_time start)
      : num_(num), cost_(den * 1'000'000'000LL), cap_(burst * cost_), tokens_(cap_), last_(start) {}
  bool take(steady_time t) {
    const long long ns = std::chrono::nanoseconds(t - last_).count();
    tokens_ = std::min<long long>(cap_, tokens_ + ns * num_);
    last_ = t;
    if (tokens_ < cost_) return false;
    tokens_ -= cost_;
    return true;
  }

 private:
  long long num_, cost_, cap_, tokens_;
  steady_time last_;
};

struct run_result {
  std::vector<steady_time> starts;
  int max_in_flight = 0;
};

// Starts `n` requests as fast as the pacer allows; each takes `duration`.
run_result drive(pacer& p, int n, std::chrono::nanoseconds duration) {
  run_result r;
  std::multiset<steady_time> finishes;
  steady_time now = t0;
  while (static_cast<int>(r.starts.size()) < n) {
    while (!finishes.empty() && *finishes.begin() <= now) {
      p.on_finish();
      finishes.erase(finishes.begin());
    }
    const start_slot slot = p.next_start(now);
    if (slot.reason == wait_reason::none) {
      BOOST_REQUIRE(slot.at == now);
      p.on_start(now);
      r.starts.push_back(now);
      finishes.insert(now + duration);
      r.max_in_flight = std::max(r.max_in_flight, p.in_flight());
      continue;
    }
    steady_time next = slot.reason == wait_reason::concurrency ? steady_time::max() : slot.at;
    if (!finishes.empty()) next = std::min(next, *finishes.begin());
    BOOST_REQUIRE(next > now);
    now = next;
  }
  return r;
}

struct sim_row {
  const char* name;
  long long num, den;  // rate num/den per second
  int burst, concurrency;
  std::chrono::nanoseconds duration;
  double jitter;          // arrival = start + latency in [0, jitter * server interval)
  double min_rate_ratio;  // achieved / configured, lower bound
};

}  // namespace

BOOST_AUTO_TEST_SUITE(pacer_suite)

BOOST_AUTO_TEST_CASE(simulated_server_never_throttles) {
  const sim_row table[] = {
      {"20/s burst 5", 20, 1, 5, 4, 130ms, 0.0, 0.99},
      {"20/s burst 5, jitter", 20, 1, 5, 4, 130ms, 1.0, 0.99},
      {"150/min burst 10", 5, 2, 10, 2, 500ms, 1.0, 0.99},
      {"10/min burst 10", 1, 6, 10, 4, 2s, 1.0, 0.99},
      {"20/s burst 1, jitter within the 2% margin", 20, 1, 1, 4, 30ms, 0.02, 0.97},
      {"3/s burst 2", 3, 1, 2, 1, 100ms, 1.0, 0.99},
  };
  for (const auto& row : table) {
    BOOST_TEST_CONTEXT(row.name) {
      const double rate = static_cast<double>(row.num) / static_cast<double>(row.den);
      pacer p(rate, row.burst, row.concurrency, t0);
      const int n = 300;
      const run_result r = drive(p, n, row.duration);
      BOOST_TEST(r.max_in_flight <= row.concurrency);

      std::vector<steady_time> arrivals = r.starts;
      if (row.jitter > 0) {
        const double server_interval_ns = 1e9 * static_cast<double>(row.den) / row.num;
        std::mt19937_64 rng(42);
        std::uniform_int_distribution<long long> lat(
            0, static_cast<long long>(row.jitter * server_interval_ns) - 1);
        for (auto& a : arrivals) a += std::chrono::nanoseconds(lat(rng));
        std::sort(arrivals.begin(), arrivals.end());
      }
      server_bucket server(row.num, row.den, row.burst, t0);
      int throttled = 0;
      for (auto a : arrivals) throttled += server.take(a) ? 0 : 1;
      BOOST_TEST(throttled == 0);

      // Steady state (from start 50, well after the burst): the configured rate, within 1%.
      const int k = 50;
      const double achieved = (n - 1 - k) / secs(r.starts.back() - r.starts[k]);
      BOOST_TEST(achieved <= rate * 1.0000001);
      BOOST_TEST(achieved >= rate * row.min_rate_ratio);
      // And the whole run takes no more than 1% (burst 1: 3%) longer than the ideal.
      const double ideal = (n - row.burst) / rate;
      BOOST_TEST(secs(r.starts.back() - t0) <= ideal * (2 - row.min_rate_ratio));
    }
  }
}

BOOST_AUTO_TEST_CASE(starts_full_with_one_token_in_reserve) {
  pacer p(10, 3, 10, t0);  // 100 ms interval, 2 usable tokens
  BOOST_TEST(p.tokens(t0) == 2.0);
  BOOST_TEST(to_string(p.next_start(t0).reason) == "none");
  p.on_start(t0);
  p.on_start(t0);
  auto s = p.next_start(t0);
  BOOST_TEST(to_string(s.reason) == "rate");
  BOOST_TEST((s.at == t0 + 100ms));
  BOOST_TEST(to_string(p.next_start(t0 + 100ms).reason) == "none");
  BOOST_TEST(p.tokens(t0 + 150ms) == 1.5);
  BOOST_TEST(p.tokens(t0 + 10s) == 2.0);  // never above the usable burst
}

BOOST_AUTO_TEST_CASE(interval_rounds_up) {
  struct row {
    double rate;
    int burst;
    long long ns;
  };
  const row table[] = {
      {20, 5, 50'000'000},
      {10.0 / 60, 10, 6'000'000'000},
      {2.5, 10, 400'000'000},
      {3, 5, 333'333'334},
      {1.0 / 3600, 2, 3'600'000'000'000},
      {20, 1, 51'000'000},  // burst 1: 2% wider
  };
  for (const auto& r : table) {
    BOOST_TEST_CONTEXT("rate=" << r.rate << " burst=" << r.burst) {
      BOOST_TEST(pacer(r.rate, r.burst, 1, t0).interval().count() == r.ns);
    }
  }
}

BOOST_AUTO_TEST_CASE(concurrency_cap) {
  pacer p(1000, 100, 2, t0);
  p.on_start(t0);
  p.on_start(t0);
  auto s = p.next_start(t0 + 1s);
  BOOST_TEST(to_string(s.reason) == "concurrency");
  BOOST_TEST((s.at == steady_time::max()));
  p.on_finish();
  BOOST_TEST(to_string(p.next_start(t0 + 1s).reason) == "none");
  p.on_finish();
  p.on_finish();  // extra finishes are harmless
  BOOST_TEST(p.in_flight() == 0);
}

BOOST_AUTO_TEST_CASE(retry_after_pauses_whole_backend) {
  pacer p(10, 10, 4, t0);
  p.pause_until(t0 + 30s);
  p.pause_until(t0 + 5s);  // a shorter pause does not shorten it
  auto s = p.next_start(t0 + 1s);
  BOOST_TEST(to_string(s.reason) == "paused");
  BOOST_TEST((s.at == t0 + 30s));
  BOOST_TEST((p.paused_until(t0 + 1s) == t0 + 30s));
  BOOST_TEST(to_string(p.next_start(t0 + 30s).reason) == "none");
  BOOST_TEST(!p.paused_until(t0 + 30s).has_value());
}

BOOST_AUTO_TEST_CASE(throttle_backoff_doubles_caps_and_resets) {
  pacer p(100, 10, 4, t0);
  const std::chrono::seconds expected[] = {1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s, 60s};
  steady_time now = t0;
  for (auto e : expected) {
    p.on_throttled(now);
    auto s = p.next_start(now);
    BOOST_TEST(to_string(s.reason) == "paused");
    BOOST_TEST(secs(s.at - now) == secs(e));
    now = s.at;
  }
  p.on_success();
  p.on_throttled(now);
  BOOST_TEST(secs(p.next_start(now).at - now) == 1.0);
}

BOOST_AUTO_TEST_CASE(throttle_empties_the_bucket) {
  pacer p(1, 10, 4, t0);  // 1/s, 9 usable tokens
  p.on_throttled(t0);
  // The pause is 1 s; after it, only the token refilled during it is there.
  BOOST_TEST(p.tokens(t0 + 1s) == 1.0);
}

BOOST_AUTO_TEST_CASE(hint_remaining_zero_waits_for_reset) {
  pacer p(10, 10, 4, t0);
  p.apply_hint(rate_hint{10, 0, 30s}, t0);
  auto s = p.next_start(t0 + 1s);
  BOOST_TEST(to_string(s.reason) == "server_hint");
  BOOST_TEST((s.at == t0 + 30s));
  BOOST_TEST((p.paused_until(t0 + 1s) == t0 + 30s));
  BOOST_TEST(to_string(p.next_start(t0 + 30s).reason) == "none");
}

BOOST_AUTO_TEST_CASE(hint_counts_requests_in_flight) {
  pacer p(10, 10, 4, t0);
  p.on_start(t0);
  p.on_start(t0);
  p.on_start(t0);
  p.on_finish();  // this answer says 2 left; 2 more are still in flight
  p.apply_hint(rate_hint{10, 2, 60s}, t0 + 1s);
  BOOST_TEST((p.next_start(t0 + 2s).at == t0 + 61s));
}

BOOST_AUTO_TEST_CASE(hint_low_remaining_spaces_evenly) {
  pacer p(10, 10, 4, t0);  // Bigcapital-like: 10/min window, we could do 10/s
  p.on_start(t0);
  p.on_finish();
  p.apply_hint(rate_hint{10, 3, 60s}, t0);
  // 3 left over 60 s: one every 20 s, counted from the last start.
  auto s = p.next_start(t0);
  BOOST_TEST(to_string(s.reason) == "server_hint");
  BOOST_TEST((s.at == t0 + 20s));
  p.on_start(t0 + 20s);
  p.on_finish();
  BOOST_TEST((p.next_start(t0 + 20s).at == t0 + 40s));
  p.on_start(t0 + 40s);
  p.on_finish();
  p.apply_hint(rate_hint{10, 1, 15s}, t0 + 45s);  // 1 left, 15 s to go
  BOOST_TEST((p.next_start(t0 + 45s).at == t0 + 55s));
  // The gap would end after the window: the window's end is the limit.
  p.on_start(t0 + 55s);
  p.on_finish();
  BOOST_TEST((p.next_start(t0 + 55s).at == t0 + 60s));
  BOOST_TEST(to_string(p.next_start(t0 + 60s).reason) == "none");
}

BOOST_AUTO_TEST_CASE(hint_with_plenty_remaining_changes_nothing) {
  pacer p(1, 5, 4, t0);
  p.apply_hint(rate_hint{1000, 900, 60s}, t0);  // 900 left; we can do at most 64 in 60 s
  BOOST_TEST(to_string(p.next_start(t0).reason) == "none");
  p.apply_hint(rate_hint{1000, {}, 60s}, t0);  // incomplete hints are ignored
  p.apply_hint(rate_hint{1000, 0, {}}, t0);
  BOOST_TEST(to_string(p.next_start(t0).reason) == "none");
}

BOOST_AUTO_TEST_CASE(resume_clears_every_server_pause_but_not_the_bucket) {
  pacer p(1, 3, 4, t0);  // 2 usable tokens
  p.on_start(t0);
  p.on_finish();
  p.pause_until(t0 + 1h);
  p.on_throttled(t0);
  p.on_throttled(t0);                        // backoff level 2
  p.apply_hint(rate_hint{10, 0, 600s}, t0);  // used up for 10 min
  BOOST_TEST((p.paused_until(t0 + 1s) == t0 + 1h));
  p.clear_pauses();
  BOOST_TEST(!p.paused_until(t0 + 1s).has_value());
  // The throttles emptied our own bucket: it still refills at 1/s.
  auto s = p.next_start(t0 + 500ms);
  BOOST_TEST(to_string(s.reason) == "rate");
  BOOST_TEST((s.at == t0 + 1s));
  BOOST_TEST(to_string(p.next_start(t0 + 3s).reason) == "none");
  p.on_throttled(t0 + 3s);  // the backoff starts again at 1 s
  BOOST_TEST((p.paused_until(t0 + 3s) == t0 + 4s));
}

BOOST_AUTO_TEST_CASE(a_new_max_pause_shortens_the_pauses_in_force) {
  pacer p(10, 10, 4, t0);
  p.pause_until(t0 + 1h);
  p.apply_hint(rate_hint{10, 0, 3000s}, t0);
  p.limit_pauses(t0 + 5s);
  BOOST_TEST((p.paused_until(t0) == t0 + 5s));
  BOOST_TEST((p.next_start(t0 + 1s).at == t0 + 5s));
  BOOST_TEST(to_string(p.next_start(t0 + 5s).reason) == "none");
  p.limit_pauses(t0 + 1h);  // a longer max_pause never extends a pause
  BOOST_TEST(!p.paused_until(t0 + 5s).has_value());
}

BOOST_AUTO_TEST_CASE(a_hint_window_beyond_any_clock_saturates) {
  pacer p(10, 10, 4, t0);
  p.apply_hint(rate_hint{10, 0, std::chrono::seconds(std::numeric_limits<std::int64_t>::max())},
               t0);
  auto until = p.paused_until(t0);
  BOOST_TEST_REQUIRE(until.has_value());
  BOOST_TEST((*until > t0 + 24h * 36000));
}

BOOST_AUTO_TEST_CASE(reconfigure_keeps_fill_and_applies_limits) {
  pacer p(10, 5, 4, t0);  // 4 usable
  p.on_start(t0);
  p.on_start(t0);
  p.on_start(t0);
  BOOST_TEST(p.tokens(t0) == 1.0);
  p.reconfigure(1, 11, 2, t0);  // 10 usable, 1 s interval
  BOOST_TEST(p.tokens(t0) == 1.0);
  BOOST_TEST(to_string(p.next_start(t0).reason) == "concurrency");  // 3 in flight > 2
  p.on_finish();
  p.on_finish();
  p.on_start(t0);
  p.on_finish();
  auto s = p.next_start(t0);
  BOOST_TEST(to_string(s.reason) == "rate");
  BOOST_TEST((s.at == t0 + 1s));
  p.reconfigure(10, 3, 4, t0 + 100s);  // fill clamped to the smaller bucket
  BOOST_TEST(p.tokens(t0 + 100s) == 2.0);
  BOOST_TEST(p.rate() == 10.0);
  BOOST_TEST(p.burst() == 3);
  BOOST_TEST(p.concurrency() == 4);
}

BOOST_AUTO_TEST_CASE(bad_settings_are_clamped) {
  pacer p(0, 0, 0, t0);
  BOOST_TEST(p.rate() == 1.0);
  BOOST_TEST(p.burst() == 1);
  BOOST_TEST(p.concurrency() == 1);
  BOOST_TEST(to_string(p.next_start(t0).reason) == "none");
}

BOOST_AUTO_TEST_SUITE_END()

// Retry policy: backoff caps, jitter bounds, Retry-After, attempt and age limits.
#include "jobs/retry_policy.hpp"

#include <boost/test/unit_test.hpp>

using namespace std::chrono_literals;
using reconcilerd::config::retry_settings;
using namespace reconcilerd::jobs;
using ms = std::chrono::milliseconds;

namespace {

retry_settings defaults() { return {}; }  // 30s, 1h, 15 attempts, 3d

retry_settings make(ms initial, ms max, int attempts, ms age) {
  retry_settings s;
  s.initial_backoff = initial;
  s.max_backoff = max;
  s.max_attempts = attempts;
  s.max_age = age;
  return s;
}

const wall_clock::time_point t0 = wall_clock::time_point{} + std::chrono::hours(24 * 20000);

}  // namespace

BOOST_AUTO_TEST_SUITE(retry_policy)

BOOST_AUTO_TEST_CASE(cap_doubles_and_saturates) {
  struct row {
    int attempts;
    ms cap;
  };
  const row table[] = {
      {1, 30s},   {2, 60s},   {3, 120s},  {4, 240s},   {5, 480s},     {6, 960s},
      {7, 1920s}, {8, 3600s}, {9, 3600s}, {15, 3600s}, {1000, 3600s}, {0, 30s},
  };
  for (const auto& r : table) {
    BOOST_TEST_CONTEXT("attempts=" << r.attempts) {
      BOOST_TEST(backoff_cap(defaults(), r.attempts).count() == r.cap.count());
    }
  }
}

BOOST_AUTO_TEST_CASE(cap_never_overflows) {
  auto s = make(ms(std::chrono::hours(24 * 365)), ms::max(), 100, ms::max() / 4);
  BOOST_TEST(backoff_cap(s, 1'000'000).count() == ms::max().count());
  BOOST_TEST(backoff_cap(s, 1'000'000).count() > 0);
}

BOOST_AUTO_TEST_CASE(floor_rules) {
  struct row {
    ms initial, max;
    int attempts;
    ms floor;
  };
  const row table[] = {
      {30s, 3600s, 1, 3s},           // initial/10
      {30s, 3600s, 9, 3s},           // same floor for every attempt
      {5s, 3600s, 1, 1s},            // at least 1 s
      {ms(250), 3600s, 1, ms(250)},  // never above the cap
      {ms(250), 3600s, 3, 1s},       // cap 1 s
      {ms(100), ms(400), 9, ms(400)},
  };
  for (const auto& r : table) {
    auto s = make(r.initial, r.max, 15, 72h);
    BOOST_TEST_CONTEXT("initial=" << r.initial.count() << " attempts=" << r.attempts) {
      BOOST_TEST(backoff_floor(s, backoff_cap(s, r.attempts)).count() == r.floor.count());
    }
  }
}

BOOST_AUTO_TEST_CASE(jitter_spans_floor_to_cap) {
  auto s = defaults();
  struct row {
    int attempts;
    double u;
    ms delay;
  };
  const row table[] = {
      {1, 0.0, 3s},  {1, 0.5, ms(16500)}, {1, 0.999999, ms(29999)},
      {3, 0.0, 3s},  {3, 0.5, ms(61500)}, {20, 0.25, ms(3000 + 899250)},
      {1, -1.0, 3s}, {1, 1.0, 3s},        {1, 7.0, 3s},  // out of range -> floor
  };
  for (const auto& r : table) {
    BOOST_TEST_CONTEXT("attempts=" << r.attempts << " u=" << r.u) {
      BOOST_TEST(backoff_delay(s, r.attempts, r.u).count() == r.delay.count());
    }
  }
}

BOOST_AUTO_TEST_CASE(delay_always_within_bounds) {
  auto s = defaults();
  for (int a = 1; a <= 20; ++a)
    for (int i = 0; i < 100; ++i) {
      const double u = i / 100.0;
      const ms d = backoff_delay(s, a, u);
      BOOST_TEST(d >= backoff_floor(s, backoff_cap(s, a)));
      BOOST_TEST(d <= backoff_cap(s, a));
    }
}

BOOST_AUTO_TEST_CASE(decisions) {
  struct row {
    const char* name;
    retry_settings s;
    int attempts;
    ms age;  // now - first_seen
    double u;
    std::optional<ms> retry_after;
    retry_verdict verdict;
    ms delay;
  };
  const auto d = defaults();
  const row table[] = {
      {"first failure", d, 1, 0s, 0.0, {}, retry_verdict::retry_at, 3s},
      {"jittered", d, 2, 10min, 0.5, {}, retry_verdict::retry_at, ms(31500)},
      {"retry-after longer wins", d, 1, 0s, 0.0, ms(120s), retry_verdict::retry_at, 120s},
      {"retry-after shorter loses", d, 3, 0s, 0.0, ms(1s), retry_verdict::retry_at, 3s},
      {"retry-after zero", d, 1, 0s, 0.0, ms(0), retry_verdict::retry_at, 3s},
      {"last allowed", d, 14, 1h, 0.0, {}, retry_verdict::retry_at, 3s},
      {"max attempts", d, 15, 1h, 0.0, {}, retry_verdict::exhausted, 0s},
      {"beyond max attempts", d, 99, 1h, 0.0, {}, retry_verdict::exhausted, 0s},
      {"exhausted beats expired", d, 15, 96h, 0.0, {}, retry_verdict::exhausted, 0s},
      {"age passed", d, 3, 72h, 0.0, {}, retry_verdict::expired, 0s},
      {"age long passed", d, 3, 100h, 0.0, {}, retry_verdict::expired, 0s},
      {"next try after max_age", d, 3, 72h - 2s, 0.0, {}, retry_verdict::expired, 0s},
      {"next try exactly at max_age", d, 3, 72h - 3s, 0.0, {}, retry_verdict::retry_at, 3s},
      {"retry-after beyond max_age", d, 1, 71h, 0.0, ms(2h), retry_verdict::expired, 0s},
      {"tiny test backoff",
       make(ms(200), 1s, 5, 1h),
       1,
       0s,
       0.9,
       {},
       retry_verdict::retry_at,
       ms(200)},
      {"tiny test backoff, 3rd",
       make(ms(200), 1s, 5, 1h),
       3,
       0s,
       0.0,
       {},
       retry_verdict::retry_at,
       ms(800)},
      {"single attempt allowed", make(1s, 1s, 1, 1h), 1, 0s, 0.0, {}, retry_verdict::exhausted, 0s},
  };
  for (const auto& r : table) {
    BOOST_TEST_CONTEXT(r.name) {
      const auto now = t0 + r.age;
      const auto got = decide_retry(r.s, r.attempts, t0, now, r.u, r.retry_after);
      BOOST_TEST(to_string(got.verdict) == to_string(r.verdict));
      if (r.verdict == retry_verdict::retry_at) {
        BOOST_TEST(got.delay.count() == r.delay.count());
        BOOST_TEST((got.at == now + r.delay));
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

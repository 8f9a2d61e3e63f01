// Backend health: suspension with 5-minute probes, circuit breaker with growing cool-down
// and a single half-open probe. Scenario tests on a fake clock.
#include "daemon/backend_health.hpp"

#include <boost/test/unit_test.hpp>

using namespace std::chrono_literals;
using namespace reconcilerd::daemon;

namespace {

const steady_time t0 = steady_time{} + 1000h;

std::string state(const backend_health& h, steady_time now) {
  return std::string(to_string(h.state(now)));
}

void fail_times(backend_health& h, int n, steady_time now) {
  for (int i = 0; i < n; ++i) h.on_failure(h.on_send(now), now);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(backend_health_suite)

BOOST_AUTO_TEST_CASE(starts_running) {
  backend_health h;
  BOOST_TEST(state(h, t0) == "running");
  BOOST_TEST(h.may_send(t0));
  BOOST_TEST(!h.probe_due(t0));
  BOOST_TEST((h.next_send_at(t0) == t0));
  BOOST_TEST((h.on_send(t0) == send_role::normal));
}

BOOST_AUTO_TEST_CASE(auth_failure_suspends_and_probes_every_5_minutes) {
  backend_health h;
  h.on_auth_failure(h.on_send(t0), "HTTP 403: Authentication Failed", t0);
  BOOST_TEST(state(h, t0) == "suspended");
  BOOST_TEST(h.suspend_reason() == "HTTP 403: Authentication Failed");
  BOOST_TEST((h.suspended_since() == t0));
  BOOST_TEST(!h.may_send(t0 + 4min));
  BOOST_TEST((h.next_send_at(t0 + 1min) == t0 + 5min));
  BOOST_TEST(h.probe_due(t0 + 5min));

  // One probe at a time.
  const send_role probe = h.on_send(t0 + 5min);
  BOOST_TEST((probe == send_role::probe));
  BOOST_TEST(!h.may_send(t0 + 6min));
  BOOST_TEST(!h.next_send_at(t0 + 6min).has_value());

  // Refused again: the next probe is 5 minutes after this answer.
  h.on_auth_failure(probe, "HTTP 403: IP Banned", t0 + 5min + 1s);
  BOOST_TEST(h.suspend_reason() == "HTTP 403: IP Banned");
  BOOST_TEST((h.suspended_since() == t0));
  BOOST_TEST(!h.may_send(t0 + 10min));
  BOOST_TEST(h.may_send(t0 + 10min + 1s));

  // A probe lost to a transport error: still suspended, next probe later.
  const send_role p2 = h.on_send(t0 + 11min);
  h.on_failure(p2, t0 + 11min);
  BOOST_TEST(state(h, t0 + 11min) == "suspended");
  BOOST_TEST((h.next_probe() == t0 + 16min));

  // A probe the server accepts lifts the suspension.
  const send_role p3 = h.on_send(t0 + 16min);
  h.on_success(p3, t0 + 16min);
  BOOST_TEST(state(h, t0 + 16min) == "running");
  BOOST_TEST(h.suspend_reason().empty());
  BOOST_TEST(!h.suspended_since().has_value());
}

BOOST_AUTO_TEST_CASE(late_answers_of_earlier_requests_do_not_resume) {
  backend_health h;
  const send_role a = h.on_send(t0);
  const send_role b = h.on_send(t0);
  h.on_auth_failure(a, "HTTP 401", t0);
  h.on_success(b, t0 + 1s);  // sent before the suspension
  BOOST_TEST(state(h, t0 + 1s) == "suspended");
  h.on_failure(b, t0 + 1s);
  BOOST_TEST((h.next_probe() == t0 + 5min));
}

BOOST_AUTO_TEST_CASE(operator_resume) {
  backend_health h;
  h.on_auth_failure(h.on_send(t0), "HTTP 401", t0);
  h.resume();
  BOOST_TEST(state(h, t0 + 1s) == "running");
  BOOST_TEST(h.may_send(t0 + 1s));
}

BOOST_AUTO_TEST_CASE(five_consecutive_failures_open_the_circuit) {
  backend_health h;
  fail_times(h, 4, t0);
  BOOST_TEST(state(h, t0) == "running");
  BOOST_TEST(h.consecutive_failures() == 4);
  h.on_success(h.on_send(t0), t0);  // a success resets the count
  BOOST_TEST(h.consecutive_failures() == 0);
  fail_times(h, 5, t0);
  BOOST_TEST(state(h, t0) == "circuit_open");
  BOOST_TEST(!h.may_send(t0 + 4s));
  BOOST_TEST((h.circuit_open_until() == t0 + 5s));
  BOOST_TEST((h.next_send_at(t0) == t0 + 5s));
}

BOOST_AUTO_TEST_CASE(half_open_allows_exactly_one_probe) {
  backend_health h;
  fail_times(h, 5, t0);
  const steady_time t = t0 + 5s;
  BOOST_TEST(state(h, t) == "half_open");
  BOOST_TEST(h.probe_due(t));
  const send_role probe = h.on_send(t);
  BOOST_TEST((probe == send_role::probe));
  BOOST_TEST(!h.may_send(t));
  BOOST_TEST(!h.may_send(t + 1min));
  h.on_success(probe, t + 1s);
  BOOST_TEST(state(h, t + 1s) == "running");
  BOOST_TEST(h.consecutive_failures() == 0);
}

BOOST_AUTO_TEST_CASE(cooldown_grows_to_5_minutes_and_resets) {
  backend_health h;
  fail_times(h, 5, t0);
  steady_time now = t0;
  const std::chrono::seconds expected[] = {5s, 10s, 20s, 40s, 80s, 160s, 300s, 300s};
  for (auto e : expected) {
    BOOST_TEST_CONTEXT("cooldown " << e.count()) {
      BOOST_REQUIRE(h.circuit_open_until().has_value());
      BOOST_TEST((*h.circuit_open_until() - now == e));
      now = *h.circuit_open_until();
      const send_role probe = h.on_send(now);
      BOOST_TEST((probe == send_role::probe));
      h.on_failure(probe, now);
    }
  }
  h.on_success(h.on_send(now + 300s), now + 300s);
  BOOST_TEST(state(h, now + 300s) == "running");
  fail_times(h, 5, now + 301s);  // a new opening starts over at 5 s
  BOOST_TEST((*h.circuit_open_until() - (now + 301s) == 5s));
}

BOOST_AUTO_TEST_CASE(late_failures_while_open_change_nothing) {
  backend_health h;
  const send_role late = h.on_send(t0);
  fail_times(h, 5, t0);
  h.on_failure(late, t0 + 1s);
  BOOST_TEST((h.circuit_open_until() == t0 + 5s));
}

BOOST_AUTO_TEST_CASE(abandoned_probe_frees_the_slot) {
  backend_health h;
  fail_times(h, 5, t0);
  const send_role probe = h.on_send(t0 + 5s);
  BOOST_TEST(!h.may_send(t0 + 5s));
  h.on_abandoned(probe);
  BOOST_TEST(h.may_send(t0 + 5s));
}

BOOST_AUTO_TEST_CASE(auth_failure_while_open_suspends) {
  backend_health h;
  fail_times(h, 5, t0);
  const send_role probe = h.on_send(t0 + 5s);
  h.on_auth_failure(probe, "HTTP 401", t0 + 5s);
  BOOST_TEST(state(h, t0 + 10s) == "suspended");
  BOOST_TEST(!h.circuit_open_until().has_value());
  h.resume();
  BOOST_TEST(state(h, t0 + 10s) == "running");
  BOOST_TEST(h.consecutive_failures() == 0);
}

BOOST_AUTO_TEST_CASE(custom_settings) {
  health_settings s;
  s.failure_threshold = 2;
  s.first_cooldown = 1s;
  s.max_cooldown = 3s;
  s.probe_interval = 30s;
  backend_health h(s);
  fail_times(h, 2, t0);
  BOOST_TEST((h.circuit_open_until() == t0 + 1s));
  h.on_failure(h.on_send(t0 + 1s), t0 + 1s);
  BOOST_TEST((h.circuit_open_until() == t0 + 3s));
  h.on_failure(h.on_send(t0 + 3s), t0 + 3s);
  BOOST_TEST((h.circuit_open_until() == t0 + 6s));  // capped at 3 s
  h.on_auth_failure(send_role::normal, "x", t0 + 4s);
  BOOST_TEST((h.next_probe() == t0 + 34s));
}

BOOST_AUTO_TEST_SUITE_END()

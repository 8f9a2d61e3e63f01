// The verdict of one attempt: one table over every way an attempt can end (answer kinds,
// HTTP statuses, adapter readings, safe/unsafe updates, attempt and age limits, reloads).
#include "daemon/verdict.hpp"

#include <boost/test/unit_test.hpp>

using namespace std::chrono_literals;
using namespace reconcilerd::daemon;
namespace rb = reconcilerd::backends;
namespace rj = reconcilerd::jobs;
using wall = std::chrono::system_clock;

namespace {

const wall::time_point t0 = wall::time_point{} + std::chrono::hours(24 * 20000);

attempt_answer response(int status, rb::outcome_kind kind, std::string message = "msg",
                        std::optional<std::chrono::milliseconds> retry_after = std::nullopt) {
  attempt_answer a;
  a.what = attempt_answer::kind::response;
  a.http_status = status;
  a.outcome.kind = kind;
  a.outcome.message = std::move(message);
  a.outcome.retry_after = retry_after;
  return a;
}

attempt_answer transport(bool may_have_reached, bool host_failure) {
  attempt_answer a;
  a.what = attempt_answer::kind::transport_error;
  a.outcome.kind = rb::outcome_kind::retry;
  a.outcome.message = "timeout: no answer";
  a.may_have_reached = may_have_reached;
  a.host_failure = host_failure;
  return a;
}

attempt_answer cancelled() {
  attempt_answer a;
  a.what = attempt_answer::kind::cancelled;
  return a;
}

struct row {
  const char* name;
  attempt_answer answer;
  bool safe = true;
  int attempts_before = 0;
  std::chrono::milliseconds age = 0ms;  // now - first_seen
  bool same_settings = true;
  // expected
  next_step step;
  health_effect health;
  int attempts_after;
  rj::dead_category category = rj::dead_category::exhausted;  // checked for dead only
  std::string message_has = "";
  std::chrono::milliseconds min_delay = 0ms;  // defer: next_attempt - now within [min, max]
  std::chrono::milliseconds max_delay = 0ms;
  bool proven = false;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(verdict_table)

BOOST_AUTO_TEST_CASE(every_way_an_attempt_ends) {
  using k = rb::outcome_kind;
  using s = next_step;
  using h = health_effect;
  using c = rj::dead_category;
  // Retry settings of every row: 30 s initial, 1 h max, 5 attempts, 1 day max age.
  const std::vector<row> rows = {
      {"200 delivered", response(200, k::delivered), true, 0, 0ms, true, s::delivered, h::success,
       1, c::exhausted, "", 0ms, 0ms, true},
      {"unsafe 200 delivered", response(200, k::delivered), false, 2, 0ms, true, s::delivered,
       h::success, 3, c::exhausted, "", 0ms, 0ms, true},
      {"404 rejected", response(404, k::rejected, "invoice 42 not found"), true, 0, 0ms, true,
       s::dead, h::success, 1, c::rejected, "invoice 42 not found", 0ms, 0ms, true},
      {"whmcs error inside 200 rejected", response(200, k::rejected, "Invoice ID Not Found"), false,
       0, 0ms, true, s::dead, h::success, 1, c::rejected, "Invoice ID Not Found", 0ms, 0ms, true},
      {"401 suspends, attempt given back", response(401, k::suspend, "bad token"), true, 3, 0ms,
       true, s::suspend, h::auth_failure, 3, c::exhausted, "bad token"},
      {"401 to pre-reload settings: requeue", response(401, k::suspend), true, 3, 0ms, false,
       s::requeue, h::none, 3},
      {"503 retried with backoff", response(503, k::retry), true, 0, 0ms, true, s::defer,
       h::failure, 1, c::exhausted, "msg", 3s, 30s, true},
      {"503 Retry-After 120 s wins", response(503, k::retry, "busy", 120s), true, 0, 0ms, true,
       s::defer, h::failure, 1, c::exhausted, "busy", 120s, 120s, true},
      {"429 retried, not a host failure", response(429, k::retry), true, 1, 0ms, true, s::defer,
       h::success, 2, c::exhausted, "", 3s, 60s, true},
      {"5th failure exhausts", response(500, k::retry, "boom"), true, 4, 0ms, true, s::dead,
       h::failure, 5, c::exhausted, "gave up after 5 attempts; last error: boom", 0ms, 0ms, true},
      {"too old expires", response(502, k::retry, "bad gateway"), true, 1, 25h, true, s::dead,
       h::failure, 2, c::expired, "not delivered within max_age; last error: bad gateway", 0ms, 0ms,
       true},
      {"connect failure retried", transport(false, true), true, 0, 0ms, true, s::defer, h::failure,
       1, c::exhausted, "timeout: no answer", 3s, 30s},
      {"oversize answer: host is fine", transport(true, false), true, 0, 0ms, true, s::defer,
       h::success, 1, c::exhausted, "", 3s, 30s},
      {"unsafe, reset after write: not repeated", transport(true, true), false, 0, 0ms, true,
       s::dead, h::failure, 1, c::exhausted, "not safe to repeat", 0ms, 0ms},
      {"unsafe, connect failed (never written): retried", transport(false, true), false, 0, 0ms,
       true, s::defer, h::failure, 1, c::exhausted, "", 3s, 30s},
      {"unsafe 500: may have applied", response(500, k::retry, "oops"), false, 0, 0ms, true,
       s::dead, h::failure, 1, c::exhausted, "check invoice 42", 0ms, 0ms, true},
      {"unsafe 503: not applied, retried", response(503, k::retry), false, 0, 0ms, true, s::defer,
       h::failure, 1, c::exhausted, "", 3s, 30s, true},
      {"unsafe 429: not applied, retried", response(429, k::retry), false, 0, 0ms, true, s::defer,
       h::success, 1, c::exhausted, "", 3s, 30s, true},
      {"unsafe 408: may have applied", response(408, k::retry), false, 0, 0ms, true, s::dead,
       h::success, 1, c::exhausted, "not safe to repeat", 0ms, 0ms, true},
      {"cancelled: no verdict", cancelled(), false, 2, 0ms, true, s::requeue, h::abandoned, 2},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.name) {
      attempt_context ctx;
      ctx.safe_to_repeat = r.safe;
      ctx.attempts = r.attempts_before;
      ctx.now = t0;
      ctx.first_seen = t0 - r.age;
      ctx.retry.initial_backoff = 30s;
      ctx.retry.max_backoff = 1h;
      ctx.retry.max_attempts = 5;
      ctx.retry.max_age = 24h;
      ctx.jitter = 0.5;
      ctx.same_settings = r.same_settings;
      ctx.invoice_id = "42";
      const verdict v = decide(r.answer, ctx);
      BOOST_TEST(to_string(v.step) == to_string(r.step));
      BOOST_TEST(to_string(v.health) == to_string(r.health));
      BOOST_TEST(v.attempts == r.attempts_after);
      BOOST_TEST(v.credentials_proven == r.proven);
      if (r.step == s::dead) BOOST_TEST(rj::to_string(v.category) == rj::to_string(r.category));
      if (!r.message_has.empty())
        BOOST_TEST(v.message.find(r.message_has) != std::string::npos, v.message);
      if (r.step == s::defer) {
        BOOST_TEST((v.next_attempt >= t0 + r.min_delay));
        BOOST_TEST((v.next_attempt <= t0 + r.max_delay));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(maybe_applied_table) {
  using k = rb::outcome_kind;
  for (int st : {200, 204, 408, 500, 502, 504})
    BOOST_TEST(maybe_applied(response(st, k::retry)), st);
  for (int st : {400, 401, 404, 409, 422, 425, 429, 503})
    BOOST_TEST(!maybe_applied(response(st, k::retry)), st);
  BOOST_TEST(maybe_applied(transport(true, true)));
  BOOST_TEST(!maybe_applied(transport(false, true)));
  BOOST_TEST(!maybe_applied(cancelled()));
}

BOOST_AUTO_TEST_SUITE_END()

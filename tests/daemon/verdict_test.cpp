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
  bool folded = false;  // the request carried other jobs
  bool unfold = false;  // expected
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
      {"unsafe, reset after write: read back, not repeated", transport(true, true), false, 0, 0ms,
       true, s::verify, h::failure, 1, c::exhausted, "reading invoice 42 back", 0ms, 0ms},
      {"unsafe, connect failed (never written): retried", transport(false, true), false, 0, 0ms,
       true, s::defer, h::failure, 1, c::exhausted, "", 3s, 30s},
      {"unsafe 500: may have applied, read back", response(500, k::retry, "oops"), false, 0, 0ms,
       true, s::verify, h::failure, 1, c::exhausted, "may have applied the update (oops)", 0ms, 0ms,
       true},
      {"unsafe 500 at the last attempt: still read back", response(500, k::retry), false, 4, 0ms,
       true, s::verify, h::failure, 5, c::exhausted, "", 0ms, 0ms, true},
      {"unsafe 503: not applied, retried", response(503, k::retry), false, 0, 0ms, true, s::defer,
       h::failure, 1, c::exhausted, "", 3s, 30s, true},
      {"unsafe 429: not applied, retried", response(429, k::retry), false, 0, 0ms, true, s::defer,
       h::success, 1, c::exhausted, "", 3s, 30s, true},
      {"unsafe 408: may have applied", response(408, k::retry), false, 0, 0ms, true, s::verify,
       h::success, 1, c::exhausted, "", 0ms, 0ms, true},
      {"folded request rejected: unfolded, attempt given back", response(400, k::rejected), true, 1,
       0ms, true, s::requeue, h::success, 1, c::rejected, "", 0ms, 0ms, true, true, true},
      {"folded request delivered", response(200, k::delivered), true, 0, 0ms, true, s::delivered,
       h::success, 1, c::exhausted, "", 0ms, 0ms, true, true, false},
      {"folded request 503: deferred as a whole", response(503, k::retry), true, 0, 0ms, true,
       s::defer, h::failure, 1, c::exhausted, "", 3s, 30s, true, true, false},
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
      ctx.folded = r.folded;
      const verdict v = decide(r.answer, ctx);
      BOOST_TEST(v.unfold == r.unfold);
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

namespace {

struct read_row {
  const char* name;
  attempt_answer answer;  // outcome = adapter::read()'s result
  read_facts facts;
  int attempts_before = 0;
  std::chrono::milliseconds age = 0ms;
  // expected
  next_step step;
  int attempts_after;
  rj::dead_category category = rj::dead_category::exhausted;  // checked for dead only
  std::string message_has = "";
  bool unchanged = false;
};

read_facts judged(read_purpose p, rb::applied_kind k, std::string seen = "seen") {
  read_facts f;
  f.purpose = p;
  f.judged = rb::applied_judgement{k, std::move(seen)};
  return f;
}

}  // namespace

// Every way a read ends: before a write (merge, skip_unchanged, an unsafe update's "before"
// view) and when verifying an unsafe update (right after an ambiguous end, or at the start
// of the next attempt after a crash or a failed read).
BOOST_AUTO_TEST_CASE(every_way_a_read_ends) {
  using k = rb::outcome_kind;
  using s = next_step;
  using c = rj::dead_category;
  using p = read_purpose;
  using a = rb::applied_kind;
  read_facts before;
  read_facts unchanged = before;
  unchanged.unchanged = true;
  read_facts merge_bad = before;
  merge_bad.merge_error = "client: This field is required.";
  read_facts after;
  after.purpose = p::verify_after;
  const std::vector<read_row> rows = {
      {"before: read, send", response(200, k::delivered), before, 0, 0ms, s::send, 0},
      {"before: unchanged, done without a write", response(200, k::delivered), unchanged, 0, 0ms,
       s::delivered, 0, c::exhausted, "already shows these values", true},
      {"before: merge fails validation", response(200, k::delivered), merge_bad, 0, 0ms, s::dead, 0,
       c::rejected, "client: This field is required."},
      {"before: invoice not found", response(404, k::rejected, "Not found."), before, 0, 0ms,
       s::dead, 1, c::rejected, "reading invoice 42 back failed: Not found."},
      {"before: 503, retried", response(503, k::retry), before, 0, 0ms, s::defer, 1},
      {"before: 401 suspends", response(401, k::suspend, "bad"), before, 2, 0ms, s::suspend, 2},
      {"before: read failing at the limit", response(500, k::retry, "boom"), before, 4, 0ms,
       s::dead, 5, c::exhausted, "gave up after 5 attempts"},
      {"after: applied -> done", response(200, k::delivered),
       judged(p::verify_after, a::applied, "1 of 1 new lines present"), 1, 0ms, s::delivered, 1,
       c::exhausted, "1 of 1 new lines present"},
      {"after: not applied -> retry later", response(200, k::delivered),
       judged(p::verify_after, a::not_applied, "no new line"), 1, 0ms, s::defer, 1, c::exhausted,
       "no new line"},
      {"after: not applied at max age -> expired", response(200, k::delivered),
       judged(p::verify_after, a::not_applied), 1, 25h, s::dead, 1, c::expired},
      {"after: cannot tell -> dead with what was seen", response(200, k::delivered),
       judged(p::verify_after, a::unknown, "1 of 2 new lines present"), 1, 0ms, s::dead, 1,
       c::exhausted, "1 of 2 new lines present"},
      {"after: no judgement -> dead", response(200, k::delivered), after, 1, 0ms, s::dead, 1,
       c::exhausted, "cannot tell"},
      {"after: read fails -> retried later", transport(false, true), after, 1, 0ms, s::defer, 2},
      {"after: read keeps failing -> dead, says to check", response(502, k::retry), after, 4, 0ms,
       s::dead, 5, c::exhausted, "check invoice 42"},
      {"after: invoice gone -> dead exhausted", response(404, k::rejected, "gone"), after, 1, 0ms,
       s::dead, 2, c::exhausted, "may have been applied"},
      {"then send: applied (crash after the write) -> done", response(200, k::delivered),
       judged(p::verify_then_send, a::applied), 1, 0ms, s::delivered, 1},
      {"then send: not applied -> send now", response(200, k::delivered),
       judged(p::verify_then_send, a::not_applied), 1, 0ms, s::send, 1},
      {"then send: cannot tell -> dead", response(200, k::delivered),
       judged(p::verify_then_send, a::unknown, "a foreign line"), 1, 0ms, s::dead, 1, c::exhausted,
       "a foreign line"},
      {"cancelled read: no verdict", cancelled(), after, 2, 0ms, s::requeue, 2},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.name) {
      attempt_context ctx;
      ctx.safe_to_repeat = false;
      ctx.attempts = r.attempts_before;
      ctx.now = t0;
      ctx.first_seen = t0 - r.age;
      ctx.retry.initial_backoff = 30s;
      ctx.retry.max_backoff = 1h;
      ctx.retry.max_attempts = 5;
      ctx.retry.max_age = 24h;
      ctx.jitter = 0.5;
      ctx.invoice_id = "42";
      const verdict v = decide_read(r.answer, r.facts, ctx);
      BOOST_TEST(to_string(v.step) == to_string(r.step));
      BOOST_TEST(v.attempts == r.attempts_after);
      BOOST_TEST(v.unchanged == r.unchanged);
      if (r.step == s::dead) BOOST_TEST(rj::to_string(v.category) == rj::to_string(r.category));
      if (!r.message_has.empty())
        BOOST_TEST(v.message.find(r.message_has) != std::string::npos, v.message);
      if (r.step == s::defer) BOOST_TEST((v.next_attempt > t0));
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

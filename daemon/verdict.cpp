// decide(): the verdict of one attempt. Order: a cancellation has none; an answer that
// refuses the credentials suspends (unless it answered settings a reload has replaced);
// delivered and rejected are final; a transient failure of an update that is not safe to
// repeat, which the server may have applied, is not repeated blindly; everything else
// retries within the job's attempt and age limits (retry_policy).
#include "daemon/verdict.hpp"

#include "jobs/retry_policy.hpp"

namespace reconcilerd::daemon {

std::string_view to_string(next_step s) {
  switch (s) {
    case next_step::delivered:
      return "delivered";
    case next_step::defer:
      return "defer";
    case next_step::dead:
      return "dead";
    case next_step::suspend:
      return "suspend";
    case next_step::requeue:
      return "requeue";
  }
  return "?";
}

std::string_view to_string(health_effect h) {
  switch (h) {
    case health_effect::none:
      return "none";
    case health_effect::success:
      return "success";
    case health_effect::failure:
      return "failure";
    case health_effect::auth_failure:
      return "auth_failure";
    case health_effect::abandoned:
      return "abandoned";
  }
  return "?";
}

bool maybe_applied(const attempt_answer& a) {
  if (a.what == attempt_answer::kind::cancelled) return false;
  if (a.what == attempt_answer::kind::transport_error) return a.may_have_reached;
  const int s = a.http_status.value_or(0);
  return s == 500 || s == 502 || s == 504 || s == 408 || (s >= 200 && s < 300);
}

namespace {

health_effect health_of(const attempt_answer& a) {
  if (a.what == attempt_answer::kind::transport_error)
    return a.host_failure ? health_effect::failure : health_effect::success;
  if (a.outcome.kind == backends::outcome_kind::suspend) return health_effect::auth_failure;
  if (a.outcome.kind == backends::outcome_kind::retry && a.http_status.value_or(0) >= 500)
    return health_effect::failure;
  return health_effect::success;
}

}  // namespace

verdict decide(const attempt_answer& a, const attempt_context& c) {
  verdict v;
  v.attempts = c.attempts;
  if (a.what == attempt_answer::kind::cancelled) {
    v.step = next_step::requeue;
    v.health = health_effect::abandoned;
    return v;
  }
  const backends::outcome& o = a.outcome;
  v.attempts = c.attempts + 1;  // every try counts (max_attempts); refusals are given back
  v.health = health_of(a);
  v.credentials_proven =
      a.what == attempt_answer::kind::response && o.kind != backends::outcome_kind::suspend;
  v.message = o.message;

  switch (o.kind) {
    case backends::outcome_kind::delivered:
      v.step = next_step::delivered;
      return v;
    case backends::outcome_kind::rejected:
      v.step = next_step::dead;
      v.category = jobs::dead_category::rejected;
      return v;
    case backends::outcome_kind::suspend:
      // The server applied nothing; the job waits without spending an attempt.
      v.attempts = c.attempts;
      if (!c.same_settings) {
        // An answer to the settings of before a reload says nothing about the new ones.
        v.step = next_step::requeue;
        v.health = health_effect::none;
        return v;
      }
      v.step = next_step::suspend;
      return v;
    case backends::outcome_kind::retry:
      break;
  }

  v.retried = true;
  if (!c.safe_to_repeat && maybe_applied(a)) {
    v.step = next_step::dead;
    v.category = jobs::dead_category::exhausted;
    v.message =
        "not retried: the update is not safe to repeat (it creates or deletes lines) and the "
        "server may have applied it (" +
        o.message + "); check invoice " + c.invoice_id +
        " and use `reconcilerctl retry` if it was not applied";
    return v;
  }
  auto d = jobs::decide_retry(c.retry, std::max(v.attempts, 1), c.first_seen, c.now, c.jitter,
                              o.retry_after);
  switch (d.verdict) {
    case jobs::retry_verdict::exhausted:
      v.step = next_step::dead;
      v.category = jobs::dead_category::exhausted;
      v.message =
          "gave up after " + std::to_string(v.attempts) + " attempts; last error: " + o.message;
      return v;
    case jobs::retry_verdict::expired:
      v.step = next_step::dead;
      v.category = jobs::dead_category::expired;
      v.message = "not delivered within max_age; last error: " + o.message;
      return v;
    case jobs::retry_verdict::retry_at:
      v.step = next_step::defer;
      v.next_attempt = d.at;
      return v;
  }
  return v;
}

}  // namespace reconcilerd::daemon

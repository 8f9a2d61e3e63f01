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
    case next_step::verify:
      return "verify";
    case next_step::send:
      return "send";
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

// What every verdict starts from: a cancellation has none (requeue); otherwise the
// host's health and whether the credentials were proven.
verdict judged_by(const attempt_answer& a, const attempt_context& c) {
  verdict v;
  v.attempts = c.attempts;
  if (a.what == attempt_answer::kind::cancelled) {
    v.step = next_step::requeue;
    v.health = health_effect::abandoned;
    return v;
  }
  v.health = health_of(a);
  v.credentials_proven =
      a.what == attempt_answer::kind::response && a.outcome.kind != backends::outcome_kind::suspend;
  return v;
}

// The retry policy's answer for a transient failure: defer, or dead (exhausted / expired).
verdict retry_or_give_up(verdict v, const std::string& what,
                         std::optional<std::chrono::milliseconds> retry_after,
                         const attempt_context& c) {
  auto d = jobs::decide_retry(c.retry, std::max(v.attempts, 1), c.first_seen, c.now, c.jitter,
                              retry_after);
  switch (d.verdict) {
    case jobs::retry_verdict::exhausted:
      v.step = next_step::dead;
      v.category = jobs::dead_category::exhausted;
      v.message = "gave up after " + std::to_string(v.attempts) + " attempts; last error: " + what;
      return v;
    case jobs::retry_verdict::expired:
      v.step = next_step::dead;
      v.category = jobs::dead_category::expired;
      v.message = "not delivered within max_age; last error: " + what;
      return v;
    case jobs::retry_verdict::retry_at:
      v.step = next_step::defer;
      v.next_attempt = d.at;
      v.message = what;
      return v;
  }
  return v;
}

}  // namespace

verdict decide(const attempt_answer& a, const attempt_context& c) {
  verdict v = judged_by(a, c);
  if (a.what == attempt_answer::kind::cancelled) return v;
  const backends::outcome& o = a.outcome;
  v.attempts = c.attempts + 1;  // every try counts (max_attempts); refusals are given back
  v.message = o.message;

  switch (o.kind) {
    case backends::outcome_kind::delivered:
      v.step = next_step::delivered;
      return v;
    case backends::outcome_kind::rejected:
      if (c.folded) {
        // Refused as a whole: each job gets its own request and its own verdict, so the
        // end state is what sending them in order gives.
        v.step = next_step::requeue;
        v.unfold = true;
        v.attempts = c.attempts;
        return v;
      }
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
    // Not repeated blindly: the invoice is read back and the read decides (decide_read).
    v.step = next_step::verify;
    v.message = "the server may have applied the update (" + o.message + "); reading invoice " +
                c.invoice_id + " back";
    return v;
  }
  return retry_or_give_up(v, o.message, o.retry_after, c);
}

verdict decide_read(const attempt_answer& a, const read_facts& f, const attempt_context& c) {
  verdict v = judged_by(a, c);
  if (a.what == attempt_answer::kind::cancelled) return v;
  const backends::outcome& o = a.outcome;
  const bool verifying = f.purpose != read_purpose::before_send;
  // What an operator needs to know when verification cannot finish.
  const std::string pending = verifying ? "; the update may have been applied: check invoice " +
                                              c.invoice_id +
                                              " and use `reconcilerctl retry` if it was not"
                                        : "";

  switch (o.kind) {
    case backends::outcome_kind::suspend:
      if (!c.same_settings) {
        v.step = next_step::requeue;
        v.health = health_effect::none;
        return v;
      }
      v.step = next_step::suspend;
      v.message = o.message;
      return v;
    case backends::outcome_kind::rejected:
      v.step = next_step::dead;
      v.attempts = c.attempts + 1;
      v.category = verifying ? jobs::dead_category::exhausted : jobs::dead_category::rejected;
      v.message = "reading invoice " + c.invoice_id + " back failed: " + o.message + pending;
      return v;
    case backends::outcome_kind::retry:
      v.retried = true;
      v.attempts = c.attempts + 1;  // reads count: a read that keeps failing must end
      v = retry_or_give_up(v, "reading invoice " + c.invoice_id + " back failed: " + o.message,
                           o.retry_after, c);
      if (v.step == next_step::dead) v.message += pending;
      return v;
    case backends::outcome_kind::delivered:
      break;
  }

  if (!verifying) {
    if (f.merge_error) {
      v.step = next_step::dead;
      v.category = jobs::dead_category::rejected;
      v.message = "cannot merge the update into invoice " + c.invoice_id +
                  " as read back: " + *f.merge_error;
      return v;
    }
    if (f.unchanged) {
      v.step = next_step::delivered;
      v.unchanged = true;
      v.message = "invoice " + c.invoice_id + " already shows these values; nothing sent";
      return v;
    }
    v.step = next_step::send;
    return v;
  }

  const backends::applied_judgement j = f.judged.value_or(
      backends::applied_judgement{backends::applied_kind::unknown, "no judgement"});
  switch (j.verdict) {
    case backends::applied_kind::applied:
      v.step = next_step::delivered;
      v.message = "verified by reading invoice " + c.invoice_id + " back: " + j.seen;
      return v;
    case backends::applied_kind::not_applied:
      if (f.purpose == read_purpose::verify_then_send) {
        v.step = next_step::send;
        v.message = "not applied (read back: " + j.seen + ")";
        return v;
      }
      v.attempts = std::max(c.attempts, 1);
      v.retried = true;
      return retry_or_give_up(v, "not applied (read back: " + j.seen + ")", std::nullopt, c);
    case backends::applied_kind::unknown:
      break;
  }
  v.step = next_step::dead;
  v.category = jobs::dead_category::exhausted;
  v.message = "cannot tell whether the update was applied to invoice " + c.invoice_id +
              " (read back: " + j.seen + "); check it and use `reconcilerctl retry` if it was not";
  return v;
}

}  // namespace reconcilerd::daemon

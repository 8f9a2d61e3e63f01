// Delivery: one dispatcher coroutine per backend starts requests when the backend's
// health, its pacer (token bucket + concurrency + pauses) and the job queue all allow;
// each request runs in its own coroutine: build (adapter) -> send (transport) -> classify
// (adapter) -> decide (verdict.hpp, pure) -> act (spool move, health, stats) -> log. The dispatcher
// sleeps on a timer until the earliest moment something can change, and is woken by events.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "daemon/engine.hpp"
#include "daemon/log.hpp"
#include "daemon/transport/transport_errors.hpp"
#include "daemon/verdict.hpp"
#include "jobs/retry_policy.hpp"
#include "jobs/text.hpp"

namespace reconcilerd::daemon {

namespace net = boost::asio;
using steady = std::chrono::steady_clock;

void engine::wake(backend_runtime& b) {
  b.wake.cancel();
  for (auto* t : b.gate_waiters) t->cancel();
}

net::awaitable<void> engine::dispatch(std::string name) {
  backend_runtime* b = find(name);
  if (!b) co_return;
  b->dispatching = true;
  while (!stopping_ && !b->removed) {
    const auto now = steady::now();
    const auto wall = wall_now();
    std::optional<steady::time_point> until;  // none: sleep until woken
    for (;;) {
      if (!b->health.may_send(now)) {
        until = b->health.next_send_at(now);
        break;
      }
      if (b->dispatched >= b->cfg.concurrency) break;  // woken when one finishes
      // Until an answer shows the credentials work, one request at a time: wrong
      // credentials reach the server once, not `concurrency` times.
      if (!b->verified && b->dispatched >= 1) break;
      // Tokens are spent at the write gate (see deliver); here we only avoid taking jobs
      // while the backend is paused or out of tokens.
      auto slot = b->pace.next_start(now);
      if (slot.reason != wait_reason::none && slot.reason != wait_reason::concurrency) {
        until = slot.at;
        break;
      }
      auto job = queue_.take(name, wall);
      if (!job) {
        if (auto due = queue_.next_due(name))
          until = now + std::chrono::duration_cast<steady::duration>(*due - wall);
        break;
      }
      const send_role role = b->health.on_send(now);
      ++b->dispatched;
      net::co_spawn(io_, deliver(name, *job, role), report_crash);
    }
    if (until)
      b->wake.expires_at(*until);
    else
      b->wake.expires_at(steady::time_point::max());
    co_await b->wake.async_wait(net::as_tuple(net::use_awaitable));
  }
  b->dispatching = false;
}

net::awaitable<void> engine::deliver(std::string backend, std::string name, send_role role) {
  backend_runtime* b = find(backend);
  auto it = held_.find(name);
  held_job& h = it->second;

  bool started = false;  // passed the write gate: a token was spent
  auto finish_flight = [&] {
    --b->dispatched;
    if (started) b->pace.on_finish();
    if (stopping_ && in_flight() == 0 && on_drained_) {
      auto f = std::move(on_drained_);
      f();
    }
  };
  // Ends the attempt without a verdict from the server (not sent, or cut off by shutdown).
  auto abandon = [&] {
    b->health.on_abandoned(role);
    finish_flight();
    wake(*b);
  };

  // A deferred job's file comes back into active/ for the attempt.
  if (h.in_deferred) {
    auto res = spool_.claim_deferred(name, wall_now());
    if (auto* err = std::get_if<jobs::spool_error>(&res)) {
      spool_failed(*err);
      queue_.reschedule(name, wall_now() + std::chrono::seconds(5));
      abandon();
      co_return;
    }
    if (!std::holds_alternative<jobs::claimed>(res)) {
      // Removed by an operator, or quarantined: nothing more to do for it.
      queue_.finish(name);
      held_.erase(it);
      abandon();
      co_return;
    }
    h.in_deferred = false;
  }

  if (!h.safe_to_repeat) {
    // Durably mark the attempt first: after a crash, recovery must not repeat it blindly.
    h.state.sending_unsafe = true;
    auto st = spool_.record(name, h.state);
    if (st.ok()) st = spool_.sync();
    if (!st.ok()) {
      h.state.sending_unsafe = false;
      spool_failed(*st.error);
      queue_.reschedule(name, wall_now() + std::chrono::seconds(5));
      abandon();
      co_return;
    }
  }
  backends::request req = b->adapter->build(h.job);
  req.headers.push_back({"X-Reconcilerd-Job", name});
  auto client = b->client;  // survives a reload during the request
  const auto wall_start = wall_now();
  if (!h.state.first_seen) h.state.first_seen = wall_start;
  h.state.last_attempt = wall_start;
  event({.event = log_event::sent,
         .ts = wall_start,
         .job = name,
         .backend = backend,
         .invoice_id = h.job.invoice_id,
         .attempt = h.state.attempts + 1});
  const auto t0 = steady::now();
  // The write gate: wait for a token (and any pause) once the connection is ready.
  const unsigned generation = b->generation;
  auto gate = [this, backend, role, &started]() -> net::awaitable<bool> {
    for (;;) {
      backend_runtime* rt = find(backend);
      const auto at = steady::now();
      // Suspended while this request waited (another answer refused the credentials): hold
      // it back rather than send the same credentials again.
      if (role == send_role::normal && !rt->health.may_send(at)) co_return false;
      auto slot = rt->pace.next_start(at);
      if (slot.reason == wait_reason::none || slot.reason == wait_reason::concurrency) {
        rt->pace.on_start(at);
        rt->starts.push_back(wall_now());
        started = true;
        co_return true;
      }
      net::steady_timer t(io_, slot.at);
      rt->gate_waiters.insert(&t);
      co_await t.async_wait(net::as_tuple(net::use_awaitable));
      find(backend)->gate_waiters.erase(&t);
    }
  };
  transport::result r = co_await client->send(std::move(req), gate);
  const auto now = steady::now();
  const auto wall = wall_now();

  b = find(backend);  // the runtime outlives requests (backends are never erased)
  b->stats.latency.observe(std::chrono::duration<double>(now - t0).count());

  // Decide first ...
  attempt_answer answer;
  if (r.error == transport::error_kind::cancelled) {
    answer.what = attempt_answer::kind::cancelled;
    log(level::debug, "job " + name + ": request cancelled: " + r.detail);
  } else if (r.error != transport::error_kind::none) {
    answer.what = attempt_answer::kind::transport_error;
    answer.outcome.message = std::string(transport::to_string(r.error)) + ": " + r.detail;
    answer.may_have_reached = r.maybe_sent;
    answer.host_failure = transport::counts_as_backend_failure(r.error);
  } else {
    answer.http_status = static_cast<int>(r.response->status);
    answer.outcome = b->adapter->classify(*r.response, h.job);
  }
  // Server text is outside text: bounded, valid UTF-8, control characters visible — once,
  // here, before it reaches a log line, the status log, status.json or a dead letter.
  answer.outcome.message = jobs::outside_text(answer.outcome.message);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const verdict v = decide(answer, {.safe_to_repeat = h.safe_to_repeat,
                                    .attempts = h.state.attempts,
                                    .first_seen = h.state.first_seen.value_or(wall),
                                    .now = wall,
                                    .retry = b->cfg.retry,
                                    .jitter = u(rng_),
                                    .same_settings = generation == b->generation,
                                    .invoice_id = h.job.invoice_id});
  // ... then act.
  if (v.step == next_step::requeue && answer.what == attempt_answer::kind::cancelled) {
    // No verdict: the job stays in active/ (recovered at the next start) or is tried again.
    queue_.reschedule(name, wall);
    abandon();
    co_return;
  }
  const auto http_status = answer.http_status;
  apply_health(*b, v.health, role, v.message, now);
  if (http_status == 429) ++b->stats.throttled_total;
  h.state.attempts = v.attempts;
  h.state.sending_unsafe = false;  // the answer (or its absence) is known now
  h.state.last_http_status = http_status;
  finish_flight();
  if (http_status) pace_after_answer(*b, answer.outcome, *http_status, now);
  if (v.credentials_proven) b->verified = true;
  if (v.retried || v.step == next_step::suspend) {
    b->stats.last_error = v.step == next_step::suspend ? v.message : answer.outcome.message;
    b->stats.last_error_at = wall;
  }
  if (v.retried) ++b->stats.retried_total;

  switch (v.step) {
    case next_step::delivered:
      settle(name, h, {true, {}, http_status});
      break;
    case next_step::dead:
      if (v.category == jobs::dead_category::rejected) ++b->stats.rejected_total;
      bury(name, h, v.category, v.message, http_status);
      break;
    case next_step::requeue:
      queue_.reschedule(name, wall);
      break;
    case next_step::suspend:
      if (!h.safe_to_repeat) (void)spool_.record(name, h.state);  // clears the marker
      queue_.reschedule(name, wall);
      break;
    case next_step::defer:
      h.state.next_attempt = v.next_attempt;
      h.state.last_error = v.message;
      if (auto s = spool_.defer(name, h.state); !s.ok()) {
        spool_failed(*s.error);  // stays in active/ and is retried from there
      } else {
        spool_ok();
        h.in_deferred = true;
      }
      log(level::info, "job " + name + " (" + backend + " invoice " + h.job.invoice_id +
                           "): deferred until " + jobs::rfc3339(v.next_attempt) + ": " + v.message);
      event({.event = log_event::deferred,
             .ts = wall,
             .job = name,
             .backend = backend,
             .invoice_id = h.job.invoice_id,
             .attempt = h.state.attempts,
             .http_status = http_status ? std::optional<unsigned>(*http_status) : std::nullopt,
             .next_attempt = v.next_attempt,
             .reason = v.message});
      queue_.reschedule(name, v.next_attempt);
      request_sync();
      break;
  }
  wake(*b);
}

// Carries out what an attempt says about the backend's health.
void engine::apply_health(backend_runtime& b, health_effect effect, send_role role,
                          const std::string& reason, steady::time_point now) {
  switch (effect) {
    case health_effect::none:
      break;
    case health_effect::success:
      b.health.on_success(role, now);
      break;
    case health_effect::failure:
      b.health.on_failure(role, now);
      break;
    case health_effect::abandoned:
      b.health.on_abandoned(role);
      break;
    case health_effect::auth_failure: {
      b.verified = false;
      const bool was_running = b.health.state(now) != health_state::suspended;
      b.health.on_auth_failure(role, reason, now);
      if (was_running) {
        log(level::error, "backend " + b.cfg.name + ": suspended: " + reason +
                              " (fix the credentials and reload, or `reconcilerctl resume " +
                              b.cfg.name + "`)");
        event({.event = log_event::suspended,
               .ts = wall_now(),
               .backend = b.cfg.name,
               .reason = reason});
      }
      break;
    }
  }
}

void engine::pace_after_answer(backend_runtime& b, const backends::outcome& o, int http_status,
                               std::chrono::steady_clock::time_point now) {
  const auto before = b.pace.paused_until(now);
  std::string why;
  if (http_status != 429) b.pace.on_success();
  if (o.kind == backends::outcome_kind::retry && o.retry_after && o.backend_wide) {
    b.pace.pause_until(now + *o.retry_after);
    why = "HTTP " + std::to_string(http_status) + " asked to retry after " +
          std::to_string(o.retry_after->count()) + " ms";
  } else if (http_status == 429) {
    b.pace.on_throttled(now);
    why = "HTTP 429 without Retry-After (backing off)";
  }
  b.pace.apply_hint(o.hint, now);
  if (why.empty() && o.hint.remaining && o.hint.reset)
    why = "the server's rate limit is used up (X-RateLimit-Remaining " +
          std::to_string(*o.hint.remaining) + ", resets in " +
          std::to_string(o.hint.reset->count()) + " s)";
  // The adapter capped a longer pause at max_pause (outcome::asked_pause): say what was asked.
  const bool capped = o.asked_pause.has_value() && !why.empty();
  if (capped) {
    auto secs = [](std::chrono::milliseconds d) {
      return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
    };
    why += "; the server asked for " + secs(*o.asked_pause) + ", capped by max_pause (" +
           secs(b.cfg.max_pause) + ")";
  }
  const auto after = b.pace.paused_until(now);
  if (after && (!before || *after > *before + std::chrono::milliseconds(100))) {
    b.pause_reason = why;
    log(capped ? level::warning : level::notice,
        "backend " + b.cfg.name + ": paused for " +
            std::to_string(
                std::chrono::duration_cast<std::chrono::milliseconds>(*after - now).count()) +
            " ms: " + why);
  }
}

}  // namespace reconcilerd::daemon

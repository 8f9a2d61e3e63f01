// Delivery: one dispatcher coroutine per backend starts requests when the backend's
// health, its pacer (token bucket + concurrency + pauses) and the job queue all allow;
// each request runs in its own coroutine: build (adapter) -> send (transport) -> classify
// (adapter) -> decide (verdict.hpp, pure) -> act (spool move, health, stats) -> log. The dispatcher
// sleeps on a timer until the earliest moment something can change, and is woken by events.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "daemon/cluster/link.hpp"
#include "daemon/engine.hpp"
#include "daemon/log.hpp"
#include "daemon/transport/transport_errors.hpp"
#include "daemon/verdict.hpp"
#include "jobs/retry_policy.hpp"
#include "jobs/text.hpp"

namespace reconcilerd::daemon {

namespace net = boost::asio;
using steady = std::chrono::steady_clock;

namespace {

// The adapter's view stored in a job's state (empty object if unreadable).
boost::json::object parse_view(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.get_object());
}

bool read_succeeded(const attempt_answer& a) {
  return a.what == attempt_answer::kind::response &&
         a.outcome.kind == backends::outcome_kind::delivered;
}

// An unsafe write's outcome is known: no verification is pending any more.
void clear_marker(held_job& h) {
  h.state.sending_unsafe = false;
  h.state.read_before.clear();
}

}  // namespace

void engine::wake(backend_runtime& b) {
  b.woken = true;
  b.wake.cancel();
  for (auto* t : b.gate_waiters) t->cancel();
}

net::awaitable<void> engine::dispatch(std::string name) {
  backend_runtime* b = find(name);
  if (!b) co_return;
  b->dispatching = true;
  while (!stopping_ && !b->removed) {
    b->woken = false;
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
      if (clustered()) {
        // The cluster's claim checks the shared quota, pauses and concurrency; polled (and
        // woken by NOTIFY) when it has nothing.
        if (!cluster_->db()) break;  // woken when the database is back
        const bool took = co_await cluster_take(name);
        b = find(name);
        if (!took) {
          until = steady::now() + std::chrono::seconds(2);
          break;
        }
        continue;
      }
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
    if (clustered() && b->woken) continue;  // woken while a claim ran: look again
    if (until)
      b->wake.expires_at(*until);
    else
      b->wake.expires_at(steady::time_point::max());
    co_await b->wake.async_wait(net::as_tuple(net::use_awaitable));
  }
  b->dispatching = false;
}

// One delivery: [verify first | read before] -> [fold] -> write -> [verify after] -> act.
// Every step's verdict comes from decide() / decide_read() (verdict.hpp); this coroutine
// only carries them out. The job holds one concurrency slot for the whole delivery; each
// request (read or write) passes the gate and spends a token of its own.
net::awaitable<void> engine::deliver(std::string backend, std::string name, send_role role) {
  backend_runtime* b = find(backend);
  auto it = held_.find(name);
  held_job& h = it->second;

  auto finish_flight = [&] {
    --b->dispatched;
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

  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto context = [&](bool same_settings, bool folded) {
    const auto wall = wall_now();
    return attempt_context{.safe_to_repeat = h.safe_to_repeat,
                           .attempts = h.state.attempts,
                           .first_seen = h.state.first_seen.value_or(wall),
                           .now = wall,
                           .retry = b->cfg.retry,
                           .jitter = u(rng_),
                           .same_settings = same_settings,
                           .invoice_id = h.job.invoice_id,
                           .folded = folded};
  };
  // Ends the delivery with a verdict.
  auto conclude = [&](const verdict& v, std::optional<int> http_status, health_effect health,
                      const std::vector<std::string>& carried) {
    if (v.step == next_step::requeue && health == health_effect::abandoned) {
      // No verdict: the job stays in active/ (recovered at the next start) or is tried again.
      requeue(name, wall_now());
      abandon();
      return;
    }
    apply_health(*b, health, role, v.message, steady::now());
    if (v.credentials_proven) b->verified = true;
    finish_flight();
    act(*b, name, h, v, http_status, carried);
    wake(*b);
  };
  const jobs::job& job = h.job;
  const bool unsafe = !h.safe_to_repeat;
  if (!h.state.first_seen) h.state.first_seen = wall_now();
  std::string before;  // the invoice as read before an unsafe write (JSON text)
  std::optional<boost::json::object> merged;  // merge mode: the whole update to send

  // Reads the invoice and judges the read (decide_read). Returns the verdict; the read's
  // view in `view`.
  auto read_invoice =
      [&](read_purpose purpose,
          boost::json::object& view) -> net::awaitable<std::pair<verdict, exchange_result>> {
    exchange_result x = co_await exchange(backend, name, b->adapter->read_back(job), role, true);
    b = find(backend);
    read_facts f;
    f.purpose = purpose;
    if (x.answer.what == attempt_answer::kind::response &&
        x.answer.outcome.kind == backends::outcome_kind::delivered) {
      view = x.invoice;
      if (purpose != read_purpose::before_send) {
        auto parsed = parse_view(h.state.read_before);
        backends::applied_judgement j = b->adapter->judge(parsed, view, job.update);
        j.seen = jobs::outside_text(j.seen);
        f.judged = std::move(j);
      }
    }
    co_return std::pair{decide_read(x.answer, f, context(x.same_settings, false)), std::move(x)};
  };

  // 1. Verify first: an unsafe write of an earlier attempt ended without a verdict (the
  //    daemon stopped, or the read after it failed).
  if (unsafe && h.state.sending_unsafe && !h.state.read_before.empty()) {
    boost::json::object view;
    auto [v, x] = co_await read_invoice(read_purpose::verify_then_send, view);
    if (read_succeeded(x.answer)) clear_marker(h);  // judged (send sets it again)
    if (v.step != next_step::send) {
      if (v.step == next_step::delivered || v.step == next_step::dead) note_verified(name, h, v);
      conclude(v, x.answer.http_status, v.health, {});
      co_return;
    }
    note_verified(name, h, v);
    h.state.attempts = v.attempts;
    before = boost::json::serialize(view);
  } else if (unsafe || job.merge || b->cfg.skip_unchanged) {
    // 2. Read before the write: the "before" view of an unsafe update, merge mode, or
    //    skip_unchanged.
    boost::json::object view;
    read_facts f;
    exchange_result x = co_await exchange(backend, name, b->adapter->read_back(job), role, true);
    b = find(backend);
    if (x.answer.what == attempt_answer::kind::response &&
        x.answer.outcome.kind == backends::outcome_kind::delivered) {
      view = std::move(x.invoice);
      if (job.merge) {
        auto m = b->adapter->merge(view, job.update);
        if (auto* err = std::get_if<std::string>(&m)) {
          f.merge_error = jobs::outside_text(*err);
        } else if (auto bad = b->adapter->validate(std::get<boost::json::object>(m))) {
          f.merge_error = jobs::outside_text(*bad);
        } else {
          merged = std::move(std::get<boost::json::object>(m));
        }
      }
      if (b->cfg.skip_unchanged && !unsafe)
        f.unchanged = b->adapter->unchanged(view, merged ? *merged : job.update);
    }
    const verdict v = decide_read(x.answer, f, context(x.same_settings, false));
    if (v.step != next_step::send) {
      conclude(v, x.answer.http_status, v.health, {});
      co_return;
    }
    if (unsafe) before = boost::json::serialize(view);
  }

  // 3. Fold: waiting jobs of the invoice whose effect this request can carry.
  jobs::job to_send = job;
  if (merged) to_send.update = std::move(*merged);
  std::vector<std::string> carried;
  if (b->cfg.fold && !unsafe && !job.merge && !h.no_fold && !h.cluster)
    carried = fold_behind(*b, name, to_send.update);

  // 4. An unsafe write is marked durably first, with the invoice as read before it.
  const auto wall_start = wall_now();
  h.state.last_attempt = wall_start;
  if (unsafe) {
    h.state.sending_unsafe = true;
    h.state.read_before = before;
    if (h.cluster) {
      if (!co_await cluster_mark(name)) {
        h.state.sending_unsafe = false;
        requeue(name, wall_now() + std::chrono::seconds(5));
        abandon();
        co_return;
      }
    } else {
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
  }

  // 5. The write.
  event({.event = log_event::sent,
         .ts = wall_start,
         .job = carried.empty() ? name : carried.back(),
         .backend = backend,
         .invoice_id = job.invoice_id,
         .attempt = h.state.attempts + 1});
  // A folded request is carried by the newest job it holds (its effect is what lands).
  const std::string carrier = carried.empty() ? name : carried.back();
  backends::request write = b->adapter->build(to_send);
  write.headers.push_back({"X-Reconcilerd-Job", carrier});
  exchange_result x = co_await exchange(backend, name, std::move(write), role, false);
  b = find(backend);
  verdict v = decide(x.answer, context(x.same_settings, !carried.empty()));
  const health_effect write_health = v.health;
  std::optional<int> http_status = x.answer.http_status;
  if (v.step == next_step::verify && !x.answer.http_status) {
    // No answer at all (timeout, reset, drop): the server may still be working on the
    // request. The read waits one request timeout, at the next attempt (verify first).
    v.step = next_step::defer;
    v.next_attempt = wall_now() + b->cfg.timeout;
    v.message += " at the next attempt, after one request timeout";
    h.state.attempts = v.attempts;
  } else if (v.step == next_step::verify) {
    // 6. Verify after an ambiguous end with an answer (5xx): read the invoice back and judge.
    log(level::info,
        "job " + name + " (" + backend + " invoice " + job.invoice_id + "): " + v.message);
    h.state.attempts = v.attempts;
    boost::json::object view;
    auto [rv, rx] = co_await read_invoice(read_purpose::verify_after, view);
    v = rv;
    if (v.step == next_step::delivered || v.step == next_step::dead) note_verified(name, h, v);
    if (rx.answer.http_status) http_status = rx.answer.http_status;
    if (read_succeeded(rx.answer)) clear_marker(h);  // judged; a failed read leaves it set
  } else if (unsafe && v.step != next_step::requeue) {
    clear_marker(h);  // the answer says whether it was applied
  }
  // The host's health is judged by the write; a read after it does not undo a failure.
  const health_effect health = v.step == next_step::requeue && v.health == health_effect::abandoned
                                   ? v.health
                                   : write_health;
  conclude(v, http_status, health, carried);
}

std::vector<std::string> engine::fold_behind(backend_runtime& b, const std::string& name,
                                             boost::json::object& update) {
  std::vector<std::string> carried;
  for (const auto& next : queue_.due_behind(name, wall_now())) {
    auto it = held_.find(next);
    if (it == held_.end()) break;
    const held_job& n = it->second;
    // Only jobs whose file is in active/, safe, sent as they are, and not refused before.
    if (n.in_deferred || n.settling || !n.safe_to_repeat || n.job.merge || n.no_fold ||
        n.state.sending_unsafe)
      break;
    auto folded = b.adapter->fold(update, n.job.update);
    if (!folded || b.adapter->validate(*folded)) break;
    update = std::move(*folded);
    carried.push_back(next);
  }
  return carried;
}

void engine::note_verified(const std::string& name, const held_job& h, const verdict& v) {
  log(v.step == next_step::dead ? level::warning : level::info,
      "job " + name + " (" + h.job.backend + " invoice " + h.job.invoice_id +
          "): " + (v.message.empty() ? std::string("verified") : v.message));
  event({.event = log_event::verified,
         .ts = wall_now(),
         .job = name,
         .backend = h.job.backend,
         .invoice_id = h.job.invoice_id,
         .attempt = h.state.attempts,
         .reason = v.message});
}

void engine::act(backend_runtime& b, const std::string& name, held_job& h, const verdict& v,
                 std::optional<int> http_status, const std::vector<std::string>& carried) {
  const auto wall = wall_now();
  const std::string& backend = b.cfg.name;
  h.state.attempts = v.attempts;
  h.state.last_http_status = http_status;
  if (v.retried || v.step == next_step::suspend) {
    b.stats.last_error = v.message;
    b.stats.last_error_at = wall;
  }
  if (v.retried) ++b.stats.retried_total;
  if (h.cluster) {
    cluster_act(b, name, h, v, http_status);
    return;
  }

  switch (v.step) {
    case next_step::delivered:
      if (!carried.empty()) {
        // The request was carried by the newest job; the others (this one included) are
        // done through it.
        const std::string& carrier = carried.back();
        auto folded_into = [&](const std::string& job) {
          event({.event = log_event::folded,
                 .ts = wall,
                 .job = job,
                 .backend = backend,
                 .invoice_id = h.job.invoice_id,
                 .into = carrier});
        };
        for (std::size_t i = 0; i < carried.size(); ++i) {
          auto it = held_.find(carried[i]);
          if (it == held_.end()) continue;
          if (i + 1 < carried.size()) folded_into(carried[i]);
          queue_.finish(carried[i]);
          it->second.state.attempts = std::max(it->second.state.attempts, 1);
          settle(carried[i], it->second, {true, {}, http_status});
        }
        folded_into(name);
      }
      if (v.unchanged) {
        log(level::info,
            "job " + name + " (" + backend + " invoice " + h.job.invoice_id + "): " + v.message);
        event({.event = log_event::unchanged,
               .ts = wall,
               .job = name,
               .backend = backend,
               .invoice_id = h.job.invoice_id,
               .reason = v.message});
      }
      settle(name, h, {true, {}, http_status});
      break;
    case next_step::dead:
      if (v.category == jobs::dead_category::rejected) ++b.stats.rejected_total;
      bury(name, h, v.category, v.message, http_status);
      break;
    case next_step::requeue:
      if (v.unfold) {
        log(level::notice, "job " + name + " (" + backend + " invoice " + h.job.invoice_id +
                               "): the request carrying " + std::to_string(carried.size()) +
                               " folded jobs was refused (" + v.message +
                               "); each is sent on its own now");
        h.no_fold = true;
        for (const auto& c : carried)
          if (auto it = held_.find(c); it != held_.end()) it->second.no_fold = true;
      }
      queue_.reschedule(name, wall);
      break;
    case next_step::suspend:
      // The marker stays set when the suspension came from a verification read.
      if (!h.safe_to_repeat) (void)spool_.record(name, h.state);
      queue_.reschedule(name, wall);
      break;
    case next_step::verify:
    case next_step::send:
    case next_step::defer:
      // verify / send never reach here (deliver() carries them on); defer:
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
}

net::awaitable<engine::exchange_result> engine::exchange(std::string backend, std::string name,
                                                         backends::request req, send_role role,
                                                         bool read) {
  backend_runtime* b = find(backend);
  const jobs::job& job = held_.at(name).job;
  if (read) req.headers.push_back({"X-Reconcilerd-Job", name});  // a write's comes with it
  auto client = b->client;  // survives a reload during the request
  const unsigned generation = b->generation;
  const bool own_bucket = read && b->adapter->reads_paced_separately();
  bool started = false;  // passed the gate: a token was spent
  // The gate: wait for a token (and any pause) once the connection is ready.
  auto gate = [this, backend, name, role, own_bucket, read, &started]() -> net::awaitable<bool> {
    for (;;) {
      backend_runtime* rt = find(backend);
      pacer& p = own_bucket ? rt->read_pace : rt->pace;
      const auto at = steady::now();
      // Suspended while this request waited (another answer refused the credentials): hold
      // it back rather than send the same credentials again.
      if (role == send_role::normal && !rt->health.may_send(at)) co_return false;
      if (clustered()) {
        // The cluster's bucket instead of the node's: the lease, then the shared token.
        if (!co_await cluster_gate(backend, name, read)) co_return false;
        rt = find(backend);
        (own_bucket ? rt->read_pace : rt->pace).on_start(steady::now());
        rt->starts.push_back(wall_now());
        started = true;
        co_return true;
      }
      auto slot = p.next_start(at);
      if (slot.reason == wait_reason::none || slot.reason == wait_reason::concurrency) {
        p.on_start(at);
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
  const auto t0 = steady::now();
  transport::result r = co_await client->send(std::move(req), gate);
  const auto now = steady::now();
  b = find(backend);  // the runtime outlives requests (backends are never erased)
  pacer& p = own_bucket ? b->read_pace : b->pace;
  if (started) p.on_finish();
  b->stats.latency.observe(std::chrono::duration<double>(now - t0).count());

  exchange_result x;
  x.same_settings = generation == b->generation;
  attempt_answer& answer = x.answer;
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
    if (read) {
      backends::invoice_read rd = b->adapter->read(*r.response, job);
      answer.outcome = std::move(rd.result);
      x.invoice = std::move(rd.invoice);
    } else {
      answer.outcome = b->adapter->classify(*r.response, job);
    }
  }
  // Server text is outside text: bounded, valid UTF-8, control characters visible — once,
  // here, before it reaches a log line, the status log, status.json or a dead letter.
  answer.outcome.message = jobs::outside_text(answer.outcome.message);
  if (answer.http_status) {
    if (*answer.http_status == 429) ++b->stats.throttled_total;
    pace_after_answer(*b, p, answer.outcome, *answer.http_status, now);
  }
  co_return x;
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

void engine::pace_after_answer(backend_runtime& b, pacer& p, const backends::outcome& o,
                               int http_status, std::chrono::steady_clock::time_point now) {
  const auto before = p.paused_until(now);
  std::string why;
  if (http_status != 429) p.on_success();
  if (o.kind == backends::outcome_kind::retry && o.retry_after && o.backend_wide) {
    p.pause_until(now + *o.retry_after);
    why = "HTTP " + std::to_string(http_status) + " asked to retry after " +
          std::to_string(o.retry_after->count()) + " ms";
  } else if (http_status == 429) {
    p.on_throttled(now);
    why = "HTTP 429 without Retry-After (backing off)";
  }
  p.apply_hint(o.hint, now);
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
  const auto after = p.paused_until(now);
  if (after && (!before || *after > *before + std::chrono::milliseconds(100))) {
    b.pause_reason = why;
    if (clustered())  // the vendor's quota is per credential: every node pauses
      cluster_pause(b, &p == &b.read_pace,
                    std::chrono::duration_cast<std::chrono::milliseconds>(*after - now), why);
    log(capped ? level::warning : level::notice,
        "backend " + b.cfg.name + ": paused for " +
            std::to_string(
                std::chrono::duration_cast<std::chrono::milliseconds>(*after - now).count()) +
            " ms: " + why);
  }
}

}  // namespace reconcilerd::daemon

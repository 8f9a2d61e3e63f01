// Intake: incoming/ -> active/ (spool::claim), decode, check the backend and the update's
// schema, then queue. Bounded by engine::window_ so a huge backlog neither exhausts memory
// nor delays the first delivery. A spool-wide error (ENOSPC, EDQUOT, EIO, EROFS) pauses
// claiming, logged once; an entry that cannot be moved (a producer's directory) is logged
// once, skipped, and tried again every minute without stopping anything else.
#include <algorithm>
#include <boost/asio/post.hpp>

#include "daemon/engine.hpp"
#include "daemon/log.hpp"
#include "daemon/watcher.hpp"
#include "jobs/job_decode.hpp"
#include "jobs/text.hpp"

namespace reconcilerd::daemon {

void engine::request_intake() {
  if (intake_pending_ || stopping_) return;
  intake_pending_ = true;
  boost::asio::post(io_, [this] {
    intake_pending_ = false;
    intake();
  });
}

namespace {
constexpr std::size_t intake_batch = 128;
}  // namespace

void engine::on_arrival(std::string_view name) {
  if (name.empty()) {
    scan_due_ = true;
  } else if (!arrivals_lost_) {
    std::string n(name);
    if (!arrived_names_.count(n)) {
      if (arrived_.size() >= window_) {
        on_events_lost("more than " + std::to_string(window_) +
                       " files arrived while the daemon could not take them");
        return;
      }
      arrived_names_.insert(n);
      arrived_.push_back(std::move(n));
    }
  }
  request_intake();
}

void engine::on_events_lost(std::string_view why) {
  if (!arrivals_lost_)
    log(level::warning,
        "arrival order: " + std::string(why) +
            "; the files renamed into incoming/ meanwhile are ordered by change time, then "
            "name (a burst within one clock tick may be out of order)");
  arrivals_lost_ = true;
  scan_due_ = true;
  request_intake();
}

std::uint64_t engine::next_rank() {
  // Microseconds since the epoch, strictly increasing: ranks stay above those given before
  // a restart (unless the clock went back) without a counter on disk.
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(wall_now().time_since_epoch()).count();
  last_rank_ = std::max(last_rank_ + 1, static_cast<std::uint64_t>(std::max<std::int64_t>(us, 0)));
  return last_rank_;
}

// Lists incoming/ (at most one window of names) for files inotify did not report, orders
// them by (change time, name) into scanned_. Files renamed while the listing ran have their
// events queued already: draining the watcher after the listing moves them to arrived_,
// where their kernel order is known.
void engine::scan_incoming() {
  scan_due_ = false;
  arrivals_lost_ = false;  // events from here on are kept again
  const auto now = wall_now();
  std::vector<std::string> found;
  std::size_t stuck_seen = 0;
  bool more = false;
  auto listed = spool_.for_each(jobs::job_state::incoming, [&](const std::string& n) {
    if (auto s = stuck_.find(n); s != stuck_.end()) {
      ++stuck_seen;
      if (now < s->second) return true;
    }
    if (arrived_names_.count(n)) return true;
    if (found.size() >= window_) {
      more = true;
      return false;
    }
    found.push_back(n);
    return true;
  });
  if (listed) {
    log(level::error, "cannot read incoming/: " + listed->message);
    scan_due_ = true;
    return;
  }
  // A whole listing that met fewer stuck entries than remembered: forget the ones gone.
  if (!more && stuck_seen < stuck_.size())
    std::erase_if(stuck_, [&](const auto& s) { return !spool_.locate(s.first); });
  if (watcher_) watcher_->drain();
  std::vector<std::pair<std::int64_t, std::string>> order;
  order.reserve(found.size());
  for (auto& n : found) {
    if (arrived_names_.count(n)) continue;
    // Gone meanwhile: claimed by nobody else, so it was removed; a claim would say so.
    order.emplace_back(spool_.change_time(jobs::job_state::incoming, n).value_or(0), std::move(n));
  }
  std::sort(order.begin(), order.end());
  for (auto& [t, n] : order) scanned_.push_back(std::move(n));
  if (more) {
    scan_due_ = true;  // the rest when these are taken
    if (!backlog_logged_)
      log(level::warning, "incoming/ holds more than " + std::to_string(window_) +
                              " files: arrival order (change time, name) holds within each "
                              "batch of that many, not across them (docs/delivery.md)");
    backlog_logged_ = true;
  } else {
    backlog_logged_ = false;
  }
}

void engine::intake() {
  if (stopping_) return;
  const auto now = wall_now();
  if (intake_paused_until_) {
    if (now < *intake_paused_until_) return;
    intake_paused_until_.reset();  // try again; the episode ends at the next good write
  }
  if (in_memory() >= window_) return;
  // Files found by a scan come before the reported ones: they arrived earlier (start-up),
  // or their events were lost — then the scan waits until the reported ones are taken.
  if (scanned_.empty() && scan_due_ && (!arrivals_lost_ || arrived_.empty())) scan_incoming();
  // Small batches: between two batches the loop serves deliveries and timers, so a huge
  // backlog neither delays the first request nor bunches paced requests together.
  const std::size_t room = std::min<std::size_t>(window_ - in_memory(), intake_batch);
  std::vector<std::string> names;
  while (names.size() < room && !scanned_.empty()) {
    names.push_back(std::move(scanned_.front()));
    scanned_.pop_front();
  }
  while (names.size() < room && !arrived_.empty()) {
    std::string n = std::move(arrived_.front());
    arrived_.pop_front();
    arrived_names_.erase(n);
    // An entry that could not be moved waits for its next try (found again by a scan).
    if (auto s = stuck_.find(n); s != stuck_.end() && now < s->second) continue;
    names.push_back(std::move(n));
  }

  bool claimed_any = false;
  for (auto& name : names) {
    if (intake_paused_until_) {
      scan_due_ = true;  // the rest of this batch is found again
      break;
    }
    auto result = spool_.claim(name, wall_now());
    if (auto* err = std::get_if<jobs::spool_error>(&result); err && !jobs::is_spool_wide(err->code))
      result = jobs::left_in_place{name, err->message};
    if (auto* err = std::get_if<jobs::spool_error>(&result)) {
      spool_failed(*err);
      scan_due_ = true;
      break;
    }
    if (auto* left = std::get_if<jobs::left_in_place>(&result)) {
      // That entry's problem only: logged once, tried again in a minute.
      if (stuck_.emplace(name, clock::time_point{}).second) log(level::warning, left->message);
      stuck_[name] = wall_now() + std::chrono::minutes(1);
      continue;
    }
    stuck_.erase(name);
    if (auto* q = std::get_if<jobs::quarantined>(&result)) {
      log(level::warning, "job " + q->name + ": dead (invalid): " + q->message);
      event({.event = log_event::dead,
             .ts = wall_now(),
             .job = q->name,
             .category = "invalid",
             .message = q->message});
      continue;
    }
    auto* c = std::get_if<jobs::claimed>(&result);
    if (!c) continue;  // gone
    claimed_any = true;
    // The rank is durable (arrival journal) with the claim's group commit below.
    c->state.arrival = next_rank();
    spool_.note_arrival(c->name, *c->state.arrival);
    admit_claimed(*c, job_source::incoming);
  }
  // Claims are made durable (one group commit) before any of them can be sent.
  if (claimed_any) {
    if (auto st = spool_.sync(); !st.ok()) spool_failed(*st.error);
  }
  // More waiting than this batch took: come back after this turn.
  if (in_memory() < window_ && !intake_paused_until_ &&
      (!scanned_.empty() || !arrived_.empty() || (scan_due_ && !names.empty())))
    request_intake();
}

// Acts on admit(): the one place a claimed job enters memory, the dead letters, deferred/
// or stays parked. The file is in active/ on entry.
void engine::admit_claimed(jobs::claimed& c, job_source source) {
  const auto now = wall_now();
  auto decoded = jobs::decode_job(c.bytes, c.name);
  jobs::job* j = std::get_if<jobs::job>(&decoded);
  backend_runtime* b = j ? find(j->backend) : nullptr;
  admission_facts f;
  f.source = source;
  f.job = c.name;
  if (auto* e = std::get_if<jobs::decode_error>(&decoded)) f.decode_error = e->message;
  if (j) {
    f.backend = j->backend;
    f.invoice_id = j->invoice_id;
    f.backend_configured = b && !b->removed;
    if (!f.backend_configured)  // only the message for an unknown backend lists them
      for (auto& bc : cfg_.backends) f.configured.push_back(bc.name);
    if (f.backend_configured && source == job_source::incoming)
      f.validation_error =
          j->merge ? b->adapter->validate_merge(j->update) : b->adapter->validate(j->update);
    f.backend_full = !clustered() && queue_.size(j->backend) >= backend_cap();
  }
  f.sending_unsafe = c.state.sending_unsafe;
  f.read_before = !c.state.read_before.empty();
  const admission_decision d = admit(f);

  switch (d.what) {
    case admission::dead_invalid:
      bury_unqueued(c.name, j, c.state, jobs::outside_text(d.reason));
      return;
    case admission::dead_interrupted: {
      c.state.sending_unsafe = false;
      held_job h{std::move(*j), c.state, false, false};
      bury(c.name, h, jobs::dead_category::exhausted, d.reason, std::nullopt);
      return;
    }
    case admission::defer:
      // Its backend holds its share of the window (slow, paused or suspended): the job
      // waits in deferred/ (no attempt spent) so others are not starved.
      c.state.next_attempt = now + std::chrono::seconds(30);
      if (auto st = spool_.defer(c.name, c.state); !st.ok()) spool_failed(*st.error);
      return;
    case admission::park:
    case admission::skip:
    case admission::queue:
      break;
  }
  if (clustered() && d.what == admission::queue) {
    // Into the cluster database; the file stays in active/ until some node finishes it.
    cluster_submit(c, *j);
    return;
  }
  if (source == job_source::deferred) {
    // A deferred job waits in deferred/ (its schedule is in its state).
    if (auto st = spool_.defer(c.name, c.state); !st.ok()) {
      spool_failed(*st.error);
      return;  // stays in active/: recovered at the next start
    }
    if (d.what == admission::park) {
      parked_.insert(c.name);
      return;
    }
    if (d.what == admission::skip) return;  // its turn comes at a later scan
  }
  held_job h{std::move(*j), c.state, source == job_source::deferred, true};
  h.safe_to_repeat = b->adapter->safe_to_repeat(h.job.update);
  // Arrival rank: given at claim; a job deferred by an older version has only its first
  // claim time, on the same (microsecond) scale.
  if (!h.state.arrival)
    h.state.arrival = static_cast<std::uint64_t>(
        std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(
                                      h.state.first_seen.value_or(now).time_since_epoch())
                                      .count()));
  queue_key key{h.job.backend, h.job.invoice_id, h.job.sequence.value_or(0), *h.state.arrival};
  auto not_before =
      h.state.next_attempt.value_or(source == job_source::deferred ? now : clock::time_point{});
  // An unsafe write cut off by a stop: the server may still be working on it; the read that
  // verifies it waits one request timeout from when it was sent.
  if (h.state.sending_unsafe && h.state.last_attempt)
    not_before = std::max(not_before, *h.state.last_attempt + b->cfg.timeout);
  if (source == job_source::incoming)
    event({.event = log_event::queued,
           .ts = now,
           .job = c.name,
           .backend = h.job.backend,
           .invoice_id = h.job.invoice_id});
  held_.emplace(c.name, std::move(h));
  queue_.add(c.name, key, not_before);
  wake(*b);
}

void engine::bury_unqueued(const std::string& name, const jobs::job* j, jobs::delivery_state& st,
                           std::string message) {
  jobs::dead_letter d{
      jobs::dead_category::invalid, message, std::nullopt, std::nullopt, false, std::nullopt};
  held_job h{j ? *j : jobs::job{}, st, false, true, std::nullopt};
  // The backend name of an invalid job is outside text: sanitised once on its record, so the
  // dead letter, the log line and the status-log event all carry the same bounded text.
  h.job.backend = jobs::outside_text(h.job.backend);
  if (j) {
    d.backend = h.job.backend;
    d.invoice_id = j->invoice_id;
    d.invoice_id_is_integer = j->invoice_id_is_integer;
  }
  settle(name, h, {false, std::move(d), std::nullopt});
}

}  // namespace reconcilerd::daemon

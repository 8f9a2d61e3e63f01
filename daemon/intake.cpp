// Intake: incoming/ -> active/ (spool::claim), decode, check the backend and the update's
// schema, then queue. Bounded by engine::window_ so a huge backlog neither exhausts memory
// nor delays the first delivery. A spool-wide error (ENOSPC, EDQUOT, EIO, EROFS) pauses
// claiming, logged once; an entry that cannot be moved (a producer's directory) is logged
// once, skipped, and tried again every minute without stopping anything else.
#include <boost/asio/post.hpp>

#include "daemon/engine.hpp"
#include "daemon/log.hpp"
#include "jobs/job_decode.hpp"

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

std::string configured_names(const config::config& cfg) {
  std::string out;
  for (auto& b : cfg.backends) out += (out.empty() ? "" : ", ") + b.name;
  return out;
}
}  // namespace

void engine::intake() {
  if (stopping_) return;
  const auto now = clock::now();
  if (intake_paused_until_) {
    if (now < *intake_paused_until_) return;
    intake_paused_until_.reset();  // try again; the episode ends at the next good write
  }
  if (held_.size() >= window_) return;
  // Small batches: between two batches the loop serves deliveries and timers, so a huge
  // backlog neither delays the first request nor bunches paced requests together.
  const std::size_t room = std::min<std::size_t>(window_ - held_.size(), intake_batch);

  std::vector<std::string> names;
  std::size_t stuck_seen = 0;
  auto listed = spool_.for_each(jobs::job_state::incoming, [&](const std::string& n) {
    if (auto s = stuck_.find(n); s != stuck_.end()) {
      ++stuck_seen;
      if (now < s->second) return true;
    }
    names.push_back(n);
    return names.size() < room;
  });
  if (listed) {
    log(level::error, "cannot read incoming/: " + listed->message);
    return;
  }
  // A whole listing that met fewer stuck entries than remembered: forget the ones gone.
  if (names.size() < room && stuck_seen < stuck_.size()) {
    std::erase_if(stuck_, [&](const auto& s) { return !spool_.locate(s.first); });
  }

  bool claimed_any = false;
  for (auto& name : names) {
    if (intake_paused_until_) break;  // a spool write failed during this batch
    auto result = spool_.claim(name, clock::now());
    if (auto* err = std::get_if<jobs::spool_error>(&result); err && !jobs::is_spool_wide(err->code))
      result = jobs::left_in_place{name, err->message};
    if (auto* err = std::get_if<jobs::spool_error>(&result)) {
      spool_failed(*err);
      break;
    }
    if (auto* left = std::get_if<jobs::left_in_place>(&result)) {
      // That entry's problem only: logged once, tried again in a minute.
      if (stuck_.emplace(name, clock::time_point{}).second) log(level::warning, left->message);
      stuck_[name] = clock::now() + std::chrono::minutes(1);
      continue;
    }
    stuck_.erase(name);
    if (auto* q = std::get_if<jobs::quarantined>(&result)) {
      log(level::warning, "job " + q->name + ": dead (invalid): " + q->message);
      event({.event = log_event::dead,
             .ts = clock::now(),
             .job = q->name,
             .category = "invalid",
             .message = q->message});
      continue;
    }
    auto* c = std::get_if<jobs::claimed>(&result);
    if (!c) continue;  // gone
    claimed_any = true;

    auto decoded = jobs::decode_job(c->bytes, c->name);
    if (auto* e = std::get_if<jobs::decode_error>(&decoded)) {
      bury_unqueued(c->name, nullptr, c->state, e->message);
      continue;
    }
    auto& j = std::get<jobs::job>(decoded);
    backend_runtime* b = find(j.backend);
    if (!b || b->removed) {
      bury_unqueued(
          c->name, &j, c->state,
          "unknown backend \"" + j.backend + "\" (configured: " + configured_names(cfg_) + ")");
      continue;
    }
    if (auto problem = b->adapter->validate(j.update)) {
      bury_unqueued(c->name, &j, c->state, *problem);
      continue;
    }
    if (queue_.size(j.backend) >= backend_cap()) {
      // This backend already holds its share of the window (it is slow, paused or
      // suspended): park the job in deferred/ (no attempt spent) so others are not starved.
      c->state.next_attempt = clock::now() + std::chrono::seconds(30);
      if (auto st = spool_.defer(c->name, c->state); !st.ok()) spool_failed(*st.error);
      continue;
    }
    held_job h{std::move(j), c->state, false, true};
    h.safe_to_repeat = b->adapter->safe_to_repeat(h.job.update);
    queue_key key{h.job.backend, h.job.invoice_id, h.job.sequence.value_or(0), 0};
    auto not_before = h.state.next_attempt.value_or(clock::time_point{});
    event({.event = log_event::queued,
           .ts = clock::now(),
           .job = c->name,
           .backend = h.job.backend,
           .invoice_id = h.job.invoice_id});
    held_.emplace(c->name, std::move(h));
    queue_.add(c->name, key, not_before);
    wake(*b);
  }
  // Claims are made durable (one group commit) before any of them can be sent.
  if (claimed_any) {
    if (auto st = spool_.sync(); !st.ok()) spool_failed(*st.error);
  }
  // More waiting than the window took: come back after this turn.
  if (names.size() == room && held_.size() < window_) request_intake();
}

void engine::bury_unqueued(const std::string& name, const jobs::job* j, jobs::delivery_state& st,
                           std::string message) {
  jobs::dead_letter d{
      jobs::dead_category::invalid, message, std::nullopt, std::nullopt, false, std::nullopt};
  if (j) {
    d.backend = j->backend;
    d.invoice_id = j->invoice_id;
    d.invoice_id_is_integer = j->invoice_id_is_integer;
  }
  settle({name, j ? j->backend : std::string{}, false, std::move(d), st,
          j ? j->invoice_id : std::string{}, std::nullopt});
}

}  // namespace reconcilerd::daemon

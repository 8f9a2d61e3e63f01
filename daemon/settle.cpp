// Settling: the final moves of a job (done/ or dead/) with their log lines, events and
// figures; a move the spool cannot make yet (ENOSPC, EIO) stays pending and is retried;
// spool-wide errors pause claiming, logged once per episode.
#include "daemon/engine.hpp"
#include "daemon/log.hpp"

namespace reconcilerd::daemon {

void engine::bury(const std::string& name, held_job& h, jobs::dead_category cat,
                  std::string message, std::optional<int> http_status) {
  jobs::dead_letter d{
      cat, message, h.job.backend, h.job.invoice_id, h.job.invoice_id_is_integer, http_status};
  if (h.in_deferred) {
    // bury() moves from active/: bring the file back first.
    auto res = spool_.claim_deferred(name, wall_now());
    if (auto* err = std::get_if<jobs::spool_error>(&res)) {
      spool_failed(*err);
      queue_.reschedule(name, wall_now() + std::chrono::seconds(5));
      return;
    }
    if (!std::holds_alternative<jobs::claimed>(res)) {
      log(level::error, "job " + name + ": vanished from deferred/ before it was dead-lettered");
      queue_.finish(name);
      held_.erase(name);
      return;
    }
    h.in_deferred = false;
  }
  settle({name, h.job.backend, false, std::move(d), h.state, h.job.invoice_id, http_status});
}

bool engine::settle_now(const pending_move& m) {
  const auto now = wall_now();
  auto* b = find(m.backend);
  auto retention = b ? b->cfg.done_retention : std::chrono::milliseconds(0);
  auto s = m.deliver ? spool_.complete(m.name, now, retention)
                     : spool_.bury(m.name, m.why, m.state, now);
  if (!s.ok()) {
    spool_failed(*s.error);
    return false;
  }
  if (!m.deliver) spool_ok();  // a rename into done/ writes no data: it proves nothing
  const auto status =
      m.http_status ? std::optional<unsigned>(static_cast<unsigned>(*m.http_status)) : std::nullopt;
  if (m.deliver) {
    if (b) {
      ++b->stats.delivered_total;
      b->delivered.push_back(now);
    }
    log(level::info,
        "job " + m.name + " (" + m.backend + " invoice " + m.invoice_id + "): delivered");
    event({.event = log_event::delivered,
           .ts = now,
           .job = m.name,
           .backend = m.backend,
           .invoice_id = m.invoice_id,
           .attempt = m.state.attempts,
           .http_status = status});
  } else {
    if (b) ++b->stats.dead;  // dead-lettered since the daemon started
    const std::string cat(jobs::to_string(m.why.category));
    log(level::warning,
        "job " + m.name +
            (m.backend.empty() ? std::string()
                               : " (" + m.backend + " invoice " + m.invoice_id + ")") +
            ": dead (" + cat + "): " + m.why.message);
    event({.event = log_event::dead,
           .ts = now,
           .job = m.name,
           .backend = m.backend,
           .invoice_id = m.invoice_id,
           .attempt = m.state.attempts,
           .http_status = status,
           .category = cat,
           .message = m.why.message});
  }
  queue_.finish(m.name);
  held_.erase(m.name);
  request_sync();
  request_intake();
  return true;
}

void engine::settle(pending_move m) {
  if (!settle_now(m)) pending_.push_back(std::move(m));  // kept in active/, retried
}

void engine::retry_pending() {
  std::vector<pending_move> again;
  bool failing = false;  // after one failure, keep the rest for the next turn
  for (auto& m : pending_) {
    if (failing || !settle_now(m)) {
      failing = true;
      again.push_back(std::move(m));
    }
  }
  pending_ = std::move(again);
}

void engine::spool_failed(const jobs::spool_error& e) {
  intake_paused_until_ = wall_now() + std::chrono::seconds(5);
  if (!intake_error_.empty()) return;  // logged once per episode
  intake_error_ = e.message;
  log(level::error, "spool write failed: " + e.message +
                        "; claiming paused, pending moves retried every 5 s (nothing is lost)");
}

void engine::spool_ok() {
  if (intake_error_.empty()) return;
  log(level::notice, "spool writes succeed again (after: " + intake_error_ + "); claiming resumed");
  intake_error_.clear();
  intake_paused_until_.reset();
}

}  // namespace reconcilerd::daemon

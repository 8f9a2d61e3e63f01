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
  settle(name, h, {false, std::move(d), http_status});
}

bool engine::settle_now(const std::string& name, const held_job& h, const final_move& m) {
  const auto now = wall_now();
  const std::string& backend = h.job.backend;
  const std::string& invoice_id = h.job.invoice_id;
  auto* b = backend.empty() ? nullptr : find(backend);
  auto retention = b ? b->cfg.done_retention : std::chrono::milliseconds(0);
  auto s = m.deliver ? spool_.complete(name, now, retention, longest_done_retention())
                     : spool_.bury(name, m.why, h.state, now);
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
    log(level::info, "job " + name + " (" + backend + " invoice " + invoice_id + "): delivered");
    event({.event = log_event::delivered,
           .ts = now,
           .job = name,
           .backend = backend,
           .invoice_id = invoice_id,
           .attempt = h.state.attempts,
           .http_status = status});
  } else {
    if (b) ++b->stats.dead;  // dead-lettered since the daemon started
    const std::string cat(jobs::to_string(m.why.category));
    log(level::warning,
        "job " + name +
            (backend.empty() ? std::string() : " (" + backend + " invoice " + invoice_id + ")") +
            ": dead (" + cat + "): " + m.why.message);
    event({.event = log_event::dead,
           .ts = now,
           .job = name,
           .backend = backend,
           .invoice_id = invoice_id,
           .attempt = h.state.attempts,
           .http_status = status,
           .category = cat,
           .message = m.why.message});
  }
  queue_.finish(name);
  held_.erase(name);
  request_sync();
  request_intake();
  return true;
}

void engine::settle(const std::string& name, held_job& h, final_move m) {
  if (settle_now(name, h, m)) return;  // `h` may be gone now
  // Kept in active/ and in memory, on the job's own record, and retried.
  auto it = held_.find(name);
  if (it == held_.end()) it = held_.emplace(name, std::move(h)).first;
  it->second.settling = std::move(m);
}

void engine::retry_pending() {
  std::vector<std::string> names;
  for (auto& [name, h] : held_)
    if (h.settling) names.push_back(name);
  for (auto& name : names) {
    auto it = held_.find(name);
    if (it == held_.end() || !it->second.settling) continue;
    const final_move m = *it->second.settling;
    if (!settle_now(name, it->second, m)) break;  // after one failure, the rest next turn
  }
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

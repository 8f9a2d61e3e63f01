// Start-up recovery and the deferred scan: the spool's recover(), then deferred jobs back
// into memory within the window (admission decides, engine::admit_claimed acts).
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <filesystem>

#include "daemon/engine.hpp"
#include "daemon/log.hpp"

namespace reconcilerd::daemon {

void engine::recover() {
  const auto now = wall_now();
  auto r = spool_.recover(now);
  if (r.requeued || r.non_jobs_quarantined || r.temps_removed || r.buries_finished)
    log(level::notice,
        "recovery: " + std::to_string(r.requeued) + " interrupted deliveries re-queued, " +
            std::to_string(r.non_jobs_quarantined) + " non-job entries quarantined, " +
            std::to_string(r.buries_finished) + " dead letters completed, " +
            std::to_string(r.temps_removed) + " temp files removed");
  // Deferred jobs come back into memory with their schedule (and stay in deferred/); the
  // periodic scan brings back any that did not fit into the window.
  load_deferred(false);
  if (auto s = spool_.sync(); !s.ok()) throw std::runtime_error(s.error->message);
}

void engine::load_deferred(bool only_due) {
  const auto now = wall_now();
  if (held_.size() >= window_) return;
  std::vector<std::string> names;
  (void)spool_.for_each(jobs::job_state::deferred, [&](const std::string& n) {
    if (held_.count(n) || parked_.count(n)) return true;
    if (only_due) {
      auto st = spool_.state_of(n);
      if (st && st->next_attempt && *st->next_attempt > now) return true;
    }
    names.push_back(n);
    return held_.size() + names.size() < window_;
  });
  const std::size_t parked_before = parked_.size();
  for (auto& name : names) {
    auto result = spool_.claim_deferred(name, now);
    if (auto* c = std::get_if<jobs::claimed>(&result)) admit_claimed(*c, job_source::deferred);
  }
  if (const std::size_t parked = parked_.size() - parked_before)
    log(level::warning, std::to_string(parked) +
                            " deferred jobs name a backend that is not configured; they stay in "
                            "deferred/ until it is configured again");
  if (!names.empty()) request_sync();
}

}  // namespace reconcilerd::daemon

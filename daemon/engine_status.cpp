// The engine's view for operators: the status snapshot (status.json, metrics), the one-line
// sd_notify STATUS= summary, and writing them.
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <filesystem>

#include "daemon/app.hpp"
#include "daemon/cluster/link.hpp"
#include "daemon/engine.hpp"
#include "daemon/log.hpp"
#include "daemon/sd_notify.hpp"
#include "daemon/status/metrics.hpp"
#include "daemon/status/status_writer.hpp"

namespace reconcilerd::daemon {

status_snapshot engine::snapshot() {
  const auto now = wall_now();
  status_snapshot s;
  s.pid = ::getpid();
  s.version = version;
  s.started_at = started_at_;
  s.generated_at = now;
  for (auto& bc : cfg_.backends) {
    auto* b = find(bc.name);
    if (!b) continue;
    while (!b->starts.empty() && b->starts.front() < now - std::chrono::minutes(1))
      b->starts.pop_front();
    while (!b->delivered.empty() && b->delivered.front() < now - std::chrono::hours(1))
      b->delivered.pop_front();
    auto& st = b->stats;
    st.active = queue_.in_flight(bc.name);
    st.deferred = queue_.waiting(bc.name, now);
    st.queued = queue_.size(bc.name) - st.active - st.deferred;
    st.delivered_last_hour = b->delivered.size();
    st.current_rate = static_cast<double>(b->starts.size()) / 60.0;
    const auto steady_now = std::chrono::steady_clock::now();
    auto hs = b->health.state(steady_now);
    auto to_wall = [&](std::optional<std::chrono::steady_clock::time_point> t) {
      return t ? std::optional<clock::time_point>(
                     now + std::chrono::duration_cast<clock::duration>(*t - steady_now))
               : std::nullopt;
    };
    auto pause = b->pace.paused_until(steady_now);
    st.until.reset();
    st.reason.clear();
    if (hs == health_state::suspended) {
      st.state = backend_state::suspended;
      st.reason = b->health.suspend_reason();
      st.until = to_wall(b->health.next_probe());
    } else if (hs == health_state::circuit_open || hs == health_state::half_open) {
      st.state = backend_state::circuit_open;
      st.reason = std::to_string(b->health.consecutive_failures()) +
                  " consecutive failures; last: " + st.last_error;
      st.until = to_wall(b->health.circuit_open_until());
    } else if (pause) {
      st.state = backend_state::paused;
      st.reason = b->pause_reason;
      st.until = now + std::chrono::duration_cast<clock::duration>(*pause - steady_now);
    } else {
      st.state = backend_state::running;
    }
    s.backends.push_back(st);
  }
  // Counting means reading whole directories: with a large spool, only every 10 s.
  const std::uint64_t last_total = spool_counts_.incoming + spool_counts_.active +
                                   spool_counts_.deferred + spool_counts_.done + spool_counts_.dead;
  if (last_total < 10000 || now - spool_counted_at_ >= std::chrono::seconds(10)) {
    auto count = [&](jobs::job_state js) {
      std::uint64_t n = 0;
      (void)spool_.for_each(js, [&](const std::string&) {
        ++n;
        return true;
      });
      return n;
    };
    spool_counts_ = {count(jobs::job_state::incoming), count(jobs::job_state::active),
                     count(jobs::job_state::deferred), count(jobs::job_state::done),
                     count(jobs::job_state::dead)};
    spool_counted_at_ = now;
  }
  s.spool = spool_counts_;
  std::optional<clock::time_point> oldest;
  for (auto& [n, h] : held_)
    if (h.state.first_seen && (!oldest || *h.state.first_seen < *oldest))
      oldest = h.state.first_seen;
  if (oldest) s.oldest_job_age = std::chrono::duration_cast<std::chrono::seconds>(now - *oldest);
  if (clustered()) {
    s.cluster = cluster_view_.value_or(cluster_status{});
    s.cluster->node = cfg_.cluster->node;
    s.cluster->database_up = cluster_->db() != nullptr;
    s.cluster->lease_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(cfg_.cluster->lease).count();
  }
  return s;
}

std::string engine::summary() const {
  return std::to_string(held_.size()) + " jobs held, " + std::to_string(in_flight()) +
         " in flight" + (intake_error_.empty() ? "" : ", claiming paused: " + intake_error_);
}

void engine::write_status() {
  auto s = snapshot();
  if (auto written = spool_.write_status(to_status_json(s)); !written.ok()) {
    static bool reported = false;
    if (!reported) log(level::error, written.error->message);
    reported = true;
  }
  if (!cfg_.metrics_file.empty())
    if (auto ec = write_metrics_file(cfg_.metrics_file, s); ec) {
      static bool reported = false;
      if (!reported) log(level::error, cfg_.metrics_file + ": " + ec.message());
      reported = true;
    }
  if (auto line = summary(); line != last_status_) {  // only changes reach systemd
    notify::status(line);
    last_status_ = std::move(line);
  }
}

// ---------------------------------------------------------------------------------------

}  // namespace reconcilerd::daemon

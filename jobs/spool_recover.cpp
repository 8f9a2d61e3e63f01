// Start-up recovery. Jobs left in active/ were interrupted mid-delivery: they go to
// deferred/ due now, with attempts + 1 ("the request may have reached the server");
// non-jobs there are quarantined. Half-finished dead-letterings are completed, and our own
// stray temp files and orphaned state files are removed. Deferred schedules are untouched.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "jobs/spool.hpp"

namespace reconcilerd::jobs {
namespace {

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

constexpr std::string_view interrupted =
    "interrupted: the daemon stopped during delivery; the request may have reached the server";

}  // namespace

recover_report spool::recover(clock_time now) {
  recover_report report;

  const auto ranks = read_arrivals();
  std::vector<std::string> active;
  (void)scan(d_active, [&](const std::string& name) {
    active.push_back(name);
    return true;
  });
  for (const auto& name : active) {
    struct stat st;
    if (::fstatat(fd(d_active), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!is_valid_job_name(name) || !S_ISREG(st.st_mode)) {
      delivery_state s;
      s.first_seen = now;
      auto r =
          quarantine(d_active, name, s,
                     "entry in active/ at start-up is not a job file (" +
                         std::string(S_ISREG(st.st_mode) ? "bad name" : "not a regular file") + ")",
                     now);
      if (std::holds_alternative<quarantined>(r)) ++report.non_jobs_quarantined;
      continue;
    }
    delivery_state s = state_of(name).value_or(delivery_state{});
    if (!s.first_seen)
      s.first_seen = clock_time(std::chrono::seconds(st.st_ctim.tv_sec) +
                                std::chrono::nanoseconds(st.st_ctim.tv_nsec));
    if (!s.arrival) {
      // The rank given at claim (arrival journal); else the claim time (the rename into
      // active/), which orders it after everything claimed before.
      auto r = ranks.find(name);
      s.arrival = r != ranks.end() ? r->second
                                   : static_cast<std::uint64_t>(st.st_ctim.tv_sec) * 1'000'000 +
                                         static_cast<std::uint64_t>(st.st_ctim.tv_nsec / 1000);
    }
    s.attempts += 1;
    s.next_attempt = now;
    s.last_error = std::string(interrupted);
    if (exists_at(fd(d_deferred), name)) continue;  // cannot happen: names are unique
    if (store_state(name, s)) continue;
    if (move_noreplace(fd(d_active), name, fd(d_deferred), name)) continue;
    mark(d_active);
    mark(d_deferred);
    ++report.requeued;
  }

  // dead/: finish buries whose error.json is still a temp; restore lost ones.
  std::set<std::string> dead;
  (void)scan(d_dead, [&](const std::string& name) {
    dead.insert(name);
    return true;
  });
  const std::string sidecar(error_json_suffix);
  for (const auto& name : dead) {
    if (is_hidden_name(name) && ends_with(name, sidecar + ".tmp")) {
      std::string final_json = name.substr(1, name.size() - 5);
      std::string job = final_json.substr(0, final_json.size() - sidecar.size());
      if (dead.count(job) && !dead.count(final_json) &&
          ::renameat(fd(d_dead), name.c_str(), fd(d_dead), final_json.c_str()) == 0) {
        dead.insert(final_json);
        ++report.buries_finished;
      } else if (::unlinkat(fd(d_dead), name.c_str(), 0) == 0) {
        ++report.temps_removed;
      }
      mark(d_dead);
    }
  }
  for (const auto& name : dead) {
    if (is_hidden_name(name)) continue;
    if (has_sidecar_suffix(name)) {
      std::string job = name.substr(0, name.size() - sidecar.size());
      if (!dead.count(job) && ::unlinkat(fd(d_dead), name.c_str(), 0) == 0) {
        ++report.temps_removed;  // left behind by an interrupted retry_dead
        mark(d_dead);
      }
      continue;
    }
    if (dead.count(name + sidecar)) continue;
    dead_letter why{dead_category::invalid,
                    "the reason for dead-lettering was lost (the daemon stopped while writing "
                    "it); see the daemon's log",
                    std::nullopt,
                    std::nullopt,
                    false,
                    std::nullopt};
    delivery_state s;
    if (!write_file_durably(fd(d_dead), "." + name + sidecar + ".tmp", name + sidecar,
                            render_error_json(name, why, s, now))) {
      ++report.error_json_restored;
      mark(d_dead);
    }
  }

  // state/: temps, and states of jobs that are no longer active or deferred.
  std::vector<std::string> states;
  (void)scan(d_state, [&](const std::string& name) {
    states.push_back(name);
    return true;
  });
  for (const auto& name : states) {
    bool temp = is_hidden_name(name);
    if (!temp) {
      if (!ends_with(name, ".json")) continue;
      std::string job = name.substr(0, name.size() - 5);
      if (exists_at(fd(d_active), job) || exists_at(fd(d_deferred), job)) continue;
    }
    if (::unlinkat(fd(d_state), name.c_str(), 0) == 0) {
      ++(temp ? report.temps_removed : report.states_removed);
      mark(d_state);
    }
  }
  // state/expiry/: markers whose done/ file is gone (pruned before a crash, or removed),
  // and temps of markers a crash interrupted (hidden names: never a done/ file's name).
  std::vector<std::string> markers;
  (void)scan(d_expiry, [&](const std::string& name) {
    if (!exists_at(fd(d_done), name)) markers.push_back(name);
    return true;
  });
  for (const auto& name : markers)
    if (::unlinkat(fd(d_expiry), name.c_str(), 0) == 0) {
      ++report.states_removed;
      mark(d_expiry);
    }
  if (::unlinkat(root_fd_.get(), ".status.json.tmp", 0) == 0) {
    ++report.temps_removed;
    root_dirty_ = true;
  }
  (void)sync();
  return report;
}

}  // namespace reconcilerd::jobs

// The state changes after a claim: defer, complete, bury, retry_dead, prune_done. Each is
// one rename of the job file (never rewritten, its metadata never touched: producers own
// job files); what must survive with it (state file, error.json) is written to a temp name
// and fsynced first. A failure leaves the job where
// it was and returns the error.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <string_view>

#include "jobs/spool.hpp"

namespace reconcilerd::jobs {
namespace {

std::error_code invalid() { return std::make_error_code(std::errc::invalid_argument); }

timespec to_timespec(clock_time t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  if (ts.tv_nsec < 0) {
    ts.tv_nsec += 1'000'000'000;
    ts.tv_sec -= 1;
  }
  return ts;
}

}  // namespace

spool_status spool::defer(const std::string& name, const delivery_state& state) {
  if (!is_valid_job_name(name)) return {spool_error{invalid(), "defer: bad name"}};
  if (!exists_at(fd(d_active), name))
    return {fail(std::make_error_code(std::errc::no_such_file_or_directory),
                 "defer " + where(d_active, name))};
  if (auto e = store_state(name, state)) return {e};
  if (auto ec = move_noreplace(fd(d_active), name, fd(d_deferred), name))
    return {fail(ec, "rename " + where(d_active, name) + " -> " + where(d_deferred, name))};
  mark(d_active);
  mark(d_deferred);
  return {};
}

spool_status spool::complete(const std::string& name, clock_time now,
                             std::chrono::milliseconds retention,
                             std::chrono::milliseconds fallback) {
  if (!is_valid_job_name(name)) return {spool_error{invalid(), "complete: bad name"}};
  if (retention <= std::chrono::milliseconds::zero()) {
    if (::unlinkat(fd(d_active), name.c_str(), 0) != 0)
      return {fail(last_errno(), "remove " + where(d_active, name))};
    mark(d_active);
    drop_state(name);
    return {};
  }
  // The name was unused when the job was claimed: try it, and only on a clash pick another.
  std::string target = name;
  auto ec = move_noreplace(fd(d_active), name, fd(d_done), target);
  if (ec == std::errc::file_exists) {
    target = unused_name(name);
    ec = move_noreplace(fd(d_active), name, fd(d_done), target);
  }
  if (ec) return {fail(ec, "rename " + where(d_active, name) + " -> " + where(d_done, target))};
  mark(d_active);
  mark(d_done);
  drop_state(name);
  if (retention == fallback) {
    if (::unlinkat(fd(d_expiry), target.c_str(), 0) == 0) mark(d_expiry);
    return {};
  }
  // The expiry goes on a marker the daemon owns (Postfix's mtime trick, on our own file):
  // the job file belongs to its producer. The marker gets its time under a temp name and is
  // renamed into place, so a crash never leaves a marker that says "expired now". Without
  // the marker (a crash right here, a failed write) prune_done falls back to the change time.
  const std::string temp = "." + target + ".tmp";
  unique_fd marker(::openat(fd(d_expiry), temp.c_str(),
                            O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (marker) {
    timespec times[2] = {to_timespec(now), to_timespec(now + retention)};
    if (::futimens(marker.get(), times) == 0 &&
        ::renameat(fd(d_expiry), temp.c_str(), fd(d_expiry), target.c_str()) == 0)
      mark(d_expiry);
    else
      ::unlinkat(fd(d_expiry), temp.c_str(), 0);
  }
  return {};
}

spool_status spool::bury(const std::string& name, const dead_letter& why,
                         const delivery_state& state, clock_time now) {
  if (!is_valid_job_name(name)) return {spool_error{invalid(), "bury: bad name"}};
  if (!exists_at(fd(d_active), name))
    return {fail(std::make_error_code(std::errc::no_such_file_or_directory),
                 "bury " + where(d_active, name))};
  delivery_state recorded = state;
  std::string target = name;
  if (exists_at(fd(d_dead), name) || exists_at(fd(d_dead), name + std::string(error_json_suffix))) {
    target = unused_name(name);
    if (recorded.original_name.empty()) recorded.original_name = name;
  }
  std::string final_json = target + std::string(error_json_suffix);
  std::string temp = "." + final_json + ".tmp";
  if (auto ec = write_temp(fd(d_dead), temp, render_error_json(target, why, recorded, now)))
    return {fail(ec, "write " + where(d_dead, temp))};
  if (auto ec = move_noreplace(fd(d_active), name, fd(d_dead), target)) {
    ::unlinkat(fd(d_dead), temp.c_str(), 0);
    return {fail(ec, "rename " + where(d_active, name) + " -> " + where(d_dead, target))};
  }
  mark(d_active);
  mark(d_dead);
  if (::renameat(fd(d_dead), temp.c_str(), fd(d_dead), final_json.c_str()) != 0)
    return {fail(last_errno(), "rename " + where(d_dead, temp))};  // recover() finishes it
  drop_state(name);
  return {};
}

// Test seam (tests/jobs/spool_lifecycle_test.cpp): called after each step of retry_dead()
// so a test can act as the daemon between two steps. Empty outside tests.
namespace test_seams {
std::function<void(std::string_view step)> retry_dead_step;
}  // namespace test_seams

namespace {
void retry_dead_step(std::string_view step) {
  if (test_seams::retry_dead_step) test_seams::retry_dead_step(step);
}
}  // namespace

// Decide first, act second, in an order a running daemon cannot trip over: once the job is in
// incoming/ the daemon may claim it and store a state under the claimed name at once (an
// unsafe-send marker), so nothing keyed by a name it may claim is removed after the rename.
// 1. The dead job's leftover state (bury removes it after its rename; a crash in between
//    keeps it) goes first, while the job is still in dead/. A crash here leaves an intact
//    dead letter.
// 2. The rename. 3. error.json: while it exists, a claim takes another name (unused_name), so
//    its removal cannot touch anything the daemon wrote. A crash before 3 leaves an orphan
//    error.json that recover() removes.
retry_result spool::retry_dead(const std::string& name) {
  if (!is_valid_job_name(name) || has_sidecar_suffix(name))
    return spool_error{invalid(), "\"" + escape_name(name) + "\" is not a dead job name"};
  if (!exists_at(fd(d_dead), name))
    return fail(std::make_error_code(std::errc::no_such_file_or_directory),
                "no dead letter " + where(d_dead, name));
  const std::string sidecar = name + std::string(error_json_suffix);
  if (!exists_at(fd(d_active), name) && !exists_at(fd(d_deferred), name)) drop_state(name);
  retry_dead_step("state removed");
  const bool had_sidecar = exists_at(fd(d_dead), sidecar);
  for (int n = 0;; ++n) {
    std::string target = with_suffix(name, n);
    auto ec = move_noreplace(fd(d_dead), name, fd(d_incoming), target);
    if (ec == std::errc::file_exists) continue;
    if (ec == std::errc::no_such_file_or_directory)
      return fail(ec, "no dead letter " + where(d_dead, name));
    if (ec) return fail(ec, "rename " + where(d_dead, name) + " -> " + where(d_incoming, target));
    mark(d_dead);
    mark(d_incoming);
    retry_dead_step("renamed");
    if (had_sidecar && ::unlinkat(fd(d_dead), sidecar.c_str(), 0) != 0 && errno != ENOENT)
      return fail(last_errno(), "remove " + where(d_dead, sidecar));
    retry_dead_step("error.json removed");
    return target;
  }
}

std::size_t spool::prune_done(clock_time now, std::chrono::milliseconds fallback) {
  const timespec limit = to_timespec(now);
  const timespec back = to_timespec(clock_time{} + fallback);
  auto not_after = [](const timespec& a, const timespec& b) {
    return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec <= b.tv_nsec);
  };
  std::vector<std::string> expired;
  (void)scan(d_done, [&](const std::string& name) {
    struct stat st;
    if (is_hidden_name(name)) return true;
    if (::fstatat(fd(d_expiry), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (not_after(st.st_mtim, limit)) expired.push_back(name);
    } else if (::fstatat(fd(d_done), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      timespec expiry{st.st_ctim.tv_sec + back.tv_sec, st.st_ctim.tv_nsec + back.tv_nsec};
      if (expiry.tv_nsec >= 1'000'000'000) {
        expiry.tv_nsec -= 1'000'000'000;
        ++expiry.tv_sec;
      }
      if (not_after(expiry, limit)) expired.push_back(name);
    }
    return true;
  });
  std::size_t removed = 0;
  for (const auto& name : expired) {
    if (::unlinkat(fd(d_done), name.c_str(), 0) == 0) ++removed;
    if (::unlinkat(fd(d_expiry), name.c_str(), 0) == 0) mark(d_expiry);
  }
  if (removed) mark(d_done);
  return removed;
}

}  // namespace reconcilerd::jobs

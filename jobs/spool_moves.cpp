// The state changes after a claim: defer, complete, bury, retry_dead, prune_done. Each is
// one rename of the job file (never rewritten); what must survive with it (state file,
// error.json) is written to a temp name and fsynced first. A failure leaves the job where
// it was and returns the error.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

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
                             std::chrono::milliseconds retention) {
  if (!is_valid_job_name(name)) return {spool_error{invalid(), "complete: bad name"}};
  if (retention <= std::chrono::milliseconds::zero()) {
    if (::unlinkat(fd(d_active), name.c_str(), 0) != 0)
      return {fail(last_errno(), "remove " + where(d_active, name))};
    mark(d_active);
    drop_state(name);
    return {};
  }
  // Postfix-style: the file's mtime carries its expiry; the bytes are not touched.
  timespec times[2] = {to_timespec(now), to_timespec(now + retention)};
  if (::utimensat(fd(d_active), name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
    return {fail(last_errno(), "set expiry of " + where(d_active, name))};
  std::string target = exists_at(fd(d_done), name) ? unused_name(name) : name;
  if (auto ec = move_noreplace(fd(d_active), name, fd(d_done), target))
    return {fail(ec, "rename " + where(d_active, name) + " -> " + where(d_done, target))};
  mark(d_active);
  mark(d_done);
  drop_state(name);
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

retry_result spool::retry_dead(const std::string& name) {
  if (!is_valid_job_name(name) || has_sidecar_suffix(name))
    return spool_error{invalid(), "\"" + escape_name(name) + "\" is not a dead job name"};
  for (int n = 0;; ++n) {
    std::string target = with_suffix(name, n);
    auto ec = move_noreplace(fd(d_dead), name, fd(d_incoming), target);
    if (ec == std::errc::file_exists) continue;
    if (ec == std::errc::no_such_file_or_directory)
      return fail(ec, "no dead letter " + where(d_dead, name));
    if (ec) return fail(ec, "rename " + where(d_dead, name) + " -> " + where(d_incoming, target));
    mark(d_dead);
    mark(d_incoming);
    if (::unlinkat(fd(d_dead), (name + std::string(error_json_suffix)).c_str(), 0) != 0 &&
        errno != ENOENT)
      return fail(last_errno(), "remove " + where(d_dead, name + std::string(error_json_suffix)));
    drop_state(name);
    return target;
  }
}

std::size_t spool::prune_done(clock_time now) {
  std::vector<std::string> expired;
  timespec limit = to_timespec(now);
  (void)scan(d_done, [&](const std::string& name) {
    struct stat st;
    if (::fstatat(fd(d_done), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        (st.st_mtim.tv_sec < limit.tv_sec ||
         (st.st_mtim.tv_sec == limit.tv_sec && st.st_mtim.tv_nsec <= limit.tv_nsec)))
      expired.push_back(name);
    return true;
  });
  std::size_t removed = 0;
  for (const auto& name : expired)
    if (::unlinkat(fd(d_done), name.c_str(), 0) == 0) ++removed;
  if (removed) mark(d_done);
  return removed;
}

}  // namespace reconcilerd::jobs

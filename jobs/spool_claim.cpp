// Claiming: incoming/ or deferred/ -> active/ by one rename, then the checks of Postfix's
// mail_open_ok: a valid name, lstat/fstat says regular file with one link, at most 1 MiB.
// Anything else is quarantined to dead/ (category invalid) under a safe name; decide
// (the reason) first, then act (one quarantine path).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "jobs/job_decode.hpp"
#include "jobs/spool.hpp"

namespace reconcilerd::jobs {
namespace {

std::string kind_of(mode_t m) {
  if (S_ISLNK(m)) return "a symbolic link (never followed)";
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  return "not a regular file";
}

// Why a (validly named) entry cannot be a job file, judged by its stat; empty if it can.
std::string unfit(const struct stat& st) {
  if (!S_ISREG(st.st_mode)) return "job file is " + kind_of(st.st_mode) + ", not a regular file";
  if (st.st_nlink != 1)
    return "job file has " + std::to_string(st.st_nlink) +
           " hard links (a link to another file is not accepted)";
  if (static_cast<std::size_t>(st.st_size) > max_job_bytes)
    return "job file is larger than 1 MiB (" + std::to_string(st.st_size) + " bytes)";
  return {};
}

std::string bad_name_reason(const std::string& name) {
  std::string shown = "\"" + escape_name(name) + "\"";
  if (name.size() > max_job_name)
    return "invalid job file name " + shown + ": longer than 200 characters (" +
           std::to_string(name.size()) + ")";
  return "invalid job file name " + shown + ": only A-Z a-z 0-9 . _ - are allowed";
}

// Why a file the daemon may not open cannot be claimed: the producer's mistake, named.
std::string unreadable_reason(const struct stat& st) {
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return std::string("job file is not readable by the daemon (mode ") + mode + ", owner uid " +
         std::to_string(st.st_uid) + ", group gid " + std::to_string(st.st_gid) +
         "): producers must create job files group-readable (0640) in tmp/ and rename them "
         "into incoming/";
}

std::string unmovable_reason(int dir, const std::string& name, std::error_code ec) {
  struct stat st;
  std::string what = "entry";
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
    what = "directory (owner uid " + std::to_string(st.st_uid) + ")";
  return "incoming/" + escape_name(name) + " is a " + what +
         " the daemon cannot move out of incoming/ (" + ec.message() +
         "); it is left there and skipped: remove it";
}

bool is_directory_entry_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

}  // namespace

claim_result spool::claim(const std::string& name, clock_time now) {
  return take(d_incoming, name, now);
}

claim_result spool::claim_deferred(const std::string& name, clock_time now) {
  return take(d_deferred, name, now);
}

claim_result spool::take(dir_index from, const std::string& name, clock_time now) {
  if (!is_directory_entry_name(name) || is_hidden_name(name))
    return spool_error{std::make_error_code(std::errc::invalid_argument),
                       "refusing to claim \"" + escape_name(name) + "\": not a job entry"};
  delivery_state state;
  if (from == d_deferred) state = state_of(name).value_or(delivery_state{});
  if (!state.first_seen) state.first_seen = now;
  if (!is_valid_job_name(name)) {
    state.original_name = name;
    return quarantine(from, name, state, bad_name_reason(name), now);
  }

  // Decide the name in active/: the same name, unless it is (or was) in use elsewhere.
  std::string target = name;
  for (int tries = 0;; ++tries) {
    if (from == d_incoming) target = unused_name(name);
    auto ec = move_noreplace(fd(from), name, fd(d_active), target);
    if (!ec) break;
    if (ec == std::errc::no_such_file_or_directory) return gone{};
    if (ec == std::errc::file_exists && from == d_incoming && tries < 8) continue;
    if (from == d_incoming && !is_spool_wide(ec))
      return left_in_place{name, unmovable_reason(fd(from), name, ec)};
    return fail(ec, "rename " + where(from, name) + " -> " + where(d_active, target));
  }
  mark(from);
  mark(d_active);
  if (target != name) {
    state.original_name = name;
    if (from == d_deferred) drop_state(name);
  }

  struct stat st;
  if (::fstatat(fd(d_active), target.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return gone{};
  std::string reason = unfit(st);
  if (!reason.empty()) return quarantine(d_active, target, state, reason, now);

  unique_fd f(::openat(fd(d_active), target.c_str(),
                       O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!f && (errno == EACCES || errno == EPERM))
    return quarantine(d_active, target, state, unreadable_reason(st), now);
  struct stat fst;
  if (!f || ::fstat(f.get(), &fst) != 0 || fst.st_ino != st.st_ino || fst.st_dev != st.st_dev)
    return quarantine(d_active, target, state, "job file changed while it was being opened", now);
  reason = unfit(fst);
  if (!reason.empty()) return quarantine(d_active, target, state, reason, now);

  claimed c{target, name, {}, state};
  auto ec = read_all(f.get(), max_job_bytes, c.bytes);
  if (ec == std::errc::file_too_large)
    return quarantine(d_active, target, state, "job file is larger than 1 MiB", now);
  // The bytes are made durable by the next sync() (one syncfs for the whole batch).
  if (!ec) data_dirty_ = true;
  if (ec && !is_spool_wide(ec))
    return quarantine(d_active, target, state, "cannot read the job file: " + ec.message(), now);
  if (ec) {
    // Put it back where it was: it has not been claimed.
    if (!move_noreplace(fd(d_active), target, fd(from), name)) mark(from);
    return fail(ec, "read " + where(d_active, target));
  }
  return c;
}

claim_result spool::quarantine(dir_index from, const std::string& name, delivery_state state,
                               const std::string& message, clock_time now) {
  if (state.original_name.empty()) state.original_name = name;
  // The entry itself holds its name in active/ or deferred/; only dead/ can clash there.
  std::string target = sanitize_name(name);
  bool ours = from != d_incoming && target == name;
  if (!ours || exists_at(fd(d_dead), target) ||
      exists_at(fd(d_dead), target + std::string(error_json_suffix)))
    target = unused_name(target);
  dead_letter why{dead_category::invalid, message, std::nullopt, std::nullopt, false, std::nullopt};
  std::string temp = "." + target + std::string(error_json_suffix) + ".tmp";
  if (auto ec = write_temp(fd(d_dead), temp, render_error_json(target, why, state, now)))
    return fail(ec, "write " + where(d_dead, temp));
  if (auto ec = move_noreplace(fd(from), name, fd(d_dead), target)) {
    ::unlinkat(fd(d_dead), temp.c_str(), 0);
    if (ec == std::errc::no_such_file_or_directory) return gone{};
    if (from == d_incoming && !is_spool_wide(ec))
      return left_in_place{name, unmovable_reason(fd(from), name, ec)};
    return fail(ec, "rename " + where(from, name) + " -> " + where(d_dead, target));
  }
  mark(from);
  mark(d_dead);
  if (::renameat(fd(d_dead), temp.c_str(), fd(d_dead),
                 (target + std::string(error_json_suffix)).c_str()) != 0) {
    // The job is in dead/; recover() finishes the rename of the temp at the next start.
    return fail(last_errno(), "rename " + where(d_dead, temp));
  }
  if (from != d_incoming) drop_state(name);
  return quarantined{target, state.original_name, message};
}

}  // namespace reconcilerd::jobs

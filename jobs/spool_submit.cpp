// The producer's side of the spool: one safe drop into incoming/ (reconcilerctl submit).
// A producer may create files in tmp/ and incoming/ but not list or read those
// directories (mode 3730), so this opens them with O_PATH and makes the final rename
// durable with syncfs(2) when incoming/ cannot be opened for fsync.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "jobs/spool.hpp"

namespace reconcilerd::jobs {

retry_result spool::submit(const std::filesystem::path& root, const std::string& name,
                           std::string_view bytes) {
  auto fail = [](std::error_code ec, const std::string& what) {
    return spool_error{ec, what + ": " + ec.message()};
  };
  if (!is_valid_job_name(name) || is_hidden_name(name) || has_sidecar_suffix(name))
    return spool_error{std::make_error_code(std::errc::invalid_argument),
                       "\"" + escape_name(name) + "\" is not a valid job name"};
  const auto tmp_path = root / "tmp";
  const auto incoming_path = root / "incoming";
  unique_fd tmp(::open(tmp_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!tmp) return fail(last_errno(), "open " + tmp_path.string());
  unique_fd incoming(::open(incoming_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!incoming) return fail(last_errno(), "open " + incoming_path.string());

  const std::string temp = "." + name + "." + std::to_string(::getpid()) + ".tmp";
  unique_fd f(::openat(tmp.get(), temp.c_str(),
                       O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640));
  if (!f) return fail(last_errno(), "create " + (tmp_path / temp).string());
  auto give_up = [&](std::error_code ec, const std::string& what) {
    ::unlinkat(tmp.get(), temp.c_str(), 0);
    return fail(ec, what);
  };
  // 0640 whatever the umask: the daemon reads it through the group (or the default ACL,
  // whose mask comes from these group bits).
  if (::fchmod(f.get(), 0640) != 0) return give_up(last_errno(), "chmod " + temp);
  for (std::size_t done = 0; done < bytes.size();) {
    ssize_t n = ::write(f.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return give_up(last_errno(), "write " + (tmp_path / temp).string());
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(f.get()) != 0) return give_up(last_errno(), "fsync " + (tmp_path / temp).string());
  if (auto ec = move_noreplace(tmp.get(), temp, incoming.get(), name))
    return give_up(ec, "rename into " + (incoming_path / name).string());
  unique_fd readable(::open(incoming_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  int rc = readable ? ::fsync(readable.get()) : ::syncfs(f.get());
  if (rc != 0) return fail(last_errno(), "sync " + incoming_path.string());
  return name;
}

}  // namespace reconcilerd::jobs

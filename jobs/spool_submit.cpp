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

  // 0640 whatever the umask: the daemon reads it through the group (or the default ACL,
  // whose mask comes from these group bits). Never replaces a waiting job.
  const std::string temp = "." + name + "." + std::to_string(::getpid()) + ".tmp";
  unique_fd written;
  if (auto ec = write_file_durably(tmp.get(), temp, incoming.get(), name, bytes,
                                   {.mode = 0640, .replace = false, .keep_open = &written}))
    return fail(ec, "write " + (incoming_path / name).string() + " through " + tmp_path.string());
  unique_fd readable(::open(incoming_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  int rc = readable ? ::fsync(readable.get()) : ::syncfs(written.get());
  if (rc != 0) return fail(last_errno(), "sync " + incoming_path.string());
  return name;
}

}  // namespace reconcilerd::jobs

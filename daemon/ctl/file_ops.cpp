// POSIX implementations of file_ops.hpp.
#include "daemon/ctl/file_ops.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace reconcilerd::ctl {

namespace {

std::error_code last_error() { return {errno, std::generic_category()}; }

struct fd_closer {
  int fd;
  ~fd_closer() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::error_code read_job_file(const std::string& path, std::string& out) {
  out.clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return last_error();
  fd_closer guard{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return last_error();
  if (!S_ISREG(st.st_mode)) return std::make_error_code(std::errc::invalid_argument);
  if (static_cast<std::size_t>(st.st_size) > max_job_file)
    return std::make_error_code(std::errc::file_too_large);
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return last_error();
    if (n == 0) return {};
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_job_file) return std::make_error_code(std::errc::file_too_large);
  }
}

std::error_code drop_file(const std::string& tmp_dir, const std::string& final_dir,
                          const std::string& final_name, std::string_view bytes) {
  std::string tmp = tmp_dir + "/." + final_name + "." + std::to_string(::getpid()) + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0) return last_error();
  auto fail = [&](std::error_code ec) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return ec;
  };
  if (::fchmod(fd, 0640) != 0) return fail(last_error());
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(last_error());
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail(last_error());
  int rc = ::close(fd);
  fd = -1;
  if (rc != 0) return fail(last_error());
  std::string target = final_dir + "/" + final_name;
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) != 0)
    return fail(last_error());
  int dfd = ::open(final_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return last_error();
  fd_closer dguard{dfd};
  if (::fsync(dfd) != 0) return last_error();
  return {};
}

}  // namespace reconcilerd::ctl

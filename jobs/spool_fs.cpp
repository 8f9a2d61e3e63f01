// errno-to-value wrappers for the spool's *at() calls; see spool_fs.hpp.
#include "jobs/spool_fs.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace reconcilerd::jobs {

unique_fd& unique_fd::operator=(unique_fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

unique_fd::~unique_fd() {
  if (fd_ >= 0) ::close(fd_);
}

int unique_fd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

std::error_code last_errno() { return {errno, std::generic_category()}; }

bool exists_at(int dir, const std::string& name) {
  struct stat st;
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return true;
  return errno != ENOENT;
}

std::error_code move_noreplace(int from_dir, const std::string& from, int to_dir,
                               const std::string& to) {
  if (::renameat2(from_dir, from.c_str(), to_dir, to.c_str(), RENAME_NOREPLACE) == 0) return {};
  if (errno != EINVAL && errno != ENOSYS) return last_errno();
  // No RENAME_NOREPLACE on this file system: link() never replaces either.
  if (::linkat(from_dir, from.c_str(), to_dir, to.c_str(), 0) == 0) {
    if (::unlinkat(from_dir, from.c_str(), 0) != 0) return last_errno();
    return {};
  }
  if (errno != EPERM) return last_errno();
  // Directories cannot be linked; check, then rename (racy only against ourselves).
  if (exists_at(to_dir, to)) return {EEXIST, std::generic_category()};
  if (::renameat(from_dir, from.c_str(), to_dir, to.c_str()) != 0) return last_errno();
  return {};
}

std::error_code read_all(int fd, std::size_t limit, std::string& out) {
  out.clear();
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_errno();
    }
    if (n == 0) return {};
    if (out.size() + static_cast<std::size_t>(n) > limit) return {EFBIG, std::generic_category()};
    out.append(buf, static_cast<std::size_t>(n));
  }
}

std::error_code read_regular_file(int dir, const std::string& name, std::size_t limit,
                                  std::string& out) {
  out.clear();
  unique_fd fd(
      ::openat(dir, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
  if (!fd) return last_errno();
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return last_errno();
  if (!S_ISREG(st.st_mode)) return {EINVAL, std::generic_category()};
  if (static_cast<std::size_t>(st.st_size) > limit) return {EFBIG, std::generic_category()};
  return read_all(fd.get(), limit, out);
}

std::error_code write_temp(int temp_dir, const std::string& temp, std::string_view bytes,
                           unsigned mode, unique_fd* keep_open) {
  ::unlinkat(temp_dir, temp.c_str(), 0);  // a leftover of ours from a crash
  unique_fd fd(::openat(temp_dir, temp.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                        static_cast<mode_t>(mode)));
  if (!fd) return last_errno();
  std::error_code ec;
  // The umask may have taken bits away; readers (node_exporter, the daemon reading a
  // producer's drop through its group) rely on exactly `mode`.
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) ec = last_errno();
  for (std::size_t done = 0; !ec && done < bytes.size();) {
    ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ec = last_errno();
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (!ec && ::fsync(fd.get()) != 0) ec = last_errno();
  if (ec) {
    ::unlinkat(temp_dir, temp.c_str(), 0);
    return ec;
  }
  if (keep_open) {
    *keep_open = std::move(fd);
    return {};
  }
  if (::close(fd.release()) != 0) {
    ec = last_errno();
    ::unlinkat(temp_dir, temp.c_str(), 0);
  }
  return ec;
}

std::error_code write_file_durably(int temp_dir, const std::string& temp, int final_dir,
                                   const std::string& final_name, std::string_view bytes,
                                   write_options how) {
  if (auto ec = write_temp(temp_dir, temp, bytes, how.mode, how.keep_open)) return ec;
  std::error_code ec;
  if (!how.replace)
    ec = move_noreplace(temp_dir, temp, final_dir, final_name);
  else if (::renameat(temp_dir, temp.c_str(), final_dir, final_name.c_str()) != 0)
    ec = last_errno();
  if (ec) {
    ::unlinkat(temp_dir, temp.c_str(), 0);
    if (how.keep_open) *how.keep_open = unique_fd();
  }
  return ec;
}

}  // namespace reconcilerd::jobs

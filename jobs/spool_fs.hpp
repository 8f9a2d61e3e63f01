// Thin errno-to-value wrappers over the *at() system calls the spool uses: an owning fd,
// rename without replacing, whole-file reads with a limit, durable temp-file writes.
// Nothing here throws; every failure is a std::error_code from errno.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

namespace reconcilerd::jobs {

class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(o.release()) {}
  unique_fd& operator=(unique_fd&& o) noexcept;
  ~unique_fd();
  int get() const { return fd_; }
  int release();
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

std::error_code last_errno();

// renameat2(RENAME_NOREPLACE); falls back to link+unlink where the file system lacks it
// (directories there: plain renameat after a existence check). EEXIST if `to` exists.
std::error_code move_noreplace(int from_dir, const std::string& from, int to_dir,
                               const std::string& to);
// Reads the whole open file, failing with EFBIG beyond `limit` bytes.
std::error_code read_all(int fd, std::size_t limit, std::string& out);
// Creates `temp` in dir (`mode` before umask, replacing a stale one), writes bytes, fsyncs, closes.
// Removes the temp on failure.
std::error_code write_temp(int dir, const std::string& temp, std::string_view bytes,
                           unsigned mode = 0600);
// write_temp, then renames it onto `final_name` (replacing). Removes the temp on failure.
std::error_code write_file_durably(int dir, const std::string& temp, const std::string& final_name,
                                   std::string_view bytes, unsigned mode = 0600);
// Whether `name` exists in dir (lstat semantics). Errors other than ENOENT count as "exists".
bool exists_at(int dir, const std::string& name);

}  // namespace reconcilerd::jobs

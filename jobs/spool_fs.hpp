// Thin errno-to-value wrappers over the *at() system calls the spool uses: an owning fd,
// rename without replacing, whole-file reads with a limit, and the program's one atomic
// file write (also used outside the spool, e.g. for the metrics textfile, with a directory
// fd). Nothing here throws; every failure is a std::error_code from errno.
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
// Opens dir/name (AT_FDCWD: a path) read-only without following a symlink (ELOOP) or
// blocking on a FIFO, and reads it whole: EINVAL if it is not a regular file, EFBIG beyond
// `limit` bytes.
std::error_code read_regular_file(int dir, const std::string& name, std::size_t limit,
                                  std::string& out);

// THE atomic file write (spool files, status.json, control requests, producers' drops,
// the metrics textfile). Readers see the old file or the new one whole, never a part.
struct write_options {
  unsigned mode = 0600;  // set with fchmod: exact whatever the umask
  bool replace = true;   // false: fail with EEXIST rather than replace final_name
  // When set, receives the written file's fd instead of closing it (a producer who may
  // not open the directory syncs the file system through it: syncfs(2)).
  unique_fd* keep_open = nullptr;
};
// Creates `temp` in temp_dir (removing a stale one of ours first), writes `bytes`, sets the
// mode, fsyncs and closes it (or hands it to *keep_open). Removes the temp on failure.
std::error_code write_temp(int temp_dir, const std::string& temp, std::string_view bytes,
                           unsigned mode = 0600, unique_fd* keep_open = nullptr);
// write_temp, then renames the temp to final_dir/final_name (both on one file system).
// Removes the temp on failure. The new directory entry is durable once final_dir is
// fsynced: the spool's group commit (spool::sync), or the caller's own fsync.
std::error_code write_file_durably(int temp_dir, const std::string& temp, int final_dir,
                                   const std::string& final_name, std::string_view bytes,
                                   write_options how = {});
// The same within one directory, replacing final_name.
inline std::error_code write_file_durably(int dir, const std::string& temp,
                                          const std::string& final_name, std::string_view bytes,
                                          unsigned mode = 0600) {
  return write_file_durably(dir, temp, dir, final_name, bytes, {.mode = mode});
}
// Whether `name` exists in dir (lstat semantics). Errors other than ENOENT count as "exists".
bool exists_at(int dir, const std::string& name);

}  // namespace reconcilerd::jobs

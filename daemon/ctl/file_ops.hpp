// The few file operations reconcilerctl does itself, all durable and never following
// symlinks: reading a job file (regular, <= 1 MiB), and dropping bytes into a directory
// through a temporary name (write, fsync, rename without replacing, fsync the directory).
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace reconcilerd::ctl {

inline constexpr std::size_t max_job_file = 1024 * 1024;

// The whole file; error EFBIG beyond max_job_file, EINVAL if not a regular file, ELOOP if
// a symlink.
std::error_code read_job_file(const std::string& path, std::string& out);

// Writes `bytes` to `tmp_dir/.<final_name>.<pid>.tmp` (mode 0640), fsyncs it, renames it
// to `final_dir/final_name` failing with EEXIST if that exists, fsyncs final_dir.
// tmp_dir and final_dir must be on the same file system.
std::error_code drop_file(const std::string& tmp_dir, const std::string& final_dir,
                          const std::string& final_name, std::string_view bytes);

}  // namespace reconcilerd::ctl

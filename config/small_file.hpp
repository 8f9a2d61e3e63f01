// Reading the small files the configuration refers to (the config file itself, secret
// files, credentials, the TLS CA file): regular files only (no FIFOs or devices that could
// block), with a size cap, opened close-on-exec. Problems name the path, never the content.
#pragma once

#include <cstddef>
#include <string>

namespace reconcilerd::config::detail {

struct file_read {
  enum class status { ok, unreadable, not_regular, too_large };
  status result = status::ok;
  int error = 0;        // errno, for unreadable
  std::string content;  // only when ok
  unsigned mode = 0;    // permission bits (st_mode & 07777), when ok
};

file_read read_small_file(const std::string& path, std::size_t max_size);

// The problem in words, e.g. `cannot read "/x": No such file or directory`,
// `"/x" is not a regular file`, `"/x" is larger than 64 KiB`. Empty when ok.
std::string describe(const file_read& r, const std::string& path, std::size_t max_size);

// True when others (not owner, not group) may read a file of mode `mode`: the daemon's group
// reading its configuration and secrets is expected, anyone else is not.
inline bool readable_by_others(unsigned mode) { return (mode & 04) != 0; }

// "0644".
std::string octal_mode(unsigned mode);

}  // namespace reconcilerd::config::detail

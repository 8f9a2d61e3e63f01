// Bounded reads of regular files for the configuration loader.
#include "config/small_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "config/diagnostics.hpp"

namespace reconcilerd::config::detail {

file_read read_small_file(const std::string& path, std::size_t max_size) {
  file_read r;
  // O_NONBLOCK: opening a FIFO must not hang; it is refused below as not a regular file.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return {file_read::status::unreadable, errno, {}};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    r.result = file_read::status::not_regular;
  } else if (static_cast<std::size_t>(st.st_size) > max_size) {
    r.result = file_read::status::too_large;
  } else {
    r.mode = static_cast<unsigned>(st.st_mode & 07777);
    char buf[8192];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        r = {file_read::status::unreadable, errno, {}};
        break;
      }
      if (n == 0) break;
      r.content.append(buf, static_cast<std::size_t>(n));
      if (r.content.size() > max_size) {
        r.result = file_read::status::too_large;
        break;
      }
    }
  }
  ::close(fd);
  if (r.result != file_read::status::ok) r.content.clear();
  return r;
}

std::string octal_mode(unsigned mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode & 07777);
  return text;
}

std::string describe(const file_read& r, const std::string& path, std::size_t max_size) {
  switch (r.result) {
    case file_read::status::ok:
      return {};
    case file_read::status::unreadable:
      return "cannot read " + quoted(path) + ": " + std::strerror(r.error);
    case file_read::status::not_regular:
      return quoted(path) + " is not a regular file";
    case file_read::status::too_large:
      return quoted(path) + " is larger than " + std::to_string(max_size / 1024) + " KiB";
  }
  return {};
}

}  // namespace reconcilerd::config::detail

// JSON line building and the append-only file with rotation detection.
#include "daemon/status/status_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "daemon/status/status_json_text.hpp"
#include "jobs/rfc3339.hpp"

namespace reconcilerd::daemon {

std::string_view to_string(log_event e) {
  switch (e) {
    case log_event::queued:
      return "queued";
    case log_event::sent:
      return "sent";
    case log_event::delivered:
      return "delivered";
    case log_event::deferred:
      return "deferred";
    case log_event::dead:
      return "dead";
    case log_event::suspended:
      return "suspended";
    case log_event::resumed:
      return "resumed";
    case log_event::reloaded:
      return "reloaded";
    case log_event::folded:
      return "folded";
    case log_event::unchanged:
      return "unchanged";
    case log_event::verified:
      return "verified";
  }
  return "unknown";
}

std::string to_json_line(const event_record& e) {
  std::string o = "{\"ts\":" + json_quote(jobs::rfc3339_ms(e.ts));
  o += ",\"event\":" + json_quote(to_string(e.event));
  auto text = [&](const char* key, const std::string& v) {
    if (!v.empty()) o += std::string(",\"") + key + "\":" + json_quote(v);
  };
  text("job", e.job);
  text("backend", e.backend);
  text("invoice_id", e.invoice_id);
  if (e.attempt) o += ",\"attempt\":" + std::to_string(*e.attempt);
  if (e.http_status) o += ",\"http_status\":" + std::to_string(*e.http_status);
  if (e.next_attempt) o += ",\"next_attempt\":" + json_quote(jobs::rfc3339_ms(*e.next_attempt));
  text("reason", e.reason);
  text("category", e.category);
  text("message", e.message);
  text("into", e.into);
  return o + "}\n";
}

namespace {
std::error_code last_error() { return {errno, std::generic_category()}; }
}  // namespace

status_log::status_log(std::string path, std::chrono::milliseconds check_every)
    : path_(std::move(path)), check_every_(check_every) {}

status_log::~status_log() { close_file(); }

void status_log::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::error_code status_log::open_file() {
  close_file();
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
  if (fd < 0) return last_error();
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto ec = last_error();
    ::close(fd);
    return ec;
  }
  fd_ = fd;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  return {};
}

std::error_code status_log::reopen() {
  if (!enabled()) return {};
  return open_file();
}

std::error_code status_log::write(const event_record& e) {
  if (!enabled()) return {};
  const auto now = std::chrono::steady_clock::now();
  if (fd_ < 0 || check_every_ <= std::chrono::milliseconds::zero() ||
      now - checked_ >= check_every_) {
    struct stat st {};
    bool same_file =
        fd_ >= 0 && ::stat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_;
    if (!same_file)
      if (auto ec = open_file()) return ec;
    checked_ = now;
  }
  std::string line = to_json_line(e);
  for (;;) {
    ssize_t n = ::write(fd_, line.data(), line.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return last_error();
    // A short append (disk full) leaves a partial line; the next line starts on its own
    // line so readers can skip the broken one.
    if (static_cast<std::size_t>(n) != line.size()) {
      [[maybe_unused]] auto r = ::write(fd_, "\n", 1);
      return std::make_error_code(std::errc::no_space_on_device);
    }
    return {};
  }
}

}  // namespace reconcilerd::daemon

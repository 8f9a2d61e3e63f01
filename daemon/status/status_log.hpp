// The status log: one JSON line per job event (queued, sent, delivered, deferred, dead)
// and backend/daemon event (suspended, resumed, reloaded), appended with O_APPEND and one
// write(2) per line. Follows log rotation by itself (file renamed or removed -> a new file
// at the next event) and on reopen() (SIGUSR1). Failures are returned, never thrown.
// Lines carry names, ids and server messages only: callers must never put secrets in them.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "daemon/status/status_snapshot.hpp"

namespace reconcilerd::daemon {

enum class log_event {
  queued,
  sent,
  delivered,
  deferred,
  dead,
  suspended,
  resumed,
  reloaded,
  folded,     // delivered by another job's request (`into`)
  unchanged,  // delivered without a write: the invoice already showed it (skip_unchanged)
  verified,   // an unsafe update's read-back decided (reason: what it showed)
};

std::string_view to_string(log_event e);

// One line. Empty strings and unset optionals are left out of the JSON.
struct event_record {
  log_event event = log_event::queued;
  time_point ts{};
  std::string job;         // spool file name; empty for suspended/resumed/reloaded
  std::string backend;     // empty for reloaded
  std::string invoice_id;  // always written as a JSON string
  std::optional<int> attempt;
  std::optional<unsigned> http_status;     // when a response was received
  std::optional<time_point> next_attempt;  // deferred
  std::string reason;                      // deferred, suspended, resumed, reloaded
  std::string category;                    // dead: invalid | rejected | exhausted | expired
  std::string message;                     // dead
  std::string into;                        // folded: the job whose request carried it
};

// {"ts":"2026-11-01T10:00:00.123Z","event":"sent","job":...}\n  (keys in this order:
// ts event job backend invoice_id attempt http_status next_attempt reason category message
// into)
std::string to_json_line(const event_record& e);

class status_log {
 public:
  // Empty path: the log is off and write() does nothing. Opens lazily at the first write.
  // A rename or removal of the file is looked for before a write at most once per
  // `check_every` (zero: before every write; the daemon uses 100 ms, so thousands of lines a
  // second do not cost a stat(2) each).
  explicit status_log(std::string path,
                      std::chrono::milliseconds check_every = std::chrono::milliseconds::zero());
  ~status_log();
  status_log(const status_log&) = delete;
  status_log& operator=(const status_log&) = delete;

  bool enabled() const { return !path_.empty(); }
  const std::string& path() const { return path_; }

  // Appends one line. Before writing (see check_every), checks that `path` is still the
  // open file (same device and inode) and reopens it if it was renamed or removed.
  std::error_code write(const event_record& e);
  // Closes and reopens (creating, mode 0640) the file: logrotate's postrotate signal.
  std::error_code reopen();

 private:
  std::error_code open_file();
  void close_file();

  std::string path_;
  int fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  std::chrono::milliseconds check_every_;
  std::chrono::steady_clock::time_point checked_{};
};

}  // namespace reconcilerd::daemon

// Watches directories with inotify (IN_MOVED_TO, IN_CLOSE_WRITE, IN_CREATE) and reports
// each event's name, in the kernel's order: that order is the arrival order of renames into
// incoming/ (docs/delivery.md). An IN_Q_OVERFLOW (events lost) is reported as such. Names
// starting with '.' are ignored. The daemon also rescans on a timer.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace reconcilerd::daemon {

class watcher {
 public:
  // `on_event(watch_id, name)` for each event in order; `on_overflow()` when the kernel's
  // queue overflowed (events were lost).
  watcher(boost::asio::any_io_executor ex, std::function<void(int, std::string_view)> on_event,
          std::function<void()> on_overflow);
  ~watcher();
  // Returns the watch id; throws std::runtime_error if the directory cannot be watched.
  int add(const std::string& dir);
  boost::asio::awaitable<void> run();
  // Reports every event queued so far, now (without waiting). Every rename that has
  // returned to its caller has its event queued: after drain(), a name seen in a listing
  // made before the call has been reported if it arrived while watched.
  void drain();
  void stop();

 private:
  bool read_available();  // false: nothing (more) to read

  int fd_;
  boost::asio::posix::stream_descriptor stream_;
  std::function<void(int, std::string_view)> on_event_;
  std::function<void()> on_overflow_;
  std::vector<char> buf_;  // heap: keeps inotify's alignment
};

}  // namespace reconcilerd::daemon

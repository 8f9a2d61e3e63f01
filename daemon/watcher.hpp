// Watches directories with inotify (IN_MOVED_TO, IN_CLOSE_WRITE, IN_CREATE) and calls back
// with "something may have arrived" — a hint only: the daemon also rescans on a timer, and
// an IN_Q_OVERFLOW just means "rescan". Names starting with '.' are ignored.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <map>
#include <string>

namespace reconcilerd::daemon {

class watcher {
 public:
  // `on_change(watch_id)` is called once per read batch for each directory that changed.
  watcher(boost::asio::any_io_executor ex, std::function<void(int)> on_change);
  ~watcher();
  // Returns the watch id; throws std::runtime_error if the directory cannot be watched.
  int add(const std::string& dir);
  boost::asio::awaitable<void> run();
  void stop();

 private:
  int fd_;
  boost::asio::posix::stream_descriptor stream_;
  std::function<void(int)> on_change_;
};

}  // namespace reconcilerd::daemon

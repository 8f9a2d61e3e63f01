// See watcher.hpp.
#include "daemon/watcher.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <set>
#include <stdexcept>
#include <vector>

namespace reconcilerd::daemon {

namespace net = boost::asio;

watcher::watcher(net::any_io_executor ex, std::function<void(int)> on_change)
    : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)), stream_(ex), on_change_(std::move(on_change)) {
  if (fd_ < 0) throw std::runtime_error(std::string("inotify_init1: ") + std::strerror(errno));
  stream_.assign(fd_);
}

watcher::~watcher() = default;

int watcher::add(const std::string& dir) {
  int wd =
      inotify_add_watch(fd_, dir.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE | IN_ONLYDIR);
  if (wd < 0) throw std::runtime_error("cannot watch " + dir + ": " + std::strerror(errno));
  return wd;
}

namespace {

// Adds the watch ids of `buf`'s events to `changed` (skipping '.' names); true on overflow.
// Outside the coroutine: inotify_event has a flexible array member and alignment needs.
bool parse_events(const char* buf, std::size_t n, std::set<int>& changed) {
  bool overflow = false;
  for (std::size_t off = 0; off + sizeof(inotify_event) <= n;) {
    inotify_event ev;
    std::memcpy(&ev, buf + off, sizeof ev);
    const char* name = buf + off + sizeof ev;
    if (ev.mask & IN_Q_OVERFLOW)
      overflow = true;
    else if (ev.len == 0 || name[0] != '.')
      changed.insert(ev.wd);
    off += sizeof ev + ev.len;
  }
  return overflow;
}

}  // namespace

net::awaitable<void> watcher::run() {
  std::vector<char> buf(16 * 1024);  // heap: the frame would not keep inotify's alignment
  for (;;) {
    auto [ec, n] =
        co_await stream_.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
    if (ec) co_return;  // cancelled or closed: the periodic rescan still covers us
    std::set<int> changed;
    const bool overflow = parse_events(buf.data(), n, changed);
    if (overflow) changed.insert(-1);  // -1: "rescan everything"
    for (int wd : changed) on_change_(wd);
  }
}

void watcher::stop() {
  boost::system::error_code ec;
  stream_.cancel(ec);
}

}  // namespace reconcilerd::daemon

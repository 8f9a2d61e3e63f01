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

net::awaitable<void> watcher::run() {
  alignas(inotify_event) char buf[16 * 1024];
  for (;;) {
    auto [ec, n] =
        co_await stream_.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
    if (ec) co_return;  // cancelled or closed: the periodic rescan still covers us
    std::set<int> changed;
    bool overflow = false;
    for (std::size_t off = 0; off + sizeof(inotify_event) <= n;) {
      auto* ev = reinterpret_cast<inotify_event*>(buf + off);
      if (ev->mask & IN_Q_OVERFLOW)
        overflow = true;
      else if (ev->len == 0 || ev->name[0] != '.')
        changed.insert(ev->wd);
      off += sizeof(inotify_event) + ev->len;
    }
    if (overflow) changed.insert(-1);  // -1: "rescan everything"
    for (int wd : changed) on_change_(wd);
  }
}

void watcher::stop() {
  boost::system::error_code ec;
  stream_.cancel(ec);
}

}  // namespace reconcilerd::daemon

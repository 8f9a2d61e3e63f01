// See watcher.hpp. Reads are done here (after async_wait), never by an asynchronous read
// operation, so drain() and run() cannot hand events over out of order.
#include "daemon/watcher.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace reconcilerd::daemon {

namespace net = boost::asio;

watcher::watcher(net::any_io_executor ex, std::function<void(int, std::string_view)> on_event,
                 std::function<void()> on_overflow)
    : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)),
      stream_(ex),
      on_event_(std::move(on_event)),
      on_overflow_(std::move(on_overflow)),
      buf_(64 * 1024) {
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

bool watcher::read_available() {
  ssize_t n = ::read(fd_, buf_.data(), buf_.size());
  if (n <= 0) return false;  // EAGAIN: nothing queued
  const auto size = static_cast<std::size_t>(n);
  for (std::size_t off = 0; off + sizeof(inotify_event) <= size;) {
    inotify_event ev;
    std::memcpy(&ev, buf_.data() + off, sizeof ev);
    const char* name = buf_.data() + off + sizeof ev;
    off += sizeof ev + ev.len;
    if (ev.mask & IN_Q_OVERFLOW) {
      on_overflow_();
    } else if (ev.len == 0) {
      on_event_(ev.wd, {});
    } else if (name[0] != '.') {
      on_event_(ev.wd, std::string_view(name, ::strnlen(name, ev.len)));
    }
  }
  return true;
}

void watcher::drain() {
  while (read_available()) {
  }
}

net::awaitable<void> watcher::run() {
  for (;;) {
    auto [ec] = co_await stream_.async_wait(net::posix::stream_descriptor::wait_read,
                                            net::as_tuple(net::use_awaitable));
    if (ec) co_return;  // cancelled or closed: the periodic rescan still covers us
    drain();
  }
}

void watcher::stop() {
  boost::system::error_code ec;
  stream_.cancel(ec);
}

}  // namespace reconcilerd::daemon

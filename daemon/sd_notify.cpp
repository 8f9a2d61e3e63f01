// sd_notify(3) wrappers; see sd_notify.hpp.
#include "daemon/sd_notify.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <cstdlib>
#include <string>

namespace reconcilerd::daemon::notify {

namespace {

result send(const std::string& state) {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  if (socket == nullptr || *socket == '\0') return result::no_socket;
  int r = ::sd_notify(0, state.c_str());
  if (r > 0) return result::sent;
  return r == 0 ? result::no_socket : result::failed;
}

std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return out;
}

}  // namespace

result ready(std::string_view status) {
  std::string msg = "READY=1";
  if (!status.empty()) msg += "\nSTATUS=" + one_line(status);
  return send(msg);
}

result status(std::string_view text) { return send("STATUS=" + one_line(text)); }

result watchdog() { return send("WATCHDOG=1"); }

result reloading() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1'000'000ULL +
              static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
  return send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

result stopping() { return send("STOPPING=1"); }

result extend_timeout(std::chrono::microseconds more) {
  return send("EXTEND_TIMEOUT_USEC=" + std::to_string(more.count()));
}

std::optional<std::chrono::microseconds> watchdog_interval() {
  uint64_t usec = 0;
  if (::sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec);
}

}  // namespace reconcilerd::daemon::notify

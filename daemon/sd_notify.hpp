// Talking to systemd through $NOTIFY_SOCKET (the sd_notify(3) protocol, sent non-blocking so
// a supervisor that stops reading cannot stall the daemon): readiness, a one-line STATUS=,
// watchdog keep-alives, reload and stop notices. Without
// $NOTIFY_SOCKET every call is a no-op that returns no_socket, so the daemon runs the
// same under systemd, in a terminal and in tests. Never throws.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace reconcilerd::daemon::notify {

enum class result {
  sent,       // systemd got the datagram
  no_socket,  // $NOTIFY_SOCKET unset: not under systemd Type=notify
  failed,     // the socket exists but sending failed (logged by the caller if it cares)
};

// READY=1 (after start-up recovery), with STATUS= when `status` is not empty.
result ready(std::string_view status = {});
// STATUS=<text>; newlines in `text` become spaces (one line in `systemctl status`).
result status(std::string_view text);
// WATCHDOG=1
result watchdog();
// RELOADING=1 and MONOTONIC_USEC=<CLOCK_MONOTONIC now> (systemd >= 253 Type=notify-reload
// wants both); follow with ready() when the reload is done (or refused).
result reloading();
// STOPPING=1
result stopping();
// EXTEND_TIMEOUT_USEC=<us>: asks for more start/stop time (long recovery, grace period).
result extend_timeout(std::chrono::microseconds more);

// $WATCHDOG_USEC when the watchdog is enabled for this process (sd_watchdog_enabled(3));
// send watchdog() at about half this interval. None when disabled.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace reconcilerd::daemon::notify

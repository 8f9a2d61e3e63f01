// Human-readable log lines on stderr with sd-daemon priority prefixes ("<3>" error ...),
// so journald keeps the levels. Callers must never pass secrets: messages are built from
// config names, job names and server messages only.
#pragma once

#include <exception>
#include <string_view>

namespace reconcilerd::daemon {

enum class level { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

void log(level l, std::string_view message);
// Completion handler for co_spawn: a coroutine that ends with an exception is a bug; it
// is logged (and, since the daemon could not go on correctly, the process aborts).
void report_crash(std::exception_ptr e);

// Debug lines are dropped unless enabled (RECONCILERD_DEBUG=1 in the environment).
void set_debug(bool on);

}  // namespace reconcilerd::daemon

// See log.hpp. One write(2) per line so concurrent writers never interleave a line.
#include "daemon/log.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "jobs/text.hpp"

namespace reconcilerd::daemon {

namespace {
bool debug_on = false;
}

void set_debug(bool on) { debug_on = on; }

void log(level l, std::string_view message) {
  if (l == level::debug && !debug_on) return;
  std::string line = "<" + std::to_string(static_cast<int>(l)) + ">";
  line += jobs::visible_text(message);  // no raw control character reaches a terminal
  line += '\n';
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

void report_crash(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    log(level::error, std::string("internal error: a task ended with an exception: ") + x.what());
  } catch (...) {
    log(level::error, "internal error: a task ended with an unknown exception");
  }
  std::abort();  // systemd restarts us; start-up recovery re-queues what was in flight
}

}  // namespace reconcilerd::daemon

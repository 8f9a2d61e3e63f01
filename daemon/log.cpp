// See log.hpp. One write(2) per line so concurrent writers never interleave a line.
#include "daemon/log.hpp"

#include <unistd.h>

#include <string>

namespace reconcilerd::daemon {

namespace {
bool debug_on = false;
}

void set_debug(bool on) { debug_on = on; }

void log(level l, std::string_view message) {
  if (l == level::debug && !debug_on) return;
  std::string line = "<" + std::to_string(static_cast<int>(l)) + ">";
  for (char c : message) line += (c == '\n' || c == '\r') ? ' ' : c;
  line += '\n';
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace reconcilerd::daemon

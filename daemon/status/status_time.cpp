// format_age; see status_time.hpp.
#include "daemon/status/status_time.hpp"

namespace reconcilerd::daemon {

using std::chrono::seconds;

std::string format_age(seconds s) {
  long long v = s.count() < 0 ? 0 : s.count();
  struct unit {
    long long size;
    const char* suffix;
  };
  constexpr unit units[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  std::string out;
  int shown = 0;
  for (auto& u : units) {
    long long n = v / u.size;
    v %= u.size;
    if (n == 0 && !(u.size == 1 && out.empty())) {
      if (!out.empty()) break;  // only adjacent units: "3d 4h", not "3d 10s"
      continue;
    }
    if (!out.empty()) out += ' ';
    out += std::to_string(n) + u.suffix;
    if (++shown == 2) break;
  }
  return out;
}

}  // namespace reconcilerd::daemon

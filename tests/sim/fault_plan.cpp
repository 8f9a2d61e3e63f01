// Seeded fault selection (see fault_plan.hpp).
#include "tests/sim/fault_plan.hpp"

namespace reconcilerd::sim {

std::optional<fault_config> fault_plan::next(const std::string& api, bool update) {
  const std::int64_t n = ++counts_[api];
  const std::int64_t updates = update ? ++update_counts_[api] : update_counts_[api];
  std::optional<fault_config> chosen;
  for (const fault_config& f : faults_) {
    if (f.api != "*" && f.api != api) continue;
    if (f.writes_only && !update) continue;
    if (f.first_n && (f.writes_only ? updates : n) > *f.first_n) continue;
    // 53 random bits -> [0, 1); the same on every platform (unlike the std distributions).
    const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    if (!chosen && u < f.probability) chosen = f;
  }
  return chosen;
}

}  // namespace reconcilerd::sim

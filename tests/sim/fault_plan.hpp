// Decides which configured fault (if any) hits a request. Deterministic: a seeded
// generator is drawn once per applicable fault per request, in request order, so a given
// request sequence always meets the same faults. `first_n` limits a fault to the first N
// requests of its API (counted per API, from 1).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tests/sim/sim_config.hpp"

namespace reconcilerd::sim {

class fault_plan {
 public:
  fault_plan(std::vector<fault_config> faults, std::uint64_t seed)
      : faults_(std::move(faults)), rng_(seed) {}
  // Call once per request that reached an API (after routing).
  std::optional<fault_config> next(const std::string& api);

 private:
  std::vector<fault_config> faults_;
  std::mt19937_64 rng_;
  std::map<std::string, std::int64_t> counts_;
};

}  // namespace reconcilerd::sim

// Decides which configured fault (if any) hits a request. Deterministic: a seeded
// generator is drawn once per applicable fault per request, in request order, so a given
// request sequence always meets the same faults. `first_n` limits a fault to the first N
// requests of its API (counted per API, from 1). A `writes_only` fault applies only to the
// API's update calls; it is not drawn for other requests, and its `first_n` counts that
// API's updates.
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
  // Call once per request that reached an API (after routing); `update`: the request is
  // the API's update call (api::is_update).
  std::optional<fault_config> next(const std::string& api, bool update);

 private:
  std::vector<fault_config> faults_;
  std::mt19937_64 rng_;
  std::map<std::string, std::int64_t> counts_;         // requests per API
  std::map<std::string, std::int64_t> update_counts_;  // update calls per API
};

}  // namespace reconcilerd::sim

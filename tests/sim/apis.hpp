// Factories of the five simulated APIs; each lives in its own api_<name>.cpp and follows
// /work/shared/design/backends.md (auth, paths, success and error shapes, limits).
#pragma once

#include <memory>

#include "tests/sim/api.hpp"
#include "tests/sim/sim_config.hpp"

namespace reconcilerd::sim {

std::unique_ptr<api> make_simetri_api(const sim_config& cfg);
std::unique_ptr<api> make_whmcs_api(const sim_config& cfg);
std::unique_ptr<api> make_alloy_api(const sim_config& cfg);
std::unique_ptr<api> make_campfire_api(const sim_config& cfg);
std::unique_ptr<api> make_bigcapital_api(const sim_config& cfg);

}  // namespace reconcilerd::sim

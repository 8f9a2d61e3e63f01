// Chooses the adapter for a backend's type, and redacts settings for display.
#include "backends/alloy/alloy.hpp"
#include "backends/backend.hpp"
#include "backends/bigcapital/bigcapital.hpp"
#include "backends/campfire/campfire.hpp"
#include "backends/simetri/simetri.hpp"
#include "backends/whmcs/whmcs.hpp"

namespace reconcilerd::backends {

std::unique_ptr<adapter> make_adapter(const config::backend& cfg) {
  switch (cfg.type) {
    case config::backend_type::simetri:
      return make_simetri_adapter(cfg);
    case config::backend_type::whmcs:
      return make_whmcs_adapter(cfg);
    case config::backend_type::alloy:
      return make_alloy_adapter(cfg);
    case config::backend_type::campfire:
      return make_campfire_adapter(cfg);
    case config::backend_type::bigcapital:
      return make_bigcapital_adapter(cfg);
  }
  return nullptr;
}

config::backend redacted(const config::backend& cfg) {
  config::backend copy = cfg;
  for (auto& [key, value] : copy.secrets) value = "<redacted>";
  return copy;
}

}  // namespace reconcilerd::backends

// Chooses the adapter for a backend's type, and redacts settings for display.
#include "backends/alloy/alloy.hpp"
#include "backends/backend.hpp"
#include "backends/bigcapital/bigcapital.hpp"
#include "backends/campfire/campfire.hpp"
#include "backends/simetri/simetri.hpp"
#include "backends/status_rules.hpp"
#include "backends/whmcs/whmcs.hpp"

namespace reconcilerd::backends {

namespace {

std::unique_ptr<adapter> make_bare_adapter(const config::backend& cfg) {
  switch (cfg.type) {
    case config::backend_type::simetri:
      return simetri::make_adapter(cfg);
    case config::backend_type::whmcs:
      return whmcs::make_adapter(cfg);
    case config::backend_type::alloy:
      return alloy::make_adapter(cfg);
    case config::backend_type::campfire:
      return campfire::make_adapter(cfg);
    case config::backend_type::bigcapital:
      return bigcapital::make_adapter(cfg);
  }
  return nullptr;
}

}  // namespace

// Every adapter's server-given pauses are capped by the backend's max_pause (status_rules).
std::unique_ptr<adapter> make_adapter(const config::backend& cfg) {
  return with_bounded_pauses(make_bare_adapter(cfg), cfg.max_pause);
}

config::backend redacted(const config::backend& cfg) {
  config::backend copy = cfg;
  for (auto& [key, value] : copy.secrets) value = "<redacted>";
  return copy;
}

}  // namespace reconcilerd::backends

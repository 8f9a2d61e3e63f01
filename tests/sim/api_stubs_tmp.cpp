#include "tests/sim/apis.hpp"
namespace reconcilerd::sim {
namespace {
class stub final : public api {
 public:
  handled handle(const api_request&) override {
    handled h;
    h.response = json_response(501, {{"x", 1}});
    return h;
  }
  std::optional<boost::json::value> state(std::int64_t) override { return std::nullopt; }
};
}  // namespace
std::unique_ptr<api> make_simetri_api(const sim_config&) { return std::make_unique<stub>(); }
std::unique_ptr<api> make_whmcs_api(const sim_config&) { return std::make_unique<stub>(); }
std::unique_ptr<api> make_campfire_api(const sim_config&) { return std::make_unique<stub>(); }
std::unique_ptr<api> make_bigcapital_api(const sim_config&) { return std::make_unique<stub>(); }
}  // namespace reconcilerd::sim

// The Campfire accounting API adapter (Django REST Framework): PUT
// /coa/api/v1/invoice/{id}/ with "Authorization: Token <key>" (scheme configurable).
// Campfire's PUT is a FULL REPLACEMENT, so validate() insists on the complete invoice.
// Pure translation; ids are sent as strings; DRF error bodies become readable messages.
#pragma once

#include <memory>
#include <string_view>

#include "backends/backend.hpp"
#include "config/config.hpp"

namespace reconcilerd::backends {

namespace campfire {

class adapter final : public backends::adapter {
 public:
  explicit adapter(config::backend cfg) : cfg_(std::move(cfg)) {}
  std::optional<std::string> validate(const boost::json::object& update) const override;
  request build(const jobs::job& j) const override;
  // Names the invoice in a 404 message ("invoice 42 not found").
  outcome classify(const response& r, const jobs::job& j) const override;
  bool safe_to_repeat(const boost::json::object& update) const override;
  request read_back(const jobs::job& j) const override;

 private:
  std::string target(const jobs::job& j) const;
  std::string authorization() const;
  config::backend cfg_;
};

}  // namespace campfire

std::unique_ptr<adapter> make_campfire_adapter(const config::backend& cfg);

}  // namespace reconcilerd::backends

// The Alloy Automation Unified API (accounting) adapter: PUT /accounting/invoices/{id}
// with the credential in the query and a bearer API key (backends.md "alloy").
// Pure translation; the update is sent as given once the schema accepts it. A 2xx without
// the documented {"invoice": ...} answer is not counted as delivered (see classify).
#pragma once

#include <memory>

#include "backends/backend.hpp"
#include "config/config.hpp"

namespace reconcilerd::backends {

namespace alloy {

class adapter final : public backends::adapter {
 public:
  explicit adapter(config::backend cfg) : cfg_(std::move(cfg)) {}
  std::optional<std::string> validate(const boost::json::object& update) const override;
  request build(const jobs::job& j) const override;
  outcome classify(const response& r, const jobs::job& j) const override;
  bool safe_to_repeat(const boost::json::object& update) const override;
  request read_back(const jobs::job& j) const override;

 private:
  std::string target(const jobs::job& j) const;
  config::backend cfg_;
};

}  // namespace alloy

std::unique_ptr<adapter> make_alloy_adapter(const config::backend& cfg);

}  // namespace reconcilerd::backends

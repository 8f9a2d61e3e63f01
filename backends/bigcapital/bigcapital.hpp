// The Bigcapital adapter: PUT /api/sale-invoices/{id} with "Authorization: Bearer bc_..."
// (or a JWT plus "organization-id"). The edit replaces all entries; dates must be
// date-only (a timestamp is refused, since the server would shift it to its own time
// zone). NestJS validation and business errors become readable messages; every outcome
// carries the X-RateLimit-* hint so pacing can slow down. Pure translation.
#pragma once

#include <memory>
#include <string_view>

#include "backends/backend.hpp"
#include "config/config.hpp"

namespace reconcilerd::backends {

namespace bigcapital {

class adapter final : public backends::adapter {
 public:
  explicit adapter(config::backend cfg) : cfg_(std::move(cfg)) {}
  std::optional<std::string> validate(const boost::json::object& update) const override;
  request build(const jobs::job& j) const override;
  // Names the invoice in business errors ("invoice 42 not found (SALE_INVOICE_NOT_FOUND)").
  outcome classify(const response& r, const jobs::job& j) const override;
  bool safe_to_repeat(const boost::json::object& update) const override;
  request read_back(const jobs::job& j) const override;

 private:
  std::string target(const jobs::job& j) const;
  std::vector<header> auth_headers() const;
  config::backend cfg_;
};

}  // namespace bigcapital

std::unique_ptr<adapter> make_bigcapital_adapter(const config::backend& cfg);

}  // namespace reconcilerd::backends

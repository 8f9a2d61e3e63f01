// The Bigcapital adapter: PUT /api/sale-invoices/{id} with "Authorization: Bearer bc_..."
// (or a JWT plus "organization-id"). The edit replaces all entries; dates must be
// date-only (a timestamp is refused, since the server would shift it to its own time
// zone). NestJS validation and business errors become readable messages; every outcome
// carries the tightest of the X-RateLimit-* buckets the server advertises (plain and
// "-auth") so pacing can slow down. Pure translation.
#pragma once

#include <memory>

#include "backends/backend.hpp"
#include "config/config.hpp"

namespace reconcilerd::backends::bigcapital {

// The adapter for a `type: bigcapital` backend: secret "api_key", or secret "jwt" with
// param "organization_id"; cfg.base_url.path and cfg.strict_fields.
std::unique_ptr<backends::adapter> make_adapter(const config::backend& cfg);

}  // namespace reconcilerd::backends::bigcapital

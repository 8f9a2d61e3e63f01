// The Campfire accounting API adapter (Django REST Framework): PUT
// /coa/api/v1/invoice/{id}/ with "Authorization: Token <key>" (scheme configurable).
// Campfire's PUT is a FULL REPLACEMENT, so validate() insists on the complete invoice.
// Pure translation; ids are sent as strings; DRF error bodies become readable messages.
#pragma once

#include <memory>

#include "backends/backend.hpp"
#include "config/config.hpp"

namespace reconcilerd::backends::campfire {

// The adapter for a `type: campfire` backend: secret "api_key", param "auth_scheme"
// (default "Token"), cfg.base_url.path and cfg.strict_fields.
std::unique_ptr<backends::adapter> make_adapter(const config::backend& cfg);

}  // namespace reconcilerd::backends::campfire

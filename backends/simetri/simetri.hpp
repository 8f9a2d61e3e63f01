// The simetri adapter: Odoo 8 REST module "account.invoice/update" (backends.md, simetri).
// Validates the update against the account.invoice schema, sends it as a Python-literal
// `update_vals` form field, and reads the always-200 JSON answer ("success" / "error").
// Pure: no I/O. Secrets (the token) go only into requests, never into messages.
#pragma once

#include <memory>

#include "backends/backend.hpp"
#include "config/config.hpp"

namespace reconcilerd::backends::simetri {

// The adapter for a `type: simetri` backend; uses cfg.secret("token"), cfg.base_url.path
// and cfg.strict_fields.
std::unique_ptr<backends::adapter> make_adapter(const config::backend& cfg);

}  // namespace reconcilerd::backends::simetri

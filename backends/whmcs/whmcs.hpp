// The whmcs adapter: WHMCS api.php action UpdateInvoice (backends.md, whmcs).
// Validates the update, sends it form-encoded with PHP bracket names, and reads the JSON
// answer: HTTP 200 carries both success and action errors ("result"), 403 means the
// credentials or the client IP were refused. Pure: no I/O; secrets never reach a message.
#pragma once

#include <memory>

#include "backends/backend.hpp"
#include "config/config.hpp"

namespace reconcilerd::backends::whmcs {

// The adapter for a `type: whmcs` backend. Credentials: params "identifier" + secret
// "secret" when an identifier is set, else params "username" + secret "password"; secret
// "access_key" (optional) goes out as `accesskey`.
std::unique_ptr<backends::adapter> make_adapter(const config::backend& cfg);

}  // namespace reconcilerd::backends::whmcs

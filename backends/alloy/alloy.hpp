// The Alloy Automation Unified API (accounting) adapter: PUT /accounting/invoices/{id}
// with the credential in the query and a bearer API key (backends.md "alloy").
// Pure translation; the update is sent as given once the schema accepts it. A 2xx without
// the documented {"invoice": ...} answer is not counted as delivered.
// read() view: the writable fields of the answer's "invoice" object as Alloy wrote them
// (customerId, invoiceNumber, issueDate, dueDate, memo, currency, exchangeRate, totalAmount,
// balance, remoteFields) and lineItems with each line's writable fields (description,
// unitPrice, quantity, totalAmount, accountingItemId, accountId). Nothing is judged, folded,
// skipped or merged on it: Alloy's semantics are not documented and its reads may be stale.
#pragma once

#include <memory>

#include "backends/backend.hpp"
#include "config/config.hpp"

namespace reconcilerd::backends::alloy {

// The adapter for a `type: alloy` backend: secret "api_key", param "credential_id",
// cfg.base_url.path and cfg.strict_fields.
std::unique_ptr<backends::adapter> make_adapter(const config::backend& cfg);

}  // namespace reconcilerd::backends::alloy

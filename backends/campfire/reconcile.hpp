// Campfire reconciliation (backend.hpp "reconciliation"): the invoice read back as the
// adapter's view, "mode": "merge" (the view's writable fields with the update laid over
// them) and the skip-unchanged comparison. Folding is the newer update (a PUT replaces the
// whole invoice). Pure.
//
// The view (read() puts it in invoice_read::invoice): the writable fields the answer has
// (invoice_schema(), read-only ones dropped), values as Campfire returned them — ids as
// integers, decimals as strings ("12.50") — and "lines" with each line's writable fields
// and its "id":
//   {"client": 7, "entity": 2, "contract": null, "terms": "net_30", "status": "open",
//    "invoice_date": "2026-11-01", "due_date": "2026-12-01", "currency": "USD",
//    "exchange_rate": "1.000000", "message_on_invoice": "Thanks",
//    "lines": [{"id": 501, "amount": "120.50", "product": 3, "rate": "120.50",
//               "quantity": "1.00", "description": "Hosting"}]}
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <variant>

namespace reconcilerd::backends::campfire {

// The view of an invoice answer (a JSON object with "lines"), or why it cannot be one.
std::variant<boost::json::object, std::string> invoice_view(const boost::json::value& answer,
                                                            std::string_view invoice_id);

// The whole update for "mode": "merge": the view's writable fields (ids as strings,
// decimals as numbers, lines without their ids) with each top-level key of `update`
// replacing the view's ("lines" replaces all lines); or why not (the result lacks a field a
// full replacement needs).
std::variant<boost::json::object, std::string> merged(const boost::json::object& view,
                                                      const boost::json::object& update);

// Whether a PUT of `update` (a full replacement: a writable field it leaves out becomes
// null) would leave the invoice as the view shows it: every writable field and every line
// field compared in Campfire's terms (ids 7 = "7", decimals "12.50" = 12.5, absent = null).
// False for unknown fields.
bool shows_update(const boost::json::object& view, const boost::json::object& update);

}  // namespace reconcilerd::backends::campfire

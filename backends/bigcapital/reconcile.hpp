// Bigcapital reconciliation (backend.hpp "reconciliation"): the sale invoice read back as
// the adapter's view, folding two edits into one, and the skip-unchanged comparison. Pure.
//
// The view (read() puts it in invoice_read::invoice) uses the edit DTO's own (camelCase)
// names, so it compares directly with an update; the answer may be snake_case (the real
// server) or camelCase, bare or wrapped in {"sale_invoice": {...}}:
//   {"customerId": 7, "invoiceDate": "2026-11-01", "dueDate": "2026-12-01",
//    "invoiceNo": "INV-00042", "referenceNo": null, "delivered": true,
//    "invoiceMessage": null, "termsConditions": null, "exchangeRate": 1,
//    "warehouseId": null, "branchId": 1, "projectId": null, "isInclusiveTax": false,
//    "pdfTemplateId": 1, "discount": 0, "discountType": "amount", "adjustment": 0,
//    "entries": [{"id": 91, "index": 1, "itemId": 3, "rate": 120.5, "quantity": 2,
//                 "description": "Hosting", "discount": 0, "discountType": "percentage"}]}
// Each field only when the answer has it; numbers as numbers (decimal strings converted,
// integral values as integers); "delivered" from is_delivered (or delivered_at set).
// Dates are calendar days: the server writes invoice_date as the server's local midnight
// in UTC ("2026-10-31T23:00:00.000Z" on a server at UTC+1), so a value with a time of day
// other than midnight is resolved with invoice_date_formatted (the organisation's date
// format): of the UTC day and the next, the one whose day, month and year are exactly the
// numbers (and month name) of the formatted text. When that does not decide, the date is
// left out of the view (and unchanged() answers false).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace reconcilerd::backends::bigcapital {

// The view of a GET /api/sale-invoices/{id} answer, or why the answer cannot be one.
std::variant<boost::json::object, std::string> invoice_view(const boost::json::value& answer,
                                                            std::string_view invoice_id);

// The calendar day of a read-back date value and its *_formatted text (see above).
std::optional<std::string> calendar_day(std::string_view value, std::string_view formatted);

// One edit with the effect of `older`, then `newer` (backends.md: a PUT merges the header
// and replaces the entries), or nothing. Header fields merged, newer wins (an explicit null
// clears, so it wins too); entries, attachments (unlinked when left out) and exchangeRate
// (1 when left out) from `newer` only; delivered stays true once either sets it (an edit
// never un-delivers); an empty or null invoiceNo in `newer` keeps `older`'s. Refused when
// either has a field the schema does not know, when `newer` leaves out isInclusiveTax that
// `older` sets (the newer entries would be computed without it), and when `newer` leaves
// pdfTemplateId unset while `older` sets one (the server then picks its default template,
// if it has one: the result depends on server state).
std::optional<boost::json::object> fold_updates(const boost::json::object& older,
                                                const boost::json::object& newer);

// Whether the view already shows every value `update` sets, including what the edit implies:
// exchangeRate 1 when left out or 0, isInclusiveTax false when left out, entries compared
// item by item (an entry field left out must be empty in the view where the server stores
// it: description, discount, taxRateId). Not compared (the view cannot show them):
// pdfTemplateId left out (the server's default template), attachments left out. False for
// attachments, paymentMethods, fromEstimateId, an entry's taxCode and unknown fields.
bool shows_update(const boost::json::object& view, const boost::json::object& update);

}  // namespace reconcilerd::backends::bigcapital

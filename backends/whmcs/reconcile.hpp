// WHMCS reconciliation (backend.hpp "reconciliation"): the GetInvoice answer as the adapter's
// view, the judgement of an UpdateInvoice that is not safe to repeat, folding and the
// skip-unchanged comparison. Pure; the adapter redacts what reaches a message.
//
// The view (read() puts it in invoice_read::invoice):
//   {"status": "Draft", "paymentmethod": "banktransfer", "date": "2026-11-01",
//    "duedate": "2026-12-01", "datepaid": "0000-00-00 00:00:00", "notes": "",
//    "taxrate": "0.00", "taxrate2": "0.00", "credit": "0.00",
//    "lines": {"13": {"description": "Hosting", "amount": "16.95", "taxed": true}}}
// Each plain field only when the answer has it (strings as WHMCS wrote them; taxrate,
// taxrate2 and credit as money with two decimals); "lines" always, keyed by the line id in
// decimal, amounts with two decimals, taxed as a boolean.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "backends/backend.hpp"

namespace reconcilerd::backends::whmcs {

// The view of a GetInvoice answer whose "result" is "success", or why the answer cannot be
// one (a sentence naming what is wrong).
std::variant<boost::json::object, std::string> invoice_view(const boost::json::object& answer,
                                                            std::string_view invoice_id);

// Whether `update` (newitem* lines, deletelineids, publish / publishandsendemail) was
// applied, from the views before and after. A part applied and another not is `unknown`,
// and `seen` says which are present. New lines are recognised by description (as sent, or
// with HTML entities decoded), amount (two decimals) and taxed.
applied_judgement judge_update(const boost::json::object& before, const boost::json::object& after,
                               const boost::json::object& update);

// Plain fields merged (newer wins); nothing when either update has a line field (item*,
// newitem*, deletelineids), publish / publishandsendemail, or a field the schema does not
// know.
std::optional<boost::json::object> fold_updates(const boost::json::object& older,
                                                const boost::json::object& newer);

// Whether the view shows every plain field of `update` (amounts compared with two decimals,
// datepaid also as "YYYY-MM-DD 00:00:00"). False for line fields, publish, subtotal / total
// (ignored by WHMCS, so not visible) and unknown fields.
bool shows_update(const boost::json::object& view, const boost::json::object& update);

}  // namespace reconcilerd::backends::whmcs

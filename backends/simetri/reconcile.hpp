// simetri reconciliation (backend.hpp "reconciliation"): the account.invoice search answer
// as the adapter's view, the judgement of an update with (0, 0, {...}) / (2, id) commands,
// folding and the skip-unchanged comparison. Pure; the adapter redacts what reaches a message.
//
// The view (read() puts it in invoice_read::invoice): the writable header fields the record
// has, many2one fields as their id (or false), and the invoice's line ids, ascending:
//   {"partner_id": 22, "customer_code": "C7", "account_id": 948, "journal_id": 46,
//    "type": "out_invoice", "partner_bank_id": false, "date_invoice": "2026-11-01",
//    "date_due": "2026-12-01", "urgent": false, "urgency_note": false, "period_id": false,
//    "last_backoffice_sync": false, "invoice_line": [7, 8]}
// The search answer shows lines as ids only (x2many): a line's values are not in the view,
// so judging relies on ids (Odoo gives a created line a new id; a write is one transaction).
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "backends/backend.hpp"

namespace reconcilerd::backends::simetri {

// The view of a search answer (a JSON list of records), or why the answer cannot be one.
// An empty list is std::monostate: the invoice does not exist.
std::variant<boost::json::object, std::string, std::monostate> invoice_view(
    const boost::json::value& answer, std::string_view invoice_id);

// Whether `update`'s invoice_line commands were applied, from the line ids before and
// after: the commands are replayed on the ids before (create adds one new id, 2/3 remove,
// 4 links, 5 clears, 6 replaces); the ids after equal to that -> applied, equal to the ids
// before -> not applied, anything else -> unknown.
applied_judgement judge_update(const boost::json::object& before, const boost::json::object& after,
                               const boost::json::object& update);

// Plain fields merged (newer wins); nothing when either update has invoice_line or any other
// list value (an x2many command list), or an unrepeatable command.
std::optional<boost::json::object> fold_updates(const boost::json::object& older,
                                                const boost::json::object& newer);

// Whether the view shows every field of `update` (ids of many2one fields, false as false).
// False for invoice_line and for fields the view does not hold.
bool shows_update(const boost::json::object& view, const boost::json::object& update);

}  // namespace reconcilerd::backends::simetri

// The simetri (Odoo 8 account.invoice) update schema of backends.md: header fields, the
// invoice_line x2many commands with account.invoice.line values, and the many2many
// invoice_line_tax_id commands inside them. Pure checks returning messages that name the
// field and the rule ("update.invoice_line[1]: command 0 needs 3 elements: ...").
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace reconcilerd::backends::simetri {

// Every problem (up to 10, joined by "; "), or nothing when `update` may be sent. With
// `strict` false, unknown keys (header or line) are let through unchecked.
std::optional<std::string> check_update(const boost::json::object& update, bool strict);

// True when `update` holds a (0, ...) create or (2, ...) delete command in any x2many
// (invoice_line or a line's invoice_line_tax_id): sending it twice adds or fails.
bool has_unrepeatable_command(const boost::json::object& update);

// True for the names of x2many fields whose JSON command arrays go on the wire as tuples.
bool is_x2many_field(std::string_view name);

}  // namespace reconcilerd::backends::simetri

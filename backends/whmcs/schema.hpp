// The WHMCS UpdateInvoice update schema of backends.md: invoice fields, changed lines
// (itemdescription/itemamount/itemtaxed keyed by line id, all three per line), new lines
// (newitem* arrays of equal length), deletelineids and the publish flags. Pure checks
// returning messages that name the field and the rule.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace reconcilerd::backends::whmcs {

enum class field_kind {
  status,        // one of the WHMCS invoice statuses
  text,          // non-empty string (WHMCS ignores empty values)
  item_text,     // any string: a line description (element of line_texts / new_texts)
  rate,          // percentage, 0..100
  amount,        // money: at most 2 decimals, |x| < 1e13 (read exactly by Boost.JSON)
  date,          // YYYY-MM-DD
  flag,          // boolean, sent as 1/0
  line_texts,    // {"<line id>": string}
  line_amounts,  // {"<line id>": amount}
  line_flags,    // {"<line id>": boolean}
  new_texts,     // [string]
  new_amounts,   // [amount]
  new_flags,     // [boolean]
  line_ids,      // [positive integer]
};

// The kind of a documented update field, or nothing for an unknown name.
std::optional<field_kind> kind_of(std::string_view name);

// The kind of the elements of a line_* / new_* / line_ids field; `k` itself otherwise.
field_kind element_kind(field_kind k);

// True for form fields reconcilerd sets itself (action, credentials, invoiceid, ...): a job
// may never name them, whatever strict_fields says.
bool is_reserved(std::string_view name);

// Every problem (up to 10, joined by "; "), or nothing when `update` may be sent. With
// `strict` false, unknown keys with a scalar value are let through.
std::optional<std::string> check_update(const boost::json::object& update, bool strict);

}  // namespace reconcilerd::backends::whmcs

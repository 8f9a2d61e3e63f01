// simetri's request body: the update as the Python 2 literal of the `update_vals` form field
// (the server eval()s it), x2many commands as tuples. The spelling: True/False/None,
// single-quoted strings, tuples; a one-member object {"$tuple": [...]} is written as a tuple
// ([5] as "(5,)"), the inverse of the test parser tests/support/python_literal.hpp.
// Pure and total: never fails, never throws.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace reconcilerd::backends::simetri {

inline constexpr std::string_view tuple_key = "$tuple";

// Wraps `items` as the marker object that encode_python_literal writes as a tuple.
boost::json::value make_tuple(boost::json::array items);

// Strings: pure-ASCII text as '...'; text with any non-ASCII character as u'...' with
// \uXXXX (\UXXXXXXXX above U+FFFF) escapes, so the output is always 7-bit ASCII and means
// the same whether the server eval()s bytes or unicode. \\ and \' are escaped; newline,
// tab and CR as \n \t \r; other control characters (and DEL) as \xNN. Invalid UTF-8 (not
// possible in parsed JSON) becomes U+FFFD. Floats in shortest round-trip form, always with
// a '.' or exponent so Python reads a float ("5.0"); non-finite floats (not possible in
// parsed JSON) as 1e999 / -1e999 / None. Dicts keep the object's member order.
std::string encode_python_literal(const boost::json::value& v);

// Just the string rule above, for one string.
std::string encode_python_string(std::string_view s);

// The `update_vals` text of a validated update: every x2many command array (invoice_line,
// and each line's invoice_line_tax_id) becomes a tuple; everything else is copied as is.
std::string update_vals(const boost::json::object& update);

}  // namespace reconcilerd::backends::simetri

// A strict parser of the Python 2 literal subset that simetri's Odoo server eval()s:
// dicts with string keys, lists, tuples, ints, floats, True/False/None and '...'/"..."
// strings (u prefix allowed). Tuples come back as {"$tuple": [...]} so they stay distinct
// from lists. Anything outside the subset is refused with a message (never guessed at).
// Used by the simetri adapter tests and by the API simulator.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace reconcilerd::test {

// The key of the one-member object that stands for a Python tuple.
inline constexpr std::string_view python_tuple_key = "$tuple";

// Parses `text` (one literal, surrounded by optional whitespace). Semantics follow Python 2:
// `(5)` is the int 5, `(5,)` a 1-tuple, `()` the empty tuple; a repeated dict key keeps the
// last value; `\xNN` in a byte string is a raw byte, in a u'' string the code point U+00NN;
// `\uXXXX`/`\UXXXXXXXX` are escapes only in u'' strings. Every string must end up valid
// UTF-8. Ints must fit in 64 bits (int64, or uint64 above it). On failure returns nullopt
// and, if `error` is not null, stores "at offset N: <what>" there.
std::optional<boost::json::value> parse_python_literal(std::string_view text, std::string* error);

}  // namespace reconcilerd::test

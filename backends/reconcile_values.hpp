// Small value helpers the adapters' reconciliation code shares (read(), judge(), fold(),
// unchanged(), merge(); see backend.hpp): numbers as an API writes them (JSON numbers or
// decimal strings), money with two decimals, and the pieces of the sentences judge() writes.
// Pure functions; nothing here throws.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/backend.hpp"

namespace reconcilerd::backends::values {

// A finite number: a JSON number, or a string holding a plain decimal ("12.50", "-3",
// "0.5"; no exponent, no spaces). Nothing otherwise.
std::optional<double> number_of(const boost::json::value& v);

// An integer: a JSON integer, an integral JSON double, or a string of decimal digits with
// an optional '-' ("42"). Nothing otherwise (fractions, empty strings, overflow).
std::optional<std::int64_t> integer_of(const boost::json::value& v);

// A number rounded to two decimals as text ("16.95", "5.00", "-3.10"): how WHMCS stores and
// returns money. Nothing when `v` is not a number in the sense of number_of.
std::optional<std::string> money_text(const boost::json::value& v);

// True when both are numbers (number_of) of the same value.
bool same_number(const boost::json::value& a, const boost::json::value& b);

// True when both are integers (integer_of) of the same value: 7, "7" and 7.0 are one id.
bool same_integer(const boost::json::value& a, const boost::json::value& b);

// `text` quoted for a sentence: at most `max` bytes (then "..."), control characters
// replaced (body_excerpt), in double quotes.
std::string quoted(std::string_view text, std::size_t max = 40);

// The parts joined by `sep`.
std::string joined(const std::vector<std::string>& parts, std::string_view sep = ", ");

// "N thing" / "N things" (the plural adds "s").
std::string count_of(std::size_t n, std::string_view thing);

// A read-back answer that could not be used: retry, with `message` (a sentence).
invoice_read unreadable(std::string message);

// A read-back answer with the meaning `o` (from classify() or classify_status()).
invoice_read not_read(outcome o);

// A delivered read-back with the view `invoice`.
invoice_read read_ok(boost::json::object invoice);

}  // namespace reconcilerd::backends::values

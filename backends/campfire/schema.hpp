// Campfire's writable invoice fields (backends.md "campfire") and DRF error flattening.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "backends/fields.hpp"

namespace reconcilerd::backends::campfire {

// The writable fields; read-only ones (id, total_amount, ...) and `memo` are refused by name.
// The fields a full replacement needs are listed by required_fields(), not marked required
// here, so that validate() can explain them together.
const fields::schema& invoice_schema();
const std::vector<std::string>& required_fields();

// A DRF error body ({"field": ["msg"], "lines": [{}, {"amount": ["msg"]}]}) as
// "field: msg; lines[1].amount: msg". Empty when the body has no messages.
std::string drf_errors(const boost::json::value& body);

}  // namespace reconcilerd::backends::campfire

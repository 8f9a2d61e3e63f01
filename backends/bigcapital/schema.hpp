// Bigcapital's sale-invoice edit body (backends.md "bigcapital") and its error bodies.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "backends/fields.hpp"

namespace reconcilerd::backends::bigcapital {

const fields::schema& invoice_schema();

// A NestJS validation body {"message": [{property, constraints, children}]} as
// "entries.0.rate: rate must be a number; ..." (also plain string messages). Empty if none.
std::string validation_errors(const boost::json::value& body);

// A business error body {"errors": [{"type": "SALE_INVOICE_NOT_FOUND", "message": null}]}
// as readable text naming each type. Empty if the body has no such errors.
std::string business_errors(const boost::json::value& body, std::string_view invoice_id);

}  // namespace reconcilerd::backends::bigcapital

// The fields Alloy's "update invoice" accepts (backends.md "alloy"), as a fields::schema.
#pragma once

#include "backends/fields.hpp"

namespace reconcilerd::backends::alloy {

const fields::schema& invoice_schema();

}  // namespace reconcilerd::backends::alloy

// WHMCS's request body: a validated update -> the form fields of api.php, in the update's
// order: PHP bracket names (`itemdescription[13]`, `newitemamount[]`, `deletelineids[]`),
// booleans as 1/0, amounts and rates with at least two decimals ("16.95", "0.00": WHMCS
// drops a bare 0 as falsy). Pure.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <utility>
#include <vector>

namespace reconcilerd::backends::whmcs {

using form_fields = std::vector<std::pair<std::string, std::string>>;

// A number with at least two decimals and no rounding: 5 -> "5.00", 16.9 -> "16.90",
// 7.125 -> "7.125" (shortest round-trip digits otherwise).
std::string format_decimal(const boost::json::value& number);

// The update's fields. Precondition: check_update() accepted `update`.
form_fields update_fields(const boost::json::object& update);

}  // namespace reconcilerd::backends::whmcs

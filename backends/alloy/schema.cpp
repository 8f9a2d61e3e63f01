// Alloy's invoice body: lineItems required (at least one line, each with a description and
// totalAmount as decimal text), dates YYYY-MM-DD, currency ISO 4217, remoteFields passed
// through as any object.
#include "backends/alloy/schema.hpp"

namespace reconcilerd::backends::alloy {

const fields::schema& invoice_schema() {
  using namespace fields;
  static const schema s{
      {"customerId", string()},
      {"lineItems",
       array_of(object_of({
                    {"description", string().required()},
                    {"unitPrice", number()},
                    {"quantity", integer().at_least(-2147483648.0).at_most(2147483647.0)},
                    {"totalAmount", decimal_text().required()},
                    {"accountingItemId", string()},
                    {"accountId", string()},
                }))
           .required()
           .min_items(1)},
      {"invoiceNumber", string()},
      {"issueDate", date()},
      {"dueDate", date()},
      {"memo", string()},
      {"currency", currency()},
      {"exchangeRate", number()},
      {"totalAmount", number()},
      {"balance", number()},
      {"remoteFields", object()},
  };
  return s;
}

}  // namespace reconcilerd::backends::alloy

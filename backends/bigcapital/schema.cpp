// Bigcapital's edit schema and error texts; see schema.hpp.
// Decision: invoiceDate/dueDate must be date-only "YYYY-MM-DD"; a timestamp such as
// "2026-11-01T00:00:00Z" is refused (not truncated), because its date part is ambiguous
// across time zones and the server would re-format it in its own zone. Ids are integers;
// optional fields accept null (class-validator's @IsOptional lets null through).
#include "backends/bigcapital/schema.hpp"

#include <boost/json/serialize.hpp>
#include <cctype>
#include <vector>

namespace reconcilerd::backends::bigcapital {

namespace json = boost::json;

const fields::schema& invoice_schema() {
  using namespace fields;
  static const rule discount_type = enumeration({"percentage", "amount"});
  static const schema entry{
      {"index", integer().required()},         {"itemId", integer().required()},
      {"rate", number().required()},           {"quantity", number().required()},
      {"discount", number().nullable()},       {"discountType", discount_type.nullable()},
      {"description", string().nullable()},    {"taxCode", string().nullable()},
      {"taxRateId", integer().nullable()},     {"warehouseId", integer().nullable()},
      {"projectId", integer().nullable()},     {"projectRefId", integer().nullable()},
      {"projectRefType", string().nullable()}, {"projectRefInvoicedAmount", number().nullable()},
      {"sellAccountId", integer().nullable()}, {"costAccountId", integer().nullable()},
  };
  static const schema s{
      {"customerId", integer().required()},
      {"invoiceDate", date().required()},
      {"dueDate", date().required()},
      {"entries", array_of(object_of(entry)).required().min_items(1)},
      {"attachments", array_of(object_of({{"key", string().required().min_items(1)}}))},
      {"invoiceNo", string().nullable()},
      {"referenceNo", string().nullable()},
      {"delivered", boolean().nullable()},
      {"invoiceMessage", string().nullable()},
      {"termsConditions", string().nullable()},
      {"exchangeRate", number().at_least(0).nullable()},
      {"warehouseId", integer().nullable()},
      {"branchId", integer().nullable()},
      {"projectId", integer().nullable()},
      {"isInclusiveTax", boolean().nullable()},
      {"pdfTemplateId", integer().nullable()},
      {"paymentMethods", array_of(object_of({
                             {"paymentIntegrationId", integer().required()},
                             {"enable", boolean().required()},
                         }))},
      {"discount", number().nullable()},
      {"discountType", discount_type.nullable()},
      {"adjustment", number().nullable()},
      {"fromEstimateId", integer().nullable()},
  };
  return s;
}

namespace {

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

// One class-validator ValidationError: {property, constraints: {name: text}, children: []}.
void flatten(const json::value& v, const std::string& path, std::vector<std::string>& out) {
  if (v.is_string()) {
    out.push_back(std::string(v.get_string()));
    return;
  }
  if (!v.is_object()) return;
  auto& o = v.get_object();
  std::string here = path;
  if (auto* p = o.if_contains("property")) {
    std::string name = p->is_string() ? std::string(p->get_string()) : json::serialize(*p);
    here = path.empty() ? name : path + "." + name;
  }
  if (auto* c = o.if_contains("constraints"); c && c->is_object())
    for (auto& m : c->get_object())
      out.push_back(
          here + ": " +
          (m.value().is_string() ? std::string(m.value().get_string()) : std::string(m.key())));
  if (auto* ch = o.if_contains("children"); ch && ch->is_array())
    for (auto& child : ch->get_array()) flatten(child, here, out);
}

std::string words(std::string_view type) {
  std::string out;
  for (char c : type)
    out += c == '_' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string describe(std::string_view type, std::string_view invoice_id) {
  if (type == "SALE_INVOICE_NOT_FOUND")
    return invoice_id.empty() ? "invoice not found"
                              : "invoice " + std::string(invoice_id) + " not found";
  if (type == "INVOICE_NUMBER_NOT_UNIQUE" || type == "SALE_INVOICE_NO_NOT_UNIQUE")
    return "the invoice number is already used by another invoice";
  if (type == "ITEMS_NOT_FOUND" || type == "ITEMS_IDS_NOT_EXISTS")
    return "an entry names an item that does not exist";
  if (type == "NOT_SELL_ABLE_ITEMS") return "an entry names an item that cannot be sold";
  if (type == "ENTRIES_IDS_NOT_FOUND") return "an entry id does not belong to this invoice";
  return words(type);
}

}  // namespace

std::string validation_errors(const json::value& body) {
  if (!body.is_object()) return {};
  auto* m = body.get_object().if_contains("message");
  if (!m) return {};
  std::vector<std::string> parts;
  if (m->is_array())
    for (auto& e : m->get_array()) flatten(e, "", parts);
  return join(parts);
}

std::string business_errors(const json::value& body, std::string_view invoice_id) {
  if (!body.is_object()) return {};
  auto* errors = body.get_object().if_contains("errors");
  if (!errors || !errors->is_array()) return {};
  std::vector<std::string> parts;
  for (auto& e : errors->get_array()) {
    if (!e.is_object()) continue;
    auto* type = e.get_object().if_contains("type");
    if (!type || !type->is_string()) continue;
    std::string text =
        describe(type->get_string(), invoice_id) + " (" + std::string(type->get_string()) + ")";
    if (auto* msg = e.get_object().if_contains("message"); msg && msg->is_string())
      text += ": " + std::string(msg->get_string());
    parts.push_back(std::move(text));
  }
  return join(parts);
}

}  // namespace reconcilerd::backends::bigcapital

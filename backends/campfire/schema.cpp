// Campfire's invoice schema and the DRF error flattening; see schema.hpp.
// Bounds from the vendor's OpenAPI: amounts |x| < 1e14, discounts |x| < 1e18. Optional
// fields accept null (a full replacement sets them to null anyway).
#include "backends/campfire/schema.hpp"

#include <boost/json/serialize.hpp>

namespace reconcilerd::backends::campfire {

namespace json = boost::json;

const fields::schema& invoice_schema() {
  using namespace fields;
  static const rule amount = number().above(-1e14).below(1e14);
  static const rule discount = number().above(-1e18).below(1e18).nullable();
  static const rule read_only = forbidden("is read-only (computed by Campfire); leave it out");
  static const schema line{
      {"amount", amount.required()},
      {"service_date", date().nullable()},
      {"product", id().nullable()},
      {"rate", amount.nullable()},
      {"description", string().nullable()},
      {"quantity", number().nullable()},
      {"tax", amount.nullable()},
      {"tax_description", string().nullable()},
      {"discount", discount},
      {"discount_percentage", discount},
      {"discount_amount", discount},
      {"product_is_taxable", boolean().nullable()},
      {"anrok_item_id", string().nullable()},
  };
  static const schema s{
      {"client", id()},
      {"entity", id()},
      {"contract", id().nullable()},
      {"terms",
       enumeration({"custom", "net_5", "net_7", "net_10", "net_15", "net_20", "net_30", "net_40",
                    "net_45", "net_60", "net_90", "net_105", "net_120", "due_on_receipt"})
           .nullable()},
      {"status",
       enumeration({"draft", "open", "sent", "partial", "paid", "uncollectible", "voided"})
           .nullable()},
      {"invoice_date", date()},
      {"due_date", date()},
      {"item_date", date().nullable()},
      {"period_start", date().nullable()},
      {"period_end", date().nullable()},
      {"shipping_date", date().nullable()},
      {"currency", currency().nullable()},
      {"exchange_rate_book", number().nullable()},
      {"exchange_rate", number().nullable()},
      {"message_on_invoice", string().nullable()},
      {"billing_address", string().nullable()},
      {"shipping_address", string().nullable()},
      {"purchase_order_number", string().nullable()},
      {"invoice_number", string().nullable()},
      {"ref_number", string().nullable()},
      {"location_of_sale", string().nullable()},
      {"stripe_connection", string().nullable()},
      {"auto_send_invoice", boolean().nullable()},
      {"lines", array_of(object_of(line)).min_items(1)},
      {"id", read_only},
      {"payments", read_only},
      {"total_amount", read_only},
      {"amount_paid", read_only},
      {"amount_due", read_only},
      {"reminder_sent_dates", read_only},
      {"created_at", read_only},
      {"last_modified_at", read_only},
      {"client_name", read_only},
      {"memo", forbidden("is not a Campfire invoice field (the text printed on the invoice is "
                         "message_on_invoice)")},
  };
  return s;
}

const std::vector<std::string>& required_fields() {
  static const std::vector<std::string> names{"client", "entity", "invoice_date", "due_date",
                                              "lines"};
  return names;
}

namespace {

void flatten(const json::value& v, const std::string& path, std::vector<std::string>& out) {
  auto add = [&](std::string_view msg) {
    out.push_back(path.empty() ? std::string(msg) : path + ": " + std::string(msg));
  };
  if (v.is_string()) {
    add(v.get_string());
  } else if (v.is_array()) {
    auto& a = v.get_array();
    std::string joined;
    bool all_strings = true;
    for (auto& e : a) {
      if (!e.is_string()) {
        all_strings = false;
        break;
      }
      joined += (joined.empty() ? "" : " ") + std::string(e.get_string());
    }
    if (all_strings) {
      if (!joined.empty()) add(joined);
      return;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i].is_string())
        add(a[i].get_string());
      else
        flatten(a[i], path + "[" + std::to_string(i) + "]", out);
    }
  } else if (v.is_object()) {
    for (auto& m : v.get_object()) {
      std::string key(m.key());
      bool general = key == "non_field_errors" || key == "detail";
      flatten(m.value(), general ? path : (path.empty() ? key : path + "." + key), out);
    }
  } else if (!v.is_null()) {
    add(json::serialize(v));
  }
}

}  // namespace

std::string drf_errors(const json::value& body) {
  std::vector<std::string> parts;
  flatten(body, "", parts);
  std::string out;
  for (auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace reconcilerd::backends::campfire

// Bigcapital reconciliation; see reconcile.hpp.
#include "backends/bigcapital/reconcile.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <vector>

#include "backends/bigcapital/schema.hpp"
#include "backends/reconcile_values.hpp"

namespace reconcilerd::backends::bigcapital {

namespace json = boost::json;

namespace {

enum class vk { integer, number, text, flag };

struct name_map {
  std::string_view view, snake;
  vk kind;
};

constexpr name_map header[] = {
    {"customerId", "customer_id", vk::integer},
    {"invoiceNo", "invoice_no", vk::text},
    {"referenceNo", "reference_no", vk::text},
    {"invoiceMessage", "invoice_message", vk::text},
    {"termsConditions", "terms_conditions", vk::text},
    {"exchangeRate", "exchange_rate", vk::number},
    {"warehouseId", "warehouse_id", vk::integer},
    {"branchId", "branch_id", vk::integer},
    {"projectId", "project_id", vk::integer},
    {"isInclusiveTax", "is_inclusive_tax", vk::flag},
    {"pdfTemplateId", "pdf_template_id", vk::integer},
    {"discount", "discount", vk::number},
    {"discountType", "discount_type", vk::text},
    {"adjustment", "adjustment", vk::number},
};

constexpr name_map entry_fields[] = {
    {"index", "index", vk::integer},
    {"itemId", "item_id", vk::integer},
    {"rate", "rate", vk::number},
    {"quantity", "quantity", vk::number},
    {"discount", "discount", vk::number},
    {"discountType", "discount_type", vk::text},
    {"description", "description", vk::text},
    {"taxRateId", "tax_rate_id", vk::integer},
    {"warehouseId", "warehouse_id", vk::integer},
    {"projectId", "project_id", vk::integer},
    {"projectRefId", "project_ref_id", vk::integer},
    {"projectRefType", "project_ref_type", vk::text},
    {"projectRefInvoicedAmount", "project_ref_invoiced_amount", vk::number},
    {"sellAccountId", "sell_account_id", vk::integer},
    {"costAccountId", "cost_account_id", vk::integer},
};

const json::value* either(const json::object& o, std::string_view snake, std::string_view camel) {
  if (auto* v = o.if_contains(snake)) return v;
  return o.if_contains(camel);
}

// A read value in the view's terms, or nothing when it is not of the kind.
std::optional<json::value> normalised(const json::value& v, vk kind) {
  if (v.is_null()) return v;
  switch (kind) {
    case vk::integer:
      if (auto n = values::integer_of(v)) return json::value(*n);
      return std::nullopt;
    case vk::number: {
      auto d = values::number_of(v);
      if (!d) return std::nullopt;
      if (*d == std::trunc(*d) && std::fabs(*d) < 9e15)
        return json::value(static_cast<std::int64_t>(*d));
      return json::value(*d);
    }
    case vk::text:
      if (v.is_string()) return v;
      return std::nullopt;
    case vk::flag:
      if (v.is_bool()) return v;
      if (auto n = values::integer_of(v); n && (*n == 0 || *n == 1)) return json::value(*n == 1);
      return std::nullopt;
  }
  return std::nullopt;
}

// ---- calendar days ----------------------------------------------------------------------

struct ymd {
  int y, m, d;
};

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in(int y, int m) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return days[m - 1] + (m == 2 && leap(y) ? 1 : 0);
}

std::optional<ymd> parse_day(std::string_view s) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t n) {
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  ymd out{num(0, 4), num(5, 2), num(8, 2)};
  if (out.y < 1 || out.m < 1 || out.m > 12 || out.d < 1 || out.d > days_in(out.y, out.m))
    return std::nullopt;
  return out;
}

ymd next_day(ymd t) {
  if (++t.d > days_in(t.y, t.m)) {
    t.d = 1;
    if (++t.m > 12) {
      t.m = 1;
      ++t.y;
    }
  }
  return t;
}

std::string text_of(ymd t) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", t.y, t.m, t.d);
  return buf;
}

// Whether the numbers and month name of `formatted` are exactly t's day, month and year
// (the year in four digits or two).
bool formatted_as(ymd t, std::string_view formatted) {
  static constexpr std::string_view months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                "jul", "aug", "sep", "oct", "nov", "dec"};
  std::vector<std::pair<long, std::size_t>> numbers;  // value, digits
  int named_month = 0;
  for (std::size_t i = 0; i < formatted.size();) {
    const unsigned char c = static_cast<unsigned char>(formatted[i]);
    if (std::isdigit(c)) {
      long v = 0;
      std::size_t n = 0;
      for (; i < formatted.size() && std::isdigit(static_cast<unsigned char>(formatted[i]));
           ++i, ++n)
        v = v * 10 + (formatted[i] - '0');
      if (n > 4) return false;
      numbers.emplace_back(v, n);
    } else if (std::isalpha(c)) {
      std::string word;
      for (; i < formatted.size() && std::isalpha(static_cast<unsigned char>(formatted[i])); ++i)
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(formatted[i])));
      int month = 0;
      for (int k = 0; k < 12; ++k)
        if (word.size() >= 3 && word.compare(0, 3, months[k]) == 0) month = k + 1;
      if (!month) continue;  // a weekday or another word
      if (named_month) return false;
      named_month = month;
    } else {
      ++i;
    }
  }
  auto take = [&](long v, bool year) {
    for (auto it = numbers.begin(); it != numbers.end(); ++it)
      if (it->first == v && (!year || it->second == 4 || it->second == 2)) {
        numbers.erase(it);
        return true;
      }
    return false;
  };
  if (!take(t.y, true) && !take(t.y % 100, true)) return false;
  if (!take(t.d, false)) return false;
  if (named_month ? named_month != t.m : !take(t.m, false)) return false;
  return numbers.empty();
}

std::optional<json::value> read_day(const json::object& o, std::string_view snake,
                                    std::string_view camel) {
  const json::value* v = either(o, snake, camel);
  if (!v || !v->is_string()) return std::nullopt;
  const json::value* f =
      either(o, std::string(snake) + "_formatted", std::string(camel) + "Formatted");
  auto day =
      calendar_day(v->get_string(), f && f->is_string() ? f->get_string() : std::string_view());
  if (!day) return std::nullopt;
  return json::value(json::string(*day));
}

bool is_nil(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return !v || v->is_null();
}

bool is_true(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_bool() && v->get_bool();
}

bool is_nonempty_text(const json::value* v) {
  return v && v->is_string() && !v->get_string().empty();
}

const json::value& member(const json::object& o, std::string_view key) {
  static const json::value null;
  const json::value* v = o.if_contains(key);
  return v ? *v : null;
}

// Equal as the view holds them; null equals only null.
bool same(const json::value& sent, const json::value& seen, vk kind) {
  if (sent.is_null() || seen.is_null()) return sent.is_null() && seen.is_null();
  switch (kind) {
    case vk::integer:
      return values::same_integer(sent, seen);
    case vk::number:
      return values::same_number(sent, seen);
    default:
      return sent == seen;
  }
}

bool empty_value(const json::value* v) {
  if (!v || v->is_null()) return true;
  if (v->is_string()) return v->get_string().empty();
  auto d = values::number_of(*v);
  return d && *d == 0;
}

template <std::size_t N>
const name_map* find(const name_map (&table)[N], std::string_view key) {
  for (auto& m : table)
    if (m.view == key) return &m;
  return nullptr;
}

bool same_entry(const json::object& sent, const json::object& seen) {
  for (auto& m : sent) {
    const name_map* f = find(entry_fields, m.key());
    if (!f) return false;  // taxCode (resolved to taxRateId by the server) and unknown keys
    const json::value* have = seen.if_contains(m.key());
    if (!have || !same(m.value(), *have, f->kind)) return false;
  }
  for (auto key : {"description", "discount", "taxRateId"})
    if (!sent.contains(key) && !empty_value(seen.if_contains(key))) return false;
  return true;
}

}  // namespace

std::optional<std::string> calendar_day(std::string_view value, std::string_view formatted) {
  auto day = parse_day(value);
  if (!day) return std::nullopt;
  if (value.size() == 10) return text_of(*day);
  std::string_view rest = value.substr(10);
  if (rest[0] != 'T' && rest[0] != ' ') return std::nullopt;
  rest.remove_prefix(1);
  const bool midnight = rest.starts_with("00:00:00") || rest == "00:00";
  std::size_t zone = rest.find_first_of("Z+-");
  const std::string_view offset = zone == std::string_view::npos ? "" : rest.substr(zone);
  const bool utc = offset.empty() || offset == "Z" || offset == "+00:00" || offset == "+0000";
  if (midnight) return text_of(*day);  // midnight in the zone written: that day
  if (!utc) return std::nullopt;
  // Local midnight written in UTC: the server's day is this UTC day (west of UTC) or the
  // next (east); the formatted text decides.
  const ymd next = next_day(*day);
  const bool this_one = formatted_as(*day, formatted), next_one = formatted_as(next, formatted);
  if (this_one == next_one) return std::nullopt;
  return text_of(this_one ? *day : next);
}

std::variant<json::object, std::string> invoice_view(const json::value& answer,
                                                     std::string_view invoice_id) {
  const json::object* o = answer.if_object();
  if (o)
    if (auto* wrapped = o->if_contains("sale_invoice"); wrapped && wrapped->is_object())
      o = &wrapped->get_object();
  if (!o) return std::string("the answer is not a JSON object");
  if (auto* id = o->if_contains("id")) {
    auto n = values::integer_of(*id);
    if (!n || std::to_string(*n) != invoice_id)
      return "the answer is about invoice " + values::quoted(json::serialize(*id)) + ", not " +
             std::string(invoice_id);
  }
  const json::value* entries = o->if_contains("entries");
  if (!entries || !entries->is_array()) return std::string("the answer has no list of entries");
  json::object view;
  for (auto& f : header) {
    const json::value* v = either(*o, f.snake, f.view);
    if (!v) continue;
    auto n = normalised(*v, f.kind);
    if (!n)
      return "\"" + std::string(f.snake) + "\" is not a " +
             (f.kind == vk::text   ? "string"
              : f.kind == vk::flag ? "boolean"
                                   : "number");
    view[f.view] = *n;
  }
  if (auto d = read_day(*o, "invoice_date", "invoiceDate")) view["invoiceDate"] = *d;
  if (auto d = read_day(*o, "due_date", "dueDate")) view["dueDate"] = *d;
  if (auto* v = either(*o, "is_delivered", "isDelivered"); v && v->is_bool())
    view["delivered"] = v->get_bool();
  else if (auto* v = o->if_contains("delivered"); v && v->is_bool())
    view["delivered"] = v->get_bool();
  else if (auto* v = either(*o, "delivered_at", "deliveredAt"))
    view["delivered"] = !v->is_null();
  json::array out;
  for (std::size_t i = 0; i < entries->get_array().size(); ++i) {
    const json::object* e = entries->get_array()[i].if_object();
    if (!e) return "entries[" + std::to_string(i) + "] is not an object";
    json::object entry;
    if (auto* id = e->if_contains("id")) entry["id"] = *id;
    for (auto& f : entry_fields) {
      const json::value* v = either(*e, f.snake, f.view);
      if (!v) continue;
      auto n = normalised(*v, f.kind);
      if (!n) return "entries[" + std::to_string(i) + "]." + std::string(f.snake) + " is not valid";
      entry[f.view] = *n;
    }
    out.push_back(std::move(entry));
  }
  view["entries"] = std::move(out);
  return view;
}

std::optional<json::object> fold_updates(const json::object& older, const json::object& newer) {
  for (const json::object* u : {&older, &newer})
    for (auto& m : *u)
      if (!invoice_schema().find(m.key())) return std::nullopt;
  if (!newer.contains("isInclusiveTax") && older.contains("isInclusiveTax")) return std::nullopt;
  if (is_nil(newer, "pdfTemplateId") && !is_nil(older, "pdfTemplateId")) return std::nullopt;
  json::object out = older;
  for (auto& m : newer) out[m.key()] = m.value();
  for (auto key : {"attachments", "exchangeRate"})
    if (!newer.contains(key)) out.erase(key);
  if (is_true(older, "delivered") || is_true(newer, "delivered")) out["delivered"] = true;
  if (!is_nonempty_text(newer.if_contains("invoiceNo")) &&
      is_nonempty_text(older.if_contains("invoiceNo")))
    out["invoiceNo"] = older.at("invoiceNo");
  return out;
}

bool shows_update(const json::object& view, const json::object& update) {
  for (auto& m : update) {
    const std::string_view key = m.key();
    if (key == "entries" || key == "delivered" || key == "invoiceDate" || key == "dueDate")
      continue;
    if (key == "invoiceNo" && !is_nonempty_text(&m.value())) continue;  // keeps the number
    if (key == "pdfTemplateId" && m.value().is_null()) continue;        // the default template
    const name_map* f = find(header, key);
    if (!f || key == "exchangeRate" || key == "isInclusiveTax") {
      if (!f) return false;  // attachments, paymentMethods, fromEstimateId, unknown keys
      continue;
    }
    const json::value* have = view.if_contains(key);
    if (!have || !same(m.value(), *have, f->kind)) return false;
  }
  for (auto key : {"invoiceDate", "dueDate"}) {
    const json::value* want = update.if_contains(key);
    const json::value* have = view.if_contains(key);
    if (!want || !have || *want != *have) return false;
  }
  if (is_true(update, "delivered") && !is_true(view, "delivered")) return false;
  // exchangeRate: the edit writes exchangeRate || 1.
  const json::value& rate = member(update, "exchangeRate");
  const bool given = !rate.is_null() && !(values::number_of(rate) && *values::number_of(rate) == 0);
  if (!values::same_number(given ? rate : json::value(1), member(view, "exchangeRate")))
    return false;
  // isInclusiveTax: the entries are computed with the update's value (absent: not inclusive).
  if (is_true(update, "isInclusiveTax") != is_true(view, "isInclusiveTax")) return false;
  const json::value& sent = member(update, "entries");
  const json::value& seen = member(view, "entries");
  if (!sent.is_array() || !seen.is_array() || sent.get_array().size() != seen.get_array().size())
    return false;
  for (std::size_t i = 0; i < sent.get_array().size(); ++i) {
    const json::object* a = sent.get_array()[i].if_object();
    const json::object* b = seen.get_array()[i].if_object();
    if (!a || !b || !same_entry(*a, *b)) return false;
  }
  return true;
}

}  // namespace reconcilerd::backends::bigcapital

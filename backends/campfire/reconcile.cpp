// Campfire reconciliation; see reconcile.hpp.
#include "backends/campfire/reconcile.hpp"

#include <boost/json/serialize.hpp>
#include <cmath>

#include "backends/campfire/schema.hpp"
#include "backends/reconcile_values.hpp"

namespace reconcilerd::backends::campfire {

namespace json = boost::json;

namespace {

const fields::schema& line_schema() { return *invoice_schema().find("lines")->spec.items->shape; }

bool writable(const fields::field& f) { return f.spec.type != fields::kind::forbidden; }

// A Campfire value in the terms a request uses: ids as strings, decimals as numbers
// (integral ones as integers), anything else as it is.
json::value as_sent(const json::value& v, fields::kind k) {
  if (v.is_null()) return v;
  if (k == fields::kind::id) {
    if (auto n = values::integer_of(v)) return json::string(std::to_string(*n));
    return v;
  }
  if (k == fields::kind::number) {
    auto d = values::number_of(v);
    if (!d) return v;
    if (*d == std::trunc(*d) && std::fabs(*d) < 9e15) return static_cast<std::int64_t>(*d);
    return *d;
  }
  return v;
}

// Equal in Campfire's terms; `a` or `b` null when absent.
bool same(const json::value& a, const json::value& b, fields::kind k) {
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  if (k == fields::kind::id) return values::same_integer(a, b);
  if (k == fields::kind::number) return values::same_number(a, b);
  return a == b;
}

const json::value& member(const json::object& o, std::string_view key) {
  static const json::value null;
  const json::value* v = o.if_contains(key);
  return v ? *v : null;
}

bool same_line(const json::object& sent, const json::object& seen) {
  for (auto& m : sent)
    if (!line_schema().find(m.key())) return false;
  for (auto& f : line_schema().fields)
    if (!same(member(sent, f.name), member(seen, f.name), f.spec.type)) return false;
  return true;
}

}  // namespace

std::variant<json::object, std::string> invoice_view(const json::value& answer,
                                                     std::string_view invoice_id) {
  const json::object* o = answer.if_object();
  if (!o) return std::string("the answer is not a JSON object");
  if (auto* id = o->if_contains("id")) {
    auto n = values::integer_of(*id);
    if (!n || std::to_string(*n) != invoice_id)
      return "the answer is about invoice " + values::quoted(json::serialize(*id)) + ", not " +
             std::string(invoice_id);
  }
  const json::value* lines = o->if_contains("lines");
  if (!lines || !lines->is_array()) return std::string("the answer has no list of lines");
  json::object view;
  for (auto& f : invoice_schema().fields)
    if (writable(f) && f.name != "lines")
      if (auto* v = o->if_contains(f.name)) view[f.name] = *v;
  json::array out;
  for (std::size_t i = 0; i < lines->get_array().size(); ++i) {
    const json::object* l = lines->get_array()[i].if_object();
    if (!l) return "lines[" + std::to_string(i) + "] is not an object";
    json::object line;
    if (auto* id = l->if_contains("id")) line["id"] = *id;
    for (auto& f : line_schema().fields)
      if (auto* v = l->if_contains(f.name)) line[f.name] = *v;
    out.push_back(std::move(line));
  }
  view["lines"] = std::move(out);
  return view;
}

std::variant<json::object, std::string> merged(const json::object& view,
                                               const json::object& update) {
  json::object out;
  for (auto& f : invoice_schema().fields) {
    if (!writable(f) || f.name == "lines") continue;
    if (auto* v = view.if_contains(f.name)) out[f.name] = as_sent(*v, f.spec.type);
  }
  json::array lines;
  if (auto* ls = view.if_contains("lines"); ls && ls->is_array()) {
    for (auto& l : ls->get_array()) {
      const json::object* lo = l.if_object();
      if (!lo) continue;
      json::object line;
      for (auto& f : line_schema().fields)
        if (auto* v = lo->if_contains(f.name)) line[f.name] = as_sent(*v, f.spec.type);
      lines.push_back(std::move(line));
    }
  }
  out["lines"] = std::move(lines);
  for (auto& m : update) out[m.key()] = m.value();
  std::string missing;
  for (auto& name : required_fields()) {
    const json::value* v = out.if_contains(name);
    const bool empty =
        !v || v->is_null() || (name == "lines" && v->is_array() && v->get_array().empty());
    if (empty) missing += (missing.empty() ? "" : ", ") + name;
  }
  if (!missing.empty())
    return "the invoice read back has no " + missing +
           " and the update does not give it, so a full replacement cannot be made";
  return out;
}

bool shows_update(const json::object& view, const json::object& update) {
  for (auto& m : update) {
    const fields::field* f = invoice_schema().find(m.key());
    if (!f || !writable(*f)) return false;
  }
  for (auto& f : invoice_schema().fields) {
    if (!writable(f) || f.name == "lines") continue;
    // Left out, a boolean is stored as false (the field's default), not null.
    static const json::value no(false);
    const json::value& sent_value = member(update, f.name);
    const json::value& expected =
        sent_value.is_null() && f.spec.type == fields::kind::boolean ? no : sent_value;
    if (!same(expected, member(view, f.name), f.spec.type)) return false;
  }
  const json::value& sent = member(update, "lines");
  const json::value& seen = member(view, "lines");
  if (!sent.is_array() || !seen.is_array() || sent.get_array().size() != seen.get_array().size())
    return false;
  for (std::size_t i = 0; i < sent.get_array().size(); ++i) {
    const json::object* a = sent.get_array()[i].if_object();
    const json::object* b = seen.get_array()[i].if_object();
    if (!a || !b || !same_line(*a, *b)) return false;
  }
  return true;
}

}  // namespace reconcilerd::backends::campfire

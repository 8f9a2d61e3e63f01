// simetri reconciliation; see reconcile.hpp.
#include "backends/simetri/reconcile.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <set>
#include <vector>

#include "backends/reconcile_values.hpp"
#include "backends/simetri/schema.hpp"

namespace reconcilerd::backends::simetri {

namespace json = boost::json;

namespace {

constexpr std::string_view many2one[] = {"partner_id", "account_id", "journal_id",
                                         "partner_bank_id", "period_id"};
constexpr std::string_view plain[] = {
    "customer_code", "type",         "date_invoice",        "date_due",
    "urgent",        "urgency_note", "last_backoffice_sync"};

template <std::size_t N>
bool among(const std::string_view (&names)[N], std::string_view key) {
  return std::find(std::begin(names), std::end(names), key) != std::end(names);
}

bool is_false(const json::value& v) { return v.is_bool() && !v.get_bool(); }

using id_set = std::set<std::int64_t>;

id_set lines_of(const json::object& view) {
  id_set out;
  if (auto* v = view.if_contains("invoice_line"); v && v->is_array())
    for (auto& id : v->get_array())
      if (auto n = values::integer_of(id)) out.insert(*n);
  return out;
}

std::string ids_text(const id_set& ids) {
  if (ids.empty()) return "none";
  std::vector<std::string> parts;
  for (auto id : ids) parts.push_back(std::to_string(id));
  return values::joined(parts);
}

std::string lines_text(const id_set& ids) {
  return (ids.size() == 1 ? "line " : "lines ") + ids_text(ids);
}

// The replay of the commands on the ids before.
struct replay {
  id_set known;             // ids the invoice must have afterwards
  std::size_t created = 0;  // plus this many new ids
  id_set referenced;        // ids the commands name (never a new line's id)
  std::string impossible;   // a command the server refuses on these ids (nothing applies)
  std::string unjudgeable;  // a command whose effect the ids cannot show
};

replay replayed(const id_set& before, const json::value& commands) {
  replay r{before, 0, {}, {}, {}};
  const json::array* list = commands.if_array();
  if (!list) {
    r.unjudgeable = "invoice_line is not a command list";
    return r;
  }
  for (auto& c : *list) {
    const json::array* cmd = c.if_array();
    auto op = cmd && !cmd->empty() ? values::integer_of((*cmd)[0]) : std::nullopt;
    auto id = cmd && cmd->size() > 1 ? values::integer_of((*cmd)[1]) : std::nullopt;
    if (!op) {
      r.unjudgeable = "a line command is not understood";
      continue;
    }
    if ((*op == 1 || *op == 2 || *op == 3 || *op == 4) && !id) {
      r.unjudgeable = "a line command names no line id";
      continue;
    }
    if (*op >= 1 && *op <= 4) r.referenced.insert(*id);
    switch (*op) {
      case 0:
        ++r.created;
        break;
      case 1:
        if (cmd->size() > 2 && cmd->at(2).is_object() &&
            cmd->at(2).get_object().contains("invoice_line_tax_id"))
          r.unjudgeable = "the read-back does not show a line's taxes";
        if (!r.known.count(*id) && r.impossible.empty())
          r.impossible = "line " + std::to_string(*id) + " is not on the invoice";
        break;
      case 2:
        if (!r.known.count(*id) && r.impossible.empty())
          r.impossible = "line " + std::to_string(*id) + " is not on the invoice";
        r.known.erase(*id);
        break;
      case 3:
        r.unjudgeable = "(3, id) unlinks a line, which Odoo refuses for invoice lines";
        break;
      case 4:
        r.known.insert(*id);
        break;
      case 5:
        r.known.clear();
        r.created = 0;
        break;
      case 6: {
        r.known.clear();
        r.created = 0;
        const json::array* ids = cmd->size() > 2 ? cmd->at(2).if_array() : nullptr;
        if (!ids) {
          r.unjudgeable = "a (6, 0, ids) command has no id list";
          break;
        }
        for (auto& v : *ids)
          if (auto n = values::integer_of(v)) {
            r.known.insert(*n);
            r.referenced.insert(*n);
          }
        break;
      }
      default:
        r.unjudgeable = "a line command is not understood";
    }
  }
  return r;
}

}  // namespace

std::variant<json::object, std::string, std::monostate> invoice_view(const json::value& answer,
                                                                     std::string_view invoice_id) {
  const json::array* records = answer.if_array();
  if (!records) return std::string("the answer is not a list of records");
  if (records->empty()) return std::monostate{};
  const json::object* record = nullptr;
  for (auto& r : *records) {
    const json::object* o = r.if_object();
    if (!o) return std::string("a record is not an object");
    auto* id = o->if_contains("id");
    auto n = id ? values::integer_of(*id) : std::nullopt;
    if (n && std::to_string(*n) == invoice_id) record = o;
  }
  if (!record) return "no record has the id " + std::string(invoice_id);
  json::object view;
  for (auto key : many2one) {
    auto* v = record->if_contains(key);
    if (!v) continue;
    if (is_false(*v)) {
      view[key] = false;
    } else if (auto n = values::integer_of(*v)) {
      view[key] = *n;
    } else if (const json::array* pair = v->if_array();
               pair && !pair->empty() && values::integer_of((*pair)[0])) {
      view[key] = *values::integer_of((*pair)[0]);  // [id, "name"]
    } else {
      return "\"" + std::string(key) + "\" is neither [id, name] nor false";
    }
  }
  for (auto key : plain) {
    auto* v = record->if_contains(key);
    if (!v) continue;
    if (!v->is_string() && !v->is_bool()) return "\"" + std::string(key) + "\" is not a string";
    view[key] = *v;
  }
  const json::value* lines = record->if_contains("invoice_line");
  if (!lines) return std::string("the record has no invoice_line");
  id_set ids;
  if (!is_false(*lines)) {
    if (!lines->is_array()) return std::string("\"invoice_line\" is not a list of ids");
    for (auto& v : lines->get_array()) {
      auto n = values::integer_of(v);
      if (!n || *n <= 0) return std::string("\"invoice_line\" holds something other than ids");
      ids.insert(*n);
    }
  }
  json::array out;
  for (auto id : ids) out.push_back(id);
  view["invoice_line"] = std::move(out);
  return view;
}

applied_judgement judge_update(const json::object& before, const json::object& after,
                               const json::object& update) {
  const id_set was = lines_of(before), now = lines_of(after);
  const json::value* commands = update.if_contains("invoice_line");
  if (!commands)
    return {applied_kind::unknown, "the update has no line command the read-back could show"};
  const replay r = replayed(was, *commands);
  const std::string ids = "line ids before: " + ids_text(was) + "; after: " + ids_text(now);
  if (!r.unjudgeable.empty()) return {applied_kind::unknown, r.unjudgeable + " (" + ids + ")"};

  // What the invoice's ids become when the write applies.
  const bool changes = r.created > 0 || r.known != was;
  if (now == was) {
    if (!r.impossible.empty())
      return {applied_kind::not_applied,
              "line ids unchanged (" + ids_text(now) +
                  "); the write could not apply anyway: " + r.impossible};
    if (!changes)
      return {
          applied_kind::unknown,
          "the update does not change the line ids, so the read-back cannot tell (" + ids + ")"};
    return {applied_kind::not_applied, "line ids unchanged (" + ids_text(now) + ")"};
  }
  if (!r.impossible.empty())
    return {applied_kind::unknown, "the line ids changed although the write could not apply (" +
                                       r.impossible + "; " + ids + ")"};
  // Applied: every id expected is there, and exactly `created` others, all new.
  id_set extra;
  for (auto id : now)
    if (!r.known.count(id)) extra.insert(id);
  const bool all_known = std::includes(now.begin(), now.end(), r.known.begin(), r.known.end());
  const bool extra_new = std::none_of(extra.begin(), extra.end(), [&](std::int64_t id) {
    return was.count(id) || r.referenced.count(id);
  });
  id_set removed;
  for (auto id : was)
    if (!now.count(id)) removed.insert(id);
  if (all_known && extra_new && extra.size() == r.created) {
    std::vector<std::string> parts;
    if (r.created)
      parts.push_back(values::count_of(r.created, "new line") + " (" + ids_text(extra) +
                      ") present");
    if (!removed.empty()) parts.push_back(lines_text(removed) + " gone");
    id_set linked;
    for (auto id : r.known)
      if (!was.count(id)) linked.insert(id);
    if (!linked.empty()) parts.push_back(lines_text(linked) + " linked");
    return {applied_kind::applied, values::joined(parts, ", ") + " (lines are seen by id only)"};
  }
  std::string expected = "expected " + values::count_of(r.created, "new line");
  id_set missing;
  for (auto id : r.known)
    if (!now.count(id)) missing.insert(id);
  if (!missing.empty()) expected += " and " + lines_text(missing) + " to stay or be linked";
  return {applied_kind::unknown,
          "the line ids match neither the invoice before nor the update applied (" + ids + "; " +
              expected + ")"};
}

std::optional<json::object> fold_updates(const json::object& older, const json::object& newer) {
  for (const json::object* u : {&older, &newer}) {
    if (has_unrepeatable_command(*u)) return std::nullopt;
    for (auto& m : *u)
      if (is_x2many_field(m.key()) || m.value().is_array() || m.value().is_object())
        return std::nullopt;
  }
  json::object out = older;
  for (auto& m : newer) out[m.key()] = m.value();
  return out;
}

bool shows_update(const json::object& view, const json::object& update) {
  if (update.empty()) return false;
  for (auto& m : update) {
    const std::string_view key = m.key();
    const json::value* have = view.if_contains(key);
    if (!have) return false;
    const json::value& want = m.value();
    if (among(many2one, key)) {
      if (is_false(want) != is_false(*have)) return false;
      if (!is_false(want) && !values::same_integer(want, *have)) return false;
    } else if (among(plain, key)) {
      if (want.is_string() != have->is_string() || want.is_bool() != have->is_bool() ||
          !(want.is_string() || want.is_bool()) || want != *have)
        return false;
    } else {
      return false;  // invoice_line and fields the view does not hold
    }
  }
  return true;
}

}  // namespace reconcilerd::backends::simetri

// WHMCS reconciliation; see reconcile.hpp.
#include "backends/whmcs/reconcile.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <map>
#include <set>
#include <vector>

#include "backends/reconcile_values.hpp"
#include "backends/whmcs/schema.hpp"

namespace reconcilerd::backends::whmcs {

namespace json = boost::json;
using values::quoted;

namespace {

constexpr std::string_view text_fields[] = {"status",  "paymentmethod", "date",
                                            "duedate", "datepaid",      "notes"};
constexpr std::string_view money_fields[] = {"taxrate", "taxrate2", "credit"};
constexpr std::string_view line_fields[] = {"itemdescription",    "itemamount",    "itemtaxed",
                                            "newitemdescription", "newitemamount", "newitemtaxed",
                                            "deletelineids"};

std::optional<bool> flag_of(const json::value& v) {
  if (v.is_bool()) return v.get_bool();
  if (auto n = values::integer_of(v); n && (*n == 0 || *n == 1)) return *n == 1;
  return std::nullopt;
}

// One items.item[] element as {"description", "amount", "taxed"}, with its id; or why not.
std::variant<std::pair<std::string, json::object>, std::string> line_of(const json::value& v,
                                                                        std::size_t index) {
  const std::string where = "items.item[" + std::to_string(index) + "]";
  const json::object* o = v.if_object();
  if (!o) return where + " is not an object";
  auto* id = o->if_contains("id");
  auto n = id ? values::integer_of(*id) : std::nullopt;
  if (!n || *n <= 0) return where + " has no line id";
  auto* d = o->if_contains("description");
  if (!d || !d->is_string()) return where + " has no description";
  auto* a = o->if_contains("amount");
  auto amount = a ? values::money_text(*a) : std::nullopt;
  if (!amount) return where + " has no amount";
  auto* t = o->if_contains("taxed");
  auto taxed = t ? flag_of(*t) : std::optional<bool>(false);
  if (!taxed) return where + " has a taxed flag that is not 0 or 1";
  return std::pair{
      std::to_string(*n),
      json::object{{"description", d->get_string()}, {"amount", *amount}, {"taxed", *taxed}}};
}

// ---- judging --------------------------------------------------------------------------

struct line {
  std::int64_t id = 0;
  std::string description, amount;
  bool taxed = false;
};

// The view's lines in id order (a view read() made; anything else gives no lines).
std::vector<line> lines_of(const json::object& view) {
  std::vector<line> out;
  const json::value* lines = view.if_contains("lines");
  if (!lines || !lines->is_object()) return out;
  for (auto& m : lines->get_object()) {
    auto id = values::integer_of(json::value(json::string(m.key())));
    const json::object* o = m.value().if_object();
    if (!id || !o) continue;
    line l{*id, {}, {}, false};
    if (auto* d = o->if_contains("description"); d && d->is_string())
      l.description = d->get_string();
    if (auto* a = o->if_contains("amount"); a && a->is_string()) l.amount = a->get_string();
    if (auto* t = o->if_contains("taxed"); t && t->is_bool()) l.taxed = t->get_bool();
    out.push_back(std::move(l));
  }
  std::sort(out.begin(), out.end(), [](const line& a, const line& b) { return a.id < b.id; });
  return out;
}

std::string status_of(const json::object& view) {
  auto* s = view.if_contains("status");
  return s && s->is_string() ? std::string(s->get_string()) : std::string();
}

// The text with the HTML entities WHMCS's input filter writes decoded (&amp; &lt; &gt;
// &quot; &#039; &#39;): a description may come back escaped.
std::string entities_decoded(std::string_view s) {
  static const std::pair<std::string_view, char> entities[] = {{"&amp;", '&'},   {"&lt;", '<'},
                                                               {"&gt;", '>'},    {"&quot;", '"'},
                                                               {"&#039;", '\''}, {"&#39;", '\''}};
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    bool done = false;
    for (auto& [name, c] : entities)
      if (s.substr(i).starts_with(name)) {
        out += c;
        i += name.size();
        done = true;
        break;
      }
    if (!done) out += s[i++];
  }
  return out;
}

bool same_description(std::string_view sent, std::string_view stored) {
  return sent == stored || sent == entities_decoded(stored);
}

bool is_true(const json::object& update, std::string_view key) {
  auto* v = update.if_contains(key);
  return v && v->is_bool() && v->get_bool();
}

// The update's new lines as WHMCS would store them.
std::vector<line> new_lines(const json::object& update) {
  std::vector<line> out;
  auto array = [&](std::string_view key) -> const json::array* {
    auto* v = update.if_contains(key);
    return v ? v->if_array() : nullptr;
  };
  const json::array* d = array("newitemdescription");
  const json::array* a = array("newitemamount");
  const json::array* t = array("newitemtaxed");
  if (!d) return out;
  for (std::size_t i = 0; i < d->size(); ++i) {
    line l;
    if ((*d)[i].is_string()) l.description = (*d)[i].get_string();
    if (a && i < a->size()) l.amount = values::money_text((*a)[i]).value_or("");
    if (t && i < t->size() && (*t)[i].is_bool()) l.taxed = (*t)[i].get_bool();
    out.push_back(std::move(l));
  }
  return out;
}

std::string shown(const line& l) { return quoted(l.description); }

std::string ids_text(const std::vector<std::int64_t>& ids) {
  std::vector<std::string> parts;
  for (auto id : ids) parts.push_back(std::to_string(id));
  return values::joined(parts);
}

std::string line_word(std::size_t n) { return n == 1 ? "line " : "lines "; }

}  // namespace

std::variant<json::object, std::string> invoice_view(const json::object& answer,
                                                     std::string_view invoice_id) {
  if (auto* id = answer.if_contains("invoiceid")) {
    auto n = values::integer_of(*id);
    if (!n || std::to_string(*n) != invoice_id)
      return "the answer is about invoice " +
             quoted(id->is_string() ? std::string(id->get_string()) : json::serialize(*id)) +
             ", not " + std::string(invoice_id);
  }
  json::object view;
  for (auto key : text_fields) {
    auto* v = answer.if_contains(key);
    if (!v) continue;
    if (!v->is_string()) return "\"" + std::string(key) + "\" is not a string";
    view[key] = v->get_string();
  }
  if (!view.contains("status")) return "the answer has no invoice status";
  for (auto key : money_fields) {
    auto* v = answer.if_contains(key);
    if (!v) continue;
    auto m = values::money_text(*v);
    if (!m) return "\"" + std::string(key) + "\" is not a number";
    view[key] = *m;
  }
  json::object lines;
  std::vector<json::value> items;
  if (auto* it = answer.if_contains("items");
      it && !it->is_null() && !(it->is_string() && it->get_string().empty())) {
    if (it->is_array() && it->get_array().empty()) {
      // PHP's empty array
    } else if (!it->is_object()) {
      return "\"items\" is neither an object nor empty";
    } else if (auto* item = it->get_object().if_contains("item"); item && item->is_array()) {
      items.assign(item->get_array().begin(), item->get_array().end());
    } else if (item && item->is_object()) {
      items.push_back(*item);  // one line, written by PHP as an object
    } else if (item) {
      return "\"items.item\" is not a list";
    }
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto l = line_of(items[i], i);
    if (auto* error = std::get_if<std::string>(&l)) return *error;
    auto& [id, value] = std::get<0>(l);
    if (lines.contains(id)) return "line " + id + " appears twice";
    lines[id] = std::move(value);
  }
  view["lines"] = std::move(lines);
  return view;
}

applied_judgement judge_update(const json::object& before, const json::object& after,
                               const json::object& update) {
  const std::vector<line> old_lines = lines_of(before), now = lines_of(after);
  auto has = [](const std::vector<line>& ls, std::int64_t id) {
    return std::any_of(ls.begin(), ls.end(), [&](const line& l) { return l.id == id; });
  };
  std::set<std::int64_t> deletes;
  if (auto* d = update.if_contains("deletelineids"); d && d->is_array())
    for (auto& v : d->get_array())
      if (auto n = values::integer_of(v)) deletes.insert(*n);

  std::vector<std::string> unexplained;  // facts no outcome of our request explains
  // Lines that vanished without being deleted by the update.
  std::vector<std::int64_t> vanished;
  for (auto& l : old_lines)
    if (!has(now, l.id) && !deletes.count(l.id)) vanished.push_back(l.id);
  if (!vanished.empty())
    unexplained.push_back(line_word(vanished.size()) + ids_text(vanished) +
                          " vanished though the update does not delete " +
                          (vanished.size() == 1 ? "it" : "them"));

  // New lines: each appeared line matched to one of ours by description, amount, taxed.
  const std::vector<line> wanted = new_lines(update);
  std::vector<line> appeared;
  for (auto& l : now)
    if (!has(old_lines, l.id)) appeared.push_back(l);
  std::vector<bool> used(appeared.size(), false);
  std::vector<const line*> present, missing;
  for (auto& w : wanted) {
    bool found = false;
    for (std::size_t i = 0; i < appeared.size() && !found; ++i)
      if (!used[i] && same_description(w.description, appeared[i].description) &&
          w.amount == appeared[i].amount && w.taxed == appeared[i].taxed)
        used[i] = found = true;
    (found ? present : missing).push_back(&w);
  }
  std::vector<std::string> foreign;
  for (std::size_t i = 0; i < appeared.size(); ++i)
    if (!used[i])
      foreign.push_back(std::to_string(appeared[i].id) + " (" + shown(appeared[i]) + ", " +
                        appeared[i].amount + ")");
  if (!foreign.empty())
    unexplained.push_back(line_word(foreign.size()) + values::joined(foreign) +
                          " appeared that the update does not add");

  std::size_t parts = 0, done = 0;
  std::vector<std::string> seen;
  if (!wanted.empty()) {
    parts += wanted.size();
    done += present.size();
    auto list = [](const std::vector<const line*>& ls) {
      std::vector<std::string> out;
      for (auto* l : ls) out.push_back(shown(*l));
      return values::joined(out);
    };
    if (missing.empty())
      seen.push_back(std::to_string(present.size()) + " of " + std::to_string(wanted.size()) +
                     " new " + (wanted.size() == 1 ? "line" : "lines") + " (" + list(present) +
                     ") present");
    else if (present.empty())
      seen.push_back(wanted.size() == 1 ? "the new line " + list(missing) + " is not present"
                                        : "none of the " + std::to_string(wanted.size()) +
                                              " new lines (" + list(missing) + ") present");
    else
      seen.push_back(std::to_string(present.size()) + " of " + std::to_string(wanted.size()) +
                     " new lines present (" + list(present) + "), missing " + list(missing));
  }

  // Deleted lines: only those the invoice had before can show anything.
  std::vector<std::int64_t> gone, kept;
  for (auto id : deletes)
    if (has(old_lines, id)) (has(now, id) ? kept : gone).push_back(id);
  if (!gone.empty() || !kept.empty()) {
    parts += gone.size() + kept.size();
    done += gone.size();
    std::string s;
    if (!gone.empty()) s = "deleted " + line_word(gone.size()) + ids_text(gone) + " gone";
    if (!kept.empty())
      s += (s.empty() ? "" : ", ") + std::string("deleted ") + line_word(kept.size()) +
           ids_text(kept) + " still present";
    seen.push_back(s);
  }

  // publish / publishandsendemail: Draft becomes Unpaid.
  if (is_true(update, "publish") || is_true(update, "publishandsendemail")) {
    ++parts;
    const std::string was = status_of(before), is = status_of(after);
    if (was != "Draft") {
      seen.push_back("status " + quoted(is) + " (it was " + quoted(was) +
                     ", not Draft, so WHMCS refuses to publish)");
    } else if (is == "Draft") {
      seen.push_back("status still Draft");
    } else if (update.contains("status")) {
      unexplained.push_back("status " + quoted(is) +
                            ": the update sets the status as well as publishing, so the status "
                            "cannot show whether it was published");
    } else {
      ++done;
      seen.push_back("status " + quoted(is) + " (published)");
    }
  }

  for (auto& u : unexplained) seen.push_back(u);
  applied_judgement out;
  out.seen = seen.empty() ? std::string("the read-back shows nothing the update changes")
                          : values::joined(seen, "; ");
  if (parts == 0 || !unexplained.empty())
    out.verdict = applied_kind::unknown;
  else if (done == parts)
    out.verdict = applied_kind::applied;
  else if (done == 0)
    out.verdict = applied_kind::not_applied;
  else
    out.verdict = applied_kind::unknown;  // WHMCS is not atomic: partly applied
  if (out.verdict == applied_kind::unknown && parts > 0 && done > 0 && done < parts)
    out.seen += " (partly applied)";
  return out;
}

std::optional<json::object> fold_updates(const json::object& older, const json::object& newer) {
  for (const json::object* u : {&older, &newer})
    for (auto& m : *u) {
      auto kind = kind_of(m.key());
      if (!kind) return std::nullopt;  // unknown: its semantics are not ours to guess
      if (std::find(std::begin(line_fields), std::end(line_fields), m.key()) !=
              std::end(line_fields) ||
          m.key() == "publish" || m.key() == "publishandsendemail")
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
    const json::value* seen = view.if_contains(key);
    if (!seen || !seen->is_string()) return false;
    const std::string_view have = seen->get_string();
    if (std::find(std::begin(money_fields), std::end(money_fields), key) !=
        std::end(money_fields)) {
      auto want = values::money_text(m.value());
      if (!want || *want != have) return false;
    } else if (std::find(std::begin(text_fields), std::end(text_fields), key) !=
               std::end(text_fields)) {
      if (!m.value().is_string()) return false;
      const std::string_view want = m.value().get_string();
      if (have != want && !(key == "datepaid" && have == std::string(want) + " 00:00:00"))
        return false;
    } else {
      return false;  // line fields, publish, subtotal/total (not visible), unknown fields
    }
  }
  return true;
}

}  // namespace reconcilerd::backends::whmcs

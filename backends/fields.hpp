// Declarative validation of a job's JSON `update` against an API's documented fields.
// A schema maps field names to rules (kind, required, bounds, enum choices, sub-schemas);
// check() walks an object and returns one message per problem, naming the path and the rule
// ("update.lineItems[0].totalAmount: must be a string"). Pure; nothing here throws.
// Also owns the ISO 4217 currency list (active codes, and withdrawn ones with successors).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reconcilerd::backends::fields {

enum class kind {
  any,           // anything, null included
  string,        // JSON string (length bounds in characters)
  integer,       // JSON integer (no fraction, no exponent form); bounds allowed
  number,        // any finite JSON number; bounds allowed
  boolean,       // true / false
  date,          // "YYYY-MM-DD", a real calendar day, no time of day
  decimal_text,  // a decimal number written as a string: "12", "-3.50"
  id,            // a non-empty string or a non-negative integer
  enumeration,   // a string among `choices`
  currency,      // an active ISO 4217 code, upper case
  array,         // elements checked by `items`; item-count bounds
  object,        // checked by `shape` when given, any object otherwise
  map,           // object with arbitrary keys whose values are checked by `items`
  forbidden,     // must not appear at all; `note` says why (e.g. read-only)
};

struct schema;

// One field's rule. Build with the helpers below and chain the modifiers:
//   number().required().above(-1e14).below(1e14)
struct rule {
  kind type = kind::any;
  bool is_required = false;
  bool is_nullable = false;  // null accepted (and not checked further)
  std::optional<double> min, max;
  bool min_exclusive = false, max_exclusive = false;
  std::size_t min_size = 0;  // characters (string) or items (array)
  std::optional<std::size_t> max_size;
  std::vector<std::string> choices;     // enumeration
  std::shared_ptr<const rule> items;    // array elements, map values
  std::shared_ptr<const schema> shape;  // object members
  std::string note;                     // forbidden: the reason, e.g. "is read-only"
  // Extra check after the kind matched: returns the rule broken ("must be ..."), or nothing.
  std::function<std::optional<std::string>(const boost::json::value&)> extra;

  rule required() const;
  rule nullable() const;
  rule at_least(double v) const;        // >= v
  rule at_most(double v) const;         // <= v
  rule above(double v) const;           // > v
  rule below(double v) const;           // < v
  rule min_items(std::size_t n) const;  // arrays; min characters for strings
  rule max_items(std::size_t n) const;  // arrays; max characters for strings
  rule with(std::function<std::optional<std::string>(const boost::json::value&)> f) const;
};

struct field {
  std::string name;
  rule spec;
};

struct schema {
  std::vector<field> fields;
  schema() = default;
  schema(std::initializer_list<field> f) : fields(f) {}
  const field* find(std::string_view name) const;
};

rule any();
rule string();
rule integer();
rule number();
rule boolean();
rule date();
rule decimal_text();
rule id();
rule enumeration(std::vector<std::string> choices);
rule currency();
rule array_of(rule items);
rule object_of(schema shape);
rule object();  // any object
rule map_of(rule values);
rule forbidden(std::string note);

struct options {
  bool strict = true;           // unknown keys are errors (false: let them through)
  std::size_t max_errors = 10;  // stop collecting after this many
};

// Every problem in `obj` against `s`, in schema order, then unknown keys in object order.
// `path` prefixes each message (the job's "update").
std::vector<std::string> check(const schema& s, const boost::json::object& obj,
                               const options& opt = {}, std::string_view path = "update");

// check() as one message (problems joined by "; "), or nothing when there are none.
std::optional<std::string> validate(const schema& s, const boost::json::object& obj,
                                    const options& opt = {}, std::string_view path = "update");

// True for an active ISO 4217 code ("EUR"); case-sensitive.
bool is_active_currency(std::string_view code);
// The successor of a withdrawn ISO 4217 code ("HRK" -> "EUR"), or empty when `code` was not
// a withdrawn code.
std::string_view currency_successor(std::string_view code);

// A value rendered for a message: strings quoted, at most `max` bytes, control chars
// replaced. For enum/currency messages; never pass secrets here.
std::string quote_value(const boost::json::value& v, std::size_t max = 40);

}  // namespace reconcilerd::backends::fields

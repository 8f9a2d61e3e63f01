// Tests of the declarative field validation (backends/fields): every kind, bounds, paths,
// strictness, and the ISO 4217 list. Table-driven: one update, one exact message.
#include "backends/fields.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

namespace f = reconcilerd::backends::fields;
namespace json = boost::json;

namespace {

const f::schema& sample() {
  static const f::schema s{
      {"name", f::string().required().max_items(5)},
      {"code", f::string().min_items(1)},
      {"count", f::integer().at_least(0).at_most(10)},
      {"price", f::number().above(-100).below(100)},
      {"flag", f::boolean()},
      {"day", f::date()},
      {"total", f::decimal_text()},
      {"ref", f::id()},
      {"state", f::enumeration({"draft", "open"})},
      {"currency", f::currency()},
      {"note", f::string().nullable()},
      {"extra", f::object()},
      {"anything", f::any()},
      {"items", f::array_of(f::object_of({
                                {"label", f::string().required()},
                                {"qty", f::integer()},
                            }))
                    .min_items(1)
                    .max_items(3)},
      {"tags", f::array_of(f::string())},
      {"by_line", f::map_of(f::string())},
      {"id", f::forbidden("is read-only (set by the server)")},
      {"even", f::integer().with([](const json::value& v) -> std::optional<std::string> {
         if (v.as_int64() % 2 != 0) return "must be even";
         return std::nullopt;
       })},
  };
  return s;
}

json::object obj(const char* text) { return json::parse(text).as_object(); }

struct bad_case {
  const char* update;
  const char* message;
};

const bad_case bad_cases[] = {
    {R"({})", "update.name: is required"},
    {R"({"name": 5})", "update.name: must be a string"},
    {R"({"name": "abcdef"})", "update.name: must be at most 5 characters"},
    {R"({"name": "\u00e9\u00e9\u00e9\u00e9\u00e9"})", nullptr},  // 5 characters, 10 bytes
    {R"({"name": "a", "code": ""})", "update.code: must not be empty"},
    {R"({"name": "a", "count": 1.5})", "update.count: must be an integer"},
    {R"({"name": "a", "count": "3"})", "update.count: must be an integer"},
    {R"({"name": "a", "count": -1})", "update.count: must be >= 0"},
    {R"({"name": "a", "count": 11})", "update.count: must be <= 10"},
    {R"({"name": "a", "price": "1"})", "update.price: must be a number"},
    {R"({"name": "a", "price": -100})", "update.price: must be > -100"},
    {R"({"name": "a", "price": 100.0})", "update.price: must be < 100"},
    {R"({"name": "a", "flag": 1})", "update.flag: must be true or false"},
    {R"({"name": "a", "day": "2026-02-29"})",
     "update.day: must be a date YYYY-MM-DD (got \"2026-02-29\")"},
    {R"({"name": "a", "day": "2028-02-29"})", nullptr},
    {R"({"name": "a", "day": "2026-1-01"})",
     "update.day: must be a date YYYY-MM-DD (got \"2026-1-01\")"},
    {R"({"name": "a", "day": "2026-11-01T00:00:00Z"})",
     "update.day: must be a date YYYY-MM-DD without a time of day (got "
     "\"2026-11-01T00:00:00Z\"; send \"2026-11-01\")"},
    {R"({"name": "a", "day": 20261101})", "update.day: must be a date YYYY-MM-DD"},
    {R"({"name": "a", "total": 12.5})", "update.total: must be a string"},
    {R"({"name": "a", "total": "12,50"})",
     "update.total: must be a decimal number written as text, e.g. \"12.50\""},
    {R"({"name": "a", "total": "-0.5"})", nullptr},
    {R"({"name": "a", "total": "1."})",
     "update.total: must be a decimal number written as text, e.g. \"12.50\""},
    {R"({"name": "a", "ref": -3})",
     "update.ref: must be an id (a non-empty string or a non-negative integer)"},
    {R"({"name": "a", "ref": ""})",
     "update.ref: must be an id (a non-empty string or a non-negative integer)"},
    {R"({"name": "a", "ref": "77"})", nullptr},
    {R"({"name": "a", "state": "closed"})",
     "update.state: must be one of draft, open (got \"closed\")"},
    {R"({"name": "a", "state": 1})", "update.state: must be one of draft, open (got 1)"},
    {R"({"name": "a", "currency": "usd"})",
     "update.currency: must be an active ISO 4217 currency code (got \"usd\")"},
    {R"({"name": "a", "currency": "HRK"})",
     "update.currency: must be an active ISO 4217 currency code (\"HRK\" was withdrawn; use "
     "\"EUR\")"},
    {R"({"name": "a", "currency": "XCG"})", nullptr},
    {R"({"name": "a", "note": null})", nullptr},
    {R"({"name": null})", "update.name: must be a string"},
    {R"({"name": "a", "extra": []})", "update.extra: must be an object"},
    {R"({"name": "a", "extra": {"x": [1, {"y": null}]}})", nullptr},
    {R"({"name": "a", "anything": null})", nullptr},
    {R"({"name": "a", "items": {}})", "update.items: must be an array"},
    {R"({"name": "a", "items": []})", "update.items: must have at least 1 item"},
    {R"({"name": "a", "items": [{"label": "x"}, {"label": "y"}, {"label": "z"}, {"label": "w"}]})",
     "update.items: must have at most 3 items"},
    {R"({"name": "a", "items": [{"label": "x"}, {"qty": 2}]})",
     "update.items[1].label: is required"},
    {R"({"name": "a", "items": [{"label": "x", "qty": "2"}]})",
     "update.items[0].qty: must be an integer"},
    {R"({"name": "a", "items": [{"label": "x", "colour": "red"}]})",
     "update.items[0].colour: unknown field"},
    {R"({"name": "a", "items": ["x"]})", "update.items[0]: must be an object"},
    {R"({"name": "a", "tags": ["x", 2]})", "update.tags[1]: must be a string"},
    {R"({"name": "a", "by_line": {"13": "x", "14": false}})",
     "update.by_line.14: must be a string"},
    {R"({"name": "a", "by_line": {"a b": 1}})", "update.by_line[\"a b\"]: must be a string"},
    {R"({"name": "a", "id": 4})", "update.id: is read-only (set by the server)"},
    {R"({"name": "a", "even": 3})", "update.even: must be even"},
    {R"({"name": "a", "even": 4})", nullptr},
    {R"({"name": "a", "typo": 4})", "update.typo: unknown field"},
    {R"({"count": "x", "flag": 0, "zzz": 1})",
     "update.name: is required; update.count: must be an integer; update.flag: must be true or "
     "false; update.zzz: unknown field"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(fields)

BOOST_AUTO_TEST_CASE(table_of_updates) {
  for (auto& c : bad_cases) {
    BOOST_TEST_CONTEXT(c.update) {
      auto got = f::validate(sample(), obj(c.update));
      if (c.message == nullptr) {
        BOOST_TEST(!got.has_value(), (got ? *got : std::string()));
      } else {
        BOOST_TEST_REQUIRE(got.has_value());
        BOOST_TEST(*got == c.message);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(non_strict_lets_unknown_keys_through_but_not_forbidden_ones) {
  f::options loose;
  loose.strict = false;
  BOOST_TEST(!f::validate(sample(), obj(R"({"name": "a", "typo": 1})"), loose));
  BOOST_TEST(
      !f::validate(sample(), obj(R"({"name": "a", "items": [{"label": "x", "c": 1}]})"), loose));
  auto got = f::validate(sample(), obj(R"({"name": "a", "id": 1})"), loose);
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST(*got == "update.id: is read-only (set by the server)");
}

BOOST_AUTO_TEST_CASE(max_errors_caps_the_list) {
  f::options few;
  few.max_errors = 2;
  auto got = f::check(sample(), obj(R"({"a": 1, "b": 2, "c": 3})"), few);
  BOOST_TEST(got.size() == 2u);
  BOOST_TEST(got[0] == "update.name: is required");
  BOOST_TEST(got[1] == "update.a: unknown field");
}

BOOST_AUTO_TEST_CASE(custom_path_prefix) {
  auto got = f::validate(sample(), obj(R"({})"), {}, "job.update");
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST(*got == "job.update.name: is required");
}

BOOST_AUTO_TEST_CASE(iso_4217) {
  for (const char* c : {"EUR", "USD", "JPY", "XAU", "SLE", "ZWG", "VED", "BGN"})
    BOOST_TEST(f::is_active_currency(c), c);
  for (const char* c : {"eur", "EU", "EURO", "HRK", "ZWL", "SLL", "CUC", "ANG", ""})
    BOOST_TEST(!f::is_active_currency(c), c);
  BOOST_TEST(f::currency_successor("ZWL") == "ZWG");
  BOOST_TEST(f::currency_successor("EUR") == "");
}

BOOST_AUTO_TEST_CASE(quote_value_is_short_and_printable) {
  BOOST_TEST(f::quote_value(json::value("a\nb")) == "\"a b\"");
  BOOST_TEST(f::quote_value(json::value(std::string(50, 'x')), 5) == "\"xxxxx...\"");
  BOOST_TEST(f::quote_value(json::value(2.5)) == "2.5");
  BOOST_TEST(f::quote_value(json::value(nullptr)) == "null");
}

BOOST_AUTO_TEST_SUITE_END()

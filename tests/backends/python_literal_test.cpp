// Tests of the strict Python-literal parser (tests/support/python_literal.hpp): what it
// accepts and the value it yields, and the exact message for what it refuses.
#include "tests/support/python_literal.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <string>

namespace json = boost::json;
using reconcilerd::test::parse_python_literal;

namespace {

struct good_case {
  std::string literal;
  std::string expected_json;
};

struct bad_case {
  std::string literal;
  std::string error;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(python_literal)

BOOST_AUTO_TEST_CASE(accepted_literals) {
  const good_case cases[] = {
      {"0", "0"},
      {"-17", "-17"},
      {"+4", "4"},
      {"9223372036854775807", "9223372036854775807"},
      {"18446744073709551615", "18446744073709551615"},
      {"-9223372036854775808", "-9223372036854775808"},
      {"16.95", "16.95"},
      {"5.0", "5.0"},
      {"-0.5", "-0.5"},
      {"1.", "1.0"},
      {".25", "0.25"},
      {"1e3", "1000.0"},
      {"2.5E-2", "0.025"},
      {"True", "true"},
      {"False", "false"},
      {"None", "null"},
      {"'abc'", "\"abc\""},
      {"\"abc\"", "\"abc\""},
      {"''", "\"\""},
      {"'it\\'s'", "\"it's\""},
      {"\"say \\\"hi\\\"\"", "\"say \\\"hi\\\"\""},
      {"'a\"b'", "\"a\\\"b\""},
      {"\"a'b\"", "\"a'b\""},
      {"'back\\\\slash'", "\"back\\\\slash\""},
      {"'l1\\nl2\\tx\\r'", "\"l1\\nl2\\tx\\r\""},
      {"'\\x41\\x01'", "\"A\\u0001\""},
      {"'\\xc3\\xa9'", "\"\\u00e9\""},  // bytes forming UTF-8
      {"u'\\xe9'", "\"\\u00e9\""},      // code point U+00E9
      {"u'caf\\u00e9'", "\"caf\\u00e9\""},
      {"U'\\u20ac'", "\"\\u20ac\""},
      {"u'\\U0001F600'", "\"\\ud83d\\ude00\""},
      {"u'\\ud83d\\ude00'", "\"\\ud83d\\ude00\""},  // surrogate pair combined
      {"'caf\xc3\xa9'", "\"caf\\u00e9\""},          // raw UTF-8 bytes
      {"u'caf\xc3\xa9'", "\"caf\\u00e9\""},
      {"'tab\there'", "\"tab\\there\""},
      {"[]", "[]"},
      {"[1, 2, 3]", "[1,2,3]"},
      {"[1, 2,]", "[1,2]"},
      {"()", "{\"$tuple\":[]}"},
      {"(5)", "5"},
      {"((5))", "5"},
      {"(5,)", "{\"$tuple\":[5]}"},
      {"(5, )", "{\"$tuple\":[5]}"},
      {"(0, 0, {'name': 'x'})", "{\"$tuple\":[0,0,{\"name\":\"x\"}]}"},
      {"(6, 0, [1, 2])", "{\"$tuple\":[6,0,[1,2]]}"},
      {"[(5)]", "[5]"},
      {"[(5,)]", "[{\"$tuple\":[5]}]"},
      {"{}", "{}"},
      {"{'a': 1}", "{\"a\":1}"},
      {"{'a': 1,}", "{\"a\":1}"},
      {"{'a': 1, 'a': 2}", "{\"a\":2}"},
      {"{u'k': None}", "{\"k\":null}"},
      {"  {\n 'partner_id': 22,\n\t'urgent': True,\n 'period_id': False,\n"
       " 'invoice_line': [(5,)]\n}\n",
       "{\"partner_id\":22,\"urgent\":true,\"period_id\":false,"
       "\"invoice_line\":[{\"$tuple\":[5]}]}"},
  };
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT("literal: " << c.literal) {
      std::string error;
      auto v = parse_python_literal(c.literal, &error);
      BOOST_TEST_REQUIRE(v.has_value(), "error: " << error);
      BOOST_TEST(error.empty());
      BOOST_TEST(json::serialize(*v) == json::serialize(json::parse(c.expected_json)));
      BOOST_TEST((*v == json::parse(c.expected_json)));
    }
  }
}

BOOST_AUTO_TEST_CASE(int_and_float_stay_distinct) {
  auto i = parse_python_literal("5", nullptr);
  auto f = parse_python_literal("5.0", nullptr);
  BOOST_TEST_REQUIRE(i.has_value());
  BOOST_TEST_REQUIRE(f.has_value());
  BOOST_TEST(i->is_int64());
  BOOST_TEST(f->is_double());
  auto t = parse_python_literal("(1,)", nullptr);
  auto l = parse_python_literal("[1]", nullptr);
  BOOST_TEST((*t != *l));
}

BOOST_AUTO_TEST_CASE(refused_literals) {
  const bad_case cases[] = {
      {"", "at offset 0: expected a value, found the end of the text"},
      {"   ", "at offset 3: expected a value, found the end of the text"},
      {"true", "at offset 0: unknown name 'true' (only True, False and None)"},
      {"null", "at offset 0: unknown name 'null' (only True, False and None)"},
      {"{\"a\": true}", "at offset 6: unknown name 'true' (only True, False and None)"},
      {"foo()", "at offset 0: unknown name 'foo' (only True, False and None)"},
      {"{1: 2}", "at offset 1: dict keys must be strings"},
      {"{'a' 1}", "at offset 5: expected ':' after a dict key"},
      {"{'a': 1 'b': 2}", "at offset 8: expected ',' or '}' in a dict"},
      {"[1 2]", "at offset 3: expected ',' or ']'"},
      {"[1,,2]", "at offset 3: unexpected character ','"},
      {"(1 2)", "at offset 3: expected ',' or ')'"},
      {"(,)", "at offset 1: unexpected character ','"},
      {"1 2", "at offset 2: unexpected text after the literal"},
      {"'a' 'b'", "at offset 4: unexpected text after the literal"},
      {"017", "at offset 0: integer with a leading zero (octal in Python 2)"},
      {"0x10", "at offset 1: malformed number (no L, j, 0x or 0o forms)"},
      {"5L", "at offset 1: malformed number (no L, j, 0x or 0o forms)"},
      {"1j", "at offset 1: malformed number (no L, j, 0x or 0o forms)"},
      {"1.2.3", "at offset 3: malformed number (no L, j, 0x or 0o forms)"},
      {"1e", "at offset 2: malformed number exponent"},
      {"-", "at offset 0: malformed number"},
      {"- 5", "at offset 0: malformed number"},
      {"99999999999999999999", "at offset 0: integer out of the 64-bit range"},
      {"-9223372036854775809", "at offset 0: integer out of the 64-bit range"},
      {"1e999", "at offset 0: float out of range"},
      {"'abc", "at offset 0: unterminated string"},
      {"'ab\\", "at offset 0: unterminated string"},
      {"'a\nb'", "at offset 2: line break inside a string"},
      {"'a\\qb'", "at offset 2: unsupported escape \\q"},
      {"'a\\0'", "at offset 2: unsupported escape \\0"},
      {"'caf\\u00e9'", "at offset 4: \\u is not an escape in a byte string (use a u'...' literal)"},
      {"u'\\u00g9'", "at offset 6: escape needs 4 hex digits"},
      {"'\\x4'", "at offset 4: escape needs 2 hex digits"},
      {"u'\\ud83d'", "at offset 8: unpaired surrogate in \\u escape"},
      {"u'\\ude00'", "at offset 8: unpaired surrogate in \\u escape"},
      {"u'\\U00110000'", "at offset 12: code point above U+10FFFF"},
      {"'\\xff'", "at offset 0: byte string is not valid UTF-8"},
      {"'\xff'", "at offset 0: byte string is not valid UTF-8"},
      {"'''x'''", "at offset 0: triple-quoted strings are not supported"},
      {"r'x'", "at offset 0: string prefix 'r' is not supported (only u)"},
      {"b'x'", "at offset 0: string prefix 'b' is not supported (only u)"},
      {"{'a': 1} # c", "at offset 9: unexpected text after the literal"},
      {std::string("'a\0b'", 5), "at offset 2: NUL byte in the text"},
      {std::string(102, '[') + std::string(102, ']'), "at offset 101: literal nested too deeply"},
  };
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT("literal: " << c.literal) {
      std::string error;
      auto v = parse_python_literal(c.literal, &error);
      BOOST_TEST(!v.has_value());
      BOOST_TEST(error == c.error);
    }
  }
}

BOOST_AUTO_TEST_CASE(null_error_pointer_is_allowed) {
  BOOST_TEST(!parse_python_literal("{", nullptr).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

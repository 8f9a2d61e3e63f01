// The sanitising step for outside text: bounds, UTF-8 repair, visible control characters.
#include "jobs/text.hpp"

#include <boost/test/unit_test.hpp>

using reconcilerd::jobs::bounded_text;
using reconcilerd::jobs::visible_text;

BOOST_AUTO_TEST_SUITE(outside_text)

BOOST_AUTO_TEST_CASE(bounded_text_table) {
  struct row {
    const char* name;
    std::string in;
    std::size_t max;
    std::string out;
  };
  const std::string euro = "\xe2\x82\xac";  // 3 bytes
  const std::vector<row> rows = {
      {"short ASCII unchanged", "HTTP 409: conflict", 100, "HTTP 409: conflict"},
      {"valid UTF-8 unchanged", "Rechnung " + euro + " 5", 100, "Rechnung " + euro + " 5"},
      {"invalid byte replaced",
       "a\xff"
       "b",
       100,
       "a\xef\xbf\xbd"
       "b"},
      {"truncated sequence: each byte replaced", "a\xe2\x82", 100, "a\xef\xbf\xbd\xef\xbf\xbd"},
      {"overlong encoding replaced", "\xc0\xaf", 100, "\xef\xbf\xbd\xef\xbf\xbd"},
      {"surrogate replaced", "\xed\xa0\x80", 100, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
      {"cut with a marker", std::string(50, 'x'), 10, "xxxxxxxxxx... [40 more bytes cut]"},
      {"cut on a character boundary", "abcdefgh" + euro + "zz", 10,
       "abcdefgh... [5 more bytes cut]"},
      {"control characters kept for the output's own escaping", "a\x1b[31mb", 100, "a\x1b[31mb"},
  };
  for (const auto& r : rows) BOOST_TEST_CONTEXT(r.name) {
      BOOST_TEST(bounded_text(r.in, r.max) == r.out);
    }
}

BOOST_AUTO_TEST_CASE(visible_text_table) {
  BOOST_TEST(visible_text("plain text") == "plain text");
  BOOST_TEST(visible_text("a\x1b[31mred\x1b[0m") == "a\\x1b[31mred\\x1b[0m");
  BOOST_TEST(visible_text("line\nbreak\r\t") == "line\\x0abreak\\x0d\\x09");
  BOOST_TEST(visible_text("del\x7f") == "del\\x7f");
  BOOST_TEST(visible_text("\xe2\x82\xac ok") == "\xe2\x82\xac ok");  // printable UTF-8 stays
  BOOST_TEST(visible_text("c1 \xc2\x9b") == "c1 \\u009b");           // C1 control (CSI)
}

BOOST_AUTO_TEST_CASE(outside_text_is_visible_then_bounded) {
  using reconcilerd::jobs::outside_text;
  const std::string huge = "\x1b[2J" + std::string(100000, 'A') + "\xff";
  const std::string out = outside_text(huge);
  BOOST_TEST(out.starts_with("\\x1b[2JAAA"));
  BOOST_TEST(out.size() <= reconcilerd::jobs::max_outside_text + 40);
  BOOST_TEST(out.find('\x1b') == std::string::npos);
  BOOST_TEST(out.ends_with(" more bytes cut]"));
  BOOST_TEST(outside_text("ok \xff") == "ok \xef\xbf\xbd");
}

BOOST_AUTO_TEST_SUITE_END()

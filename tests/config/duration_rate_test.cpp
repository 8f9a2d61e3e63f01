// parse_duration, parse_rate and format_duration: the value syntax of interface.md.
#include <boost/test/unit_test.hpp>

#include "config/load.hpp"
#include "config/values.hpp"

using namespace reconcilerd::config;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(duration_rate)

BOOST_AUTO_TEST_CASE(durations) {
  struct row {
    std::string_view text;
    std::optional<duration> expected;
  };
  const row rows[] = {
      {"250ms", 250ms},
      {"30s", 30s},
      {"5m", 5min},
      {"1h", 1h},
      {"3d", 72h},
      {"0", 0ms},
      {"0s", 0ms},
      {"007s", 7s},
      {"90000ms", 90s},
      {"", std::nullopt},
      {"30", std::nullopt},
      {"s", std::nullopt},
      {"-5s", std::nullopt},
      {"+5s", std::nullopt},
      {"1.5h", std::nullopt},
      {"5 m", std::nullopt},
      {" 5m", std::nullopt},
      {"5m ", std::nullopt},
      {"5min", std::nullopt},
      {"5M", std::nullopt},
      {"1w", std::nullopt},
      {"5s5", std::nullopt},
      {"1h30m", std::nullopt},
      {"999999999999999d", std::nullopt},   // overflows milliseconds
      {"9999999999999999s", std::nullopt},  // more than 15 digits
  };
  for (auto& r : rows) {
    BOOST_TEST_CONTEXT("\"" << r.text << "\"") {
      auto got = parse_duration(r.text);
      BOOST_TEST(got.has_value() == r.expected.has_value());
      if (got && r.expected) BOOST_TEST(got->count() == r.expected->count());
    }
  }
}

BOOST_AUTO_TEST_CASE(rates) {
  struct row {
    std::string_view text;
    std::optional<double> per_second;
  };
  const row rows[] = {
      {"10/s", 10.0},          {"1/s", 1.0},
      {"150/min", 2.5},        {"3600/h", 1.0},
      {"0.5/s", 0.5},          {"1.5/min", 0.025},
      {"0/s", std::nullopt},   {"0.0/min", std::nullopt},
      {"-1/s", std::nullopt},  {"5/sec", std::nullopt},
      {"5/m", std::nullopt},   {"5/S", std::nullopt},
      {"5", std::nullopt},     {"/s", std::nullopt},
      {"5//s", std::nullopt},  {".5/s", std::nullopt},
      {"5./s", std::nullopt},  {"1e3/s", std::nullopt},
      {"5 /s", std::nullopt},  {"5/s ", std::nullopt},
      {"inf/s", std::nullopt}, {"nan/s", std::nullopt},
  };
  for (auto& r : rows) {
    BOOST_TEST_CONTEXT("\"" << r.text << "\"") {
      auto got = parse_rate(r.text);
      BOOST_TEST(got.has_value() == r.per_second.has_value());
      if (got && r.per_second) {
        BOOST_TEST(got->per_second == *r.per_second, boost::test_tools::tolerance(1e-12));
        BOOST_TEST(got->text == r.text);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(format_duration_picks_the_largest_exact_unit) {
  const std::pair<duration, std::string_view> rows[] = {
      {0ms, "0s"},  {250ms, "250ms"}, {1500ms, "1500ms"}, {30s, "30s"}, {90s, "90s"},
      {5min, "5m"}, {1h, "1h"},       {72h, "3d"},        {25h, "25h"},
  };
  for (auto& [d, text] : rows) BOOST_TEST(detail::format_duration(d) == text);
}

BOOST_AUTO_TEST_SUITE_END()

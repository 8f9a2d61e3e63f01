// The one RFC 3339 codec (jobs/rfc3339.hpp): formatting, parsing (fractions of any length,
// offsets, lowercase t/z), round trips, and inputs that are not RFC 3339 date-times.
#include "jobs/rfc3339.hpp"

#include <boost/test/unit_test.hpp>
#include <optional>
#include <string>

namespace rj = reconcilerd::jobs;
using namespace std::chrono;

namespace {

rj::clock_time utc(int y, unsigned mo, unsigned d, int h, int mi, int s, nanoseconds frac = {}) {
  return time_point_cast<rj::clock_time::duration>(sys_days{year{y} / month{mo} / day{d}} +
                                                   hours{h} + minutes{mi} + seconds{s} + frac);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rfc3339_codec)

BOOST_AUTO_TEST_CASE(formatting) {
  struct row {
    rj::clock_time t;
    const char* seconds;
    const char* millis;
  };
  const row table[] = {
      {utc(1970, 1, 1, 0, 0, 0), "1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z"},
      {utc(2026, 11, 21, 11, 13, 10, 250ms), "2026-11-21T11:13:10Z", "2026-11-21T11:13:10.250Z"},
      // Truncated, never rounded up into the next second.
      {utc(2026, 12, 31, 23, 59, 59, 999999999ns), "2026-12-31T23:59:59Z",
       "2026-12-31T23:59:59.999Z"},
      {utc(2024, 2, 29, 7, 5, 3, 7ms), "2024-02-29T07:05:03Z", "2024-02-29T07:05:03.007Z"},
      // Before the epoch: the calendar still counts forward within the second.
      {utc(1969, 12, 31, 23, 59, 59, 500ms), "1969-12-31T23:59:59Z", "1969-12-31T23:59:59.500Z"},
  };
  for (const auto& r : table) {
    BOOST_TEST_CONTEXT(r.millis) {
      BOOST_TEST(rj::rfc3339(r.t) == r.seconds);
      BOOST_TEST(rj::rfc3339_ms(r.t) == r.millis);
    }
  }
}

BOOST_AUTO_TEST_CASE(parsing) {
  struct row {
    const char* text;
    rj::clock_time want;
  };
  const row table[] = {
      {"2026-11-21T11:13:10Z", utc(2026, 11, 21, 11, 13, 10)},
      {"2026-11-21T11:13:10.250Z", utc(2026, 11, 21, 11, 13, 10, 250ms)},
      // Fractions of any length.
      {"2026-01-02T03:04:05.6Z", utc(2026, 1, 2, 3, 4, 5, 600ms)},
      {"2026-01-02T03:04:05.000001Z", utc(2026, 1, 2, 3, 4, 5, 1us)},
      {"2026-01-02T03:04:05.123456789Z", utc(2026, 1, 2, 3, 4, 5, 123456789ns)},
      {"2026-01-02T03:04:05.1234567891Z", utc(2026, 1, 2, 3, 4, 5, 123456789ns)},
      // Offsets are converted to UTC, across days and months.
      {"2026-03-01T01:30:00+02:00", utc(2026, 2, 28, 23, 30, 0)},
      {"2024-02-29T00:00:00.5-00:30", utc(2024, 2, 29, 0, 30, 0, 500ms)},
      {"2026-11-01T10:00:00+00:00", utc(2026, 11, 1, 10, 0, 0)},
      // RFC 3339 allows lowercase t and z.
      {"2026-11-01t10:00:00z", utc(2026, 11, 1, 10, 0, 0)},
      // A leap second is the next second's first instant.
      {"2016-12-31T23:59:60Z", utc(2017, 1, 1, 0, 0, 0)},
  };
  for (const auto& r : table) {
    BOOST_TEST_CONTEXT(r.text) {
      auto got = rj::parse_rfc3339(r.text);
      BOOST_REQUIRE(got.has_value());
      BOOST_TEST((*got == r.want), rj::rfc3339_ms(*got));
    }
  }
}

BOOST_AUTO_TEST_CASE(round_trips) {
  for (const char* text :
       {"2026-02-28T23:59:59.987Z", "2000-01-01T00:00:00.000Z", "2099-12-31T23:59:59.001Z"})
    BOOST_TEST(rj::rfc3339_ms(rj::parse_rfc3339(text).value()) == text);
  for (const char* text : {"2026-11-21T11:13:10Z", "1999-06-15T12:00:00Z"})
    BOOST_TEST(rj::rfc3339(rj::parse_rfc3339(text).value()) == text);
}

BOOST_AUTO_TEST_CASE(bad_inputs) {
  for (const char* bad : {
           "",
           "x",
           "2026-11-01",                 // a date alone
           "2026-11-01T10:00:00",        // no zone
           "2026-11-01 10:00:00Z",       // space for T
           "2026-11-01T10:00Z",          // no seconds
           "2026-1-01T10:00:00Z",        // one-digit month
           "2026-13-01T00:00:00Z",       // month 13
           "2026-00-10T00:00:00Z",       // month 0
           "2026-02-30T00:00:00Z",       // no such day
           "2026-04-31T00:00:00Z",       // no such day
           "2026-11-01T24:00:00Z",       // hour 24
           "2026-11-01T10:60:00Z",       // minute 60
           "2026-11-01T10:00:61Z",       // second 61
           "2026-11-01T10:00:00.Z",      // empty fraction
           "2026-11-01T10:00:00,5Z",     // comma fraction
           "2026-11-01T10:00:00Zjunk",   // trailing text
           "2026-11-01T10:00:00Z ",      // trailing space
           " 2026-11-01T10:00:00Z",      // leading space
           "2026-11-01T10:00:00+0200",   // offset without colon
           "2026-11-01T10:00:00+02",     // offset without minutes
           "2026-11-01T10:00:00+24:00",  // offset hour 24
           "2026-11-01T10:00:00+02:60",  // offset minute 60
           "2026-11-01T10:00:00UTC",     // a zone name
           "+2026-11-01T10:00:00Z",      // signed year
       }) {
    BOOST_TEST_CONTEXT("\"" << bad << "\"") { BOOST_TEST(!rj::parse_rfc3339(bad).has_value()); }
  }
}

BOOST_AUTO_TEST_SUITE_END()

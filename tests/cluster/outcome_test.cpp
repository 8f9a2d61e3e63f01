// Pure parts of cluster mode: the outcome text one node leaves for a job's origin node, and
// the lease check before each write.
#include "daemon/cluster/outcome.hpp"

#include <boost/test/unit_test.hpp>

#include "daemon/cluster/lease.hpp"

using namespace reconcilerd::cluster;
using reconcilerd::jobs::dead_category;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(cluster_outcome)

BOOST_AUTO_TEST_CASE(outcomes_round_trip) {
  const job_outcome cases[] = {
      {true, 200, dead_category::rejected, "", "web-1"},
      {true, std::nullopt, dead_category::rejected, "", "web-2"},  // unchanged: no write
      {false, 422, dead_category::rejected, "HTTP 422: \"date\" is invalid", "a"},
      {false, std::nullopt, dead_category::exhausted, "no answer after 15 attempts", "b"},
      {false, 500, dead_category::expired, "older than max_age (72 h)", "c"},
      {false, std::nullopt, dead_category::invalid, "node c cannot read this job: ü", "c"},
  };
  for (const auto& o : cases) {
    auto back = outcome_from_text(to_text(o));
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST((*back == o), to_text(o));
  }
}

BOOST_AUTO_TEST_CASE(unreadable_outcomes_are_refused) {
  const char* bad[] = {
      "",
      "not json",
      "[]",
      "{}",
      R"({"delivered":"yes"})",
      R"({"delivered":true,"http_status":"200"})",
      R"({"delivered":true,"http_status":99})",
      R"({"delivered":true,"http_status":600})",
      R"({"delivered":false})",
      R"({"delivered":false,"category":"rejected"})",
      R"({"delivered":false,"category":"lost","message":"x"})",
      R"({"delivered":false,"category":7,"message":"x"})",
  };
  for (const char* t : bad) BOOST_TEST(!outcome_from_text(t).has_value(), t);
}

BOOST_AUTO_TEST_CASE(a_write_needs_a_quarter_of_the_lease_left) {
  const auto now = std::chrono::steady_clock::now();
  struct row {
    std::chrono::milliseconds left;
    bool allowed;
  } rows[] = {
      {30s, true}, {7500ms, true}, {7499ms, false}, {1s, false}, {0s, false}, {-5s, false},
  };
  for (auto r : rows)
    BOOST_TEST(lease_allows_write(now + r.left, now, 30s) == r.allowed, r.left.count());
}

BOOST_AUTO_TEST_SUITE_END()

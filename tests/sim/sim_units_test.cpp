// Pure unit tests of the simulator's building blocks: rate limiter (window and bucket with
// a fake time), PHP form arrays, fault plan determinism, config strictness.
#include <boost/test/unit_test.hpp>

#include "tests/sim/fault_plan.hpp"
#include "tests/sim/form_fields.hpp"
#include "tests/sim/rate_limiter.hpp"
#include "tests/sim/sim_config.hpp"

using namespace reconcilerd::sim;

BOOST_AUTO_TEST_SUITE(sim_units)

BOOST_AUTO_TEST_CASE(window_limit_counts_every_hit_and_resets) {
  rate_limiter l(limit_config{limit_kind::window, 2, 10, 0, 0});
  auto d = l.hit("k", 100.0);
  BOOST_TEST(d.allowed);
  BOOST_TEST(d.remaining == 1);
  BOOST_TEST(d.reset_s == 10);
  d = l.hit("k", 103.5);
  BOOST_TEST(d.allowed);
  BOOST_TEST(d.remaining == 0);
  d = l.hit("k", 104.0);
  BOOST_TEST(!d.allowed);
  BOOST_TEST(d.retry_after_s == 6);
  BOOST_TEST(l.hit("other", 104.0).allowed);  // keys are independent
  d = l.hit("k", 110.0);                      // a new window
  BOOST_TEST(d.allowed);
  BOOST_TEST(d.remaining == 1);
}

BOOST_AUTO_TEST_CASE(a_blocking_window_blocks_for_a_whole_window_from_the_tripping_hit) {
  limit_config c{limit_kind::window, 2, 10, 0, 0};
  c.block_for_window = true;  // NestJS throttler: Bigcapital
  rate_limiter l(c);
  BOOST_TEST(l.hit("k", 100.0).allowed);
  BOOST_TEST(l.hit("k", 101.0).allowed);
  auto d = l.hit("k", 105.0);  // trips: blocked until 115, not the window's end (110)
  BOOST_TEST(!d.allowed);
  BOOST_TEST(d.retry_after_s == 10);
  d = l.hit("k", 111.0);
  BOOST_TEST(!d.allowed);
  BOOST_TEST(d.retry_after_s == 4);
  d = l.hit("k", 115.0);  // the block is over: a fresh window
  BOOST_TEST(d.allowed);
  BOOST_TEST(d.remaining == 1);
  BOOST_TEST(d.reset_s == 10);
}

BOOST_AUTO_TEST_CASE(token_bucket_is_exact) {
  rate_limiter l(limit_config{limit_kind::bucket, 0, 0, 20, 5});
  for (int i = 0; i < 5; ++i) BOOST_TEST(l.hit("k", 0.0).allowed);
  auto d = l.hit("k", 0.0);
  BOOST_TEST(!d.allowed);
  BOOST_TEST(d.retry_after_s == 1);
  // Paced exactly at the rate, the bucket never refuses.
  for (int i = 1; i <= 100; ++i) BOOST_TEST(l.hit("k", i * 0.05).allowed);
  BOOST_TEST(!l.hit("k", 100 * 0.05).allowed);
}

BOOST_AUTO_TEST_CASE(php_bracket_arrays) {
  const php_value v = php_parse(parse_form(
      "itemamount%5B13%5D=16.95&newitemdescription[]=a&newitemdescription[]=b&x.y=1&bad[13=2"
      "&deletelineids[]=4&deletelineids[]=5&notes=a+b%26c"));
  BOOST_TEST(*v.find("itemamount")->get("13") == "16.95");
  const php_value* nd = v.find("newitemdescription");
  BOOST_TEST_REQUIRE(nd->items.size() == 2u);
  BOOST_TEST(nd->items[0].first == "0");
  BOOST_TEST(nd->items[1].second.scalar == "b");
  BOOST_TEST(*v.get("x_y") == "1");
  BOOST_TEST(*v.get("bad_13") == "2");
  BOOST_TEST(v.find("deletelineids")->items[1].second.scalar == "5");
  BOOST_TEST(*v.get("notes") == "a b&c");
}

BOOST_AUTO_TEST_CASE(fault_plan_is_deterministic_and_first_n_counts_per_api) {
  fault_config f;
  f.api = "*";
  f.kind = fault_kind::drop;
  f.probability = 0.5;
  fault_plan a({f}, 42), b({f}, 42);
  for (int i = 0; i < 50; ++i)
    BOOST_TEST(a.next("alloy").has_value() == b.next("alloy").has_value());
  fault_config g;
  g.api = "campfire";
  g.kind = fault_kind::status;
  g.first_n = 2;
  fault_plan c({g}, 1);
  BOOST_TEST(!c.next("alloy").has_value());
  BOOST_TEST(c.next("campfire").has_value());
  BOOST_TEST(c.next("campfire").has_value());
  BOOST_TEST(!c.next("campfire").has_value());
}

BOOST_AUTO_TEST_CASE(config_is_strict) {
  std::string err;
  BOOST_TEST(!parse_config(R"({"faults": [{"kind": "explode"}]})", err).has_value());
  BOOST_TEST(err == "faults[0].kind: must be status, drop, reset, slow or garbage");
  BOOST_TEST(!parse_config(R"({"credentials": {"whmcs": {"secrt": "x"}}})", err).has_value());
  BOOST_TEST(err == "credentials.whmcs.secrt: unknown key");
  auto c = parse_config(R"({"seed": 3, "limits": {"bigcapital": {"kind": "none"}},
      "faults": [{"api": "whmcs", "kind": "slow", "delay_ms": 10, "retry_after": 2}]})",
                        err);
  BOOST_TEST_REQUIRE(c.has_value());
  BOOST_TEST(c->seed == 3u);
  BOOST_TEST((c->limits.at("bigcapital").kind == limit_kind::none));
  BOOST_TEST((c->limits.at("alloy").kind == limit_kind::window));
  BOOST_TEST(*c->faults.at(0).retry_after == "2");
}

BOOST_AUTO_TEST_SUITE_END()

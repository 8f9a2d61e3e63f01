// Pure unit tests of the simulator's building blocks: rate limiter (window and bucket with
// a fake time), PHP form arrays, fault plan determinism, config strictness.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <vector>

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
    BOOST_TEST(a.next("alloy", false).has_value() == b.next("alloy", false).has_value());
  fault_config g;
  g.api = "campfire";
  g.kind = fault_kind::status;
  g.first_n = 2;
  fault_plan c({g}, 1);
  BOOST_TEST(!c.next("alloy", false).has_value());
  BOOST_TEST(c.next("campfire", true).has_value());
  BOOST_TEST(c.next("campfire", true).has_value());
  BOOST_TEST(!c.next("campfire", true).has_value());
}

BOOST_AUTO_TEST_CASE(writes_only_faults_skip_reads_and_count_updates_for_first_n) {
  fault_config w;
  w.api = "whmcs";
  w.kind = fault_kind::applied_drop;
  w.writes_only = true;
  w.first_n = 2;
  fault_plan p({w}, 7);
  // Reads never meet it and do not use up first_n: the 2nd and 4th requests are the first
  // two updates.
  BOOST_TEST(!p.next("whmcs", false).has_value());
  BOOST_TEST(p.next("whmcs", true).has_value());
  BOOST_TEST(!p.next("whmcs", false).has_value());
  BOOST_TEST(p.next("whmcs", true).has_value());
  BOOST_TEST(!p.next("whmcs", true).has_value());
  BOOST_TEST(!p.next("simetri", true).has_value());

  // A writes_only fault draws nothing for a read: the sequence other faults meet is the same
  // as without reads in between.
  fault_config any;
  any.kind = fault_kind::drop;
  any.probability = 0.5;
  fault_config wo = any;
  wo.writes_only = true;
  fault_plan with_reads({wo, any}, 9), without({wo, any}, 9);
  std::vector<bool> a, b;
  for (int i = 0; i < 40; ++i) {
    a.push_back(with_reads.next("alloy", true).has_value());
    with_reads.next("alloy", false);
    b.push_back(without.next("alloy", true).has_value());
    without.next("alloy", false);
  }
  BOOST_TEST((a == b));
  BOOST_TEST(std::count(a.begin(), a.end(), true) > 0);
  BOOST_TEST(std::count(a.begin(), a.end(), false) > 0);
}

BOOST_AUTO_TEST_CASE(config_is_strict) {
  std::string err;
  BOOST_TEST(!parse_config(R"({"faults": [{"kind": "explode"}]})", err).has_value());
  BOOST_TEST(err ==
             "faults[0].kind: must be status, drop, reset, slow, garbage, applied_drop, "
             "applied_reset or applied_status");
  BOOST_TEST(!parse_config(R"({"faults": [{"kind": "drop", "writes_only": 1}]})", err).has_value());
  BOOST_TEST(err == "faults[0].writes_only: expected true or false");
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
  BOOST_TEST(!c->faults.at(0).writes_only);
  c = parse_config(R"({"faults": [{"kind": "applied_status", "status": 500, "writes_only": true},
      {"kind": "applied_drop"}, {"kind": "applied_reset"}]})",
                   err);
  BOOST_TEST_REQUIRE(c.has_value());
  BOOST_TEST((c->faults.at(0).kind == fault_kind::applied_status));
  BOOST_TEST(c->faults.at(0).status == 500);
  BOOST_TEST(c->faults.at(0).writes_only);
  BOOST_TEST((c->faults.at(1).kind == fault_kind::applied_drop));
  BOOST_TEST((c->faults.at(2).kind == fault_kind::applied_reset));
}

BOOST_AUTO_TEST_SUITE_END()

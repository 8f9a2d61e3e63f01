// The in-memory ordering rules: one job per invoice in flight, sequence then arrival order,
// deferred heads hold back their invoice, due jobs in arrival order across invoices.
#include "daemon/job_queue.hpp"

#include <boost/test/unit_test.hpp>

using namespace reconcilerd::daemon;
using namespace std::chrono_literals;

namespace {
const sys_time t0 = sys_time{} + 1000h;
queue_key key(std::string invoice, std::int64_t seq = 0, std::string backend = "b") {
  return queue_key{std::move(backend), std::move(invoice), seq, 0};
}
}  // namespace

BOOST_AUTO_TEST_SUITE(job_queue_suite)

BOOST_AUTO_TEST_CASE(one_job_per_invoice_in_flight_and_sequence_order) {
  job_queue q;
  q.add("j3", key("42", 3), t0);
  q.add("j1", key("42", 1), t0);
  q.add("j2", key("42", 2), t0);
  BOOST_TEST(*q.take("b", t0) == "j1");
  BOOST_TEST(!q.take("b", t0).has_value());  // j2 waits for j1
  q.finish("j1");
  BOOST_TEST(*q.take("b", t0) == "j2");
  q.finish("j2");
  BOOST_TEST(*q.take("b", t0) == "j3");
  q.finish("j3");
  BOOST_TEST(q.size() == 0u);
  BOOST_TEST(q.size("b") == 0u);
}

BOOST_AUTO_TEST_CASE(different_invoices_run_in_parallel_in_arrival_order) {
  job_queue q;
  q.add("a", key("1"), t0);
  q.add("b", key("2"), t0);
  q.add("c", key("3"), t0);
  BOOST_TEST(*q.take("b", t0) == "a");
  BOOST_TEST(*q.take("b", t0) == "b");
  BOOST_TEST(*q.take("b", t0) == "c");
  BOOST_TEST(q.in_flight("b") == 3u);
}

BOOST_AUTO_TEST_CASE(deferred_head_holds_back_its_invoice_only) {
  job_queue q;
  q.add("x1", key("7", 1), t0);
  q.add("x2", key("7", 2), t0);
  q.add("y", key("8"), t0);
  BOOST_TEST(*q.take("b", t0) == "x1");
  q.reschedule("x1", t0 + 30s);
  BOOST_TEST(*q.take("b", t0) == "y");
  BOOST_TEST(!q.take("b", t0 + 29s).has_value());  // x2 held back behind deferred x1
  BOOST_TEST((*q.next_due("b") == t0 + 30s));
  BOOST_TEST(*q.take("b", t0 + 30s) == "x1");
  q.finish("x1");
  BOOST_TEST(*q.take("b", t0 + 30s) == "x2");
}

BOOST_AUTO_TEST_CASE(a_lower_sequence_arriving_during_flight_goes_next) {
  job_queue q;
  q.add("s5", key("9", 5), t0);
  q.add("s9", key("9", 9), t0);
  BOOST_TEST(*q.take("b", t0) == "s5");
  q.add("s1", key("9", 1), t0);
  q.finish("s5");
  BOOST_TEST(*q.take("b", t0) == "s1");
  q.finish("s1");
  BOOST_TEST(*q.take("b", t0) == "s9");
}

BOOST_AUTO_TEST_CASE(backends_are_separate_and_droppable) {
  job_queue q;
  q.add("p", key("1", 0, "one"), t0);
  q.add("q", key("1", 0, "two"), t0 + 5s);
  BOOST_TEST(*q.take("one", t0) == "p");
  BOOST_TEST(!q.take("two", t0).has_value());
  BOOST_TEST(q.waiting("two", t0) == 1u);
  auto dropped = q.drop_backend("two");
  BOOST_TEST(dropped.size() == 1u);
  BOOST_TEST(!q.contains("q"));
  BOOST_TEST(q.size() == 1u);
  BOOST_TEST(!q.next_due("two").has_value());
}

BOOST_AUTO_TEST_CASE(finishing_a_waiting_non_head_keeps_the_head) {
  job_queue q;
  q.add("h", key("5", 1), t0 + 10s);
  q.add("t", key("5", 2), t0);
  q.finish("t");
  BOOST_TEST((*q.next_due("b") == t0 + 10s));
  BOOST_TEST(*q.take("b", t0 + 10s) == "h");
}

BOOST_AUTO_TEST_SUITE_END()

// The cluster store against a real PostgreSQL 15 (tests/support/pg_server): migrations,
// claim order and lanes, fenced leases, the shared GCRA token, pauses and suspensions,
// settings that disagree, results back to the origin node.
#include "daemon/cluster/store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <set>

#include "daemon/cluster/outcome.hpp"
#include "daemon/cluster/pg_connection.hpp"
#include "daemon/cluster/schema.hpp"
#include "tests/support/pg_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace net = boost::asio;
using namespace reconcilerd::cluster;
using namespace std::chrono_literals;
using reconcilerd::test::pg_server;

namespace {

// One PostgreSQL for the whole suite (a fresh database per test would cost seconds).
pg_server& server() {
  static reconcilerd::test::temp_dir dir;
  static pg_server s(dir.path() / "pg");
  return s;
}

template <class T>
T run(net::io_context& io, net::awaitable<T> a) {
  auto f = net::co_spawn(io, std::move(a), net::use_future);
  io.restart();
  io.run();
  return f.get();
}

struct fixture {
  net::io_context io;
  std::shared_ptr<pg_connection> conn;

  fixture() {
    // Every test starts from an empty schema.
    server().psql(
        "DROP SCHEMA public CASCADE; CREATE SCHEMA public; GRANT ALL ON SCHEMA public TO "
        "reconcilerd;");
    conn = connect();
    run(io, migrate(*conn));
  }
  std::shared_ptr<pg_connection> connect() {
    return run(io, pg_connection::connect(io.get_executor(), server().conninfo(),
                                          server().password(), 10s));
  }
  store node(const std::string& name) { return store(conn, name); }
  void sql(const std::string& q) { server().psql(q); }
  new_job job(const std::string& file, const std::string& invoice,
              std::optional<std::int64_t> seq = std::nullopt) {
    return new_job{file, "cf", invoice, seq, "{\"file\":\"" + file + "\"}", ""};
  }
  // Every claim `n` makes for backend cf until there is none.
  std::vector<claimed_job> claim_all(store& n) {
    std::vector<claimed_job> out;
    for (;;) {
      auto c = run(io, n.claim("cf", 30s));
      if (!c) return out;
      out.push_back(*c);
    }
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(cluster_store, fixture)

BOOST_AUTO_TEST_CASE(migrations_are_applied_once_and_a_newer_schema_is_refused) {
  // The fixture migrated; again is a no-op, also from several connections at once.
  auto a = connect(), b = connect();
  auto fa = net::co_spawn(io, migrate(*a), net::use_future);
  auto fb = net::co_spawn(io, migrate(*b), net::use_future);
  auto fc = net::co_spawn(io, migrate(*conn), net::use_future);
  io.restart();
  io.run();
  for (auto* f : {&fa, &fb, &fc}) {
    auto r = f->get();
    BOOST_TEST(r.from == 1);
    BOOST_TEST(r.to == 1);
  }
  BOOST_TEST(server().psql("SELECT count(*) FROM rd_schema") == "1");
  sql("INSERT INTO rd_schema VALUES (99)");
  BOOST_CHECK_EXCEPTION(run(io, migrate(*conn)), std::runtime_error, [](const auto& e) {
    return std::string(e.what()).find("newer than this reconcilerd") != std::string::npos;
  });
  // The advisory lock was let go: another connection can take it at once.
  BOOST_TEST(server().psql("SELECT pg_try_advisory_lock(7460275631)") == "t");
}

BOOST_AUTO_TEST_CASE(claims_follow_sequence_then_arrival_one_lane_at_a_time) {
  auto a = node("a"), b = node("b");
  run(io, a.define("cf", "cf", 1000, 100, 10, 30s));
  // Invoice 1: x (no sequence), then y with sequence 2 and z with sequence 1 from node b.
  run(io, a.submit({job("x.json", "1"), job("y.json", "1", 2)}));
  run(io, b.submit({job("z.json", "1", 1), job("w.json", "2")}));
  // Submitting a file again changes nothing.
  run(io, a.submit({job("x.json", "1")}));
  BOOST_TEST(server().psql("SELECT count(*) FROM rd_jobs") == "4");

  auto first = claim_all(a);
  // One job per invoice at a time: x (sequence 0 sorts first) and w.
  BOOST_REQUIRE(first.size() == 2u);
  std::set<std::string> files{first[0].file_name, first[1].file_name};
  BOOST_TEST((files == std::set<std::string>{"x.json", "w.json"}));
  BOOST_TEST(claim_all(b).empty());

  std::vector<std::string> order{"x.json"};
  for (auto& c : first) {
    if (c.file_name != "x.json") continue;
    BOOST_TEST(c.origin == "a");
    BOOST_TEST(c.lane.invoice == "1");
    BOOST_TEST(c.body == "{\"file\":\"x.json\"}");
    BOOST_TEST(!c.reaped);
    BOOST_TEST(run(io, a.finish(c.lane, end_state::done, "", 0ms, "{}")));
  }
  for (;;) {
    auto next = claim_all(b);
    std::erase_if(next, [](auto& c) { return c.lane.invoice != "1"; });
    if (next.empty()) break;
    BOOST_REQUIRE(next.size() == 1u);
    order.push_back(next[0].file_name);
    BOOST_TEST(run(io, b.finish(next[0].lane, end_state::done, "", 0ms, "{}")));
  }
  BOOST_TEST((order == std::vector<std::string>{"x.json", "z.json", "y.json"}));
}

BOOST_AUTO_TEST_CASE(concurrency_is_shared_across_nodes) {
  auto a = node("a"), b = node("b");
  run(io, a.define("cf", "cf", 1000, 100, 3, 30s));
  std::vector<new_job> jobs;
  for (int i = 0; i < 10; ++i)
    jobs.push_back(job("j" + std::to_string(i) + ".json", std::to_string(i)));
  run(io, a.submit(jobs));
  auto got_a = run(io, a.claim("cf", 30s));
  auto got_b = claim_all(b);
  BOOST_TEST(got_a.has_value());
  BOOST_TEST(got_b.size() == 2u);
  BOOST_TEST(claim_all(a).empty());
  BOOST_TEST(run(io, a.finish(got_a->lane, end_state::done, "", 0ms, "{}")));
  BOOST_TEST(claim_all(b).size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_expired_lease_moves_on_and_fences_the_old_holder) {
  auto a = node("a"), b = node("b");
  run(io, a.define("cf", "cf", 1000, 100, 4, 30s));
  run(io, a.submit({job("x.json", "7")}));
  auto held = run(io, a.claim("cf", 30s));
  BOOST_REQUIRE(held);
  BOOST_TEST(run(io, a.mark(held->lane, "{\"sending_unsafe\":true}", 0ms)));
  BOOST_TEST(!run(io, b.claim("cf", 30s)).has_value());  // held

  sql("UPDATE rd_lanes SET lease_until = now() - interval '1 second'");  // a stalls
  auto taken = run(io, b.claim("cf", 30s));
  BOOST_REQUIRE(taken);
  BOOST_TEST(taken->reaped);
  BOOST_TEST(taken->lane.fence == held->lane.fence + 1);
  BOOST_TEST(taken->delivery == "{\"sending_unsafe\":true}");  // b verifies first

  // a wakes up: nothing it does about the job counts any more.
  BOOST_TEST(run(io, a.renew({held->lane}, 30s)).empty());
  auto t = run(io, a.token("cf", held->lane, 30s));
  BOOST_TEST(!t.granted);
  BOOST_TEST(!t.wait.has_value());
  BOOST_TEST(t.why == "lease lost");
  BOOST_TEST(!run(io, a.mark(held->lane, "{}", 0ms)));
  BOOST_TEST(!run(io, a.finish(held->lane, end_state::done, "", 0ms, "{}")));
  BOOST_TEST(server().psql("SELECT state FROM rd_jobs") == "running");

  // b's renewal and result count.
  BOOST_TEST(run(io, b.renew({taken->lane}, 30s)).size() == 1u);
  BOOST_TEST(run(io, b.finish(taken->lane, end_state::dead, "{}", 0ms, "{\"x\":1}")));
  auto fin = run(io, a.finished(10));
  BOOST_REQUIRE(fin.size() == 1u);
  BOOST_TEST(!fin[0].done);
  BOOST_TEST(fin[0].finished_by == "b");
  BOOST_TEST(fin[0].outcome == "{\"x\":1}");
  BOOST_TEST(run(io, b.finished(10)).empty());  // not b's file
  // A dead letter's row stays, filed, for the cluster's view.
  run(io, a.forget({}, {fin[0].job_id}));
  BOOST_TEST(server().psql("SELECT state FROM rd_jobs") == "filed");
  BOOST_TEST(run(io, a.finished(10)).empty());
}

BOOST_AUTO_TEST_CASE(filed_dead_letters_orders_and_the_cluster_view) {
  auto a = node("a"), b = node("b");
  run(io, a.heartbeat("1"));
  run(io, b.heartbeat("1"));
  sql("UPDATE rd_nodes SET seen_at = now() - interval '1 hour' WHERE node = 'b'");
  run(io, a.define("cf", "cf", 1000, 100, 4, 30s));
  run(io, a.submit({job("x.json", "7"), job("y.json", "8"), job("z.json", "9")}));
  auto x = run(io, b.claim("cf", 30s));
  auto y = run(io, b.claim("cf", 30s));
  BOOST_REQUIRE(x);
  BOOST_REQUIRE(y);
  BOOST_TEST(
      run(io, b.finish(x->lane, end_state::dead, "{}", 0ms,
                       to_text(job_outcome{false, 400, reconcilerd::jobs::dead_category::rejected,
                                           "HTTP 400: due_date", "b"}))));
  BOOST_TEST(
      run(io, b.finish(y->lane, end_state::done, "{}", 0ms, to_text(job_outcome{true, 200}))));
  auto fin = run(io, a.finished(10));
  BOOST_REQUIRE(fin.size() == 2u);
  run(io, a.forget({fin[1].job_id}, {fin[0].job_id}));
  BOOST_TEST(server().psql("SELECT file_name || ':' || state FROM rd_jobs ORDER BY job_id") ==
             "x.json:filed\nz.json:queued");

  auto v = run(io, b.look(10s, 10));
  BOOST_REQUIRE(v.nodes.size() == 2u);
  BOOST_TEST(v.nodes[0].node == "a");
  BOOST_TEST(v.nodes[0].live);
  BOOST_TEST(!v.nodes[1].live);
  BOOST_REQUIRE(v.backends.size() == 1u);
  BOOST_TEST(v.backends[0].queued == 1u);
  BOOST_TEST(v.backends[0].running == 0u);
  BOOST_TEST(v.backends[0].dead == 1u);
  BOOST_TEST(v.jobs_total == 2u);
  BOOST_REQUIRE(v.jobs.size() == 2u);  // unfinished first, then dead letters
  BOOST_TEST(v.jobs[0].file == "z.json");
  BOOST_TEST(v.jobs[0].state == "queued");
  BOOST_TEST(v.jobs[0].next_at.has_value());
  BOOST_TEST(v.jobs[1].file == "x.json");
  BOOST_TEST(v.jobs[1].origin == "a");
  BOOST_TEST(v.jobs[1].state == "dead");
  BOOST_TEST(v.jobs[1].filed);
  BOOST_TEST(v.jobs[1].category == "rejected");
  BOOST_TEST(v.jobs[1].message == "HTTP 400: due_date");
  BOOST_TEST(v.jobs[1].finished_at.has_value());
  auto z = run(io, a.claim("cf", 30s));
  BOOST_REQUIRE(z);
  v = run(io, b.look(10s, 1));  // the limit
  BOOST_REQUIRE(v.jobs.size() == 1u);
  BOOST_TEST(v.jobs[0].state == "running");
  BOOST_TEST(v.jobs[0].holder == "a");

  // An operator on b asks a to retry x.json: a gets the order once.
  BOOST_TEST(run(io, a.take_orders()).empty());
  run(io, b.order_retry("a", "x.json"));
  run(io, b.order_retry("a", "w.json"));
  BOOST_TEST(run(io, b.take_orders()).empty());  // not b's
  auto orders = run(io, a.take_orders());
  BOOST_REQUIRE(orders.size() == 2u);  // in the order they were asked
  BOOST_TEST(orders[0].action == "retry");
  BOOST_TEST(orders[0].job == "x.json");
  BOOST_TEST(orders[0].asked_by == "b");
  BOOST_TEST(orders[1].job == "w.json");
  BOOST_TEST(run(io, a.take_orders()).empty());
  // The file comes in again under its name: a new arrival, after z.json.
  run(io, a.submit({job("x.json", "7")}));
  BOOST_TEST(server().psql("SELECT file_name || ':' || state FROM rd_jobs ORDER BY job_id") ==
             "z.json:running\nx.json:queued");
  // A name still in the database and not filed is left alone.
  run(io, a.submit({job("z.json", "9")}));
  BOOST_TEST(server().psql("SELECT count(*) FROM rd_jobs") == "2");
}

// Rows of rd_jobs the claim of `node` reads (heap fetches and sequential rows, from
// pg_stat_xact_user_tables: counted within the claim's own transaction), and what it claimed.
std::pair<long, std::string> claim_reads(const std::string& node) {
  const std::string out = server().psql(
      "CREATE OR REPLACE FUNCTION pg_temp.reads() RETURNS bigint LANGUAGE sql AS "
      "$$ SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) "
      "FROM pg_stat_xact_user_tables WHERE relname = 'rd_jobs' $$; "
      "WITH b AS MATERIALIZED (SELECT pg_temp.reads() AS n), "
      "c AS MATERIALIZED (SELECT file_name FROM b, rd_claim('cf', '" +
      node +
      "', 30000)) "
      "SELECT (SELECT pg_temp.reads() FROM c UNION ALL SELECT pg_temp.reads() LIMIT 1) - b.n, "
      "coalesce((SELECT file_name FROM c), '') FROM b");
  const auto bar = out.find('|');
  return {std::stol(out.substr(0, bar)), out.substr(bar + 1)};
}

// A claim stops at the first job it can take, whatever the planner knows about rd_jobs:
// 3000 queued jobs, and a claim reads a handful of rows (the walk fetches 10 at a time), also
// with a lane held and jobs waiting behind it. (The single statement with NOT EXISTS it
// replaced read 9 million rows per claim here: every queued job against every other.)
void claims_read_few_rows(fixture& f) {
  auto a = f.node("a");
  run(f.io, a.define("cf", "cf", 1000, 100, 8, 30s));
  std::vector<new_job> jobs;
  for (int k = 0; k < 3; ++k) jobs.push_back(f.job("hot-" + std::to_string(k) + ".json", "hot"));
  for (int i = 0; i < 3000; ++i)
    jobs.push_back(f.job("j" + std::to_string(i) + ".json", std::to_string(i)));
  run(f.io, a.submit(jobs));

  auto [first_reads, first] = claim_reads("a");
  BOOST_TEST(first == "hot-0.json");
  BOOST_TEST(first_reads <= 20, first_reads << " rows read for the first claim");
  // hot-1 and hot-2 wait behind the held lane: the next claim passes them.
  auto [next_reads, next] = claim_reads("a");
  BOOST_TEST(next == "j0.json");
  BOOST_TEST(next_reads <= 20, next_reads << " rows read with a held lane ahead");
  for (int i = 1; i < 6; ++i) {
    auto [reads, file] = claim_reads("a");
    BOOST_TEST(file == "j" + std::to_string(i) + ".json");
    BOOST_TEST(reads <= 20, reads << " rows read for claim " << i);
  }
  BOOST_TEST(server().psql("SELECT count(*) FROM rd_jobs WHERE state = 'running'") == "7");
}

// A new cluster database: rd_jobs has never been analysed.
BOOST_AUTO_TEST_CASE(a_claim_reads_only_the_jobs_ahead_of_it_before_any_analyze) {
  sql("ALTER TABLE rd_jobs SET (autovacuum_enabled = false)");
  claims_read_few_rows(*this);
  BOOST_TEST(server().psql("SELECT reltuples < 0 FROM pg_class WHERE relname = 'rd_jobs'") == "t");
}

// After a drain: autovacuum analysed rd_jobs while it was empty, then a burst arrives.
BOOST_AUTO_TEST_CASE(a_claim_reads_only_the_jobs_ahead_of_it_after_an_analyze_of_none) {
  sql("ALTER TABLE rd_jobs SET (autovacuum_enabled = false); ANALYZE rd_jobs");
  BOOST_TEST(server().psql("SELECT reltuples FROM pg_class WHERE relname = 'rd_jobs'") == "0");
  claims_read_few_rows(*this);
}

BOOST_AUTO_TEST_CASE(a_late_result_still_counts_while_nobody_took_the_lane) {
  auto a = node("a");
  run(io, a.define("cf", "cf", 1000, 100, 4, 30s));
  run(io, a.submit({job("x.json", "7")}));
  auto held = run(io, a.claim("cf", 30s));
  BOOST_REQUIRE(held);
  sql("UPDATE rd_lanes SET lease_until = now() - interval '1 second'");
  BOOST_TEST(run(io, a.finish(held->lane, end_state::queued, "{}", 60000ms, "")));
  // Queued again, not due for a minute.
  BOOST_TEST(!run(io, a.claim("cf", 30s)).has_value());
  BOOST_TEST(server().psql("SELECT state, next_at > now() + interval '50 seconds' FROM rd_jobs") ==
             "queued|t");
}

BOOST_AUTO_TEST_CASE(the_token_bucket_is_shared_and_exact) {
  auto a = node("a"), b = node("b");
  // 20/s, burst 5.
  run(io, a.define("cf", "cf", 20.0, 5, 4, 30s));
  run(io, a.submit({job("x.json", "1"), job("y.json", "2")}));
  auto ha = run(io, a.claim("cf", 30s));
  auto hb = run(io, b.claim("cf", 30s));
  BOOST_REQUIRE(ha);
  BOOST_REQUIRE(hb);
  int granted = 0;
  std::optional<ms> wait;
  for (int i = 0; i < 6 && !wait; ++i) {
    auto t = run(io, (i % 2 ? b : a).token("cf", i % 2 ? hb->lane : ha->lane, 30s));
    if (t.granted)
      ++granted;
    else
      wait = t.wait;
  }
  // The burst less the token kept in reserve (as the single-node pacer), across both nodes.
  BOOST_TEST(granted == 4);
  BOOST_REQUIRE(wait.has_value());
  BOOST_TEST(wait->count() >= 1);
  BOOST_TEST(wait->count() <= 50);
  // Over about a second, never more than burst + rate * elapsed.
  const auto t0 = std::chrono::steady_clock::now();
  int more = 0;
  while (std::chrono::steady_clock::now() - t0 < 1s) {
    auto t = run(io, a.token("cf", ha->lane, 30s));
    if (t.granted) ++more;
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST(more <= static_cast<int>(20 * elapsed) + 1);
  BOOST_TEST(more >= static_cast<int>(20 * elapsed / 2));  // and tokens do come
}

BOOST_AUTO_TEST_CASE(pauses_and_suspensions_hold_every_node) {
  auto a = node("a"), b = node("b");
  run(io, a.define("cf", "cf", 1000, 100, 4, 30s));
  run(io, a.submit({job("x.json", "1"), job("y.json", "2")}));
  auto h = run(io, a.claim("cf", 30s));
  BOOST_REQUIRE(h);
  run(io, b.pause("cf", 60000ms, "HTTP 429 asked to retry after 60000 ms"));
  auto t = run(io, a.token("cf", h->lane, 30s));
  BOOST_TEST(!t.granted);
  BOOST_TEST(t.why == "paused");
  BOOST_REQUIRE(t.wait.has_value());
  BOOST_TEST(t.wait->count() > 55000);
  BOOST_TEST(!run(io, b.claim("cf", 30s)).has_value());
  // A shorter pause does not cut the longer one.
  run(io, b.pause("cf", 10ms, "short"));
  BOOST_TEST(run(io, a.token("cf", h->lane, 30s)).why == "paused");

  run(io, a.resume("cf"));
  BOOST_TEST(run(io, a.token("cf", h->lane, 30s)).granted);
  run(io, b.suspend("cf", "HTTP 401: invalid token"));
  BOOST_TEST(run(io, a.suspended("cf")).value_or("<none>") == "HTTP 401: invalid token");
  t = run(io, a.token("cf", h->lane, 30s));
  BOOST_TEST(!t.granted);
  BOOST_TEST(!t.wait.has_value());
  BOOST_TEST(t.why == "suspended: HTTP 401: invalid token");
  BOOST_TEST(!run(io, b.claim("cf", 30s)).has_value());
  run(io, b.resume("cf"));
  BOOST_TEST(!run(io, a.suspended("cf")).has_value());
  BOOST_TEST(run(io, b.claim("cf", 30s)).has_value());
}

BOOST_AUTO_TEST_CASE(settings_that_disagree_keep_the_live_definition) {
  auto a = node("a"), b = node("b");
  run(io, a.heartbeat("test"));
  run(io, b.heartbeat("test"));
  auto s = run(io, a.define("cf", "cf", 10.0, 10, 4, 30s));
  BOOST_TEST(s.emission_us == 100000);
  BOOST_TEST(!s.disagrees);
  s = run(io, b.define("cf", "cf", 20.0, 10, 4, 30s));
  BOOST_TEST(s.disagrees);
  BOOST_TEST(s.defined_by == "a");
  BOOST_TEST(s.emission_us == 100000);  // a's, still in force
  // a is gone (not seen for longer than `live`): b's settings take over.
  sql("UPDATE rd_nodes SET seen_at = now() - interval '1 minute' WHERE node = 'a'");
  s = run(io, b.define("cf", "cf", 20.0, 10, 4, 30s));
  BOOST_TEST(!s.disagrees);
  BOOST_TEST(s.defined_by == "b");
  BOOST_TEST(s.emission_us == 50000);
}

BOOST_AUTO_TEST_CASE(text_with_quotes_backslashes_and_unicode_round_trips) {
  auto a = node("a");
  run(io, a.define("cf", "cf", 1000, 100, 4, 30s));
  const std::string body = "{\"notes\":\"a \\\"quoted\\\" \\\\ back\\\\slash, {braces}, ü €\"}";
  run(io, a.submit({new_job{"q,1.json", "cf", "inv \"7\"", std::nullopt, body, "{}"}}));
  auto c = run(io, a.claim("cf", 30s));
  BOOST_REQUIRE(c);
  BOOST_TEST(c->file_name == "q,1.json");
  BOOST_TEST(c->lane.invoice == "inv \"7\"");
  BOOST_TEST(c->body == body);
}

BOOST_AUTO_TEST_SUITE_END()

// pg_connection against a real PostgreSQL 15 (tests/support/pg_server): TLS with a verified
// certificate and a password kept out of the conninfo, parameters, SQL errors, the call
// queue, LISTEN/NOTIFY, timeouts, a server going away, cancellation and large transfers.
#include "daemon/cluster/pg_connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <csignal>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/pg_server.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_ca.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using reconcilerd::cluster::pg_connection;
using reconcilerd::cluster::pg_error;
using reconcilerd::cluster::pg_notification;
using reconcilerd::cluster::pg_result;
using reconcilerd::test::pg_server;
using reconcilerd::test::temp_dir;

namespace {

// One server for the tests that leave it running as it was.
struct shared_server {
  temp_dir dir;
  pg_server server{dir / "pg"};
};
pg_server& server() {
  static shared_server s;
  return s.server;
}

// Runs `body` to completion; fails if it does not finish within a bound or leaves work
// behind (a timer or socket wait of the connection still pending).
void run(std::function<net::awaitable<void>(net::any_io_executor)> body) {
  net::io_context io;
  bool done = false;
  std::exception_ptr error;
  net::co_spawn(io, body(io.get_executor()), [&](std::exception_ptr e) {
    done = true;
    error = e;
  });
  io.run_for(120s);
  BOOST_REQUIRE_MESSAGE(done, "the test coroutine did not finish");
  BOOST_REQUIRE_MESSAGE(io.stopped(), "work still pending after the test");
  if (error) std::rethrow_exception(error);
}

net::awaitable<std::unique_ptr<pg_connection>> connect(net::any_io_executor ex, pg_server& s) {
  co_return co_await pg_connection::connect(ex, s.conninfo(), s.password(), 10s);
}

// The pg_error a connect with these settings ends in (fails the test if it connects).
net::awaitable<pg_error> connect_error(net::any_io_executor ex, std::string conninfo,
                                       std::string password) {
  try {
    co_await pg_connection::connect(ex, conninfo, password, 10s);
  } catch (const pg_error& e) {
    co_return e;
  }
  BOOST_FAIL("connected with " << conninfo);
  throw std::logic_error("unreachable");
}

// The pg_error `call` ends in.
net::awaitable<pg_error> error_of(net::awaitable<pg_result> call) {
  try {
    co_await std::move(call);
  } catch (const pg_error& e) {
    co_return e;
  }
  BOOST_FAIL("the call succeeded");
  throw std::logic_error("unreachable");
}

// Polls a real condition on the io_context (bounded): true once it holds.
net::awaitable<bool> eventually(std::function<net::awaitable<bool>()> cond) {
  net::steady_timer t(co_await net::this_coro::executor);
  for (int i = 0; i < 1000; ++i) {
    if (co_await cond()) co_return true;
    t.expires_after(10ms);
    co_await t.async_wait(net::use_awaitable);
  }
  co_return false;
}

net::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  net::steady_timer t(co_await net::this_coro::executor, d);
  co_await t.async_wait(net::use_awaitable);
}

// Query parameters (a function: GCC 12 miscompiles braced lists of literals in co_await).
template <typename... T>
std::vector<std::optional<std::string>> args(T&&... v) {
  std::vector<std::optional<std::string>> out;
  (out.emplace_back(std::forward<T>(v)), ...);
  return out;
}

// Spawns a next_notification() call on `c`; `lost` becomes true when it ends in
// connection_lost.
void wait_for_loss(net::any_io_executor ex, pg_connection& c, bool& lost) {
  net::co_spawn(
      ex,
      [&]() -> net::awaitable<void> {
        try {
          co_await c.next_notification();
        } catch (const pg_error& e) {
          lost = e.connection_lost;
        }
      },
      net::detached);
}

// The bytes queued in the kernel, not yet acknowledged, on our TCP connection from
// 127.0.0.1:`local` to port `remote` (/proc/net/tcp's tx_queue); -1 if there is none.
long unsent_bytes(int local, int remote) {
  std::ifstream f("/proc/net/tcp");
  std::string line;
  std::getline(f, line);  // header
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string sl, local_addr, remote_addr, state, queues;
    in >> sl >> local_addr >> remote_addr >> state >> queues;
    auto port = [](const std::string& a) {
      return std::stoi(a.substr(a.find(':') + 1), nullptr, 16);
    };
    if (port(local_addr) == local && port(remote_addr) == remote)
      return std::stol(queues.substr(0, queues.find(':')), nullptr, 16);
  }
  return -1;
}

// Spawns a query on `c`; `done` becomes true when it has succeeded.
void spawn_query(net::any_io_executor ex, pg_connection& c, std::string sql, bool& done) {
  net::co_spawn(
      ex,
      [&c, &done, sql = std::move(sql)]() -> net::awaitable<void> {
        co_await c.query(sql);
        done = true;
      },
      net::detached);
}

std::string value(const pg_result& r, std::string_view col, std::size_t row = 0) {
  const auto& v = r.at(row, col);
  BOOST_REQUIRE_MESSAGE(v.has_value(), "NULL in column " << col);
  return *v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pg_connection_tests)

BOOST_AUTO_TEST_CASE(connects_over_verified_tls_with_the_password_outside_the_conninfo) {
  auto& s = server();
  BOOST_TEST(s.conninfo().find(s.password()) == std::string::npos);
  BOOST_TEST(s.conninfo().find("sslmode=verify-full") != std::string::npos);
  run([&](net::any_io_executor ex) -> net::awaitable<void> {
    auto c = co_await connect(ex, s);
    auto r = co_await c->query(
        "SELECT s.ssl::text AS ssl, current_user AS who, current_database() AS db, "
        "current_setting('client_encoding') AS enc FROM pg_stat_ssl s "
        "WHERE s.pid = pg_backend_pid()");
    BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
    BOOST_TEST(value(r, "ssl") == "true");
    BOOST_TEST(value(r, "who") == "reconcilerd");
    BOOST_TEST(value(r, "db") == "reconcilerd");
    BOOST_TEST(value(r, "enc") == "UTF8");
    BOOST_TEST(!c->broken());
    // The certificate is checked against `host`, not the address connected to.
    auto by_name = co_await pg_connection::connect(
        ex,
        "host=localhost hostaddr=127.0.0.1 port=" + std::to_string(s.port()) +
            " dbname=reconcilerd user=reconcilerd sslmode=verify-full sslrootcert=" +
            s.ca_file().string(),
        s.password(), 10s);
    BOOST_TEST(value(co_await by_name->query("SELECT 1 AS one"), "one") == "1");
  });
}

BOOST_AUTO_TEST_CASE(a_wrong_password_fails_without_showing_it) {
  auto& s = server();
  run([&](net::any_io_executor ex) -> net::awaitable<void> {
    const std::string wrong = "Wrong-" + s.password();
    auto e = co_await connect_error(ex, s.conninfo(), wrong);
    BOOST_TEST_MESSAGE("wrong password: " << e.what());
    BOOST_TEST(e.connection_lost);
    BOOST_TEST(std::string(e.what()).find("password authentication failed") != std::string::npos);
    BOOST_TEST(std::string(e.what()).find(wrong) == std::string::npos);
    BOOST_TEST(std::string(e.what()).find(s.password()) == std::string::npos);

    // A message that would echo the password (here: a database named like it, after a
    // successful login) shows it masked.
    const std::string pw = "zebra-Echo-7731";
    s.psql("DROP ROLE IF EXISTS echo; CREATE ROLE echo LOGIN PASSWORD '" + pw + "'");
    auto echoed = co_await connect_error(
        ex,
        "host=127.0.0.1 port=" + std::to_string(s.port()) + " user=echo dbname=" + pw +
            " sslmode=verify-full sslrootcert=" + s.ca_file().string(),
        pw);
    BOOST_TEST_MESSAGE("echo: " << echoed.what());
    BOOST_TEST(std::string(echoed.what()).find("does not exist") != std::string::npos);
    BOOST_TEST(std::string(echoed.what()).find(pw) == std::string::npos);
    BOOST_TEST(std::string(echoed.what()).find("********") != std::string::npos);
  });
}

BOOST_AUTO_TEST_CASE(an_unknown_ca_or_a_certificate_for_another_name_is_refused) {
  auto& s = server();
  temp_dir other_dir;
  reconcilerd::test::test_ca other(other_dir.path(), "other");
  run([&](net::any_io_executor ex) -> net::awaitable<void> {
    const std::string base = "port=" + std::to_string(s.port()) +
                             " dbname=reconcilerd user=reconcilerd sslmode=verify-full ";
    auto unknown_ca = co_await connect_error(
        ex, "host=127.0.0.1 " + base + "sslrootcert=" + other.ca_file().string(), s.password());
    BOOST_TEST_MESSAGE("unknown CA: " << unknown_ca.what());
    BOOST_TEST(std::string(unknown_ca.what()).find("certificate verify failed") !=
               std::string::npos);
    BOOST_TEST(unknown_ca.connection_lost);

    auto other_name = co_await connect_error(ex,
                                             "host=db.example.invalid hostaddr=127.0.0.1 " + base +
                                                 "sslrootcert=" + s.ca_file().string(),
                                             s.password());
    BOOST_TEST_MESSAGE("other name: " << other_name.what());
    BOOST_TEST(std::string(other_name.what()).find("does not match host name") !=
               std::string::npos);

    // Nothing listens there: a clear error, not a hang.
    auto refused = co_await connect_error(
        ex, "host=127.0.0.1 port=1 dbname=reconcilerd user=reconcilerd", s.password());
    BOOST_TEST(std::string(refused.what()).find("refused") != std::string::npos);
  });
}

BOOST_AUTO_TEST_CASE(parameters_nulls_unicode_and_affected_rows) {
  auto& s = server();
  run([&](net::any_io_executor ex) -> net::awaitable<void> {
    auto c = co_await connect(ex, s);
    const std::string text = "Zürich ☃ 😀 \"quoted\" 'single' \\ back; $2 -- not a comment";
    auto r = co_await c->query(
        "SELECT $1::text AS a, $2::text AS b, $3::int + 1 AS c, NULL::text AS d, "
        "length($1) AS chars, octet_length($1) AS bytes, $2 IS NULL AS b_null",
        args(text, std::nullopt, "41"));
    const std::vector<std::string> columns = {"a", "b", "c", "d", "chars", "bytes", "b_null"};
    BOOST_TEST(r.columns == columns, boost::test_tools::per_element());
    BOOST_TEST(value(r, "a") == text);
    BOOST_TEST(!r.at(0, "b").has_value());
    BOOST_TEST(value(r, "c") == "42");
    BOOST_TEST(!r.at(0, "d").has_value());
    BOOST_TEST(value(r, "chars") == "56");  // characters, not bytes: UTF-8 both ways
    BOOST_TEST(value(r, "bytes") == std::to_string(text.size()));
    BOOST_TEST(value(r, "b_null") == "t");
    BOOST_CHECK_THROW(r.at(0, "nope"), std::out_of_range);
    BOOST_CHECK_THROW(r.at(1, "a"), std::out_of_range);
    BOOST_TEST(r.affected == 1);  // SELECT 1

    co_await c->execute(
        "DROP TABLE IF EXISTS params_t; CREATE TABLE params_t (k int PRIMARY KEY, v text); "
        "INSERT INTO params_t VALUES (1, 'one'); INSERT INTO params_t VALUES (2, NULL)");
    auto ins = co_await c->query("INSERT INTO params_t SELECT g, $1 FROM generate_series(3, 5) g",
                                 args("many"));
    BOOST_TEST(ins.affected == 3);
    BOOST_TEST(ins.rows.empty());
    auto upd = co_await c->query("UPDATE params_t SET v = $1 WHERE v IS NULL OR v = $2",
                                 args(text, "many"));
    BOOST_TEST(upd.affected == 4);
    auto back = co_await c->query("SELECT k, v FROM params_t ORDER BY k");
    BOOST_REQUIRE_EQUAL(back.rows.size(), 5u);
    BOOST_TEST(value(back, "v", 0) == "one");
    for (std::size_t i = 1; i < 5; ++i) BOOST_TEST(value(back, "v", i) == text);
    auto none = co_await c->query("SELECT k FROM params_t WHERE k > 100");
    BOOST_TEST(none.rows.empty());
    BOOST_REQUIRE_EQUAL(none.columns.size(), 1u);
    BOOST_TEST(none.columns[0] == "k");
    co_await c->execute("DROP TABLE params_t");
  });
}

BOOST_AUTO_TEST_CASE(sql_errors_give_the_sqlstate_and_keep_the_connection) {
  auto& s = server();
  run([&](net::any_io_executor ex) -> net::awaitable<void> {
    auto c = co_await connect(ex, s);
    auto div = co_await error_of(c->query("SELECT 1 / $1::int", args("0")));
    BOOST_TEST(div.sqlstate == "22012");
    BOOST_TEST(!div.connection_lost);
    BOOST_TEST(std::string(div.what()).find("division by zero") != std::string::npos);

    co_await c->execute("DROP TABLE IF EXISTS err_t; CREATE TABLE err_t (k int PRIMARY KEY)");
    co_await c->query("INSERT INTO err_t VALUES (1)");
    auto dup = co_await error_of(c->query("INSERT INTO err_t VALUES ($1)", args("1")));
    BOOST_TEST(dup.sqlstate == "23505");
    BOOST_TEST(std::string(dup.what()).find("already exists") != std::string::npos);  // detail
    auto syntax = co_await error_of(c->query("SELEC 1"));
    BOOST_TEST(syntax.sqlstate == "42601");
    BOOST_TEST(!c->broken());

    // execute(): the first error; the statements before it roll back with it.
    bool threw = false;
    try {
      co_await c->execute("INSERT INTO err_t VALUES (2); INSERT INTO err_t VALUES (1)");
    } catch (const pg_error& e) {
      threw = true;
      BOOST_TEST(e.sqlstate == "23505");
      BOOST_TEST(!e.connection_lost);
    }
    BOOST_TEST(threw);
    BOOST_TEST(value(co_await c->query("SELECT count(*) AS n FROM err_t"), "n") == "1");
    // A transaction aborted by an error is usable again after ROLLBACK.
    co_await c->query("BEGIN");
    auto in_tx = co_await error_of(c->query("SELECT 1 / 0"));
    BOOST_TEST(in_tx.sqlstate == "22012");
    auto aborted = co_await error_of(c->query("SELECT 1"));
    BOOST_TEST(aborted.sqlstate == "25P02");
    co_await c->query("ROLLBACK");
    BOOST_TEST(value(co_await c->query("SELECT 2 AS two"), "two") == "2");
    co_await c->execute("DROP TABLE err_t");
  });
}

BOOST_AUTO_TEST_CASE(concurrent_calls_run_one_at_a_time_in_call_order) {
  auto& s = server();
  run([&](net::any_io_executor ex) -> net::awaitable<void> {
    auto c = co_await connect(ex, s);
    co_await c->execute("DROP SEQUENCE IF EXISTS order_seq; CREATE SEQUENCE order_seq");
    // 5 coroutines, each issuing 10 calls at once: 50 calls queued on one connection. The
    // position in which a call was made must be the order the server ran it in
    // (nextval), and each call must get its own answer back.
    constexpr int groups = 5, per_group = 10;
    std::vector<int> issued;  // call number -> tag, in call order
    struct answer {
      int tag;
      long seq;
      std::string echo;
    };
    std::vector<answer> answers;
    int finished = 0;
    for (int g = 0; g < groups; ++g) {
      net::co_spawn(
          ex,
          [&, g]() -> net::awaitable<void> {
            co_await sleep_for(std::chrono::milliseconds(g));  // interleave the groups
            for (int i = 0; i < per_group; ++i) {
              net::co_spawn(
                  ex,
                  [&, tag = g * 100 + i]() -> net::awaitable<void> {
                    issued.push_back(tag);
                    auto r = co_await c->query("SELECT nextval('order_seq') AS seq, $1 AS echo",
                                               args(std::to_string(tag)));
                    answers.push_back({tag, std::stol(value(r, "seq")), value(r, "echo")});
                    ++finished;
                  },
                  net::detached);
            }
          },
          net::detached);
    }
    BOOST_REQUIRE(co_await eventually(
        [&]() -> net::awaitable<bool> { co_return finished == groups* per_group; }));
    BOOST_REQUIRE_EQUAL(answers.size(), issued.size());
    for (std::size_t i = 0; i < answers.size(); ++i) {
      BOOST_TEST(answers[i].echo == std::to_string(answers[i].tag));  // its own answer
      BOOST_TEST(answers[i].tag == issued[i]);                        // answered in call order
      BOOST_TEST(answers[i].seq == static_cast<long>(i) + 1);         // run in call order
    }
    co_await c->execute("DROP SEQUENCE order_seq");
  });
}

BOOST_AUTO_TEST_CASE(listen_notify_including_notifications_that_arrive_during_a_query) {
  auto& s = server();
  run([&](net::any_io_executor ex) -> net::awaitable<void> {
    using namespace net::experimental::awaitable_operators;
    auto a = co_await connect(ex, s);
    auto b = co_await connect(ex, s);
    co_await a->query("LISTEN wake");

    // 1. A waiter on an idle connection.
    std::vector<pg_notification> got;
    auto waiter = [&]() -> net::awaitable<void> { got.push_back(co_await a->next_notification()); };
    net::co_spawn(ex, waiter(), net::detached);
    co_await b->query("SELECT pg_notify('wake', $1)", args("one"));
    BOOST_REQUIRE(co_await eventually([&]() -> net::awaitable<bool> { co_return !got.empty(); }));
    BOOST_TEST(got[0].channel == "wake");
    BOOST_TEST(got[0].payload == "one");

    // 2. A waiter parked while a query on the same connection runs; the notification comes
    // in with that query's answer. B holds a lock that A's query waits for; B notifies, then
    // lets go.
    got.clear();
    net::co_spawn(ex, waiter(), net::detached);
    co_await b->query("SELECT pg_advisory_lock(7)");
    bool locked = false;
    spawn_query(ex, *a, "SELECT pg_advisory_lock(7)", locked);
    BOOST_REQUIRE(co_await eventually([&]() -> net::awaitable<bool> {
      auto r = co_await b->query(
          "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
      co_return value(r, "n") == "1";
    }));
    co_await b->query("SELECT pg_notify('wake', 'two')");
    BOOST_TEST(got.empty());  // A's backend is busy: it sends the notification after the query
    co_await b->query("SELECT pg_advisory_unlock(7)");
    BOOST_REQUIRE(
        co_await eventually([&]() -> net::awaitable<bool> { co_return locked && !got.empty(); }));
    BOOST_TEST(got[0].payload == "two");
    co_await a->query("SELECT pg_advisory_unlock(7)");

    // 3. Notifications that arrive while nobody waits are kept, in order, even when queries
    // run in between.
    co_await b->execute("NOTIFY wake, 'three'; NOTIFY wake, 'four'");
    BOOST_TEST(value(co_await a->query("SELECT 5 AS five"), "five") == "5");
    BOOST_TEST((co_await a->next_notification()).payload == "three");
    BOOST_TEST((co_await a->next_notification()).payload == "four");

    // 4. A cancelled wait (wait with a timeout) loses nothing and leaves the connection as it
    // was.
    auto timed = co_await (a->next_notification() || sleep_for(50ms));
    BOOST_TEST(timed.index() == 1u);
    BOOST_TEST(!a->broken());
    co_await b->query("SELECT pg_notify('wake', 'five')");
    BOOST_TEST((co_await a->next_notification()).payload == "five");
    // 5. Notifications on another channel are not ours.
    co_await b->query("SELECT pg_notify('other', 'x')");
    co_await b->query("SELECT pg_notify('wake', 'six')");
    BOOST_TEST((co_await a->next_notification()).payload == "six");
  });
}

BOOST_AUTO_TEST_CASE(a_waiter_learns_when_the_connection_is_closed) {
  auto& s = server();
  run([&](net::any_io_executor ex) -> net::awaitable<void> {
    auto a = co_await connect(ex, s);
    co_await a->query("LISTEN nothing");
    bool lost = false;
    wait_for_loss(ex, *a, lost);
    co_await net::post(ex, net::use_awaitable);  // it runs until it waits on the socket
    a->close();
    a->close();  // idempotent
    BOOST_REQUIRE(co_await eventually([&]() -> net::awaitable<bool> { co_return lost; }));
    auto later = co_await error_of(a->query("SELECT 1"));
    BOOST_TEST(later.connection_lost);
    // Terminated by the server while idle, with a waiter: the waiter learns it.
    auto b = co_await connect(ex, s);
    co_await b->query("LISTEN nothing");
    const std::string pid = value(co_await b->query("SELECT pg_backend_pid() AS pid"), "pid");
    lost = false;
    wait_for_loss(ex, *b, lost);
    co_await net::post(ex, net::use_awaitable);
    s.psql("SELECT pg_terminate_backend(" + pid + ")");
    BOOST_REQUIRE(co_await eventually([&]() -> net::awaitable<bool> { co_return lost; }));
    BOOST_TEST(b->broken());
  });
}

BOOST_AUTO_TEST_CASE(a_query_without_an_answer_in_time_closes_the_connection) {
  auto& s = server();
  run([&](net::any_io_executor ex) -> net::awaitable<void> {
    auto c = co_await connect(ex, s);
    c->set_query_timeout(200ms);
    BOOST_TEST(value(co_await c->query("SELECT 1 AS one"), "one") == "1");  // fast: fine
    const auto t0 = std::chrono::steady_clock::now();
    auto e = co_await error_of(c->query("SELECT pg_sleep(5)"));
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    BOOST_TEST_MESSAGE("timeout: " << e.what());
    BOOST_TEST(e.connection_lost);
    BOOST_TEST(took >= 200);
    BOOST_TEST(took < 3000);
    BOOST_TEST(c->broken());
    const auto t1 = std::chrono::steady_clock::now();
    auto later = co_await error_of(c->query("SELECT 1"));
    BOOST_TEST(later.connection_lost);
    BOOST_TEST((std::chrono::steady_clock::now() - t1 < 100ms));  // at once
  });
}

BOOST_AUTO_TEST_CASE(cancelled_calls_and_a_connection_destroyed_mid_call) {
  auto& s = server();
  run([&](net::any_io_executor ex) -> net::awaitable<void> {
    using namespace net::experimental::awaitable_operators;
    auto c = co_await connect(ex, s);
    // A call cancelled while waiting for its turn leaves the queue; the one running (held
    // up by a lock another connection holds) is unaffected.
    auto holder = co_await connect(ex, s);
    co_await holder->query("SELECT pg_advisory_lock(11)");
    bool first_done = false;
    spawn_query(ex, *c, "SELECT pg_advisory_lock(11)", first_done);
    auto r = co_await (c->query("SELECT 'never' AS x") || sleep_for(50ms));
    BOOST_TEST(r.index() == 1u);
    BOOST_TEST(!first_done);
    co_await holder->query("SELECT pg_advisory_unlock(11)");
    BOOST_TEST(value(co_await c->query("SELECT 3 AS three"), "three") == "3");
    BOOST_TEST(first_done);
    BOOST_TEST(!c->broken());
    co_await c->query("SELECT pg_advisory_unlock(11)");

    // A call cancelled while its statement runs closes the connection.
    auto r2 = co_await (c->query("SELECT pg_sleep(5)") || sleep_for(100ms));
    BOOST_TEST(r2.index() == 1u);
    BOOST_TEST(c->broken());
    BOOST_TEST((co_await error_of(c->query("SELECT 1"))).connection_lost);

    // The object destroyed while a call runs and another waits: both end as lost.
    auto d = co_await connect(ex, s);
    int lost = 0;
    for (int i = 0; i < 2; ++i)
      net::co_spawn(
          ex,
          [&, q = d->query("SELECT pg_sleep(5)")]() mutable -> net::awaitable<void> {
            try {
              co_await std::move(q);
            } catch (const pg_error& e) {
              lost += e.connection_lost ? 1 : 0;
            }
          },
          net::detached);
    co_await net::post(ex, net::use_awaitable);  // the first is sent, the second queued
    d.reset();
    BOOST_REQUIRE(co_await eventually([&]() -> net::awaitable<bool> { co_return lost == 2; }));
  });
}

BOOST_AUTO_TEST_CASE(large_results_and_large_parameters) {
  auto& s = server();
  run([&](net::any_io_executor ex) -> net::awaitable<void> {
    auto c = co_await connect(ex, s);
    auto r = co_await c->query(
        "SELECT g AS n, repeat(chr(65 + g % 26), 200) AS pad FROM generate_series(1, 10000) g");
    BOOST_REQUIRE_EQUAL(r.rows.size(), 10000u);
    BOOST_TEST(r.affected == 10000);
    bool all = true;
    for (std::size_t i = 0; i < r.rows.size(); ++i) {
      const int n = static_cast<int>(i) + 1;
      all = all && value(r, "n", i) == std::to_string(n) &&
            value(r, "pad", i) == std::string(200, static_cast<char>('A' + n % 26));
    }
    BOOST_TEST(all);
    // 32 MB in one parameter to a server process that is stopped (SIGSTOP) while we send:
    // more than the socket buffers on both sides hold, so PQflush answers 1 and the call
    // must wait for the socket to take more, until the server reads again (SIGCONT).
    auto who = co_await c->query("SELECT pg_backend_pid() AS pid, inet_client_port() AS port");
    const pid_t backend = std::stoi(value(who, "pid"));
    const int client_port = std::stoi(value(who, "port"));
    struct resume_guard {
      pid_t pid;
      ~resume_guard() { ::kill(pid, SIGCONT); }
    } resume{backend};
    BOOST_REQUIRE_EQUAL(::kill(backend, SIGSTOP), 0);
    std::string big(32 << 20, 'x');
    for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i % 26);
    std::optional<pg_result> len;
    net::co_spawn(
        ex,
        [&]() -> net::awaitable<void> {
          len = co_await c->query("SELECT length($1) AS n, md5($1) AS h", args(big));
        },
        net::detached);
    BOOST_REQUIRE(co_await eventually([&]() -> net::awaitable<bool> {
      co_return unsent_bytes(client_port, s.port()) >= (1 << 20);  // the server reads nothing
    }));
    BOOST_TEST(!len.has_value());
    ::kill(backend, SIGCONT);
    BOOST_REQUIRE(
        co_await eventually([&]() -> net::awaitable<bool> { co_return len.has_value(); }));
    BOOST_TEST(value(*len, "n") == std::to_string(big.size()));
    auto h = co_await c->query("SELECT md5($1) AS h", args(big));
    BOOST_TEST(value(h, "h") == value(*len, "h"));
    BOOST_TEST(value(h, "h").size() == 32u);
  });
}

BOOST_AUTO_TEST_CASE(a_server_restart_loses_the_connection_and_a_new_one_works) {
  temp_dir dir;
  pg_server s(dir / "pg");
  run([&](net::any_io_executor ex) -> net::awaitable<void> {
    auto running = co_await connect(ex, s);
    auto idle = co_await connect(ex, s);
    auto watcher = co_await connect(ex, s);
    co_await running->execute("CREATE TABLE kept (k int); INSERT INTO kept VALUES (1)");
    std::optional<pg_error> running_error;
    net::co_spawn(
        ex,
        [&]() -> net::awaitable<void> {
          running_error = co_await error_of(running->query("SELECT pg_sleep(60)"));
        },
        net::detached);
    BOOST_REQUIRE(co_await eventually([&]() -> net::awaitable<bool> {
      auto r = co_await watcher->query(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' "
          "AND state = 'active'");
      co_return value(r, "n") == "1";
    }));
    s.stop();
    BOOST_REQUIRE(co_await eventually(
        [&]() -> net::awaitable<bool> { co_return running_error.has_value(); }));
    BOOST_TEST_MESSAGE("running query at stop: " << running_error->what());
    BOOST_TEST(running_error->connection_lost);
    BOOST_TEST(running->broken());
    // The database is down: connecting fails with libpq's message.
    auto down = co_await connect_error(ex, s.conninfo(), s.password());
    BOOST_TEST(down.connection_lost);
    s.start();
    auto next = co_await error_of(idle->query("SELECT 1"));
    BOOST_TEST_MESSAGE("idle connection after restart: " << next.what());
    BOOST_TEST(next.connection_lost);
    BOOST_TEST((co_await error_of(running->query("SELECT 1"))).connection_lost);
    auto fresh = co_await connect(ex, s);
    BOOST_TEST(value(co_await fresh->query("SELECT count(*) AS n FROM kept"), "n") == "1");

    // A crash (SIGKILL): committed rows survive the recovery.
    co_await fresh->query("INSERT INTO kept VALUES (2)");
    s.kill9();
    BOOST_TEST((co_await error_of(fresh->query("SELECT 1"))).connection_lost);
    s.start();
    auto after = co_await connect(ex, s);
    BOOST_TEST(value(co_await after->query("SELECT count(*) AS n FROM kept"), "n") == "2");
    BOOST_TEST(s.psql("SELECT k FROM kept ORDER BY k") == "1\n2");
  });
}

BOOST_AUTO_TEST_SUITE_END()

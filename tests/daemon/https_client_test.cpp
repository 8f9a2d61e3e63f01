// HTTPS client against a real in-process TLS server (tls_test_server.hpp, certificates from
// test_ca): keep-alive reuse, verification failures, deadline, resets, Connection: close,
// stale idle connections, size limit, the concurrency cap, IPv6, plain HTTP, shutdown.
// Plus the pure failure classification table.
#include "daemon/transport/https_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/test/unit_test.hpp>
#include <functional>

#include "daemon/transport/transport_errors.hpp"
#include "tests/daemon/tls_test_server.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_ca.hpp"

using namespace std::chrono_literals;
using namespace reconcilerd;
using namespace reconcilerd::transport;
using reconcilerd::test::server_reply;
using reconcilerd::test::tls_test_server;
namespace net = boost::asio;

namespace {

using action = server_reply::action;

// A CA, a certificate for localhost / 127.0.0.1 / ::1 and one for another name.
struct pki {
  test::temp_dir dir;
  test::test_ca ca{dir.path()};
  test::cert_files good = ca.issue("server", {"localhost", "127.0.0.1", "::1"});
  test::cert_files wrong_name = ca.issue("wrong", {"wrong.example"});
};

pki& certs() {
  static pki p;
  return p;
}

config::backend backend_for(unsigned short port, const std::string& host = "127.0.0.1",
                            const std::string& scheme = "https") {
  config::backend b;
  b.name = "test";
  b.base_url.scheme = scheme;
  b.base_url.host = host;
  b.base_url.port = port;
  b.timeout = 5s;
  b.concurrency = 4;
  b.tls.ca_file = certs().ca.ca_file().string();
  return b;
}

backends::request put(std::string body = R"({"a":1})") {
  backends::request r;
  r.method = "PUT";
  r.target = "/api/sale-invoices/42?x=1";
  r.headers.push_back({"Content-Type", "application/json"});
  r.headers.push_back({"Authorization", "Bearer secret"});
  r.body = std::move(body);
  return r;
}

server_reply answer(std::string body = "ok") {
  server_reply r;
  r.body = std::move(body);
  return r;
}

// Runs `body` on `io` to completion, then stops the server so every session ends; fails
// the test if anything is still running after a generous bound.
void run(net::io_context& io, tls_test_server* server, std::function<net::awaitable<void>()> body) {
  bool done = false;
  std::exception_ptr error;
  net::co_spawn(io, body(), [&](std::exception_ptr e) {
    done = true;
    error = e;
    if (server) server->stop();
  });
  io.run_for(60s);
  BOOST_REQUIRE_MESSAGE(done, "the test coroutine did not finish");
  BOOST_REQUIRE_MESSAGE(io.stopped(), "work still pending after the test");
  if (error) std::rethrow_exception(error);
}

// Waits (on the io_context, bounded) until `cond` holds.
net::awaitable<bool> eventually(std::function<bool()> cond) {
  net::steady_timer t(co_await net::this_coro::executor);
  for (int i = 0; i < 5000 && !cond(); ++i) {
    t.expires_after(1ms);
    co_await t.async_wait(net::use_awaitable);
  }
  co_return cond();
}

std::string kind(const result& r) { return std::string(to_string(r.error)); }

}  // namespace

BOOST_AUTO_TEST_SUITE(https_client_suite)

BOOST_AUTO_TEST_CASE(success_with_keep_alive_reuse) {
  net::io_context io;
  tls_test_server srv(io, certs().good, [](const test::request_t& req) {
    server_reply r = answer("echo:" + req.body());
    r.headers.push_back({"X-RateLimit-Remaining", "7"});
    return r;
  });
  https_client client(io.get_executor(), backend_for(srv.port()));
  std::vector<result> got;
  const auto before = std::chrono::system_clock::now();
  run(io, &srv, [&]() -> net::awaitable<void> {
    for (int i = 0; i < 3; ++i)
      got.push_back(co_await client.send(put("body" + std::to_string(i))));
    BOOST_TEST(client.open_connections() == 1u);
    BOOST_TEST(client.idle_connections() == 1u);
  });
  BOOST_REQUIRE(got.size() == 3u);
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST_CONTEXT("request " << i) {
      BOOST_TEST(kind(got[i]) == "none");
      BOOST_REQUIRE(got[i].response.has_value());
      BOOST_TEST(got[i].response->status == 200u);
      BOOST_TEST(got[i].response->body == "echo:body" + std::to_string(i));
      BOOST_TEST(got[i].response->header_value("x-ratelimit-remaining").value_or("") == "7");
      BOOST_TEST(got[i].maybe_sent);
      // Stamped when it arrived: between the start of the test and now.
      BOOST_TEST((got[i].response->received_at >= before));
      BOOST_TEST((got[i].response->received_at <= std::chrono::system_clock::now()));
    }
  }
  BOOST_TEST(srv.accepts == 1);
  BOOST_TEST(srv.requests == 3);
  BOOST_REQUIRE(!srv.seen.empty());
  const auto& req = srv.seen[0];
  BOOST_TEST(req.method_string() == "PUT");
  BOOST_TEST(req.target() == "/api/sale-invoices/42?x=1");
  BOOST_TEST(req[boost::beast::http::field::host] == "127.0.0.1:" + std::to_string(srv.port()));
  BOOST_TEST(req[boost::beast::http::field::user_agent] == "reconcilerd/0.1");
  BOOST_TEST(req[boost::beast::http::field::content_length] == "5");
  BOOST_TEST(req[boost::beast::http::field::content_type] == "application/json");
  BOOST_TEST(srv.last_sni.empty());  // no SNI for an IP address
}

BOOST_AUTO_TEST_CASE(host_name_with_sni) {
  net::io_context io;
  tls_test_server srv(io, certs().good, [](const test::request_t&) { return answer(); });
  https_client client(io.get_executor(), backend_for(srv.port(), "localhost"));
  result r;
  run(io, &srv, [&]() -> net::awaitable<void> { r = co_await client.send(put()); });
  BOOST_TEST(kind(r) == "none");
  BOOST_TEST(srv.last_sni == "localhost");
  BOOST_REQUIRE(!srv.seen.empty());
  BOOST_TEST(srv.seen[0][boost::beast::http::field::host] ==
             "localhost:" + std::to_string(srv.port()));
}

BOOST_AUTO_TEST_CASE(unknown_ca_is_refused_before_any_http_byte) {
  net::io_context io;
  tls_test_server srv(io, certs().good, [](const test::request_t&) { return answer(); });
  auto cfg = backend_for(srv.port());
  cfg.tls.ca_file.clear();  // system store only: our test CA is unknown
  https_client client(io.get_executor(), cfg);
  result r;
  run(io, &srv, [&]() -> net::awaitable<void> {
    r = co_await client.send(put());
    BOOST_TEST(co_await eventually([&] { return srv.closed == 1; }));
  });
  BOOST_TEST(kind(r) == "tls_verify");
  BOOST_TEST(r.detail.find("TLS certificate verification failed: unable to get local issuer "
                           "certificate") == 0u,
             r.detail);
  BOOST_TEST(!r.maybe_sent);
  BOOST_TEST(!r.response.has_value());
  BOOST_TEST(srv.handshakes_ok == 0);
  BOOST_TEST(srv.http_bytes == 0u);
  BOOST_TEST(srv.requests == 0);
  BOOST_TEST(client.open_connections() == 0u);
}

BOOST_AUTO_TEST_CASE(certificate_for_another_name_is_refused) {
  struct row {
    const char* host;
    const char* text;
  };
  const row table[] = {{"127.0.0.1", "IP address mismatch"}, {"localhost", "hostname mismatch"}};
  for (const auto& t : table) {
    BOOST_TEST_CONTEXT(t.host) {
      net::io_context io;
      tls_test_server srv(io, certs().wrong_name, [](const test::request_t&) { return answer(); });
      https_client client(io.get_executor(), backend_for(srv.port(), t.host));
      result r;
      run(io, &srv, [&]() -> net::awaitable<void> { r = co_await client.send(put()); });
      BOOST_TEST(kind(r) == "tls_verify");
      BOOST_TEST(r.detail.find(t.text) != std::string::npos, r.detail);
      BOOST_TEST(srv.requests == 0);
      BOOST_TEST(srv.http_bytes == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(verify_false_accepts_any_certificate) {
  net::io_context io;
  tls_test_server srv(io, certs().wrong_name, [](const test::request_t&) { return answer(); });
  auto cfg = backend_for(srv.port());
  cfg.tls.ca_file.clear();
  cfg.tls.verify = false;
  https_client client(io.get_executor(), cfg);
  result r;
  run(io, &srv, [&]() -> net::awaitable<void> { r = co_await client.send(put()); });
  BOOST_TEST(kind(r) == "none");
}

BOOST_AUTO_TEST_CASE(unreadable_ca_file_throws_clearly) {
  net::io_context io;
  auto cfg = backend_for(443);
  cfg.tls.ca_file = (certs().dir / "missing.pem").string();
  try {
    https_client client(io.get_executor(), cfg);
    BOOST_FAIL("no exception");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()).find("tls.ca_file") != std::string::npos, e.what());
    BOOST_TEST(std::string(e.what()).find("missing.pem") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(server_that_never_answers_times_out) {
  net::io_context io;
  tls_test_server srv(io, certs().good, [](const test::request_t&) {
    server_reply r;
    r.what = action::hang;
    return r;
  });
  auto cfg = backend_for(srv.port());
  cfg.timeout = 300ms;
  https_client client(io.get_executor(), cfg);
  result r;
  std::chrono::steady_clock::duration took{};
  run(io, &srv, [&]() -> net::awaitable<void> {
    const auto start = std::chrono::steady_clock::now();
    r = co_await client.send(put());
    took = std::chrono::steady_clock::now() - start;
  });
  BOOST_TEST(kind(r) == "timeout");
  BOOST_TEST(r.maybe_sent);
  BOOST_TEST(r.detail.find("within 300ms") != std::string::npos, r.detail);
  BOOST_TEST(r.detail.find("reading the answer") != std::string::npos, r.detail);
  BOOST_TEST((took >= 300ms), std::chrono::duration<double>(took).count());
  BOOST_TEST(srv.requests == 1);
}

BOOST_AUTO_TEST_CASE(deadline_covers_the_tls_handshake) {
  // A TCP listener that never speaks TLS: the handshake stalls until the deadline.
  net::io_context io;
  net::ip::tcp::acceptor acc(io, {net::ip::make_address("127.0.0.1"), 0});
  net::ip::tcp::socket peer(io);
  acc.async_accept(peer, [](boost::system::error_code) {});
  auto cfg = backend_for(acc.local_endpoint().port());
  cfg.timeout = 250ms;
  https_client client(io.get_executor(), cfg);
  result r;
  run(io, nullptr, [&]() -> net::awaitable<void> {
    r = co_await client.send(put());
    peer.close();
  });
  BOOST_TEST(kind(r) == "timeout");
  BOOST_TEST(!r.maybe_sent);
  BOOST_TEST(r.detail.find("TLS handshake") != std::string::npos, r.detail);
}

BOOST_AUTO_TEST_CASE(reset_mid_answer_is_a_read_error_maybe_sent) {
  net::io_context io;
  tls_test_server srv(io, certs().good, [](const test::request_t&) {
    server_reply r = answer(std::string(4000, 'x'));
    r.what = action::reset_mid_body;
    return r;
  });
  https_client client(io.get_executor(), backend_for(srv.port()));
  result r;
  run(io, &srv, [&]() -> net::awaitable<void> { r = co_await client.send(put()); });
  BOOST_TEST(kind(r) == "read");
  BOOST_TEST(r.maybe_sent);
  BOOST_TEST(!r.response.has_value());
  BOOST_TEST(client.open_connections() == 0u);
}

BOOST_AUTO_TEST_CASE(reset_after_reused_write_is_not_retried) {
  net::io_context io;
  int n = 0;
  tls_test_server srv(io, certs().good, [&](const test::request_t&) {
    server_reply r = answer();
    if (++n == 2) r.what = action::reset_without_answer;
    return r;
  });
  https_client client(io.get_executor(), backend_for(srv.port()));
  result first, second;
  run(io, &srv, [&]() -> net::awaitable<void> {
    first = co_await client.send(put());
    second = co_await client.send(put());
  });
  BOOST_TEST(kind(first) == "none");
  BOOST_TEST(kind(second) == "read");
  BOOST_TEST(second.maybe_sent);  // the server read the request: it may have acted on it
  BOOST_TEST(srv.accepts == 1);   // and it was not sent again
  BOOST_TEST(srv.requests == 2);
}

BOOST_AUTO_TEST_CASE(connection_close_then_reconnect) {
  net::io_context io;
  tls_test_server srv(io, certs().good, [](const test::request_t&) {
    server_reply r = answer();
    r.close = true;
    return r;
  });
  https_client client(io.get_executor(), backend_for(srv.port()));
  result a, b;
  run(io, &srv, [&]() -> net::awaitable<void> {
    a = co_await client.send(put());
    BOOST_TEST(client.open_connections() == 0u);
    b = co_await client.send(put());
  });
  BOOST_TEST(kind(a) == "none");
  BOOST_TEST(kind(b) == "none");
  BOOST_TEST(srv.accepts == 2);
}

BOOST_AUTO_TEST_CASE(body_delimited_by_connection_close) {
  net::io_context io;
  tls_test_server srv(io, certs().good, [](const test::request_t&) {
    server_reply r = answer("until the end");
    r.eof_delimited = true;  // and the server closes without a TLS close_notify
    return r;
  });
  https_client client(io.get_executor(), backend_for(srv.port()));
  result a, b;
  run(io, &srv, [&]() -> net::awaitable<void> {
    a = co_await client.send(put());
    b = co_await client.send(put());
  });
  BOOST_TEST(kind(a) == "none", a.detail);
  BOOST_REQUIRE(a.response.has_value());
  BOOST_TEST(a.response->body == "until the end");
  BOOST_TEST(kind(b) == "none", b.detail);
  BOOST_TEST(srv.accepts == 2);
}

BOOST_AUTO_TEST_CASE(idle_connection_closed_by_server_is_not_reused) {
  net::io_context io;
  tls_test_server srv(io, certs().good, [](const test::request_t&) {
    server_reply r = answer();
    r.drop_after = true;  // says keep-alive, then closes anyway (idle timeout)
    return r;
  });
  https_client client(io.get_executor(), backend_for(srv.port()));
  result a, b;
  run(io, &srv, [&]() -> net::awaitable<void> {
    a = co_await client.send(put());
    BOOST_TEST(co_await eventually([&] { return srv.closed == 1; }));
    b = co_await client.send(put());
  });
  BOOST_TEST(kind(a) == "none");
  BOOST_TEST(kind(b) == "none", b.detail);
  BOOST_TEST(srv.accepts == 2);
  BOOST_TEST(srv.requests == 2);
}

BOOST_AUTO_TEST_CASE(failed_write_on_reused_connection_is_retried_once_fresh) {
  net::io_context io;
  tls_test_server srv(io, certs().good, [](const test::request_t&) { return answer(); });
  client_options opt;
  opt.check_idle = false;  // let the write run into the reset
  https_client client(io.get_executor(), backend_for(srv.port()), opt);
  result a, b;
  run(io, &srv, [&]() -> net::awaitable<void> {
    a = co_await client.send(put());
    srv.reset_connections();  // the idle kept-alive connection gets a reset
    BOOST_TEST(co_await eventually([&] { return srv.closed == 1; }));
    b = co_await client.send(put());  // its write fails: retried on a fresh connection
  });
  BOOST_TEST(kind(a) == "none");
  BOOST_TEST(kind(b) == "none", b.detail);
  BOOST_TEST(srv.accepts == 2);
  BOOST_TEST(srv.requests == 2);
}

BOOST_AUTO_TEST_CASE(idle_limit_closes_old_connections) {
  net::io_context io;
  tls_test_server srv(io, certs().good, [](const test::request_t&) { return answer(); });
  client_options opt;
  opt.idle_limit = 0ms;
  https_client client(io.get_executor(), backend_for(srv.port()), opt);
  run(io, &srv, [&]() -> net::awaitable<void> {
    BOOST_TEST(kind(co_await client.send(put())) == "none");
    net::steady_timer t(io, 2ms);
    co_await t.async_wait(net::use_awaitable);
    BOOST_TEST(kind(co_await client.send(put())) == "none");
  });
  BOOST_TEST(srv.accepts == 2);
}

BOOST_AUTO_TEST_CASE(oversize_answers_are_too_large) {
  struct row {
    const char* name;
    server_reply reply;
    std::size_t limit;
  };
  server_reply huge_length;  // announces 5 MiB: refused as soon as the header is read
  huge_length.what = action::header_only;
  huge_length.body = "";
  huge_length.headers.push_back({"Content-Length", std::to_string(5 * 1024 * 1024)});
  server_reply chunked = answer(std::string(3000, 'y'));
  chunked.chunked = true;
  server_reply plain = answer(std::string(3000, 'z'));
  const row table[] = {{"Content-Length over the default 4 MiB", huge_length, 4 * 1024 * 1024},
                       {"chunked over a 2000-byte limit", chunked, 2000},
                       {"body over a 2000-byte limit", plain, 2000}};
  for (const auto& t : table) {
    BOOST_TEST_CONTEXT(t.name) {
      net::io_context io;
      tls_test_server srv(io, certs().good, [&](const test::request_t&) { return t.reply; });
      client_options opt;
      opt.body_limit = t.limit;
      https_client client(io.get_executor(), backend_for(srv.port()), opt);
      result r;
      run(io, &srv, [&]() -> net::awaitable<void> { r = co_await client.send(put()); });
      BOOST_TEST(kind(r) == "too_large", r.detail);
      BOOST_TEST(r.detail.find(std::to_string(t.limit)) != std::string::npos, r.detail);
      BOOST_TEST(r.maybe_sent);
    }
  }
}

BOOST_AUTO_TEST_CASE(parallel_sends_never_exceed_concurrency) {
  net::io_context io;
  tls_test_server srv(io, certs().good, [](const test::request_t& req) {
    server_reply r = answer(req.body());
    r.delay = 20ms;
    return r;
  });
  auto cfg = backend_for(srv.port());
  cfg.concurrency = 2;
  https_client client(io.get_executor(), cfg);
  const int n = 8;
  std::vector<result> got(n);
  std::size_t max_open = 0;
  run(io, &srv, [&]() -> net::awaitable<void> {
    int finished = 0;
    for (int i = 0; i < n; ++i)
      net::co_spawn(
          io,
          [&, i]() -> net::awaitable<void> {
            got[i] = co_await client.send(put(std::to_string(i)));
            max_open = std::max(max_open, client.open_connections());
            ++finished;
          },
          net::detached);
    BOOST_TEST(co_await eventually([&] {
      max_open = std::max(max_open, client.open_connections());
      return finished == n;
    }));
  });
  for (int i = 0; i < n; ++i) {
    BOOST_TEST(kind(got[i]) == "none", got[i].detail);
    if (got[i].response) BOOST_TEST(got[i].response->body == std::to_string(i));
  }
  BOOST_TEST(srv.max_open <= 2);
  BOOST_TEST(srv.accepts <= 2);
  BOOST_TEST(max_open <= 2u);
  BOOST_TEST(srv.requests == n);
}

// The only connection is held at a's write gate (a's deadline starts again after the gate,
// so a cannot time out there): b's own 200 ms run out while it waits for a connection. If
// the wait did not count, b would wait until the gate opens and then succeed.
BOOST_AUTO_TEST_CASE(waiting_for_a_connection_counts_against_the_deadline) {
  net::io_context io;
  tls_test_server srv(io, certs().good, [](const test::request_t&) { return answer(); });
  auto cfg = backend_for(srv.port());
  cfg.concurrency = 1;
  cfg.timeout = 200ms;
  https_client client(io.get_executor(), cfg);
  result a, b;
  bool a_at_gate = false, b_done = false, a_done = false;
  std::chrono::steady_clock::duration b_took{};
  run(io, &srv, [&]() -> net::awaitable<void> {
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
          a = co_await client.send(put(), [&]() -> net::awaitable<bool> {
            a_at_gate = true;
            co_return co_await eventually([&] { return b_done; });
          });
          a_done = true;
        },
        net::detached);
    BOOST_TEST(co_await eventually([&] { return a_at_gate; }));
    const auto start = std::chrono::steady_clock::now();
    b = co_await client.send(put());
    b_took = std::chrono::steady_clock::now() - start;
    b_done = true;
    BOOST_TEST(co_await eventually([&] { return a_done; }));
  });
  BOOST_TEST(kind(b) == "timeout", b.detail);
  BOOST_TEST(b.detail.find("waiting for a free connection") != std::string::npos, b.detail);
  BOOST_TEST(!b.maybe_sent);
  BOOST_TEST((b_took >= 200ms), std::chrono::duration<double>(b_took).count());
  BOOST_TEST(kind(a) == "none", a.detail);  // the gate opened after b gave up: a went out
  BOOST_TEST(srv.accepts == 1);
  BOOST_TEST(srv.requests == 1);
}

// A request that timed out gives its connection up; the waiter gets a fresh one and its
// own deadline still applies.
BOOST_AUTO_TEST_CASE(a_timed_out_request_frees_the_slot_for_a_waiter) {
  net::io_context io;
  tls_test_server srv(io, certs().good, [](const test::request_t&) {
    server_reply r;
    r.what = action::hang;
    return r;
  });
  auto cfg = backend_for(srv.port());
  cfg.concurrency = 1;
  cfg.timeout = 200ms;
  https_client client(io.get_executor(), cfg);
  result a, b;
  std::chrono::steady_clock::duration b_took{};
  run(io, &srv, [&]() -> net::awaitable<void> {
    bool a_done = false;
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
          a = co_await client.send(put());
          a_done = true;
        },
        net::detached);
    BOOST_TEST(co_await eventually([&] { return srv.requests == 1; }));
    const auto start = std::chrono::steady_clock::now();
    b = co_await client.send(put());
    b_took = std::chrono::steady_clock::now() - start;
    BOOST_TEST(co_await eventually([&] { return a_done; }));
  });
  BOOST_TEST(kind(a) == "timeout");
  BOOST_TEST(kind(b) == "timeout");
  BOOST_TEST((b_took >= 200ms), std::chrono::duration<double>(b_took).count());
  BOOST_TEST(srv.accepts == 2);  // a's connection, then (after a gave it up) b's
}

BOOST_AUTO_TEST_CASE(ipv6_loopback) {
  net::io_context io;
  std::unique_ptr<tls_test_server> srv;
  try {
    srv = std::make_unique<tls_test_server>(
        io, certs().good, [](const test::request_t&) { return answer(); }, "::1");
  } catch (const std::exception& e) {
    BOOST_TEST_MESSAGE("IPv6 loopback unavailable, test skipped: " << e.what());
    return;
  }
  https_client client(io.get_executor(), backend_for(srv->port(), "::1"));
  result r;
  run(io, srv.get(), [&]() -> net::awaitable<void> { r = co_await client.send(put()); });
  BOOST_TEST(kind(r) == "none", r.detail);
  BOOST_REQUIRE(!srv->seen.empty());
  BOOST_TEST(srv->seen[0][boost::beast::http::field::host] ==
             "[::1]:" + std::to_string(srv->port()));
}

BOOST_AUTO_TEST_CASE(plain_http) {
  net::io_context io;
  tls_test_server srv(io, std::nullopt, [](const test::request_t&) { return answer("plain"); });
  https_client client(io.get_executor(), backend_for(srv.port(), "127.0.0.1", "http"));
  result r;
  run(io, &srv, [&]() -> net::awaitable<void> {
    r = co_await client.send(put());
    BOOST_TEST(kind(co_await client.send(put())) == "none");
  });
  BOOST_TEST(kind(r) == "none", r.detail);
  BOOST_TEST(r.response->body == "plain");
  BOOST_TEST(srv.accepts == 1);
}

BOOST_AUTO_TEST_CASE(connection_refused) {
  net::io_context io;
  unsigned short port = 0;
  {
    net::ip::tcp::acceptor acc(io, {net::ip::make_address("127.0.0.1"), 0});
    port = acc.local_endpoint().port();
  }
  https_client client(io.get_executor(), backend_for(port));
  result r;
  run(io, nullptr, [&]() -> net::awaitable<void> { r = co_await client.send(put()); });
  BOOST_TEST(kind(r) == "connect");
  BOOST_TEST(!r.maybe_sent);
  BOOST_TEST(r.detail.find("cannot connect to 127.0.0.1:" + std::to_string(port)) == 0u, r.detail);
}

BOOST_AUTO_TEST_CASE(unknown_host_is_a_resolve_error) {
  net::io_context io;
  auto cfg = backend_for(443, "nonexistent.invalid");
  cfg.timeout = 3s;
  https_client client(io.get_executor(), cfg);
  result r;
  run(io, nullptr, [&]() -> net::awaitable<void> { r = co_await client.send(put()); });
  // .invalid never resolves (RFC 6761); a resolver that cannot even be asked times out.
  BOOST_TEST((kind(r) == "resolve" || kind(r) == "timeout"), kind(r) << ": " << r.detail);
  BOOST_TEST(r.detail.find("nonexistent.invalid:443") != std::string::npos, r.detail);
  BOOST_TEST(!r.maybe_sent);
}

BOOST_AUTO_TEST_CASE(malformed_request_is_not_sent) {
  net::io_context io;
  tls_test_server srv(io, certs().good, [](const test::request_t&) { return answer(); });
  https_client client(io.get_executor(), backend_for(srv.port()));
  auto req = put();
  req.headers.push_back({"X-Evil", "a\r\nInjected: 1"});
  result r;
  run(io, &srv, [&]() -> net::awaitable<void> { r = co_await client.send(req); });
  BOOST_TEST(kind(r) == "protocol");
  BOOST_TEST(!r.maybe_sent);
  BOOST_TEST(srv.accepts == 0);
}

BOOST_AUTO_TEST_CASE(shutdown_cancels_outstanding_sends) {
  net::io_context io;
  tls_test_server srv(io, certs().good, [](const test::request_t&) {
    server_reply r;
    r.what = action::hang;
    return r;
  });
  https_client client(io.get_executor(), backend_for(srv.port()));
  result r, after;
  run(io, &srv, [&]() -> net::awaitable<void> {
    bool finished = false;
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
          r = co_await client.send(put());
          finished = true;
        },
        net::detached);
    BOOST_TEST(co_await eventually([&] { return srv.requests == 1; }));
    client.shutdown();
    BOOST_TEST(co_await eventually([&] { return finished; }));
    after = co_await client.send(put());
  });
  BOOST_TEST(kind(r) == "cancelled", r.detail);
  BOOST_TEST(r.maybe_sent);
  BOOST_TEST(kind(after) == "cancelled");
  BOOST_TEST(client.open_connections() == 0u);
}

BOOST_AUTO_TEST_CASE(destroying_the_client_cancels_outstanding_sends) {
  net::io_context io;
  tls_test_server srv(io, certs().good, [](const test::request_t&) {
    server_reply r;
    r.what = action::hang;
    return r;
  });
  auto client = std::make_unique<https_client>(io.get_executor(), backend_for(srv.port()));
  result r;
  run(io, &srv, [&]() -> net::awaitable<void> {
    bool finished = false;
    net::co_spawn(io, client->send(put()), [&](std::exception_ptr, result got) {
      r = std::move(got);
      finished = true;
    });
    BOOST_TEST(co_await eventually([&] { return srv.requests == 1; }));
    client.reset();
    BOOST_TEST(co_await eventually([&] { return finished; }));
  });
  BOOST_TEST(kind(r) == "cancelled", r.detail);
}

BOOST_AUTO_TEST_CASE(failure_classification_table) {
  namespace http = boost::beast::http;
  using boost::system::error_code;
  failure_context c{"h:443", 30s, 4096, "", false};
  failure_context verify = c;
  verify.verify_error = "certificate has expired";
  failure_context stopped = c;
  stopped.cancelled = true;
  struct row {
    stage s;
    error_code ec;
    const failure_context* ctx;
    const char* kind;
    const char* detail_start;
  };
  const row table[] = {
      {stage::resolve, net::error::host_not_found, &c, "resolve", "cannot resolve h:443: "},
      {stage::connect, net::error::connection_refused, &c, "connect", "cannot connect to h:443"},
      {stage::connect, boost::beast::error::timeout, &c, "timeout",
       "no complete answer from h:443 within 30s (timed out connecting)"},
      {stage::tls_handshake, net::ssl::error::stream_truncated, &c, "tls_handshake",
       "h:443 closed the connection during the TLS handshake"},
      {stage::tls_handshake, net::error::eof, &verify, "tls_verify",
       "TLS certificate verification failed: certificate has expired"},
      {stage::write, net::error::broken_pipe, &c, "write", "sending the request to h:443 failed"},
      {stage::read, http::error::end_of_stream, &c, "read",
       "h:443 closed the connection without answering"},
      {stage::read, http::error::partial_message, &c, "read",
       "h:443 closed the connection in the middle"},
      {stage::read, net::error::connection_reset, &c, "read", "the connection to h:443 was reset"},
      {stage::read, http::error::bad_version, &c, "protocol", "unparseable HTTP answer"},
      {stage::read, http::error::body_limit, &c, "too_large",
       "the answer from h:443 is larger than 4096 bytes"},
      {stage::read, http::error::header_limit, &c, "too_large", "the answer headers"},
      {stage::read, boost::beast::error::timeout, &c, "timeout", "no complete answer"},
      {stage::pool, error_code{}, &c, "timeout", "no complete answer"},
      {stage::read, net::error::operation_aborted, &stopped, "cancelled", "cancelled by shutdown"},
  };
  for (const auto& t : table) {
    BOOST_TEST_CONTEXT(to_string(t.s) << " / " << t.ec.message()) {
      const failure f = classify_failure(t.s, t.ec, *t.ctx);
      BOOST_TEST(std::string(to_string(f.kind)) == t.kind);
      BOOST_TEST(f.detail.rfind(t.detail_start, 0) == 0u, f.detail);
    }
  }
}

BOOST_AUTO_TEST_CASE(transport_failures_mean_retry) {
  result r;
  r.error = error_kind::tls_verify;
  r.detail = "TLS certificate verification failed: x";
  const auto o = to_outcome(r);
  BOOST_TEST((o.kind == backends::outcome_kind::retry));
  BOOST_TEST(o.message == "tls_verify: TLS certificate verification failed: x");
  BOOST_TEST(counts_as_backend_failure(error_kind::connect));
  BOOST_TEST(counts_as_backend_failure(error_kind::timeout));
  BOOST_TEST(!counts_as_backend_failure(error_kind::too_large));
  BOOST_TEST(!counts_as_backend_failure(error_kind::cancelled));
  BOOST_TEST(!counts_as_backend_failure(error_kind::none));
}

BOOST_AUTO_TEST_SUITE_END()

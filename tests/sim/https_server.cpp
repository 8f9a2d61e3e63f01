// Beast/OpenSSL server loop for reconciler-sim (see https_server.hpp).
#include "tests/sim/https_server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <stdexcept>

namespace reconcilerd::sim {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using net::use_awaitable;
using namespace std::chrono_literals;

namespace {

constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

double monotonic_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

sim_request to_sim_request(const http::request<http::string_body>& req) {
  sim_request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  for (const auto& f : req) {
    std::string name(f.name_string());
    for (char& c : name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    r.headers[name] = std::string(f.value());
  }
  r.body = req.body();
  return r;
}

net::awaitable<void> send_plain_error(beast::ssl_stream<beast::tcp_stream>& stream,
                                      http::status status) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::server, "reconciler-sim");
  res.set(http::field::content_type, "text/plain");
  res.keep_alive(false);
  res.body() = std::string(http::obsolete_reason(status)) + "\n";
  res.prepare_payload();
  co_await http::async_write(stream, res, tuple_awaitable);
}

net::awaitable<void> session(tcp::socket socket, ssl::context& ctx, sim_app& app) {
  boost::system::error_code pec;
  const unsigned short peer_port = socket.remote_endpoint(pec).port();
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), ctx);
  stream.next_layer().expires_after(30s);
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, tuple_awaitable);
  if (hec) co_return;

  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(1024 * 1024);
    parser.header_limit(64 * 1024);
    stream.next_layer().expires_after(120s);
    auto [ec1, n1] = co_await http::async_read_header(stream, buffer, parser, tuple_awaitable);
    if (ec1) {
      if (ec1 != http::error::end_of_stream && ec1 != beast::error::timeout &&
          ec1 != net::error::eof && ec1 != net::error::connection_reset) {
        co_await send_plain_error(stream, http::status::bad_request);
      }
      break;
    }
    if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      http::response<http::empty_body> cont{http::status::continue_, 11};
      co_await http::async_write(stream, cont, tuple_awaitable);
    }
    auto [ec2, n2] = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
    if (ec2) {
      if (ec2 == http::error::body_limit) {
        co_await send_plain_error(stream, http::status::payload_too_large);
      } else if (ec2 != beast::error::timeout && ec2 != net::error::eof) {
        co_await send_plain_error(stream, http::status::bad_request);
      }
      break;
    }
    const http::request<http::string_body> req = parser.release();
    sim_request sreq = to_sim_request(req);
    sreq.peer_port = pec ? 0 : peer_port;
    // `resp` holds the request's place in flight (sim_app) until this iteration ends: after
    // the answer is written, or when the connection is dropped.
    sim_response resp = app.handle(sreq, monotonic_s());

    if (resp.delay_ms > 0) {
      net::steady_timer timer(co_await net::this_coro::executor);
      timer.expires_after(std::chrono::milliseconds(resp.delay_ms));
      co_await timer.async_wait(tuple_awaitable);
    }
    tcp::socket& raw = beast::get_lowest_layer(stream).socket();
    boost::system::error_code ignored;
    switch (resp.action) {
      case wire_action::respond:
        break;
      case wire_action::drop:
        raw.shutdown(tcp::socket::shutdown_both, ignored);
        raw.close(ignored);
        co_return;
      case wire_action::reset:
        raw.set_option(net::socket_base::linger(true, 0), ignored);
        raw.close(ignored);
        co_return;
      case wire_action::garbage: {
        static const std::string junk = "\x01\x02 this is not HTTP \xff\xfe\r\n\r\n";
        co_await net::async_write(stream, net::buffer(junk), tuple_awaitable);
        raw.shutdown(tcp::socket::shutdown_both, ignored);
        raw.close(ignored);
        co_return;
      }
    }
    http::response<http::string_body> res;
    res.version(req.version());
    res.result(static_cast<unsigned>(resp.status));
    res.set(http::field::server, "reconciler-sim");
    res.set(http::field::content_type, resp.content_type);
    for (const auto& [name, value] : resp.headers) res.insert(name, value);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(resp.body);
    res.prepare_payload();
    stream.next_layer().expires_after(30s);
    auto [wec, wn] = co_await http::async_write(stream, res, tuple_awaitable);
    if (wec || !res.keep_alive()) break;
  }
  stream.next_layer().expires_after(2s);
  co_await stream.async_shutdown(tuple_awaitable);
}

net::awaitable<void> listen(tcp::acceptor& acceptor, ssl::context& ctx, sim_app& app) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(tuple_awaitable);
    if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;
    net::co_spawn(acceptor.get_executor(), session(std::move(socket), ctx, app), net::detached);
  }
}

}  // namespace

int run_https_server(sim_app& app, const server_options& opts,
                     const std::function<void(unsigned short)>& on_ready) {
  ssl::context ctx(ssl::context::tls_server);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(opts.cert.string(), ec);
  if (ec) throw std::runtime_error("cannot load certificate " + opts.cert.string());
  ctx.use_private_key_file(opts.key.string(), ssl::context::pem, ec);
  if (ec) throw std::runtime_error("cannot load private key " + opts.key.string());

  net::io_context ioc(1);
  tcp::acceptor v4(ioc);
  const tcp::endpoint ep4(net::ip::make_address("127.0.0.1"), opts.port);
  v4.open(ep4.protocol());
  v4.set_option(net::socket_base::reuse_address(true));
  v4.bind(ep4, ec);
  if (ec)
    throw std::runtime_error("cannot listen on 127.0.0.1:" + std::to_string(opts.port) + ": " +
                             ec.message());
  v4.listen();
  const unsigned short port = v4.local_endpoint().port();

  tcp::acceptor v6(ioc);
  {
    const tcp::endpoint ep6(net::ip::make_address("::1"), port);
    boost::system::error_code e6;
    v6.open(ep6.protocol(), e6);
    if (!e6) v6.set_option(net::ip::v6_only(true), e6);
    if (!e6) v6.bind(ep6, e6);
    if (!e6) v6.listen(net::socket_base::max_listen_connections, e6);
    if (e6) v6.close(e6);  // best effort: IPv6 loopback may be missing
  }

  net::signal_set signals(ioc, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int) {
    boost::system::error_code ignored;
    v4.close(ignored);
    v6.close(ignored);
    ioc.stop();
  });
  net::co_spawn(ioc, listen(v4, ctx, app), net::detached);
  if (v6.is_open()) net::co_spawn(ioc, listen(v6, ctx, app), net::detached);
  on_ready(port);
  ioc.run();
  return 0;
}

}  // namespace reconcilerd::sim

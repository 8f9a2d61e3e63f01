// The HTTPS client: connection pool, connection set-up (resolve, connect, TLS with SNI and
// verification) and one request/response exchange under a single deadline; see
// https_client.hpp. Single-threaded: every member runs on the client's executor.
#include "daemon/transport/https_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <poll.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <list>
#include <set>
#include <stdexcept>
#include <variant>
#include <vector>

#include "daemon/transport/transport_errors.hpp"

namespace reconcilerd::transport {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;
using net::use_awaitable;
constexpr auto tuple_awaitable = net::as_tuple(use_awaitable);

namespace {

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != s.npos; }

// A name lookup whose deadline we honour even though getaddrinfo cannot be interrupted:
// the lookup's handler owns this state, so it may finish after the send gave up.
struct resolve_state {
  explicit resolve_state(const net::any_io_executor& ex) : resolver(ex), wake(ex) {}
  tcp::resolver resolver;
  net::steady_timer wake;
  boost::system::error_code ec;
  tcp::resolver::results_type results;
  bool done = false;
};

struct connection {
  using plain_stream = beast::tcp_stream;
  using tls_stream = beast::ssl_stream<beast::tcp_stream>;

  connection(const net::any_io_executor& ex, ssl::context* ctx)
      : stream(ctx ? std::variant<plain_stream, tls_stream>(std::in_place_index<1>, ex, *ctx)
                   : std::variant<plain_stream, tls_stream>(std::in_place_index<0>, ex)) {}

  beast::tcp_stream& tcp_layer() {
    return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); },
                      stream);
  }
  tls_stream* tls() { return std::get_if<1>(&stream); }

  // Aborts whatever this connection is doing (shutdown); the owner still destroys it.
  void abort() {
    if (auto st = resolving.lock()) {
      st->resolver.cancel();
      st->wake.cancel();
    }
    beast::error_code ignored;
    tcp_layer().socket().close(ignored);
  }

  // False when the server has closed the idle connection or sent something unasked.
  bool usable_after_idle(steady::time_point now, const client_options& opt) {
    if (now - idle_since > opt.idle_limit || buffer.size() != 0) return false;
    auto& sock = tcp_layer().socket();
    if (!sock.is_open()) return false;
    if (!opt.check_idle) return true;
    if (auto* t = tls(); t && SSL_pending(t->native_handle()) > 0) return false;
    pollfd p{sock.native_handle(), POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;  // readable (EOF, data, error) means it is stale
  }

  std::variant<plain_stream, tls_stream> stream;
  beast::flat_buffer buffer;
  std::weak_ptr<resolve_state> resolving;
  steady::time_point idle_since{};
};

struct lease {
  std::unique_ptr<connection> conn;
  bool reused = false;
};

struct waiter {
  explicit waiter(const net::any_io_executor& ex) : timer(ex) {}
  net::steady_timer timer;
  bool woken = false;
};

// The result of one exchange on one connection.
struct exchange_outcome {
  result res;
  bool reusable = false;      // the connection may serve the next request
  bool write_failed = false;  // nothing usable reached the server
};

}  // namespace

struct https_client::impl {
  impl(net::any_io_executor executor, const config::backend& cfg, client_options options);

  // Holds `self` in the coroutine frame from the call on, so the client object may go away.
  static net::awaitable<result> start(std::shared_ptr<impl> self, backends::request req,
                                      https_client::write_gate gate) {
    co_return co_await self->send(std::move(req), std::move(gate));
  }
  net::awaitable<result> send(backends::request req, https_client::write_gate gate);
  void stop();

  // Pool.
  net::awaitable<std::variant<lease, result>> acquire(steady::time_point deadline);
  void release(std::unique_ptr<connection> conn, bool reusable);
  void wake_one();

  // One connection.
  net::awaitable<std::optional<result>> establish(connection& c, steady::time_point deadline);
  template <class Stream>
  net::awaitable<exchange_outcome> exchange(Stream& s, connection& c,
                                            const http::request<http::string_body>& msg,
                                            steady::time_point deadline);
  result fail(stage s, const boost::system::error_code& ec, std::string verify_error = {}) const;
  std::optional<result> build(const backends::request& req,
                              http::request<http::string_body>& msg) const;

  net::any_io_executor ex;
  std::string backend_name;
  std::string host;
  std::string port;
  std::string peer;         // host:port, for messages
  std::string host_header;  // Host: value
  std::chrono::milliseconds timeout;
  std::size_t concurrency;
  client_options opt;
  std::optional<ssl::context> tls_ctx;
  bool verify = true;

  std::vector<std::unique_ptr<connection>> idle;
  std::size_t open = 0;  // idle + in use + being opened
  std::set<connection*> busy;
  std::list<waiter*> waiters;
  bool stopped = false;
};

https_client::impl::impl(net::any_io_executor executor, const config::backend& cfg,
                         client_options options)
    : ex(std::move(executor)),
      backend_name(cfg.name),
      host(cfg.base_url.host),
      port(std::to_string(cfg.base_url.port)),
      timeout(cfg.timeout),
      concurrency(static_cast<std::size_t>(std::max(1, cfg.concurrency))),
      opt(std::move(options)),
      verify(cfg.tls.verify) {
  const bool https = cfg.base_url.scheme == "https";
  if (!https && cfg.base_url.scheme != "http")
    throw std::runtime_error("backend " + cfg.name + ": unsupported URL scheme '" +
                             cfg.base_url.scheme + "'");
  const bool v6 = host.find(':') != std::string::npos;
  peer = (v6 ? "[" + host + "]" : host) + ":" + port;
  host_header = v6 ? "[" + host + "]" : host;
  if (cfg.base_url.port != (https ? 443 : 80)) host_header += ":" + port;
  if (!https) return;

  tls_ctx.emplace(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(tls_ctx->native_handle(), TLS1_2_VERSION);
  if (!verify) {
    tls_ctx->set_verify_mode(ssl::verify_none);
    return;
  }
  boost::system::error_code ec;
  tls_ctx->set_default_verify_paths(ec);
  if (ec)
    throw std::runtime_error("backend " + cfg.name +
                             ": cannot load the system trust store: " + ec.message());
  if (!cfg.tls.ca_file.empty()) {
    tls_ctx->load_verify_file(cfg.tls.ca_file, ec);
    if (ec)
      throw std::runtime_error("backend " + cfg.name + ": cannot load tls.ca_file " +
                               cfg.tls.ca_file + ": " + ec.message());
  }
  tls_ctx->set_verify_mode(ssl::verify_peer);
}

result https_client::impl::fail(stage s, const boost::system::error_code& ec,
                                std::string verify_error) const {
  failure_context c{peer, timeout, opt.body_limit, std::move(verify_error), stopped};
  failure f = classify_failure(s, ec, c);
  result r;
  r.error = f.kind;
  r.detail = std::move(f.detail);
  return r;
}

std::optional<result> https_client::impl::build(const backends::request& req,
                                                http::request<http::string_body>& msg) const {
  auto invalid = [](std::string what) {
    result r;
    r.error = error_kind::protocol;
    r.detail = "refusing to send a malformed request: " + std::move(what);
    return r;
  };
  if (req.method.empty() || req.method.find_first_of(" \r\n") != std::string::npos)
    return invalid("bad method");
  if (req.target.empty() || req.target.find_first_of(" \r\n") != std::string::npos)
    return invalid("bad target");
  msg.version(11);
  msg.method_string(req.method);
  msg.target(req.target);
  for (const auto& h : req.headers) {
    if (h.name.empty() || has_line_break(h.name) || has_line_break(h.value))
      return invalid("header '" + h.name + "' contains a line break");
    msg.insert(h.name, h.value);
  }
  msg.set(http::field::host, host_header);
  msg.set(http::field::user_agent, opt.user_agent);
  msg.body() = req.body;
  msg.prepare_payload();  // Content-Length (also 0 for an empty PUT/POST)
  return std::nullopt;
}

// ---- pool ----------------------------------------------------------------------------

net::awaitable<std::variant<lease, result>> https_client::impl::acquire(
    steady::time_point deadline) {
  for (;;) {
    if (stopped) co_return fail(stage::pool, net::error::operation_aborted);
    while (!idle.empty()) {
      std::unique_ptr<connection> c = std::move(idle.back());
      idle.pop_back();
      if (c->usable_after_idle(steady::now(), opt)) co_return lease{std::move(c), true};
      c->abort();
      --open;
    }
    if (open < concurrency) {
      ++open;
      co_return lease{std::make_unique<connection>(ex, tls_ctx ? &*tls_ctx : nullptr), false};
    }
    waiter w(ex);
    w.timer.expires_at(deadline);
    auto it = waiters.insert(waiters.end(), &w);
    co_await w.timer.async_wait(tuple_awaitable);
    if (!w.woken) waiters.erase(it);
    if (stopped) co_return fail(stage::pool, net::error::operation_aborted);
    if (steady::now() >= deadline) {
      if (w.woken) wake_one();  // pass the free slot on
      co_return fail(stage::pool, beast::error::timeout);
    }
  }
}

void https_client::impl::wake_one() {
  if (waiters.empty()) return;
  waiter* w = waiters.front();
  waiters.pop_front();
  w->woken = true;
  w->timer.cancel();
}

void https_client::impl::release(std::unique_ptr<connection> conn, bool reusable) {
  busy.erase(conn.get());
  if (reusable && !stopped) {
    conn->tcp_layer().expires_never();
    conn->idle_since = steady::now();
    idle.push_back(std::move(conn));
  } else {
    conn->abort();
    --open;
  }
  wake_one();
}

void https_client::impl::stop() {
  stopped = true;
  for (auto& c : idle) c->abort();
  open -= idle.size();
  idle.clear();
  for (connection* c : busy) c->abort();
  while (!waiters.empty()) wake_one();
}

// ---- one connection --------------------------------------------------------------------

net::awaitable<std::optional<result>> https_client::impl::establish(connection& c,
                                                                    steady::time_point deadline) {
  auto st = std::make_shared<resolve_state>(ex);
  c.resolving = st;
  st->wake.expires_at(deadline);
  st->resolver.async_resolve(
      host, port, [st](boost::system::error_code ec, tcp::resolver::results_type results) {
        st->ec = ec;
        st->results = std::move(results);
        st->done = true;
        st->wake.cancel();
      });
  co_await st->wake.async_wait(tuple_awaitable);
  if (!st->done) {
    st->resolver.cancel();
    co_return fail(stage::resolve, stopped ? net::error::operation_aborted
                                           : make_error_code(beast::error::timeout));
  }
  if (st->ec || stopped)
    co_return fail(stage::resolve, stopped ? net::error::operation_aborted : st->ec);

  beast::tcp_stream& t = c.tcp_layer();
  t.expires_at(deadline);
  auto [cec, ep] = co_await t.async_connect(st->results, tuple_awaitable);
  if (cec || stopped) co_return fail(stage::connect, cec ? cec : net::error::operation_aborted);
  boost::system::error_code ignored;
  t.socket().set_option(tcp::no_delay(true), ignored);

  auto* s = c.tls();
  if (!s) co_return std::nullopt;
  SSL* ssl = s->native_handle();
  if (!is_ip_literal(host)) SSL_set_tlsext_host_name(ssl, host.c_str());
  if (verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int ok = is_ip_literal(host) ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                                       : X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
    if (ok != 1) co_return fail(stage::tls_handshake, net::error::invalid_argument);
  }
  t.expires_at(deadline);
  auto [hec] = co_await s->async_handshake(ssl::stream_base::client, tuple_awaitable);
  if (hec || stopped) {
    std::string verify_error;
    if (const long v = SSL_get_verify_result(ssl); verify && v != X509_V_OK)
      verify_error = X509_verify_cert_error_string(v);
    co_return fail(stage::tls_handshake, hec ? hec : net::error::operation_aborted,
                   std::move(verify_error));
  }
  co_return std::nullopt;
}

template <class Stream>
net::awaitable<exchange_outcome> https_client::impl::exchange(
    Stream& s, connection& c, const http::request<http::string_body>& msg,
    steady::time_point deadline) {
  exchange_outcome out;
  beast::tcp_stream& t = c.tcp_layer();
  t.expires_at(deadline);
  auto [wec, written] = co_await http::async_write(s, msg, tuple_awaitable);
  if (wec || stopped) {
    out.res = fail(stage::write, wec ? wec : net::error::operation_aborted);
    out.write_failed = true;
    co_return out;
  }

  http::response_parser<http::string_body> parser;
  parser.body_limit(opt.body_limit);
  parser.header_limit(static_cast<std::uint32_t>(opt.header_limit));
  t.expires_at(deadline);
  auto [rec, n] = co_await http::async_read(s, c.buffer, parser, tuple_awaitable);
  if (rec == ssl::error::stream_truncated && parser.is_header_done() && parser.need_eof()) {
    rec = {};  // a body delimited by the end of the connection, closed without close_notify
    parser.put_eof(rec);
  }
  if (rec || stopped) {
    out.res = fail(stage::read, rec ? rec : net::error::operation_aborted);
    out.res.maybe_sent = true;
    co_return out;
  }

  auto& m = parser.get();
  backends::response r;
  r.status = m.result_int();
  r.received_at = std::chrono::system_clock::now();
  for (const auto& f : m)
    r.headers.push_back({std::string(f.name_string()), std::string(f.value())});
  out.reusable = m.keep_alive() && !parser.need_eof();
  r.body = std::move(m.body());
  out.res.response = std::move(r);
  out.res.maybe_sent = true;
  co_return out;
}

net::awaitable<result> https_client::impl::send(backends::request req,
                                                https_client::write_gate gate) {
  steady::time_point deadline = steady::now() + timeout;
  http::request<http::string_body> msg;
  if (auto bad = build(req, msg)) co_return std::move(*bad);

  auto got = co_await acquire(deadline);
  if (auto* r = std::get_if<result>(&got)) co_return std::move(*r);
  lease l = std::move(std::get<lease>(got));
  busy.insert(l.conn.get());

  for (int attempt = 0;; ++attempt) {
    if (!l.reused) {
      if (auto err = co_await establish(*l.conn, deadline)) {
        release(std::move(l.conn), false);
        co_return std::move(*err);
      }
    }
    if (gate && attempt == 0) {
      const bool go = co_await gate();
      if (stopped) {
        release(std::move(l.conn), false);
        co_return result{std::nullopt, error_kind::cancelled, "the client was shut down", false};
      }
      if (!go) {
        release(std::move(l.conn), true);
        co_return result{std::nullopt, error_kind::cancelled, "held back before writing", false};
      }
      deadline = steady::now() + timeout;
    }
    exchange_outcome out = co_await std::visit(
        [&](auto& s) { return exchange(s, *l.conn, msg, deadline); }, l.conn->stream);
    // A kept-alive connection the server dropped just before our write: nothing usable
    // arrived, so one more try on a fresh connection is safe.
    if (out.write_failed && l.reused && attempt == 0 && !stopped &&
        out.res.error != error_kind::timeout) {
      busy.erase(l.conn.get());
      l.conn->abort();
      l.conn = std::make_unique<connection>(ex, tls_ctx ? &*tls_ctx : nullptr);
      l.reused = false;
      busy.insert(l.conn.get());
      continue;
    }
    release(std::move(l.conn), out.reusable);
    co_return std::move(out.res);
  }
}

// ---- public face -----------------------------------------------------------------------

https_client::https_client(net::any_io_executor ex, const config::backend& cfg, client_options opt)
    : impl_(std::make_shared<impl>(std::move(ex), cfg, std::move(opt))) {}

https_client::~https_client() { impl_->stop(); }

net::awaitable<result> https_client::send(backends::request req, write_gate gate) {
  return impl::start(impl_, std::move(req), std::move(gate));
}

void https_client::shutdown() { impl_->stop(); }

std::size_t https_client::open_connections() const { return impl_->open; }
std::size_t https_client::idle_connections() const { return impl_->idle.size(); }

}  // namespace reconcilerd::transport

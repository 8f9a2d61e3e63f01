// An in-process HTTP(S) server for the transport tests: runs as coroutines on the test's
// io_context (no threads), answers each request as a script says (normal answer, delay,
// hang, reset mid-answer, drop the idle connection, oversize answer) and counts what it saw
// (TCP accepts, handshakes, HTTP bytes, requests, connections open at once, SNI).
// Header-only because tests/daemon/*.cpp not named *_test.cpp are not compiled.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/test_ca.hpp"

namespace reconcilerd::test {

namespace tnet = boost::asio;
namespace tbeast = boost::beast;
namespace thttp = tbeast::http;

struct server_reply {
  enum class action {
    answer,                // a complete answer
    hang,                  // read the request, never answer (until the server stops)
    reset_mid_body,        // headers + part of the body, then a TCP reset
    reset_without_answer,  // read the request, then a TCP reset
    header_only,           // headers (e.g. a huge Content-Length), then hang
  };
  action what = action::answer;
  unsigned status = 200;
  std::string body = "ok";
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;        // "Connection: close", then close
  bool drop_after = false;   // answer as keep-alive, then close the connection anyway
  bool reset_after = false;  // answer as keep-alive, then reset the connection
  bool chunked = false;
  bool eof_delimited = false;  // no Content-Length: the body ends when the connection closes
  std::chrono::milliseconds delay{0};  // answer after this long
};

using request_t = thttp::request<thttp::string_body>;
using reply_script = std::function<server_reply(const request_t&)>;

class tls_test_server {
 public:
  // `cert` empty: plain HTTP. Throws if `address` cannot be bound (e.g. no IPv6).
  tls_test_server(tnet::io_context& io, std::optional<cert_files> cert, reply_script script,
                  const std::string& address = "127.0.0.1")
      : io_(io), script_(std::move(script)), acceptor_(io) {
    if (cert) {
      ctx_.emplace(tnet::ssl::context::tls_server);
      ctx_->use_certificate_chain_file(cert->cert.string());
      ctx_->use_private_key_file(cert->key.string(), tnet::ssl::context::pem);
      SSL_CTX_set_tlsext_servername_callback(ctx_->native_handle(), &tls_test_server::on_sni);
      SSL_CTX_set_tlsext_servername_arg(ctx_->native_handle(), this);
    }
    tnet::ip::tcp::endpoint ep(tnet::ip::make_address(address), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(tnet::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    tnet::co_spawn(io_, accept_loop(), tnet::detached);
  }
  ~tls_test_server() { stop(); }

  unsigned short port() const { return port_; }

  // Stops accepting and closes every connection (hanging sessions end).
  void stop() {
    stopped_ = true;
    tbeast::error_code ignored;
    acceptor_.close(ignored);
    for (auto* s : sockets_) s->close(ignored);
    for (auto* t : timers_) t->cancel();
  }

  // Resets (TCP RST) every open connection, e.g. idle kept-alive ones.
  void reset_connections() {
    tbeast::error_code ignored;
    for (auto* s : sockets_) {
      s->set_option(tnet::socket_base::linger(true, 0), ignored);
      s->close(ignored);
    }
  }

  // What the server saw.
  int accepts = 0;
  int handshakes_ok = 0;
  int handshakes_failed = 0;
  std::size_t http_bytes = 0;  // bytes of HTTP read (after any TLS handshake)
  int requests = 0;
  int open_now = 0;
  int max_open = 0;
  int closed = 0;  // connections ended
  std::string last_sni;
  std::vector<request_t> seen;

 private:
  static int on_sni(SSL* ssl, int*, void* arg) {
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    static_cast<tls_test_server*>(arg)->last_sni = name ? name : "";
    return SSL_TLSEXT_ERR_OK;
  }

  tnet::awaitable<void> accept_loop() {
    while (!stopped_) {
      auto [ec, sock] = co_await acceptor_.async_accept(tnet::as_tuple(tnet::use_awaitable));
      if (ec) co_return;
      ++accepts;
      tnet::co_spawn(io_, session(std::move(sock)), tnet::detached);
    }
  }

  tnet::awaitable<void> session(tnet::ip::tcp::socket sock) {
    ++open_now;
    max_open = std::max(max_open, open_now);
    if (ctx_) {
      tbeast::ssl_stream<tbeast::tcp_stream> s(std::move(sock), *ctx_);
      sockets_.push_back(&tbeast::get_lowest_layer(s).socket());
      auto [ec] = co_await s.async_handshake(tnet::ssl::stream_base::server,
                                             tnet::as_tuple(tnet::use_awaitable));
      if (ec) {
        ++handshakes_failed;
      } else {
        ++handshakes_ok;
        co_await serve(s);
      }
      forget(&tbeast::get_lowest_layer(s).socket());
    } else {
      tbeast::tcp_stream s(std::move(sock));
      sockets_.push_back(&s.socket());
      co_await serve(s);
      forget(&s.socket());
    }
    --open_now;
    ++closed;
  }

  void forget(tnet::ip::tcp::socket* s) {
    tbeast::error_code ignored;
    s->close(ignored);
    sockets_.remove(s);
  }

  tnet::awaitable<void> wait(std::optional<std::chrono::milliseconds> d) {
    tnet::steady_timer t(io_);
    if (d)
      t.expires_after(*d);
    else
      t.expires_at(tnet::steady_timer::time_point::max());
    timers_.push_back(&t);
    co_await t.async_wait(tnet::as_tuple(tnet::use_awaitable));
    timers_.remove(&t);
  }

  template <class Stream>
  static void reset(Stream& s) {
    auto& sock = tbeast::get_lowest_layer(s).socket();
    tbeast::error_code ignored;
    sock.set_option(tnet::socket_base::linger(true, 0), ignored);
    sock.close(ignored);
  }

  template <class Stream>
  tnet::awaitable<void> serve(Stream& s) {
    tbeast::flat_buffer buf;
    for (;;) {
      request_t req;
      auto [ec, n] = co_await thttp::async_read(s, buf, req, tnet::as_tuple(tnet::use_awaitable));
      http_bytes += n;
      if (ec) {
        http_bytes += buf.size();
        co_return;
      }
      ++requests;
      seen.push_back(req);
      server_reply rep = script_(req);
      if (rep.delay.count() > 0) co_await wait(rep.delay);
      if (stopped_) co_return;
      using action = server_reply::action;
      if (rep.what == action::hang) {
        co_await wait(std::nullopt);
        co_return;
      }
      if (rep.what == action::reset_without_answer) {
        reset(s);
        co_return;
      }
      thttp::response<thttp::string_body> res{static_cast<thttp::status>(rep.status), 11};
      res.body() = rep.body;
      if (rep.eof_delimited) rep.close = true;
      if (rep.chunked) {
        res.chunked(true);
      } else if (!rep.eof_delimited) {
        res.prepare_payload();
      }
      res.keep_alive(!rep.close);
      for (auto& [k, v] : rep.headers) res.set(k, v);  // may override Content-Length
      if (rep.what == action::reset_mid_body || rep.what == action::header_only) {
        std::string head;
        for (auto& f : res)
          head += std::string(f.name_string()) + ": " + std::string(f.value()) + "\r\n";
        std::string raw = "HTTP/1.1 " + std::to_string(rep.status) + " X\r\n" + head + "\r\n" +
                          rep.body.substr(0, rep.body.size() / 4);
        co_await tnet::async_write(s, tnet::buffer(raw), tnet::as_tuple(tnet::use_awaitable));
        if (rep.what == action::header_only) {
          co_await wait(std::nullopt);
        } else {
          reset(s);
        }
        co_return;
      }
      auto [wec, wn] = co_await thttp::async_write(s, res, tnet::as_tuple(tnet::use_awaitable));
      if (wec || rep.close || rep.drop_after) co_return;
    }
  }

  tnet::io_context& io_;
  reply_script script_;
  std::optional<tnet::ssl::context> ctx_;
  tnet::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  bool stopped_ = false;
  std::list<tnet::ip::tcp::socket*> sockets_;
  std::list<tnet::steady_timer*> timers_;
};

}  // namespace reconcilerd::test

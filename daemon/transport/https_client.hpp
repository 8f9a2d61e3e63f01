// The HTTPS client of one backend: a pool of keep-alive connections (at most
// `concurrency`), with SNI, certificate chain + host-name verification, one deadline
// (`timeout`) over connect + handshake + write + read, and a response size limit.
// The only module that includes Beast/OpenSSL headers (in the .cpp, behind a pimpl).
// Idle connections the server has closed (or left idle too long) are dropped before reuse;
// a reused connection whose write fails is retried once on a fresh one.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "backends/backend.hpp"
#include "config/config.hpp"
#include "daemon/transport/client.hpp"

namespace reconcilerd::transport {

// Limits that are not configuration keys; the defaults are what the daemon uses.
struct client_options {
  std::size_t body_limit = 4 * 1024 * 1024;     // larger answers: too_large
  std::size_t header_limit = 64 * 1024;         // larger header blocks: too_large
  std::chrono::milliseconds idle_limit{60000};  // idle longer: closed, not reused
  std::string user_agent = "reconcilerd/0.1";
  bool check_idle = true;  // look for a server close before reusing (tests turn it off)
};

class https_client final : public client {
 public:
  // Throws std::runtime_error with a clear message if the TLS setup is impossible
  // (unreadable ca_file, ...).
  https_client(boost::asio::any_io_executor ex, const config::backend& cfg,
               client_options opt = {});
  ~https_client() override;  // shutdown()
  https_client(const https_client&) = delete;
  https_client& operator=(const https_client&) = delete;

  // Sends one request on a pooled (or new) connection. Never throws for network errors:
  // they are returned in result. At most `concurrency` connections are ever open; extra
  // calls wait for a free one (that wait counts against `timeout`). The client object may
  // be destroyed while sends are outstanding (they then end as cancelled).
  //
  // `gate`, when given, is awaited once the connection is ready, right before the request
  // is written: pacing waits there, so a token is spent when the server will see the
  // request (a slow connect or handshake cannot bunch requests up at the server). The
  // `timeout` deadline starts again after the gate. A gate that answers false holds the
  // request back: nothing is written and the result is `cancelled` (maybe_sent false).
  boost::asio::awaitable<result> send(backends::request req, write_gate gate = {}) override;

  // Closes idle connections and cancels outstanding operations (shutdown / reload); the
  // outstanding sends complete with error_kind::cancelled. Later sends are cancelled at once.
  void shutdown() override;

  // Connections open now (idle + in use), and idle ones; for status output and tests.
  std::size_t open_connections() const override;
  std::size_t idle_connections() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace reconcilerd::transport

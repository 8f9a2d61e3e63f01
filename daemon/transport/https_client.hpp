// The HTTPS client of one backend: a pool of keep-alive connections (at most
// `concurrency`), with SNI, certificate chain + host-name verification, one deadline
// (`timeout`) over connect + handshake + write + read, and a response size limit.
// The only module that includes Beast/OpenSSL headers (in the .cpp, behind a pimpl).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>

#include "backends/backend.hpp"
#include "config/config.hpp"

namespace reconcilerd::transport {

enum class error_kind {
  none,
  resolve,        // DNS lookup failed
  connect,        // TCP connect failed / refused
  tls_handshake,  // handshake failed for another reason than verification
  tls_verify,     // peer certificate not trusted or for another host name
  timeout,        // the whole exchange exceeded `timeout`
  write,          // failed while sending
  read,           // failed / reset while receiving
  protocol,       // unparseable HTTP answer
  too_large,      // answer larger than the limit
};
std::string_view to_string(error_kind k);

struct result {
  std::optional<backends::response> response;  // set when error == none
  error_kind error = error_kind::none;
  std::string detail;  // human-readable, no secrets
  // True when the request may have reached the server (bytes were written).
  bool maybe_sent = false;
};

class https_client {
 public:
  // Throws std::runtime_error with a clear message if the TLS setup is impossible
  // (unreadable ca_file, ...).
  https_client(boost::asio::any_io_executor ex, const config::backend& cfg);
  ~https_client();
  https_client(const https_client&) = delete;
  https_client& operator=(const https_client&) = delete;

  // Sends one request on a pooled (or new) connection. Never throws for network errors:
  // they are returned in result. At most `concurrency` calls should be outstanding; the
  // caller (pacing) guarantees it.
  boost::asio::awaitable<result> send(backends::request req);

  // Closes idle connections and cancels outstanding operations (shutdown / reload).
  void shutdown();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace reconcilerd::transport

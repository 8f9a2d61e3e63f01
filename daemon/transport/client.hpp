// What the engine needs from a transport: send one request to one backend and get a result
// (an answer, or what failed and whether the request may have reached the server). The
// HTTPS client implements it; engine tests use a scripted fake. No Beast or OpenSSL here.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "backends/backend.hpp"

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
  cancelled,      // shutdown() while the request was under way
};
std::string_view to_string(error_kind k);

struct result {
  std::optional<backends::response> response;  // set when error == none
  error_kind error = error_kind::none;
  std::string detail;  // human-readable, no secrets
  // True when the server may have received the whole request (the write completed), so
  // it may have acted on it even though no (complete) answer came back.
  bool maybe_sent = false;
};

class client {
 public:
  virtual ~client() = default;
  // Awaited once the connection is ready, right before the request is written (pacing);
  // false holds the request back (the result is `cancelled`, nothing written).
  using write_gate = std::function<boost::asio::awaitable<bool>()>;
  // Never throws for network errors: they are returned in result.
  virtual boost::asio::awaitable<result> send(backends::request req, write_gate gate = {}) = 0;
  // Cancels outstanding sends (they complete as cancelled); later sends are cancelled.
  virtual void shutdown() = 0;
  virtual std::size_t open_connections() const = 0;
};

}  // namespace reconcilerd::transport

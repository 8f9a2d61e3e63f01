// Transport failure classification; see transport_errors.hpp.
#include "daemon/transport/transport_errors.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace reconcilerd::transport {

namespace net = boost::asio;
namespace http = boost::beast::http;

std::string_view to_string(error_kind k) {
  switch (k) {
    case error_kind::none:
      return "none";
    case error_kind::resolve:
      return "resolve";
    case error_kind::connect:
      return "connect";
    case error_kind::tls_handshake:
      return "tls_handshake";
    case error_kind::tls_verify:
      return "tls_verify";
    case error_kind::timeout:
      return "timeout";
    case error_kind::write:
      return "write";
    case error_kind::read:
      return "read";
    case error_kind::protocol:
      return "protocol";
    case error_kind::too_large:
      return "too_large";
    case error_kind::cancelled:
      return "cancelled";
  }
  return "unknown";
}

std::string_view to_string(stage s) {
  switch (s) {
    case stage::pool:
      return "waiting for a free connection";
    case stage::resolve:
      return "resolving the host name";
    case stage::connect:
      return "connecting";
    case stage::tls_handshake:
      return "the TLS handshake";
    case stage::write:
      return "sending the request";
    case stage::read:
      return "reading the answer";
  }
  return "unknown";
}

namespace {

std::string format_timeout(std::chrono::milliseconds t) {
  if (t.count() % 1000 == 0) return std::to_string(t.count() / 1000) + "s";
  return std::to_string(t.count()) + "ms";
}

bool is_reset(const boost::system::error_code& ec) {
  return ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::connection_aborted;
}

failure read_failure(const boost::system::error_code& ec, const failure_context& c) {
  if (ec == http::error::body_limit || ec == http::error::buffer_overflow)
    return {error_kind::too_large, "the answer from " + c.peer + " is larger than " +
                                       std::to_string(c.body_limit) + " bytes"};
  if (ec == http::error::header_limit)
    return {error_kind::too_large, "the answer headers from " + c.peer + " are too large"};
  if (ec == http::error::end_of_stream || ec == net::error::eof)
    return {error_kind::read, c.peer + " closed the connection without answering"};
  if (ec == http::error::partial_message || ec == net::ssl::error::stream_truncated)
    return {error_kind::read, c.peer + " closed the connection in the middle of the answer"};
  if (is_reset(ec))
    return {error_kind::read, "the connection to " + c.peer +
                                  " was reset while reading the answer (" + ec.message() + ")"};
  if (ec.category() == http::make_error_code(http::error::bad_version).category())
    return {error_kind::protocol, "unparseable HTTP answer from " + c.peer + ": " + ec.message()};
  return {error_kind::read, "reading the answer from " + c.peer + " failed: " + ec.message()};
}

}  // namespace

failure classify_failure(stage s, const boost::system::error_code& ec, const failure_context& c) {
  if (ec == boost::beast::error::timeout || (s == stage::pool && !c.cancelled))
    return {error_kind::timeout, "no complete answer from " + c.peer + " within " +
                                     format_timeout(c.timeout) + " (timed out " +
                                     std::string(to_string(s)) + ")"};
  if (c.cancelled)
    return {error_kind::cancelled,
            "cancelled by shutdown while " + std::string(to_string(s)) + " (" + c.peer + ")"};
  switch (s) {
    case stage::pool:
      break;  // handled above
    case stage::resolve:
      return {error_kind::resolve, "cannot resolve " + c.peer + ": " + ec.message()};
    case stage::connect:
      return {error_kind::connect, "cannot connect to " + c.peer + ": " + ec.message()};
    case stage::tls_handshake:
      if (!c.verify_error.empty())
        return {error_kind::tls_verify,
                "TLS certificate verification failed: " + c.verify_error + " (" + c.peer + ")"};
      if (ec == net::error::eof || ec == net::ssl::error::stream_truncated || is_reset(ec))
        return {error_kind::tls_handshake,
                c.peer + " closed the connection during the TLS handshake"};
      return {error_kind::tls_handshake,
              "TLS handshake with " + c.peer + " failed: " + ec.message()};
    case stage::write:
      return {error_kind::write, "sending the request to " + c.peer + " failed: " + ec.message()};
    case stage::read:
      return read_failure(ec, c);
  }
  return {error_kind::read, ec.message()};
}

backends::outcome to_outcome(const result& r) {
  backends::outcome o;
  o.kind = backends::outcome_kind::retry;
  o.message = std::string(to_string(r.error)) + ": " + r.detail;
  return o;
}

bool counts_as_backend_failure(error_kind k) {
  return k != error_kind::none && k != error_kind::too_large && k != error_kind::cancelled;
}

}  // namespace reconcilerd::transport

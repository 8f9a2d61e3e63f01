// Transport failure classification (pure): which error_kind and which readable sentence a
// failed step of an HTTPS exchange becomes, and what a transport failure means for the job
// (always a retry) and for the backend's health. The client calls classify_failure() for
// every failed step; the scheduler calls to_outcome() / counts_as_backend_failure().
#pragma once

#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "backends/backend.hpp"
#include "daemon/transport/https_client.hpp"

namespace reconcilerd::transport {

// The step of an exchange that failed.
enum class stage { pool, resolve, connect, tls_handshake, write, read };
std::string_view to_string(stage s);

struct failure_context {
  std::string peer;  // "host:port"
  std::chrono::milliseconds timeout{0};
  std::size_t body_limit = 0;
  std::string verify_error;  // OpenSSL's verification failure text; empty when verified
  bool cancelled = false;    // the client was shut down
};

struct failure {
  error_kind kind = error_kind::none;
  std::string detail;
};

// The error_kind and sentence for `ec` at `s`. A verification text turns a handshake
// failure into tls_verify; Beast's timeout into timeout; aborts after shutdown into
// cancelled; body/header limits into too_large; HTTP syntax errors into protocol.
failure classify_failure(stage s, const boost::system::error_code& ec, const failure_context& c);

// What a failed send means for the job: retry (never rejected: the server did not judge
// the request), message "<kind>: <detail>". result with error == none is a precondition
// violation and gives a retry too.
backends::outcome to_outcome(const result& r);

// Whether the failure says something about the backend's health (circuit breaker):
// everything but none, too_large (the server did answer) and cancelled.
bool counts_as_backend_failure(error_kind k);

}  // namespace reconcilerd::transport

// The simulator's HTTPS front end (the only file that includes Beast): TLS on 127.0.0.1
// (and [::1] on the same port when possible), HTTP/1.1 keep-alive, a 1 MiB body limit,
// idle timeouts, and the wire-level faults (drop, reset, garbage, slow). One thread, one
// io_context; runs until SIGTERM/SIGINT.
#pragma once

#include <filesystem>
#include <functional>

#include "tests/sim/sim_app.hpp"

namespace reconcilerd::sim {

struct server_options {
  std::filesystem::path cert;  // PEM certificate chain
  std::filesystem::path key;   // PEM private key
  unsigned short port = 0;     // 0 = ephemeral
};

// Blocks. Calls `on_ready(port)` once listening. Returns 0 after a signal; throws
// std::runtime_error when it cannot listen or load the certificate.
int run_https_server(sim_app& app, const server_options& opts,
                     const std::function<void(unsigned short)>& on_ready);

}  // namespace reconcilerd::sim

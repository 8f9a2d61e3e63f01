// The daemon: one single-threaded io_context running the intake (watch + claim + decode +
// validate), one dispatcher per backend (pacing, health, ordering), the deliveries, the
// status writers and the signal handling. Per-job failures are values; only start-up
// problems throw (config_error -> exit 78, others -> exit 1).
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "config/config.hpp"

namespace reconcilerd::daemon {

inline constexpr const char* version = "0.1.0";

struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `reconcilerd --check`: whether the spool is usable (creating it if missing). Returns
// one line describing the problems, or nothing.
std::optional<std::string> check_spool(const config::config& cfg);

class app {
 public:
  app(config::config cfg, std::string credentials_dir);
  ~app();
  app(const app&) = delete;
  app& operator=(const app&) = delete;
  // Runs until SIGTERM/SIGINT; returns the process exit code.
  int run();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace reconcilerd::daemon

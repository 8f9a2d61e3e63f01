// Test harness for reconciler-sim (tests only): starts the real binary as a child process
// in a temp dir, waits (bounded) for DIR/sim.json, and sends HTTPS requests verified
// against the CA the simulator wrote. The Beast client lives in sim_harness_client_test.cpp
// so only one test file compiles Beast.
#pragma once

#include <sys/types.h>

#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace reconcilerd::sim::testing {

using reconcilerd::test::temp_dir;
using reconcilerd::test::write_file;

struct http_reply {
  int status = 0;                              // 0 when no HTTP answer arrived
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string error;  // transport error text when status == 0
  boost::json::value json() const;
};

// One HTTPS request to 127.0.0.1:port (or `host`), TLS verified against `ca_file` + host.
http_reply https_call(unsigned short port, const std::string& ca_file, const std::string& method,
                      const std::string& target,
                      const std::vector<std::pair<std::string, std::string>>& headers = {},
                      const std::string& body = "", const std::string& host = "127.0.0.1");

class sim_process {
 public:
  // Starts reconciler-sim with `config_json` (none: no --config) and waits for sim.json.
  explicit sim_process(const std::optional<std::string>& config_json = std::nullopt);
  ~sim_process();  // SIGTERM, then waits; records the exit status
  sim_process(const sim_process&) = delete;
  sim_process& operator=(const sim_process&) = delete;

  unsigned short port() const { return port_; }
  const std::string& ca_file() const { return ca_file_; }
  const temp_dir& dir() const { return dir_; }
  std::string stdout_text() const;
  std::vector<boost::json::object> log_lines() const;
  // Stops the child (SIGTERM) and returns its exit code (-1 if killed by a signal).
  int stop();

  http_reply call(const std::string& method, const std::string& target,
                  const std::vector<std::pair<std::string, std::string>>& headers = {},
                  const std::string& body = "") const {
    return https_call(port_, ca_file_, method, target, headers, body);
  }
  http_reply form(const std::string& target, const std::string& body) const {
    return call("POST", target, {{"Content-Type", "application/x-www-form-urlencoded"}}, body);
  }
  http_reply json(const std::string& method, const std::string& target, const std::string& auth,
                  const std::string& body) const {
    return call(method, target, {{"Authorization", auth}, {"Content-Type", "application/json"}},
                body);
  }

 private:
  temp_dir dir_;
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  std::string ca_file_;
};

// Runs the binary to completion with a config and returns (exit code, stderr text).
std::pair<int, std::string> run_sim_expecting_exit(const std::string& config_json);

// Form encoding of one value (for building request bodies).
std::string url_encode(const std::string& s);

}  // namespace reconcilerd::sim::testing

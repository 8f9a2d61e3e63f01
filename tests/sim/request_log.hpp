// DIR/requests.jsonl: one JSON object per request, written and flushed as one line, so a
// test can wait for a line to appear. Holds no credential values: only the method, the
// target (query values of credential parameters redacted) and the outcome.
#pragma once

#include <boost/json/value.hpp>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace reconcilerd::sim {

struct log_entry {
  std::string api;  // "" when the path matched no API
  std::string method;
  std::string target;
  std::optional<boost::json::value> invoice_id;
  std::optional<int> status;  // none when the connection was dropped / reset / garbled
  std::string result;         // updated | read | error | throttled | auth_failed | fault
  std::optional<std::string> fault;
  std::optional<std::string> job;
  std::string message;
  unsigned short peer_port = 0;
  // The jobs (X-Reconcilerd-Job; none when absent) of the other requests for the same
  // (api, invoice) that were in flight when this one reached the API: empty unless two
  // requests for one invoice overlapped.
  std::vector<std::optional<std::string>> concurrent;
};

class request_log {
 public:
  // Throws std::runtime_error when the file cannot be opened for appending.
  explicit request_log(const std::filesystem::path& file);
  ~request_log();
  request_log(const request_log&) = delete;
  request_log& operator=(const request_log&) = delete;
  void write(const log_entry& e);

 private:
  std::FILE* f_ = nullptr;
};

// The target with the values of credential-bearing query parameters replaced by "***".
std::string redact_target(const std::string& target);

}  // namespace reconcilerd::sim

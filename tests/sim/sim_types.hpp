// The simulator's own request/response values: what the HTTPS server hands to the
// application and what it gets back (including fault actions such as "drop the
// connection"). Plain data, no Beast, so the API modules compile fast and test easily.
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace reconcilerd::sim {

struct sim_request {
  std::string method;                          // "GET", "PUT", ...
  std::string target;                          // raw request-target, e.g. "/alloy/x?y=1"
  std::map<std::string, std::string> headers;  // names lower-cased; last value wins
  std::string body;
  unsigned short peer_port = 0;  // the client's TCP port (tells client processes apart)

  const std::string* header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? nullptr : &it->second;
  }
};

// How the server should treat the connection instead of (or before) answering.
enum class wire_action { respond, drop, reset, garbage };

struct sim_response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  wire_action action = wire_action::respond;
  int delay_ms = 0;  // wait this long before acting ("slow" fault)
  // Held while the request is in flight for its invoice (sim_app's in-flight count): the
  // server keeps the response until it has written the answer (or dropped the connection).
  std::shared_ptr<void> in_flight;
};

// What one API handler says about a request, for the request log.
enum class outcome_kind { updated, read, error, throttled, auth_failed, fault };
const char* to_string(outcome_kind k);

struct handled {
  sim_response response;
  outcome_kind outcome = outcome_kind::error;
  std::optional<boost::json::value> invoice_id;  // as found in the request
  std::string message;                           // short error text (never a secret)
};

// Helpers for building answers.
sim_response json_response(int status, const boost::json::value& body);
sim_response text_response(int status, std::string content_type, std::string body);

}  // namespace reconcilerd::sim

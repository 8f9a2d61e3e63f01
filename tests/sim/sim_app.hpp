// The simulator's request pipeline, independent of sockets: route by the first path
// segment to one of the five APIs, let the fault plan strike first (or, for the applied_*
// kinds, after the API has handled the request), hand the request to the API, and write one
// request-log line. Also serves GET /_sim/state/{api}/{id} (the
// raw invoice state, no auth, no limits, not logged) for tests that want to look inside.
// Counts the requests in flight per (api, invoice) — from the moment the API has handled one
// until the server has written its answer or dropped the connection (a slow fault's delay
// included) — and logs, for each request, the other requests for its invoice in flight then.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "tests/sim/api.hpp"
#include "tests/sim/fault_plan.hpp"
#include "tests/sim/rate_limiter.hpp"
#include "tests/sim/request_log.hpp"
#include "tests/sim/sim_config.hpp"

namespace reconcilerd::sim {

class sim_app {
 public:
  sim_app(sim_config cfg, request_log& log);
  // `now_s`: monotonic seconds (rate limits).
  sim_response handle(const sim_request& req, double now_s);

 private:
  sim_response internal(const std::string& path);
  // The front limit (simetri, whmcs) and then the API; fills the log entry's outcome.
  sim_response answer(const std::string& api_name, api& target, const api_request& ar, double now_s,
                      log_entry& e);
  // Records `r` as in flight for the log entry's (api, invoice) until the server lets go of
  // its `in_flight` handle; fills `e.concurrent` with the others in flight now.
  void hold_in_flight(sim_response& r, log_entry& e);

  sim_config cfg_;
  request_log& log_;
  fault_plan faults_;
  std::map<std::string, std::unique_ptr<api>> apis_;
  // simetri and whmcs have no limiter upstream; a configured limit acts like a reverse
  // proxy in front of them (429 text/html + Retry-After).
  std::map<std::string, rate_limiter> front_limits_;
  // "api invoice" -> (request number -> its job) of the requests in flight for it.
  std::map<std::string, std::map<std::uint64_t, std::optional<std::string>>> in_flight_;
  std::uint64_t requests_ = 0;
};

}  // namespace reconcilerd::sim

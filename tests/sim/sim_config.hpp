// The simulator's configuration (--config FILE.json): invoice count, credentials per API,
// rate limits and faults. Parsing is strict: an unknown key or a wrong type is an error
// with a message naming the key (the simulator then exits 2). Everything has a default.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace reconcilerd::sim {

inline const std::vector<std::string> api_names = {"simetri", "whmcs", "alloy", "campfire",
                                                   "bigcapital"};

struct credentials {
  std::string simetri_token = "sim-simetri-token";
  std::string whmcs_identifier = "sim-id";
  std::string whmcs_secret = "sim-secret";
  std::string alloy_api_key = "sim-alloy-key";
  std::string alloy_credential_id = "sim-cred";
  std::string campfire_api_key = "sim-campfire-key";
  std::string bigcapital_api_key = "bc_sim";
};

enum class limit_kind { none, window, bucket };

struct limit_config {
  limit_kind kind = limit_kind::none;
  int limit = 0;         // window: requests per window
  double window_s = 60;  // window: length in seconds
  double rate = 0;       // bucket: tokens per second
  double burst = 0;      // bucket: capacity (the bucket starts full)
  // window: a blocked hit blocks for a whole window_s from that hit (NestJS throttler), and
  // the count starts again after it. Not in the JSON config: set by an API that needs it.
  bool block_for_window = false;
};

// The applied_* kinds hand the request to the API first (its state changes as for a
// normal request) and then fail the answer: drop, reset, or `status` with an HTML body.
enum class fault_kind {
  status,
  drop,
  reset,
  slow,
  garbage,
  applied_drop,
  applied_reset,
  applied_status
};
const char* to_string(fault_kind k);
// True for the kinds that let the request reach the API before failing the answer.
bool applied_first(fault_kind k);

struct fault_config {
  std::string api = "*";  // an API name or "*"
  fault_kind kind = fault_kind::status;
  int status = 503;
  std::optional<std::string> retry_after;
  double probability = 1.0;
  int delay_ms = 3000;                  // slow
  std::optional<std::int64_t> first_n;  // only the first N requests of that API
  // Only the API's update call (api::is_update); first_n then counts that API's updates.
  bool writes_only = false;
};

struct sim_config {
  std::uint64_t seed = 1;
  std::int64_t invoices = 1000;
  credentials creds;
  std::map<std::string, limit_config> limits;  // by API name
  std::vector<fault_config> faults;
};

// The defaults (alloy 150/60 s window, bigcapital 10/60 s window, no faults).
sim_config default_config();

// Parses the JSON text of a config file over the defaults. On error returns nullopt and
// sets `error` to one line naming the offending key.
std::optional<sim_config> parse_config(const std::string& text, std::string& error);

}  // namespace reconcilerd::sim

// What every simulated API implements: one call per request that reached its prefix
// (`/alloy/...` etc.), returning the answer and what to log. Each API owns its invoice
// state, its rate limiter and its error shapes; the app (sim_app) does routing, faults and
// the request log. Also small helpers the APIs share (ids, numbers, times).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tests/sim/form_fields.hpp"
#include "tests/sim/sim_types.hpp"

namespace reconcilerd::sim {

struct api_request {
  const sim_request& raw;
  std::string path;  // after the API prefix, without the query, e.g. "/accounting/invoices/7"
  form_pairs query;  // decoded query parameters
  double now_s = 0;  // monotonic seconds, for rate limits
};

class api {
 public:
  virtual ~api() = default;
  virtual handled handle(const api_request& r) = 0;
  // Whether `r` is this API's update call (decided from the route alone, before handling;
  // the update may still be refused). Used by `writes_only` faults.
  virtual bool is_update(const api_request& r) const = 0;
  // The current state of invoice `id` as this API's read-back shows it (for /_sim/state),
  // or nothing when it does not exist.
  virtual std::optional<boost::json::value> state(std::int64_t id) = 0;
};

// "17" -> 17 when it is a canonical positive decimal integer that fits; else nothing.
std::optional<std::int64_t> parse_positive_id(std::string_view s);
// The invoice id from the request for the log: a number when numeric, else the text.
boost::json::value id_for_log(std::string_view s);
// A JSON number as double (int64/uint64/double), else nothing.
std::optional<double> json_number(const boost::json::value& v);
// Two-decimal string, e.g. 16.9 -> "16.90".
std::string money(double v);
// UTC now as "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string iso_now();
// "YYYY-MM-DD" with a real calendar date.
bool is_date(std::string_view s);
// Case-insensitive ASCII equality.
bool iequals(std::string_view a, std::string_view b);
// The token after `scheme ` in an Authorization header (scheme case-insensitive).
std::optional<std::string> auth_token(const sim_request& r, std::string_view scheme);

}  // namespace reconcilerd::sim

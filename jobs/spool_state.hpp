// Delivery state of one job (attempts, times, last error) and its on-disk text form.
// The spool persists it in state/<name>.json (the job bytes are never touched); this
// module only converts state <-> JSON text (times in RFC 3339, jobs/rfc3339.hpp).
// Parsing fails softly: unreadable state text yields std::nullopt, never an exception.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "jobs/rfc3339.hpp"

namespace reconcilerd::jobs {

struct delivery_state {
  int attempts = 0;                      // requests that may have reached the server
  std::optional<clock_time> first_seen;  // first claim from incoming/
  std::optional<clock_time> next_attempt;
  std::optional<clock_time> last_attempt;
  std::string last_error;  // empty: none
  std::optional<int> last_http_status;
  std::string original_name;  // name as dropped, when the spool had to rename the job
  // Set (durably) while an update that is not safe to repeat is being sent: if the daemon
  // dies meanwhile, recovery must not send it again blindly.
  bool sending_unsafe = false;
  // The arrival rank given when the job was claimed (µs-based, strictly increasing): with
  // `sequence` it orders the jobs of one invoice (docs/delivery.md, "Arrival order").
  std::optional<std::uint64_t> arrival;
  // The invoice as read back before an update that is not safe to repeat was sent (the
  // adapter's view, JSON text): what a later read-back is compared with.
  std::string read_before;

  bool operator==(const delivery_state&) const = default;
};

// Stored with millisecond precision; round-trips exactly for millisecond time points.
std::string state_to_json(const delivery_state& s);
std::optional<delivery_state> state_from_json(std::string_view text);

}  // namespace reconcilerd::jobs

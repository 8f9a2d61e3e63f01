// The dead-letter record: why a job ended in dead/, rendered as dead/<name>.error.json
// per interface.md (job, backend, invoice_id, category, message, attempts, http_status,
// first_seen, last_attempt). Pure rendering; the spool writes the text durably.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "jobs/spool_state.hpp"

namespace reconcilerd::jobs {

enum class dead_category { invalid, rejected, exhausted, expired };

std::string_view to_string(dead_category c);

struct dead_letter {
  dead_category category = dead_category::invalid;
  std::string message;                    // a sentence a person understands
  std::optional<std::string> backend;     // unknown for undecodable jobs -> null
  std::optional<std::string> invoice_id;  // as text; see invoice_id_is_integer
  bool invoice_id_is_integer = false;     // rendered as a JSON number when true
  std::optional<int> http_status;         // when there was a response
};

// `job` is the name in dead/. `now` stands in for first_seen / last_attempt when the
// state has none (a job found invalid before any attempt). The original (pre-rename)
// name is taken from state.original_name, escaped with escape_name().
std::string render_error_json(std::string_view job, const dead_letter& d,
                              const delivery_state& state, clock_time now);

}  // namespace reconcilerd::jobs

// Renders dead/<name>.error.json; see spool_dead_letter.hpp.
#include "jobs/spool_dead_letter.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "jobs/spool_names.hpp"

namespace reconcilerd::jobs {

std::string_view to_string(dead_category c) {
  switch (c) {
    case dead_category::invalid:
      return "invalid";
    case dead_category::rejected:
      return "rejected";
    case dead_category::exhausted:
      return "exhausted";
    case dead_category::expired:
      return "expired";
  }
  return "invalid";
}

std::string render_error_json(std::string_view job, const dead_letter& d,
                              const delivery_state& state, clock_time now) {
  namespace json = boost::json;
  json::object o;
  o["job"] = job;
  if (!state.original_name.empty() && state.original_name != job)
    o["original_name"] = escape_name(state.original_name);
  o["backend"] = d.backend ? json::value(*d.backend) : json::value(nullptr);
  json::value id = nullptr;
  if (d.invoice_id) {
    id = *d.invoice_id;
    if (d.invoice_id_is_integer) {
      try {
        id = std::stoll(*d.invoice_id);
      } catch (const std::exception&) {
        // not an integer after all: keep the text
      }
    }
  }
  o["invoice_id"] = id;
  o["category"] = to_string(d.category);
  o["message"] = d.message;
  o["attempts"] = state.attempts;
  if (d.http_status) o["http_status"] = *d.http_status;
  o["first_seen"] = rfc3339(state.first_seen.value_or(now));
  o["last_attempt"] = rfc3339(state.last_attempt.value_or(now));
  o["dead_since"] = rfc3339(now);
  if (!state.last_error.empty() && state.last_error != d.message)
    o["last_error"] = state.last_error;
  return json::serialize(o) + "\n";
}

}  // namespace reconcilerd::jobs

// Job file decoding: bytes of a spool file -> jobs::job, or a message a person understands.
// Owns the JSON limits (1 MiB, nesting depth 64, integers within int64, no duplicate keys)
// and the top-level schema (backend, invoice_id, update, sequence). Pure: no I/O, never
// throws for bad input; a 100k-deep document fails cleanly without deep recursion.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "jobs/job.hpp"

namespace reconcilerd::jobs {

inline constexpr std::size_t max_job_bytes = 1024 * 1024;
inline constexpr std::size_t max_job_depth = 64;
inline constexpr std::size_t max_invoice_id_chars = 128;

struct decode_error {
  std::string message;  // e.g. `invalid JSON at byte 17: syntax error`
};

using decode_result = std::variant<job, decode_error>;

// `name` becomes job::name (the spool file name); it is not validated here.
decode_result decode_job(std::string_view bytes, std::string name);

}  // namespace reconcilerd::jobs

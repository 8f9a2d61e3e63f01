// The job value: one "update invoice N on backend B" request as dropped by a producer.
// Decoded from the job file by jobs/job_decode.hpp; never modified after decoding.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace reconcilerd::jobs {

struct job {
  std::string name;        // file name in the spool (the job id)
  std::string backend;     // a name under `backends:`
  std::string invoice_id;  // always as text; integers rendered in decimal
  bool invoice_id_is_integer = false;
  boost::json::object update;
  std::optional<std::int64_t> sequence;
  // "mode": "merge": the update is laid over the invoice as read back (full-replacement
  // APIs: Campfire); "replace" (the default) sends it as it is.
  bool merge = false;
};

}  // namespace reconcilerd::jobs

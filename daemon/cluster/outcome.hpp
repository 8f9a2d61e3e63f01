// How a job ended, as one node tells the job's origin node through the cluster database
// (rd_jobs.outcome): delivered, or dead with the dead letter's category and message, and
// the last HTTP status. The origin turns it back into its done/ or dead/ move. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "jobs/spool_dead_letter.hpp"

namespace reconcilerd::cluster {

struct job_outcome {
  bool delivered = true;
  std::optional<int> http_status;
  jobs::dead_category category = jobs::dead_category::rejected;  // dead only
  std::string message;                                           // dead only
  std::string by;                                                // the node that finished it
  bool operator==(const job_outcome&) const = default;
};

std::string to_text(const job_outcome& o);
// nullopt: not an outcome this build wrote (the origin dead-letters the job and says so).
std::optional<job_outcome> outcome_from_text(std::string_view text);

}  // namespace reconcilerd::cluster

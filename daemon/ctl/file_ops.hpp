// The one file reconcilerctl reads itself: a job FILE named on the command line (submit,
// check, render), which is the operator's or producer's own file, not a spool path
// (everything under the spool goes through jobs/spool.hpp). Never follows a symlink.
#pragma once

#include <string>
#include <system_error>

namespace reconcilerd::ctl {

// The whole file; error EFBIG beyond 1 MiB (jobs::max_job_bytes), EINVAL if not a regular
// file, ELOOP if a symlink.
std::error_code read_job_file(const std::string& path, std::string& out);

}  // namespace reconcilerd::ctl

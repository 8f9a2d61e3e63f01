// read_job_file: the spool's own safe whole-file read (jobs/spool_fs.hpp) on a path.
#include "daemon/ctl/file_ops.hpp"

#include <fcntl.h>

#include "jobs/job_decode.hpp"
#include "jobs/spool_fs.hpp"

namespace reconcilerd::ctl {

std::error_code read_job_file(const std::string& path, std::string& out) {
  return jobs::read_regular_file(AT_FDCWD, path, jobs::max_job_bytes, out);
}

}  // namespace reconcilerd::ctl

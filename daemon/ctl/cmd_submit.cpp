// `reconcilerctl submit FILE...`: the safe drop for producers. Each file is copied into
// <spool_dir>/tmp/ under a hidden name, fsynced, renamed into incoming/ under its own
// name (never replacing a job already there) and incoming/ is fsynced. The content is not
// checked here (`reconcilerctl check` does that); the daemon dead-letters bad jobs.
#include <filesystem>

#include "daemon/ctl/commands.hpp"
#include "daemon/ctl/file_ops.hpp"
#include "jobs/spool_names.hpp"

namespace reconcilerd::ctl {

namespace {
constexpr const char* submit_usage =
    "usage: reconcilerctl submit FILE...\n"
    "\n"
    "Drops each job FILE into the spool safely: copy into tmp/, fsync, rename into\n"
    "incoming/ under the file's own name, fsync incoming/. The name must match\n"
    "[A-Za-z0-9._-]{1,200}, not start with '.', and not be taken in incoming/.\n"
    "Exit status 1 if any file was not submitted.\n";
}  // namespace

int cmd_submit(context& c, const args_t& args) {
  if (wants_help(c, args, submit_usage)) return success;
  if (args.empty()) return usage(c, "submit", "give at least one FILE", submit_usage);
  auto root = std::filesystem::path(c.cfg.spool_dir);
  int rc = success;
  for (auto& file : args) {
    std::string name = std::filesystem::path(file).filename().string();
    auto fail = [&](const std::string& why) {
      c.err << file << ": not submitted: " << why << "\n";
      rc = failure;
    };
    if (!jobs::is_valid_job_name(name) || jobs::is_hidden_name(name) ||
        jobs::has_sidecar_suffix(name)) {
      fail("the name \"" + name +
           "\" is not a valid job name ([A-Za-z0-9._-]{1,200}, not starting with '.', not "
           "ending in .error.json)");
      continue;
    }
    std::string bytes;
    if (auto ec = read_job_file(file, bytes)) {
      fail(ec == std::errc::file_too_large                  ? std::string("larger than 1 MiB")
           : ec == std::errc::invalid_argument              ? std::string("not a regular file")
           : ec == std::errc::too_many_symbolic_link_levels ? std::string("a symbolic link")
                                                            : ec.message());
      continue;
    }
    auto ec = drop_file((root / "tmp").string(), (root / "incoming").string(), name, bytes);
    if (ec == std::errc::file_exists) {
      fail("incoming/" + name + " already exists (a job of that name is waiting)");
    } else if (ec) {
      fail(ec.message());
    } else {
      c.out << "submitted " << name << "\n";
    }
  }
  return rc;
}

}  // namespace reconcilerd::ctl

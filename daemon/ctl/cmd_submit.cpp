// `reconcilerctl submit [--spool DIR] FILE...`: the safe drop for producers (spool::submit:
// tmp/, fsync, rename into incoming/ under the file's own name, never replacing a waiting
// job, rename made durable). A producer usually may not read the daemon's configuration
// (it holds secrets): the spool comes from --spool, else from the configuration when it is
// readable, else /var/spool/reconcilerd (see spool_for_submit in ctl.cpp). The content is
// not checked here (`reconcilerctl check` does that); the daemon dead-letters bad jobs.
#include <filesystem>

#include "daemon/ctl/commands.hpp"
#include "daemon/ctl/file_ops.hpp"
#include "jobs/spool.hpp"

namespace reconcilerd::ctl {

namespace {
constexpr const char* submit_usage =
    "usage: reconcilerctl submit [--spool DIR] FILE...\n"
    "\n"
    "Drops each job FILE into the spool safely: copy into tmp/, fsync, rename into\n"
    "incoming/ under the file's own name (group-readable, 0640), make the rename durable.\n"
    "The name must match [A-Za-z0-9._-]{1,200}, not start with '.', and not be taken in\n"
    "incoming/. The spool is DIR, else spool_dir of the configuration if it is readable,\n"
    "else /var/spool/reconcilerd (producers need not read the configuration).\n"
    "Exit status 1 if any file was not submitted.\n";
}  // namespace

int cmd_submit(context& c, const args_t& args) {
  if (wants_help(c, args, submit_usage)) return success;
  args_t files;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--spool") {
      if (++i >= args.size()) return usage(c, "submit", "--spool needs a DIR", submit_usage);
      c.cfg.spool_dir = args[i];
    } else if (args[i].starts_with("--spool=")) {
      c.cfg.spool_dir = args[i].substr(8);
    } else if (args[i].starts_with("-")) {
      return usage(c, "submit", "unknown option " + args[i], submit_usage);
    } else {
      files.push_back(args[i]);
    }
  }
  if (files.empty()) return usage(c, "submit", "give at least one FILE", submit_usage);
  auto root = std::filesystem::path(c.cfg.spool_dir);
  int rc = success;
  for (auto& file : files) {
    std::string name = std::filesystem::path(file).filename().string();
    auto fail = [&](const std::string& why) {
      c.err << file << ": not submitted: " << why << "\n";
      rc = failure;
    };
    if (!jobs::is_valid_job_name(name) || jobs::is_hidden_name(name) ||
        jobs::has_sidecar_suffix(name)) {
      fail("the name \"" + jobs::escape_name(name) +
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
    auto result = jobs::spool::submit(root, name, bytes);
    if (auto* e = std::get_if<jobs::spool_error>(&result)) {
      fail(e->code == std::errc::file_exists
               ? "incoming/" + name + " already exists (a job of that name is waiting)"
               : e->message);
    } else {
      c.out << "submitted " << name << " into " << (root / "incoming").string() << "\n";
    }
  }
  return rc;
}

}  // namespace reconcilerd::ctl

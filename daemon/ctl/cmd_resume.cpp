// `reconcilerctl resume BACKEND`: asks the daemon to lift a suspension through the spool
// (spool::request_resume creates <spool_dir>/control/resume-<BACKEND> atomically; the
// daemon watches control/, takes the request and acts). Nothing else is sent; the daemon
// logs and status-logs "resumed". In cluster mode the daemon lifts the suspension for the
// whole cluster (it is kept in the database), so it applies to every node.
#include "daemon/ctl/cluster_view.hpp"
#include "daemon/ctl/commands.hpp"
#include "jobs/spool.hpp"

namespace reconcilerd::ctl {

namespace {
constexpr const char* resume_usage =
    "usage: reconcilerctl resume BACKEND\n"
    "\n"
    "Lifts BACKEND's suspension (credentials refused) now instead of at the next probe:\n"
    "creates <spool_dir>/control/resume-BACKEND, which the running daemon picks up.\n"
    "In cluster mode the suspension is the cluster's: the local daemon lifts it on every\n"
    "node.\n";
}  // namespace

int cmd_resume(context& c, const args_t& args) {
  if (wants_help(c, args, resume_usage)) return success;
  if (args.size() != 1) return usage(c, "resume", "give exactly one BACKEND", resume_usage);
  const std::string& name = args[0];
  if (c.cfg.find(name) == nullptr) {
    c.err << "reconcilerctl resume: no backend \"" << name << "\" in " << c.cfg.path << "\n";
    return failure;
  }
  auto request = jobs::spool::request_resume(c.cfg.spool_dir, name);
  if (request.error && request.error->code == std::errc::file_exists) {
    c.out << "resume of " << name << " already requested (" << request.path.string()
          << " is waiting for the daemon)\n";
    return success;
  }
  if (request.error) {
    c.err << "reconcilerctl resume: cannot create " << request.path.string() << ": "
          << request.error->code.message() << "\n";
    return failure;
  }
  if (read_cluster_view(c).enabled)
    c.out << "resume of " << name << " requested; the daemon acts on it within a second and"
          << " it applies to every node of the cluster (see `reconcilerctl status`)\n";
  else
    c.out << "resume of " << name << " requested; the daemon acts on it within a second"
          << " (see `reconcilerctl status`)\n";
  return success;
}

}  // namespace reconcilerd::ctl

// `reconcilerctl resume BACKEND`: asks the daemon to lift a suspension by creating
// <spool_dir>/control/resume-<BACKEND> atomically (the daemon watches control/, acts and
// removes the file). Nothing else is sent; the daemon logs and status-logs "resumed".
#include <filesystem>

#include "daemon/ctl/commands.hpp"
#include "daemon/ctl/file_ops.hpp"

namespace reconcilerd::ctl {

namespace {
constexpr const char* resume_usage =
    "usage: reconcilerctl resume BACKEND\n"
    "\n"
    "Lifts BACKEND's suspension (credentials refused) now instead of at the next probe:\n"
    "creates <spool_dir>/control/resume-BACKEND, which the running daemon picks up.\n";
}  // namespace

int cmd_resume(context& c, const args_t& args) {
  if (wants_help(c, args, resume_usage)) return success;
  if (args.size() != 1) return usage(c, "resume", "give exactly one BACKEND", resume_usage);
  const std::string& name = args[0];
  if (c.cfg.find(name) == nullptr) {
    c.err << "reconcilerctl resume: no backend \"" << name << "\" in " << c.cfg.path << "\n";
    return failure;
  }
  auto control = std::filesystem::path(c.cfg.spool_dir) / "control";
  std::string file = "resume-" + name;
  auto ec = drop_file(control.string(), control.string(), file, "");
  if (ec == std::errc::file_exists) {
    c.out << "resume of " << name << " already requested (" << (control / file).string()
          << " is waiting for the daemon)\n";
    return success;
  }
  if (ec) {
    c.err << "reconcilerctl resume: cannot create " << (control / file).string() << ": "
          << ec.message() << "\n";
    return failure;
  }
  c.out << "resume of " << name << " requested; the daemon acts on it within a second"
        << " (see `reconcilerctl status`)\n";
  return success;
}

}  // namespace reconcilerd::ctl

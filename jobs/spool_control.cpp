// The files the daemon and reconcilerctl exchange through the spool: control requests
// (control/resume-<backend> and control/retry@<node>@<file>, made by reconcilerctl, taken by
// the daemon) and status.json
// (written by the daemon, read by reconcilerctl status).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "jobs/spool.hpp"

namespace reconcilerd::jobs {
namespace {

constexpr const char* status_file = "status.json";
constexpr std::size_t status_limit = 16 * 1024 * 1024;
constexpr std::string_view resume_prefix = "resume-";
constexpr std::string_view retry_prefix = "retry@";  // retry@<node>@<file>

spool_error error_of(std::error_code ec, const std::string& what) {
  return spool_error{ec, what + ": " + ec.message()};
}

}  // namespace

spool_status spool::write_status(std::string_view json) {
  if (auto ec = write_file_durably(root_fd_.get(), ".status.json.tmp", status_file, json, 0640))
    return {fail(ec, "write " + (root_ / status_file).string())};
  root_dirty_ = true;
  return {};
}

spool_file spool::read_status(const std::filesystem::path& root) {
  spool_file f{root / status_file, std::nullopt, {}};
  if (auto ec = read_regular_file(AT_FDCWD, f.path.string(), status_limit, f.text))
    f.error = error_of(ec, "read " + f.path.string());
  return f;
}

namespace {

// A cluster node's name as config/ accepts it: [A-Za-z0-9._-]{1,64}, not "." or "..".
bool is_node_name(std::string_view n) { return n.size() <= 64 && is_valid_job_name(n); }

}  // namespace

spool_file spool::request_resume(const std::filesystem::path& root, const std::string& backend) {
  const std::string name = std::string(resume_prefix) + backend;
  if (backend.empty() || !is_valid_job_name(name))
    return {root / "control" / name,
            spool_error{std::make_error_code(std::errc::invalid_argument),
                        "\"" + escape_name(backend) + "\" is not a backend name"},
            {}};
  return request_control(root, name);
}

spool_file spool::request_retry(const std::filesystem::path& root, const std::string& node,
                                const std::string& job) {
  const std::string name = std::string(retry_prefix) + node + "@" + job;
  if (!is_node_name(node))
    return {root / "control" / name,
            spool_error{std::make_error_code(std::errc::invalid_argument),
                        "\"" + escape_name(node) + "\" is not a node name"},
            {}};
  if (!is_valid_job_name(job))
    return {root / "control" / name,
            spool_error{std::make_error_code(std::errc::invalid_argument),
                        "\"" + escape_name(job) + "\" is not a job name"},
            {}};
  return request_control(root, name);
}

spool_file spool::request_control(const std::filesystem::path& root, const std::string& name) {
  const auto control = root / "control";
  spool_file f{control / name, std::nullopt, {}};
  unique_fd dir(::open(control.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  std::error_code ec = dir ? std::error_code{} : last_errno();
  // The temp is hidden ('.'), so the daemon never takes it for a request.
  if (!ec)
    ec = write_file_durably(dir.get(), "." + name + "." + std::to_string(::getpid()) + ".tmp",
                            dir.get(), name, "", {.mode = 0640, .replace = false});
  if (!ec && ::fsync(dir.get()) != 0) ec = last_errno();
  if (ec) f.error = error_of(ec, "create " + f.path.string());
  return f;
}

std::vector<control_request> spool::take_control_requests() {
  std::vector<std::string> names;
  (void)scan(d_control, [&](const std::string& name) {
    if (name.starts_with(resume_prefix) || name.starts_with(retry_prefix)) names.push_back(name);
    return true;
  });
  std::vector<control_request> taken;
  for (const auto& name : names) {
    if (::unlinkat(fd(d_control), name.c_str(), 0) != 0) continue;
    if (name.starts_with(resume_prefix)) {
      taken.push_back({control_request::kind::resume, name.substr(resume_prefix.size()), {}, {}});
      continue;
    }
    // retry@<node>@<file>: neither a node nor a job name contains '@'.
    const std::string rest = name.substr(retry_prefix.size());
    const auto at = rest.find('@');
    if (at == std::string::npos) continue;  // not ours to understand: removed, ignored
    taken.push_back({control_request::kind::retry, {}, rest.substr(0, at), rest.substr(at + 1)});
  }
  return taken;
}

}  // namespace reconcilerd::jobs

// `reconcilerctl check FILE...` and `render FILE`: decode job files and run them through
// their backend's adapter exactly as the daemon would (decode_job, validate, build),
// without sending anything. The configuration's secrets are "<redacted>" (ctl_config.hpp)
// and backends::redacted() is applied again, so no secret can be printed.
#include <cctype>
#include <filesystem>
#include <variant>

#include "backends/backend.hpp"
#include "daemon/ctl/commands.hpp"
#include "daemon/ctl/file_ops.hpp"
#include "jobs/job_decode.hpp"
#include "jobs/spool_names.hpp"
#include "jobs/text.hpp"

namespace reconcilerd::ctl {

namespace {

constexpr const char* check_usage =
    "usage: reconcilerctl check FILE...\n"
    "\n"
    "Validates job files against the configuration and their backend's API schema, as\n"
    "the daemon would before sending. Sends nothing. Prints one line per file;\n"
    "exit status 1 if any file is invalid.\n";

constexpr const char* render_usage =
    "usage: reconcilerctl render FILE\n"
    "\n"
    "Prints the exact HTTP request the daemon would send for the job FILE, with every\n"
    "secret shown as <redacted>. Sends nothing. The transport adds User-Agent and\n"
    "Connection headers, which are not shown.\n";

struct prepared {
  jobs::job job;
  const config::backend* backend = nullptr;
  std::unique_ptr<backends::adapter> adapter;
};

// The job ready to build, or a message saying why the daemon would dead-letter it.
std::variant<prepared, std::string> prepare(const context& c, const std::string& file) {
  std::string name = std::filesystem::path(file).filename().string();
  std::string bytes;
  if (auto ec = read_job_file(file, bytes)) {
    if (ec == std::errc::file_too_large) return std::string("larger than 1 MiB");
    if (ec == std::errc::invalid_argument) return std::string("not a regular file");
    return "cannot read: " + ec.message();
  }
  auto decoded = jobs::decode_job(bytes, name);
  if (auto* e = std::get_if<jobs::decode_error>(&decoded)) return e->message;
  prepared p;
  p.job = std::move(std::get<jobs::job>(decoded));
  p.backend = c.cfg.find(p.job.backend);
  if (p.backend == nullptr)
    return "backend \"" + p.job.backend + "\" is not configured in " + c.cfg.path;
  p.adapter = backends::make_adapter(backends::redacted(*p.backend));
  if (auto problem =
          p.job.merge ? p.adapter->validate_merge(p.job.update) : p.adapter->validate(p.job.update))
    return *problem;
  if (!jobs::is_valid_job_name(name) || jobs::is_hidden_name(name))
    return "the file name \"" + name + "\" is not a valid job name ([A-Za-z0-9._-]{1,200})";
  return p;
}

// Authorization values derived from a placeholder (e.g. Basic base64("id:<redacted>"))
// would look like real credentials: show the scheme only.
std::string shown_value(const backends::header& h) {
  std::string lower;
  for (char ch : h.name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower != "authorization" || h.value.find("<redacted>") != std::string::npos) return h.value;
  auto space = h.value.find(' ');
  return space == std::string::npos ? "<redacted>" : h.value.substr(0, space) + " <redacted>";
}

}  // namespace

int cmd_check(context& c, const args_t& args) {
  if (wants_help(c, args, check_usage)) return success;
  if (args.empty()) return usage(c, "check", "give at least one FILE", check_usage);
  int rc = success;
  for (auto& file : args) {
    auto r = prepare(c, file);
    if (auto* problem = std::get_if<std::string>(&r)) {
      c.out << file << ": invalid: " << jobs::visible_text(*problem) << "\n";
      rc = failure;
    } else {
      auto& p = std::get<prepared>(r);
      c.out << file << ": ok (backend " << p.job.backend << ", invoice " << p.job.invoice_id
            << ")\n";
    }
  }
  return rc;
}

int cmd_render(context& c, const args_t& args) {
  if (wants_help(c, args, render_usage)) return success;
  if (args.size() != 1) return usage(c, "render", "give exactly one FILE", render_usage);
  auto r = prepare(c, args[0]);
  if (auto* problem = std::get_if<std::string>(&r)) {
    c.err << args[0] << ": invalid: " << *problem << "\n";
    return failure;
  }
  auto& p = std::get<prepared>(r);
  backends::request req = p.adapter->build(p.job);
  const auto& u = p.backend->base_url;
  bool default_port =
      (u.scheme == "https" && u.port == 443) || (u.scheme == "http" && u.port == 80);
  std::string host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  if (!default_port) host += ":" + std::to_string(u.port);
  // Exact, except that control characters (from the job) are made visible.
  c.out << req.method << " " << jobs::visible_text(req.target) << " HTTP/1.1\r\n";
  c.out << "Host: " << host << "\r\n";
  for (auto& h : req.headers)
    c.out << h.name << ": " << jobs::visible_text(shown_value(h)) << "\r\n";
  if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH")
    c.out << "Content-Length: " << req.body.size() << "\r\n";
  c.out << "\r\n" << jobs::visible_text(req.body);  // no newline added after the body
  return success;
}

}  // namespace reconcilerd::ctl

// Global options, command dispatch, the shared usage helpers.
#include "daemon/ctl/ctl.hpp"

#include <fstream>
#include <ostream>

#include "daemon/ctl/commands.hpp"
#include "daemon/ctl/ctl_config.hpp"

namespace reconcilerd::ctl {

namespace {

constexpr const char* main_usage =
    "usage: reconcilerctl [--config FILE] COMMAND [ARGS...]\n"
    "\n"
    "Operator CLI of reconcilerd (default config: /etc/reconcilerd/reconcilerd.yaml).\n"
    "\n"
    "commands:\n"
    "  status [--json]                          the daemon's state, per backend\n"
    "  list [--state S] [--backend NAME] [--json]\n"
    "                                           jobs in the spool (S: incoming, active,\n"
    "                                           deferred, done, dead; default: all but done)\n"
    "  show JOB                                 one job: state, attempts, errors, content\n"
    "  retry JOB... | retry --all-dead [--backend NAME]\n"
    "                                           move dead letters back to incoming/\n"
    "  resume BACKEND                           lift a suspension now\n"
    "  check FILE...                            validate job files, send nothing\n"
    "  render FILE                              print the HTTP request a job would send\n"
    "  submit FILE...                           drop job files into the spool safely\n"
    "\n"
    "In cluster mode status, list, show, retry and resume show and act on the whole\n"
    "cluster, as the local daemon last saw it (status.json); other nodes' jobs are named\n"
    "NODE/JOB.\n"
    "\n"
    "`reconcilerctl COMMAND --help` describes a command. Exit status: 0 success,\n"
    "1 failure, 2 usage error.\n";

struct command {
  const char* name;
  int (*fn)(context&, const args_t&);
};

constexpr command commands[] = {
    {"status", cmd_status}, {"list", cmd_list},   {"show", cmd_show},     {"retry", cmd_retry},
    {"resume", cmd_resume}, {"check", cmd_check}, {"render", cmd_render}, {"submit", cmd_submit},
};

bool has_option(const args_t& args, const std::string& option) {
  for (auto& a : args)
    if (a == option || a.starts_with(option + "=")) return true;
  return false;
}

bool readable(const std::string& path) { return std::ifstream(path).is_open(); }

}  // namespace

int usage(context& c, const char* command, const std::string& message, const char* usage_text) {
  c.err << "reconcilerctl " << command << ": " << message << "\n" << usage_text;
  return usage_error;
}

bool wants_help(context& c, const args_t& args, const char* usage_text) {
  for (auto& a : args)
    if (a == "--help" || a == "-h") {
      c.out << usage_text;
      return true;
    }
  return false;
}

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        std::chrono::system_clock::time_point now) {
  std::string config_path = default_config_path;
  bool config_given = false;
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out << main_usage;
      return success;
    } else if (a == "--config") {
      if (i + 1 >= args.size()) {
        err << "reconcilerctl: --config needs a FILE\n" << main_usage;
        return usage_error;
      }
      config_path = args[++i];
      config_given = true;
    } else if (a.starts_with("--config=")) {
      config_path = a.substr(9);
      config_given = true;
    } else if (a.starts_with("-")) {
      err << "reconcilerctl: unknown option " << a << "\n" << main_usage;
      return usage_error;
    } else {
      break;
    }
  }
  if (i >= args.size()) {
    err << "reconcilerctl: no command given\n" << main_usage;
    return usage_error;
  }
  const command* cmd = nullptr;
  for (auto& c : commands)
    if (args[i] == c.name) cmd = &c;
  if (cmd == nullptr) {
    err << "reconcilerctl: unknown command \"" << args[i] << "\"\n" << main_usage;
    return usage_error;
  }
  args_t rest(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());

  // --help needs no configuration.
  context help_ctx{{}, out, err, now};
  for (auto& a : rest)
    if (a == "--help" || a == "-h") return cmd->fn(help_ctx, {"--help"});

  // A producer's `submit` needs only the spool: --spool, or the configuration when it can
  // be read, or the default spool (the configuration may hold secrets producers can't read).
  if (cmd->fn == cmd_submit &&
      (has_option(rest, "--spool") || (!config_given && !readable(config_path)))) {
    context ctx{{}, out, err, now};
    ctx.cfg.spool_dir = default_spool_dir;
    return cmd->fn(ctx, rest);
  }

  auto loaded = load_config_redacted(config_path);
  if (!loaded.value) {
    for (auto& e : loaded.errors) err << e << "\n";
    err << "reconcilerctl: cannot use the configuration " << config_path << "\n";
    return failure;
  }
  context ctx{std::move(*loaded.value), out, err, now};
  return cmd->fn(ctx, rest);
}

}  // namespace reconcilerd::ctl

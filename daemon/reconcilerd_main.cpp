// reconcilerd: the daemon's entry point. Parses the command line, loads the configuration
// (exit 78 with one line per problem if it is bad), and either checks it (--check) or runs
// the daemon in the foreground until SIGTERM/SIGINT.
#include <sys/prctl.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>

#include "config/cluster.hpp"
#include "config/load.hpp"
#include "daemon/app.hpp"
#include "daemon/log.hpp"

namespace {

constexpr int ex_usage = 64;
constexpr int ex_config = 78;

void usage(std::ostream& out) {
  out << "usage: reconcilerd --config FILE [--check]\n"
         "       reconcilerd --version\n"
         "Runs in the foreground; stops on SIGTERM/SIGINT; SIGHUP reloads the config;\n"
         "SIGUSR1 reopens the status log. --check validates the config and the spool and\n"
         "exits 0, or 78 with one line per problem.\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace reconcilerd;
  // Memory holds secrets: no core dumps, no ptrace by other processes of our user, and
  // /proc/<pid>/ owned by root (the unit also sets LimitCORE=0).
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    std::cerr << "reconcilerd: cannot turn core dumps off: " << std::strerror(errno) << "\n";
    return 1;
  }
  std::string config_path;
  bool check = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (a.starts_with("--config=")) {
      config_path = a.substr(9);
    } else if (a == "--check") {
      check = true;
    } else if (a == "--version") {
      std::cout << "reconcilerd " << daemon::version << "\n";
      return 0;
    } else if (a == "--help" || a == "-h") {
      usage(std::cout);
      return 0;
    } else {
      std::cerr << "reconcilerd: unknown argument '" << a << "'\n";
      usage(std::cerr);
      return ex_usage;
    }
  }
  if (config_path.empty()) {
    std::cerr << "reconcilerd: --config FILE is required\n";
    usage(std::cerr);
    return ex_usage;
  }

  if (const char* dbg = std::getenv("RECONCILERD_DEBUG"); dbg && std::string(dbg) == "1")
    daemon::set_debug(true);
  const char* creds = std::getenv("CREDENTIALS_DIRECTORY");
  auto loaded = config::load_file(config_path, creds ? creds : "");
  for (auto& w : loaded.warnings) daemon::log(daemon::level::warning, w);
  if (!loaded.errors.empty()) {
    for (auto& e : loaded.errors) daemon::log(daemon::level::error, e);
    return ex_config;
  }
  try {
    if (check) {
      if (auto problem = daemon::check_spool(*loaded.value)) {
        daemon::log(daemon::level::error, *problem);
        return ex_config;
      }
      std::cout << config_path << ": OK (" << loaded.value->backends.size() << " backends)\n"
                << config::describe_cluster(loaded.value->cluster) << "\n";
      return 0;
    }
    daemon::app app(std::move(*loaded.value), creds ? creds : "");
    return app.run();
  } catch (const daemon::config_error& e) {
    daemon::log(daemon::level::error, e.what());
    return ex_config;
  } catch (const std::exception& e) {
    daemon::log(daemon::level::error, std::string("fatal: ") + e.what());
    return 1;
  }
}

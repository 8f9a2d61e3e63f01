// reconciler-sim: one HTTPS server that simulates the five invoice APIs for tests and
// demos. `reconciler-sim --dir DIR [--config FILE.json] [--port N] [--cert PEM --key PEM]`.
// Writes DIR/sim.json (atomically) and a "ready" line when listening; runs until
// SIGTERM/SIGINT, then exits 0. Usage or config errors exit 2 with one line on stderr.
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "tests/sim/https_server.hpp"
#include "tests/sim/sim_app.hpp"
#include "tests/sim/sim_config.hpp"
#include "tests/support/test_ca.hpp"

namespace fs = std::filesystem;
using namespace reconcilerd::sim;

namespace {

struct cli {
  fs::path dir;
  std::optional<fs::path> config, cert, key, ca;
  unsigned short port = 0;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "reconciler-sim: " << why << "\n"
            << "usage: reconciler-sim --dir DIR [--config FILE.json] [--port N] "
               "[--cert PEM --key PEM [--ca PEM]]\n";
  std::exit(2);
}

cli parse_cli(int argc, char** argv) {
  cli c;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--dir")
      c.dir = value();
    else if (a == "--config")
      c.config = value();
    else if (a == "--cert")
      c.cert = value();
    else if (a == "--key")
      c.key = value();
    else if (a == "--ca")
      c.ca = value();
    else if (a == "--port") {
      const std::string v = value();
      char* end = nullptr;
      const long p = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || p < 0 || p > 65535) usage("--port: not a port number");
      c.port = static_cast<unsigned short>(p);
    } else if (a == "--help" || a == "-h") {
      usage("help");
    } else {
      usage("unknown argument " + a);
    }
  }
  if (c.dir.empty()) usage("--dir is required");
  if (c.cert.has_value() != c.key.has_value()) usage("--cert and --key go together");
  if (c.ca && !c.cert) usage("--ca needs --cert and --key");
  return c;
}

void write_atomically(const fs::path& p, const std::string& content) {
  const fs::path tmp = p.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << content;
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, p);
}

}  // namespace

int main(int argc, char** argv) {
  const cli c = parse_cli(argc, argv);
  sim_config cfg = default_config();
  if (c.config) {
    std::ifstream in(*c.config);
    if (!in) usage("cannot read config " + c.config->string());
    std::stringstream ss;
    ss << in.rdbuf();
    std::string error;
    auto parsed = parse_config(ss.str(), error);
    if (!parsed) {
      std::cerr << "reconciler-sim: " << c.config->string() << ": " << error << "\n";
      return 2;
    }
    cfg = std::move(*parsed);
  }
  try {
    fs::create_directories(c.dir);
    const fs::path dir = fs::absolute(c.dir);
    server_options opts;
    opts.port = c.port;
    fs::path ca_file;
    if (c.cert) {
      opts.cert = fs::absolute(*c.cert);
      opts.key = fs::absolute(*c.key);
      ca_file = c.ca ? fs::absolute(*c.ca) : opts.cert;
    } else {
      reconcilerd::test::test_ca ca(dir, "reconciler-sim");
      const auto files = ca.issue("reconciler-sim-server", {"localhost", "127.0.0.1", "::1"});
      opts.cert = files.cert;
      opts.key = files.key;
      ca_file = ca.ca_file();
    }
    const fs::path log_path = dir / "requests.jsonl";
    request_log log(log_path);
    sim_app app(std::move(cfg), log);
    return run_https_server(app, opts, [&](unsigned short port) {
      boost::json::object info{{"port", port},
                               {"ca_file", ca_file.string()},
                               {"request_log", log_path.string()},
                               {"pid", static_cast<std::int64_t>(::getpid())}};
      write_atomically(dir / "sim.json", boost::json::serialize(info) + "\n");
      std::printf("reconciler-sim ready port=%u ca=%s log=%s\n", static_cast<unsigned>(port),
                  ca_file.c_str(), log_path.c_str());
      std::fflush(stdout);
    });
  } catch (const std::exception& e) {
    std::cerr << "reconciler-sim: " << e.what() << "\n";
    return 1;
  }
}

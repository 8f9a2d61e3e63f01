// Integration test fixture: a real reconciler-sim (HTTPS, throwaway CA) and a real
// reconcilerd child process with a generated config whose five backends point at the
// simulator; helpers to drop jobs the way producers do and to wait for their outcome.
#pragma once

#include <boost/json.hpp>
#include <csignal>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "tests/integration/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace reconcilerd::test {

struct sim_info {
  int port = 0;
  std::string ca_file;
  std::string request_log;
};

class sim_fixture {
 public:
  explicit sim_fixture(const std::filesystem::path& dir, const std::string& config_json = "",
                       std::vector<std::string> extra_args = {}) {
    std::filesystem::create_directories(dir);
    std::vector<std::string> argv{RECONCILER_SIM_BIN, "--dir", dir.string()};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    if (!config_json.empty()) {
      write_file(dir / "sim-config.json", config_json);
      argv.push_back("--config");
      argv.push_back((dir / "sim-config.json").string());
    }
    proc_ = std::make_unique<child_process>(argv, std::map<std::string, std::string>{},
                                            dir / "sim.out", dir / "sim.err");
    auto ready = dir / "sim.json";
    if (!wait_until([&] { return std::filesystem::exists(ready); }, std::chrono::seconds(30)))
      throw std::runtime_error("reconciler-sim did not start: " + read_file(dir / "sim.err"));
    auto v = boost::json::parse(read_file(ready)).as_object();
    info_.port = static_cast<int>(v.at("port").as_int64());
    info_.ca_file = std::string(v.at("ca_file").as_string());
    info_.request_log = std::string(v.at("request_log").as_string());
  }
  ~sim_fixture() {
    proc_->signal(SIGTERM);
    proc_->wait(std::chrono::seconds(10));
  }
  const sim_info& info() const { return info_; }
  std::string url(const std::string& api) const {
    return "https://127.0.0.1:" + std::to_string(info_.port) + "/" + api;
  }
  // The request log, one parsed object per line.
  std::vector<boost::json::object> requests() const {
    std::vector<boost::json::object> out;
    std::ifstream f(info_.request_log);
    std::string line;
    while (std::getline(f, line))
      if (!line.empty()) out.push_back(boost::json::parse(line).as_object());
    return out;
  }

 private:
  std::unique_ptr<child_process> proc_;
  sim_info info_;
};

// The five backends against the simulator, with its default credentials.
inline std::string five_backends_yaml(const sim_fixture& sim, const std::string& extra = "",
                                      bool trust_sim_ca = true) {
  auto tls = (trust_sim_ca ? "    tls:\n      ca_file: " + sim.info().ca_file + "\n" : "") + extra;
  return "backends:\n"
         "  erp:\n    type: simetri\n    base_url: " +
         sim.url("simetri") + "\n    token: sim-simetri-token\n" + tls +
         "  billing:\n    type: whmcs\n    base_url: " + sim.url("whmcs") +
         "\n    identifier: sim-id\n    secret: sim-secret\n" + tls +
         "  unified:\n    type: alloy\n    base_url: " + sim.url("alloy") +
         "\n    api_key: sim-alloy-key\n    credential_id: sim-cred\n" + tls +
         "  books:\n    type: campfire\n    base_url: " + sim.url("campfire") +
         "\n    api_key: sim-campfire-key\n" + tls +
         "  ledger:\n    type: bigcapital\n    base_url: " + sim.url("bigcapital") +
         "\n    api_key: bc_sim\n" + tls;
}

class daemon_fixture {
 public:
  // `body` is the YAML after spool_dir (defaults + backends).
  daemon_fixture(const std::filesystem::path& dir, const std::string& body,
                 std::map<std::string, std::string> env = {})
      : env_(std::move(env)),
        dir_((std::filesystem::create_directories(dir), dir)),
        spool_(dir / "spool"),
        notify_(dir / "notify.sock") {
    write_file(dir / "reconcilerd.yaml", "spool_dir: " + spool_.string() + "\nstatus_log: " +
                                             (dir / "status.log").string() + "\n" + body);
    start();
  }
  ~daemon_fixture() {
    if (proc_) {
      proc_->signal(SIGTERM);
      proc_->wait(std::chrono::seconds(20));
    }
  }
  std::map<std::string, std::string> with_notify() const {
    auto env = env_;
    env["NOTIFY_SOCKET"] = notify_.path().string();
    return env;
  }
  void start() {
    proc_ = std::make_unique<child_process>(
        std::vector<std::string>{RECONCILERD_BIN, "--config", (dir_ / "reconcilerd.yaml").string()},
        with_notify(), dir_ / "daemon.out", dir_ / "daemon.err");
    if (!notify_.wait_for("READY=1", std::chrono::seconds(30)))
      throw std::runtime_error("reconcilerd did not become ready: " +
                               read_file(dir_ / "daemon.err"));
  }
  child_process& proc() { return *proc_; }
  // kill -9, then start again and wait for READY=1.
  void kill_and_restart() {
    proc_->signal(SIGKILL);
    proc_->wait(std::chrono::seconds(10));
    notify_.clear();
    start();
  }
  const std::filesystem::path& spool() const { return spool_; }
  std::string log() const { return read_file(dir_ / "daemon.err"); }
  std::filesystem::path config_path() const { return dir_ / "reconcilerd.yaml"; }
  // Rewrites the config (same spool and status log) and sends SIGHUP.
  void reload(const std::string& body) {
    write_file(config_path(), "spool_dir: " + spool_.string() +
                                  "\nstatus_log: " + (dir_ / "status.log").string() + "\n" + body);
    proc_->signal(SIGHUP);
  }
  std::string status_log() const {
    return std::filesystem::exists(dir_ / "status.log") ? read_file(dir_ / "status.log") : "";
  }
  notify_socket& notify() { return notify_; }

  // The producer protocol: write into tmp/, then rename into incoming/.
  void drop(const std::string& name, const std::string& content) const {
    auto tmp = spool_ / "tmp" / name;
    write_file(tmp, content);
    std::filesystem::rename(tmp, spool_ / "incoming" / name);
  }
  bool wait_in(const std::string& state, const std::string& name,
               std::chrono::milliseconds limit = std::chrono::seconds(30)) const {
    return wait_until([&] { return std::filesystem::exists(spool_ / state / name); }, limit);
  }
  // Waits until `n` jobs are in done/ + dead/ (error.json sidecars not counted).
  bool wait_settled(std::size_t n, std::chrono::milliseconds limit) const {
    return wait_until([&] { return settled() >= n; }, limit);
  }
  std::size_t settled() const {
    std::size_t count = list_dir(spool_ / "done").size();
    for (auto& f : list_dir(spool_ / "dead"))
      if (!f.ends_with(".error.json")) ++count;
    return count;
  }

 private:
  std::map<std::string, std::string> env_;
  std::filesystem::path dir_;
  std::filesystem::path spool_;
  notify_socket notify_;
  std::unique_ptr<child_process> proc_;
};

}  // namespace reconcilerd::test

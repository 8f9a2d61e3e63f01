// Real child processes for integration tests: spawn with arguments and extra environment,
// stdout/stderr to files, signals, bounded waits. Also a $NOTIFY_SOCKET receiver so a
// test can wait for the daemon's READY=1 instead of sleeping.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace reconcilerd::test {

class child_process {
 public:
  child_process(std::vector<std::string> argv, std::map<std::string, std::string> env,
                std::filesystem::path out_file, std::filesystem::path err_file);
  ~child_process();  // SIGKILLs and reaps if still running
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  int pid() const { return pid_; }
  void signal(int sig) const;
  // Exit status (or 128 + signal) once it has exited within `limit`; nothing on time-out.
  std::optional<int> wait(std::chrono::milliseconds limit);
  bool running();
  const std::filesystem::path& err_file() const { return err_; }

 private:
  int pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path err_;
};

// Polls `pred` every 20 ms until it is true or `limit` passes. Returns the final value.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit);

// A unix datagram socket to pass as $NOTIFY_SOCKET; collects the messages it receives.
class notify_socket {
 public:
  explicit notify_socket(const std::filesystem::path& path);
  ~notify_socket();
  const std::filesystem::path& path() const { return path_; }
  // Waits until a received datagram contains `line` (e.g. "READY=1").
  bool wait_for(const std::string& line, std::chrono::milliseconds limit);
  const std::vector<std::string>& messages() const { return messages_; }
  // Forgets what was received so far (before restarting the process).
  void clear() {
    drain();
    messages_.clear();
  }

 private:
  void drain();
  int fd_ = -1;
  std::filesystem::path path_;
  std::vector<std::string> messages_;
};

// Files in a directory (names only, '.'-files skipped); empty if it does not exist.
std::vector<std::string> list_dir(const std::filesystem::path& dir);

}  // namespace reconcilerd::test

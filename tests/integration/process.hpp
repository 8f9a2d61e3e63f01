// Real child processes for integration tests (header-only: integration tests only): spawn with
// arguments and extra environment, stdout/stderr to files, signals, bounded waits. Also a
// $NOTIFY_SOCKET receiver so a test can wait for the daemon's READY=1 instead of sleeping.
#pragma once
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
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

// ---- implementation ----

inline child_process::child_process(std::vector<std::string> argv,
                                    std::map<std::string, std::string> env,
                                    std::filesystem::path out_file, std::filesystem::path err_file)
    : err_(std::move(err_file)) {
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out >= 0) ::dup2(out, 1);
    if (err >= 0) ::dup2(err, 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    for (auto& [k, v] : env) {
      if (v.empty())
        ::unsetenv(k.c_str());
      else
        ::setenv(k.c_str(), v.c_str(), 1);
    }
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    _exit(127);
  }
}

inline child_process::~child_process() {
  if (!status_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
}

inline void child_process::signal(int sig) const {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

inline bool child_process::running() {
  if (status_) return false;
  int st = 0;
  int r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return false;
  }
  return true;
}

inline std::optional<int> child_process::wait(std::chrono::milliseconds limit) {
  wait_until([this] { return !running(); }, limit);
  return status_;
}

inline bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

inline notify_socket::notify_socket(const std::filesystem::path& path) : path_(path) {
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) throw std::runtime_error("socket failed");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.string().size() >= sizeof(addr.sun_path)) throw std::runtime_error("path too long");
  std::strcpy(addr.sun_path, path.c_str());
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    throw std::runtime_error("bind notify socket failed");
}

inline notify_socket::~notify_socket() {
  if (fd_ >= 0) ::close(fd_);
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

inline void notify_socket::drain() {
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return;
    messages_.emplace_back(buf, static_cast<std::size_t>(n));
  }
}

inline bool notify_socket::wait_for(const std::string& line, std::chrono::milliseconds limit) {
  auto has = [&] {
    drain();
    return std::any_of(messages_.begin(), messages_.end(),
                       [&](const std::string& m) { return m.find(line) != std::string::npos; });
  };
  return wait_until(has, limit);
}

inline std::vector<std::string> list_dir(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    auto n = it->path().filename().string();
    if (!n.starts_with(".")) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace reconcilerd::test

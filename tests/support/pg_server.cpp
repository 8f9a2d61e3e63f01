#include "tests/support/pg_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "tests/support/temp_dir.hpp"
#include "tests/support/test_ca.hpp"

extern char** environ;

namespace reconcilerd::test {

namespace fs = std::filesystem;

namespace {

constexpr const char* default_bin = "/usr/lib/postgresql/15/bin";

[[noreturn]] void sys_fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), "pg_server: " + what);
}

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Waits until the process behind `pidfd` has exited; false after `ms`.
bool wait_exit(int pidfd, int ms) {
  pollfd p{pidfd, POLLIN, 0};
  for (;;) {
    int r = ::poll(&p, 1, ms);
    if (r >= 0) return r == 1;
    if (errno != EINTR) sys_fail("poll");
  }
}

std::string read_fd(int fd) {
  std::string out;
  ::lseek(fd, 0, SEEK_SET);
  char buf[8192];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

std::uint16_t free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) sys_fail("socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(s);
    sys_fail("bind 127.0.0.1:0");
  }
  ::close(s);
  return ntohs(a.sin_port);
}

std::string random_password() {
  std::random_device rd;
  std::string s;
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) s += hex[rd() % 16];
  return s;
}

// A process's state letter from /proc (0 if it is gone) and its process group.
char proc_state(pid_t pid, pid_t* pgrp = nullptr) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return 0;
  auto close_paren = line.rfind(')');
  if (close_paren == std::string::npos) return 0;
  std::istringstream rest(line.substr(close_paren + 1));
  char state = 0;
  long ppid = 0, group = 0;
  rest >> state >> ppid >> group;
  if (pgrp) *pgrp = static_cast<pid_t>(group);
  return state;
}

std::string sql_literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace

pg_server::pg_server(const fs::path& dir) : bin_(default_bin) {
  if (const char* b = std::getenv("RECONCILERD_PG_BIN")) bin_ = b;  // another installation
  if (!fs::exists(bin_ + "/initdb"))
    throw std::runtime_error("pg_server: no " + bin_ +
                             "/initdb (PostgreSQL 15 is installed by scripts/install-deps)");
  dir_ = fs::absolute(dir);
  if (fs::exists(dir_) && !fs::is_empty(dir_))
    throw std::runtime_error("pg_server: " + dir_.string() + " is not empty");
  fs::create_directories(dir_);
  data_ = dir_ / "data";
  sock_ = dir_ / "sock";
  log_ = dir_ / "server.log";
  if ((sock_ / ".s.PGSQL.65535").string().size() >= sizeof(sockaddr_un{}.sun_path))
    throw std::runtime_error("pg_server: " + dir_.string() +
                             " is too long a path for a unix socket; set TMPDIR shorter");

  if (::geteuid() == 0) {
    passwd* pw = ::getpwnam("postgres");
    if (!pw)
      throw std::runtime_error(
          "pg_server: running as root needs the system user postgres (scripts/install-deps)");
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
    for (const char* p : {"/usr/bin/setpriv", "/bin/setpriv"})
      if (::access(p, X_OK) == 0) setpriv_ = p;
    if (setpriv_.empty()) throw std::runtime_error("pg_server: needs setpriv (util-linux)");
    // The server user must reach <dir>: parents below the temporary directory get o+x.
    const fs::path tmp = fs::absolute(fs::temp_directory_path());
    for (auto p = dir_.parent_path(); p != p.parent_path(); p = p.parent_path()) {
      struct stat st {};
      if (::stat(p.c_str(), &st) != 0) sys_fail("stat " + p.string());
      if (st.st_mode & S_IXOTH) continue;
      auto rel = p.lexically_relative(tmp);
      if (rel.empty() || rel.native().starts_with(".."))
        throw std::runtime_error("pg_server: the postgres user cannot traverse " + p.string() +
                                 " (a parent of " + dir_.string() + "); set TMPDIR elsewhere");
      if (::chmod(p.c_str(), (st.st_mode & 07777) | S_IXOTH) != 0) sys_fail("chmod " + p.string());
    }
  } else {
    uid_ = ::geteuid();
    gid_ = ::getegid();
  }
  fs::permissions(dir_, fs::perms(0755));
  fs::create_directory(sock_);
  fs::permissions(sock_, fs::perms::owner_all);

  {
    test_ca ca(dir_ / "tls", "reconcilerd-test-pg");
    ca_file_ = ca.ca_file();
    auto leaf = ca.issue("server", {"127.0.0.1", "localhost"});
    fs::permissions(dir_ / "tls", fs::perms(0755));
    fs::permissions(ca_file_, fs::perms(0644));
    fs::permissions(leaf.cert, fs::perms(0644));
    fs::permissions(leaf.key, fs::perms(0600));  // PostgreSQL refuses a key others may read
  }
  if (::geteuid() == 0) {
    for (const auto& p : {dir_, sock_, dir_ / "tls", ca_file_, dir_ / "tls" / "server.pem",
                          dir_ / "tls" / "server-key.pem"})
      if (::chown(p.c_str(), uid_, gid_) != 0) sys_fail("chown " + p.string());
  }

  auto init =
      run({bin_ + "/initdb", "-D", data_.string(), "-U", "postgres", "-E", "UTF8", "--locale=C",
           "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "--no-instructions"},
          120);
  if (init.status != 0)
    throw std::runtime_error("pg_server: initdb failed: " + init.err + init.out);
  password_ = random_password();
  port_ = free_port();
  write_config();
  for (int attempt = 1;; ++attempt) {
    try {
      pg_ctl_start();
      break;
    } catch (const std::runtime_error&) {
      // Someone took the port between free_port() and the start: once more on another.
      const bool taken =
          fs::exists(log_) && read_file(log_).find("could not bind") != std::string::npos;
      if (!taken || attempt == 3) throw;
      port_ = free_port();
      write_config();
    }
  }
  psql_in("postgres", "CREATE ROLE reconcilerd LOGIN PASSWORD " + sql_literal(password_));
  psql_in("postgres", "CREATE DATABASE reconcilerd OWNER reconcilerd");
}

pg_server::~pg_server() {
  if (!running_) return;
  try {
    auto r = run(
        {bin_ + "/pg_ctl", "-D", data_.string(), "-m", "immediate", "-w", "-t", "30", "stop"}, 40);
    if (r.status == 0) return;
  } catch (...) {
  }
  try {
    kill9();
  } catch (...) {
  }
}

std::string pg_server::conninfo() const {
  return "host=127.0.0.1 port=" + std::to_string(port_) +
         " dbname=reconcilerd user=reconcilerd sslmode=verify-full sslrootcert=" +
         ca_file_.string();
}

void pg_server::write_config() const {
  // Included from postgresql.conf; rewritten with the port before each first start.
  const fs::path conf = data_ / "reconcilerd-test.conf";
  std::ostringstream c;
  c << "listen_addresses = '127.0.0.1'\n"
    << "port = " << port_ << "\n"
    << "unix_socket_directories = '" << sock_.string() << "'\n"
    << "unix_socket_permissions = 0700\n"
    << "ssl = on\n"
    << "ssl_cert_file = '" << (dir_ / "tls" / "server.pem").string() << "'\n"
    << "ssl_key_file = '" << (dir_ / "tls" / "server-key.pem").string() << "'\n"
    << "password_encryption = 'scram-sha-256'\n"
    // durability as in production: we test it
    << "fsync = on\nsynchronous_commit = on\nfull_page_writes = on\n"
    // small and quick
    << "max_connections = 60\nshared_buffers = 16MB\nwork_mem = 4MB\n"
    << "max_wal_size = 256MB\nmin_wal_size = 32MB\nmax_wal_senders = 0\nwal_level = minimal\n"
    << "autovacuum = on\ndynamic_shared_memory_type = posix\nhuge_pages = off\n"
    << "timezone = 'UTC'\nlog_timezone = 'UTC'\nlc_messages = 'C'\n"
    << "logging_collector = off\nlog_line_prefix = '%m [%p] %q%u@%d '\n"
    << "log_min_messages = warning\n";
  write_file(conf, c.str());
  write_file(data_ / "pg_hba.conf",
             "# pg_server: superuser over the socket (directory 0700), passwords over TCP\n"
             "local all all trust\n"
             "host all all 127.0.0.1/32 scram-sha-256\n");
  const fs::path main_conf = data_ / "postgresql.conf";
  const std::string include = "include 'reconcilerd-test.conf'\n";
  if (read_file(main_conf).find(include) == std::string::npos) {
    std::ofstream f(main_conf, std::ios::app);
    f << include;
    if (!f) throw std::runtime_error("pg_server: cannot write " + main_conf.string());
  }
  if (::geteuid() == 0)
    for (const auto& p : {conf, data_ / "pg_hba.conf"})
      if (::chown(p.c_str(), uid_, gid_) != 0) sys_fail("chown " + p.string());
}

void pg_server::pg_ctl_start() {
  auto r =
      run({bin_ + "/pg_ctl", "-D", data_.string(), "-l", log_.string(), "-w", "-t", "120", "start"},
          150);
  if (r.status != 0) fail("pg_ctl start failed: " + r.err + r.out);
  running_ = true;
}

void pg_server::start() {
  if (running_) return;
  pg_ctl_start();
}

void pg_server::stop() {
  if (!running_) return;
  auto r =
      run({bin_ + "/pg_ctl", "-D", data_.string(), "-m", "fast", "-w", "-t", "120", "stop"}, 150);
  if (r.status != 0) fail("pg_ctl stop failed: " + r.err + r.out);
  running_ = false;
}

void pg_server::restart() {
  stop();
  start();
}

int pg_server::postmaster_pid() const {
  std::ifstream f(data_ / "postmaster.pid");
  int pid = 0;
  f >> pid;
  return pid > 0 ? pid : 0;
}

void pg_server::kill9() {
  const int pid = postmaster_pid();
  running_ = false;
  if (!pid) return;
  pid_t group = 0;
  if (!proc_state(pid, &group)) return;
  // Every process of its group (the postmaster leads it: pg_ctl starts it with setsid), each
  // watched through a pidfd so that we wait for exactly these.
  std::vector<int> fds;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t p = std::stoi(name);
    pid_t g = 0;
    if (proc_state(p, &g) && (p == pid || g == group))
      if (int fd = pidfd_open(p); fd >= 0) fds.push_back(fd);
  }
  if (group == pid ? ::kill(-group, SIGKILL) : ::kill(pid, SIGKILL)) {
    for (int fd : fds) ::close(fd);
    if (errno != ESRCH) sys_fail("kill");
    return;
  }
  bool all_gone = true;
  for (int fd : fds) {
    all_gone = wait_exit(fd, 30000) && all_gone;
    ::close(fd);
  }
  if (!all_gone) fail("processes of the killed server did not exit");
  // Not reaped yet (a zombie still has its pid): its lock files would stop the next start,
  // as they would not after a real crash and reboot.
  if (proc_state(pid) == 'Z') {
    fs::remove(data_ / "postmaster.pid");
    fs::remove(sock_ / (".s.PGSQL." + std::to_string(port_) + ".lock"));
  }
}

std::string pg_server::psql(const std::string& sql) const { return psql_in("reconcilerd", sql); }

std::string pg_server::psql_in(const std::string& db, const std::string& sql) const {
  auto r = run({bin_ + "/psql", "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", "-h",
                sock_.string(), "-p", std::to_string(port_), "-U", "postgres", "-d", db, "-c", sql},
               120);
  if (r.status != 0)
    throw std::runtime_error("pg_server: psql failed (" + sql + "): " + r.err + r.out);
  if (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

void pg_server::fail(const std::string& what) const {
  std::string tail;
  if (fs::exists(log_)) {
    std::string log = read_file(log_);
    std::size_t pos = log.size();
    for (int lines = 0; lines < 30 && pos > 0; ++lines) {
      pos = log.rfind('\n', pos - 1);
      if (pos == std::string::npos) {
        pos = 0;
        break;
      }
    }
    tail = log.substr(pos);
  }
  throw std::runtime_error("pg_server: " + what + "\n--- " + log_.string() + " (tail) ---" + tail);
}

pg_server::run_result pg_server::run(std::vector<std::string> argv, int limit_seconds) const {
  if (!setpriv_.empty()) {
    std::vector<std::string> as{setpriv_, "--reuid=" + std::to_string(uid_),
                                "--regid=" + std::to_string(gid_), "--clear-groups", "--"};
    argv.insert(argv.begin(), as.begin(), as.end());
  }
  // The environment without the test's PG* and locale settings; HOME where the user may read.
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view v(*e);
    if (v.starts_with("PG") || v.starts_with("LC_") || v.starts_with("LANG") ||
        v.starts_with("HOME="))
      continue;
    env.emplace_back(v);
  }
  env.push_back("LC_ALL=C");
  env.push_back("HOME=" + dir_.string());
  std::vector<char*> args, envp;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string cwd = dir_.string();

  const int out = ::memfd_create("pg_server-out", MFD_CLOEXEC);
  const int err = ::memfd_create("pg_server-err", MFD_CLOEXEC);
  if (out < 0 || err < 0) sys_fail("memfd_create");
  const pid_t pid = ::fork();
  if (pid < 0) sys_fail("fork");
  if (pid == 0) {  // only async-signal-safe calls from here
    int in = ::open("/dev/null", O_RDONLY);
    if (in < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0 ||
        ::chdir(cwd.c_str()) != 0)
      ::_exit(126);
    ::syscall(SYS_close_range, 3U, ~0U, 0U);  // no test descriptors in the server
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  run_result r;
  const int pfd = pidfd_open(pid);
  if (pfd >= 0 && !wait_exit(pfd, limit_seconds * 1000)) ::kill(pid, SIGKILL);
  if (pfd >= 0) ::close(pfd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.status = WEXITSTATUS(status);
  r.out = read_fd(out);
  r.err = read_fd(err);
  ::close(out);
  ::close(err);
  return r;
}

}  // namespace reconcilerd::test

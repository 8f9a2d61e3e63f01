// sd_notify wrapper: a real unix datagram socket as $NOTIFY_SOCKET receives the exact
// messages; $WATCHDOG_USEC / $WATCHDOG_PID give the watchdog interval.
#include "daemon/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <optional>
#include <string>

#include "tests/support/temp_dir.hpp"

namespace notify = reconcilerd::daemon::notify;

namespace {

// Restores one environment variable when it dies.
class env_guard {
 public:
  explicit env_guard(const char* name) : name_(name) {
    if (const char* v = std::getenv(name)) old_ = v;
  }
  ~env_guard() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

struct notify_socket {
  reconcilerd::test::temp_dir dir;
  env_guard guard{"NOTIFY_SOCKET"};
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  notify_socket() {
    BOOST_REQUIRE(fd >= 0);
    std::string path = (dir / "notify").string();
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    BOOST_REQUIRE(path.size() < sizeof addr.sun_path);
    path.copy(addr.sun_path, path.size());
    BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  }
  ~notify_socket() { ::close(fd); }

  // The next datagram (already queued: sd_notify is synchronous), or "<none>".
  std::string next() {
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return n < 0 ? std::string("<none>") : std::string(buf, static_cast<std::size_t>(n));
  }
};

unsigned long long monotonic_usec() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<unsigned long long>(ts.tv_sec) * 1'000'000ULL +
         static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sd_notify)

BOOST_AUTO_TEST_CASE(exact_messages) {
  notify_socket sock;
  BOOST_TEST((notify::ready() == notify::result::sent));
  BOOST_TEST(sock.next() == "READY=1");
  BOOST_TEST((notify::ready("3 queued, 0 dead") == notify::result::sent));
  BOOST_TEST(sock.next() == "READY=1\nSTATUS=3 queued, 0 dead");
  BOOST_TEST((notify::status("erp: paused\nuntil 10:00") == notify::result::sent));
  BOOST_TEST(sock.next() == "STATUS=erp: paused until 10:00");
  BOOST_TEST((notify::watchdog() == notify::result::sent));
  BOOST_TEST(sock.next() == "WATCHDOG=1");
  BOOST_TEST((notify::stopping() == notify::result::sent));
  BOOST_TEST(sock.next() == "STOPPING=1");
  BOOST_TEST((notify::extend_timeout(std::chrono::seconds(90)) == notify::result::sent));
  BOOST_TEST(sock.next() == "EXTEND_TIMEOUT_USEC=90000000");
  BOOST_TEST(sock.next() == "<none>");
}

BOOST_AUTO_TEST_CASE(reloading_carries_monotonic_time) {
  notify_socket sock;
  auto before = monotonic_usec();
  BOOST_TEST((notify::reloading() == notify::result::sent));
  auto after = monotonic_usec();
  std::string msg = sock.next();
  const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
  BOOST_REQUIRE(msg.starts_with(prefix));
  std::string digits = msg.substr(prefix.size());
  BOOST_REQUIRE(!digits.empty());
  BOOST_TEST(digits.find_first_not_of("0123456789") == std::string::npos);
  auto usec = std::stoull(digits);
  BOOST_TEST(usec >= before);
  BOOST_TEST(usec <= after);
}

BOOST_AUTO_TEST_CASE(no_socket_is_a_no_op) {
  env_guard guard("NOTIFY_SOCKET");
  ::unsetenv("NOTIFY_SOCKET");
  BOOST_TEST((notify::ready() == notify::result::no_socket));
  BOOST_TEST((notify::watchdog() == notify::result::no_socket));
  BOOST_TEST((notify::reloading() == notify::result::no_socket));
}

BOOST_AUTO_TEST_CASE(unreachable_socket_fails) {
  reconcilerd::test::temp_dir dir;
  env_guard guard("NOTIFY_SOCKET");
  ::setenv("NOTIFY_SOCKET", (dir / "nobody-listens").c_str(), 1);
  BOOST_TEST((notify::ready() == notify::result::failed));
}

BOOST_AUTO_TEST_CASE(watchdog_interval_from_environment) {
  env_guard usec("WATCHDOG_USEC");
  env_guard pid("WATCHDOG_PID");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  BOOST_TEST(!notify::watchdog_interval());

  ::setenv("WATCHDOG_USEC", "30000000", 1);
  BOOST_TEST((notify::watchdog_interval() == std::chrono::seconds(30)));

  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  BOOST_TEST((notify::watchdog_interval() == std::chrono::seconds(30)));
  // Meant for another process (e.g. our parent): not ours.
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  BOOST_TEST(!notify::watchdog_interval());
  ::unsetenv("WATCHDOG_PID");
  ::setenv("WATCHDOG_USEC", "garbage", 1);
  BOOST_TEST(!notify::watchdog_interval());
}

BOOST_AUTO_TEST_SUITE_END()

// A real PostgreSQL 15 for tests (Debian's postgresql-15, /usr/lib/postgresql/15/bin), in a
// directory of the test's own:
//   <dir>/data         the cluster (initdb; fsync stays on)
//   <dir>/sock         its unix socket (superuser access for psql(), trust; mode 0700)
//   <dir>/tls          the test CA (ca_file()) and the server's certificate and key
//   <dir>/server.log   the server's log (its tail is in every error thrown)
// TCP on 127.0.0.1 only, on a port that was free at construction (a packaged cluster on 5432
// plays no part), TLS on, scram-sha-256 passwords. The PG* environment variables of the test
// are not passed to the server or psql.
//
// As root, every PostgreSQL program runs as the system user `postgres` (setpriv), which owns
// <dir> (0755) and what is in it; a parent of <dir> below the temporary directory
// ($TMPDIR, e.g. a tests/support/temp_dir) that others cannot traverse gets o+x. Any other
// parent must already be traversable, or the constructor throws. As another user,
// everything runs as that user.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace reconcilerd::test {

class pg_server {
 public:
  // initdb + pg_ctl start in `dir` (created; must be empty or absent). Creates role
  // `reconcilerd` with password() and database `reconcilerd` owned by it. Throws
  // std::runtime_error with the server log's tail on failure.
  explicit pg_server(const std::filesystem::path& dir);
  ~pg_server();  // stops it (immediate) and leaves the directory to its owner
  pg_server(const pg_server&) = delete;
  pg_server& operator=(const pg_server&) = delete;

  std::uint16_t port() const { return port_; }
  std::string password() const { return password_; }  // of role reconcilerd
  const std::filesystem::path& ca_file() const { return ca_file_; }
  // "host=127.0.0.1 port=N dbname=reconcilerd user=reconcilerd sslmode=verify-full
  //  sslrootcert=<ca>" — no password in it.
  std::string conninfo() const;
  void stop();     // pg_ctl stop -m fast (waits)
  void start();    // again, same port (waits until it accepts connections)
  void restart();  // stop + start
  // SIGKILLs the postmaster and its processes (its process group; like a crash of the
  // server's host) and waits until they are gone. start() recovers.
  void kill9();
  // Runs SQL through psql as the superuser on the socket, in database reconcilerd; returns
  // stdout (unaligned, tuples only, '|' separated, rows separated by '\n', without the last
  // newline). Throws on error with psql's stderr. For test assertions.
  std::string psql(const std::string& sql) const;

 private:
  struct run_result {
    int status = -1;  // exit status; -1: killed or did not finish in time
    std::string out, err;
  };
  run_result run(std::vector<std::string> argv, int limit_seconds) const;  // as the server user
  std::string psql_in(const std::string& db, const std::string& sql) const;
  [[noreturn]] void fail(const std::string& what) const;  // throws with the log's tail
  void write_config() const;
  void pg_ctl_start();
  int postmaster_pid() const;  // from postmaster.pid; 0 if none

  std::filesystem::path dir_, data_, sock_, log_, ca_file_;
  std::string bin_;      // /usr/lib/postgresql/15/bin
  std::string setpriv_;  // empty unless root
  unsigned uid_ = 0, gid_ = 0;
  std::uint16_t port_ = 0;
  std::string password_;
  bool running_ = false;
};

}  // namespace reconcilerd::test

// One connection to PostgreSQL, driven by libpq's asynchronous API inside the Asio loop: no
// threads, no second event loop. The socket libpq opens is watched through a
// posix::stream_descriptor (released, never closed: libpq owns the descriptor).
//
// Everything runs on the connection's executor (one thread; the daemon's io_context). Any
// number of coroutines may call query()/execute() at once: the calls are queued and run one
// at a time, in call order. A call's cost is the round trip plus a few allocations.
//
// Cancellation (a caller's per-operation cancellation, e.g. `co_await (c.query(..) || t)`):
// - a call still waiting for its turn leaves the queue; nothing was sent;
// - a call whose statement was sent closes the connection (its outcome is unknown, and the
//   protocol state with it): later calls throw pg_error(connection_lost);
// - next_notification() leaves the notification it did not return in the queue.
// A cancelled call throws boost::system::system_error(operation_aborted).
//
// Lifetime: the object may be destroyed at any time (the destructor calls close()); calls
// still outstanding then complete with pg_error(connection_lost) when the io_context runs
// their handlers, so the io_context must outlive them (or be destroyed itself, which
// destroys them without running). Nothing else is required of the caller.
//
// libpq's notices (e.g. "relation already exists, skipping") are dropped, not printed.
// Host names in the conninfo are resolved by libpq synchronously (getaddrinfo) while
// connecting; give `hostaddr` to avoid that wait.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace reconcilerd::cluster {

struct pg_error : std::runtime_error {
  pg_error(std::string what, std::string sqlstate, bool connection_lost);
  std::string sqlstate;          // e.g. "23505", "40001"; empty when the connection failed
  bool connection_lost = false;  // the connection is unusable: make a new one
};

struct pg_result {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // text format; nullopt = NULL
  long affected = 0;                                          // PQcmdTuples
  // The value of column `col` in row `row` (throws std::out_of_range for an unknown column,
  // or a row past the end).
  const std::optional<std::string>& at(std::size_t row, std::string_view col) const;
};

struct pg_notification {
  std::string channel, payload;
};

class pg_connection {
 public:
  // Connects. `password`, when not empty, is passed as the libpq `password` keyword (via
  // PQconnectStartParams with expand_dbname=1, conninfo first) so it never has to be in the
  // conninfo text. Throws pg_error (connection_lost=true) with libpq's message on failure or
  // after `timeout`. The message never contains the password. TLS (sslmode, sslrootcert,
  // ...) and everything else is read from the conninfo as libpq does; client_encoding is
  // UTF8 and fallback_application_name "reconcilerd" unless the conninfo says otherwise.
  static boost::asio::awaitable<std::unique_ptr<pg_connection>> connect(
      boost::asio::any_io_executor ex, std::string conninfo, std::string password,
      std::chrono::milliseconds timeout);
  ~pg_connection();  // close()
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;

  // One statement with $1.. text parameters. Calls are queued: one at a time on the
  // connection, in call order, whoever calls (several coroutines may call concurrently).
  // Throws pg_error: SQL errors keep the connection usable; a lost connection, or no
  // answer within the connection's query timeout (counted from when the call's turn
  // comes), closes it (connection_lost=true, and every later call throws at once). An error
  // of severity FATAL/PANIC (e.g. 57P01, the server shutting down) counts as lost.
  boost::asio::awaitable<pg_result> query(std::string sql,
                                          std::vector<std::optional<std::string>> params = {});
  // Several statements without parameters (simple query protocol), e.g. a migration. Unless
  // the text has its own BEGIN/COMMIT, the statements run in one implicit transaction. The
  // first error is thrown, as for query().
  boost::asio::awaitable<void> execute(std::string sql);
  // Waits for the next NOTIFY received on this connection (after the caller ran LISTEN via
  // query()); notifications that arrived while queries ran are kept and returned first.
  // Throws pg_error(connection_lost) when the connection goes away. Several waiters get
  // different notifications, in arrival order.
  boost::asio::awaitable<pg_notification> next_notification();
  void set_query_timeout(std::chrono::milliseconds t);  // default 30 s
  // True once a call found the connection lost, after a timeout, or after close(). (A
  // connection the server dropped while nobody used it is found out by the next call.)
  bool broken() const;
  void close();  // fails pending calls with connection_lost; idempotent

 private:
  struct impl;
  explicit pg_connection(std::shared_ptr<impl> i);
  std::shared_ptr<impl> impl_;
};

}  // namespace reconcilerd::cluster

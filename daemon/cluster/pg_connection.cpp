#include "daemon/cluster/pg_connection.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <list>
#include <utility>
#include <variant>

namespace reconcilerd::cluster {

namespace net = boost::asio;
using boost::system::error_code;
using wait_type = net::posix::descriptor_base::wait_type;
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

pg_error::pg_error(std::string what, std::string state, bool lost)
    : std::runtime_error(std::move(what)), sqlstate(std::move(state)), connection_lost(lost) {}

const std::optional<std::string>& pg_result::at(std::size_t row, std::string_view col) const {
  auto it = std::find(columns.begin(), columns.end(), col);
  if (it == columns.end()) throw std::out_of_range("pg_result: no column " + std::string(col));
  if (row >= rows.size())
    throw std::out_of_range("pg_result: row " + std::to_string(row) + " of " +
                            std::to_string(rows.size()));
  return rows[row][static_cast<std::size_t>(it - columns.begin())];
}

namespace {

// libpq's messages end in a newline and may span lines: one line, without the password.
std::string one_line(std::string s, const std::string& secret = {}) {
  if (!secret.empty())
    for (auto p = s.find(secret); p != std::string::npos; p = s.find(secret, p + 8))
      s.replace(p, secret.size(), "********");
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (auto p = s.find('\n'); p != std::string::npos; p = s.find('\n', p)) s.replace(p, 1, "; ");
  return s.empty() ? "unknown libpq error" : s;
}

[[noreturn]] void throw_aborted() {
  throw boost::system::system_error(net::error::operation_aborted);
}

// Whether the caller asked to cancel. (Read from the coroutine's own state, obtained with
// `co_await net::this_coro::cancellation_state`: co_await of a nested awaitable throws
// operation_aborted once cancelled, before any clean-up could run.)
bool cancelled(const net::cancellation_state& cs) {
  return cs.cancelled() != net::cancellation_type::none;
}

// A coroutine parked until wake() (a timer that never expires, cancelled to wake).
struct signal_waiter {
  explicit signal_waiter(const net::any_io_executor& ex)
      : timer(ex, net::steady_timer::time_point::max()) {}
  net::steady_timer timer;
  bool woken = false;
  void wake() {
    woken = true;
    timer.cancel();
  }
};

struct result_deleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

}  // namespace

struct pg_connection::impl : std::enable_shared_from_this<impl> {
  explicit impl(const net::any_io_executor& e) : ex(e), sock(e), watchdog(e) {}
  ~impl() { shut(); }

  net::any_io_executor ex;
  PGconn* conn = nullptr;
  net::posix::stream_descriptor sock;  // libpq's socket, registered with the reactor
  net::steady_timer watchdog;          // connect / query timeout
  std::uint64_t watch_generation = 0;
  std::chrono::milliseconds query_timeout{30000};
  bool is_broken = false;
  std::string why;                         // why it broke
  bool busy = false;                       // a call holds the turn
  std::deque<signal_waiter*> turn_queue;   // calls waiting for their turn, in call order
  std::deque<pg_notification> notes;       // received, not yet returned
  std::list<signal_waiter*> note_waiters;  // next_notification() calls parked
  bool reader_active = false;              // a next_notification() call waits on the socket

  pg_error lost() const { return pg_error(why, "", true); }

  // Releases the descriptor (libpq closes it) and the connection.
  void shut() {
    ++watch_generation;
    watchdog.cancel();
    if (sock.is_open()) sock.release();
    if (conn) PQfinish(conn);
    conn = nullptr;
  }

  // The connection is unusable from now on; every waiting call is woken to throw.
  void fail(std::string reason) {
    if (is_broken) return;
    is_broken = true;
    why = std::move(reason);
    shut();
    for (auto* w : turn_queue) w->wake();
    turn_queue.clear();
    wake_note_waiters();
  }

  void wake_note_waiters() {
    for (auto* w : note_waiters) w->wake();
  }

  void release_turn() {
    if (!turn_queue.empty()) {  // hand the turn over: busy stays true
      auto* w = turn_queue.front();
      turn_queue.pop_front();
      w->wake();
      return;
    }
    busy = false;
    wake_note_waiters();  // an idle connection is read by a next_notification() call
  }

  void arm_watchdog(std::chrono::milliseconds t, std::string what) {
    const auto generation = ++watch_generation;
    watchdog.expires_after(t);
    watchdog.async_wait(
        [w = weak_from_this(), generation, what = std::move(what)](const error_code& ec) {
          if (ec) return;
          auto self = w.lock();
          if (self && self->watch_generation == generation) self->fail(what);
        });
  }
  void disarm_watchdog() {
    ++watch_generation;
    watchdog.cancel();
  }

  void drain_notifies() {
    if (!conn) return;
    bool any = false;
    while (PGnotify* n = PQnotifies(conn)) {
      notes.push_back({n->relname ? n->relname : "", n->extra ? n->extra : ""});
      PQfreemem(n);
      any = true;
    }
    if (any) wake_note_waiters();
  }

  // After a socket wait of the call holding the turn: throws when the connection broke
  // (timeout, close()) or the caller cancelled (which closes the connection: the statement's
  // outcome and the protocol state are unknown).
  void after_wait(const error_code& ec, bool caller_cancelled) {
    if (is_broken) throw lost();
    if (caller_cancelled) throw_aborted();  // in_flight_guard closes the connection
    if (ec && ec != net::error::operation_aborted) {
      fail("the database connection's socket failed: " + ec.message());
      throw lost();
    }
  }

  [[noreturn]] void lose(std::string msg, std::string sqlstate = {}) {
    fail(msg);
    throw pg_error(std::move(msg), std::move(sqlstate), true);
  }

  // ---- the queue ----

  struct turn_guard {
    std::shared_ptr<impl> self;
    ~turn_guard() { self->release_turn(); }
  };
  // Closes the connection unless the statement's answer was read to the end (the caller was
  // cancelled, or the coroutine destroyed, while it ran).
  struct in_flight_guard {
    std::shared_ptr<impl> self;
    bool answered = false;
    ~in_flight_guard() {
      if (!answered) self->fail("connection closed: a call was cancelled while its statement ran");
    }
  };
  struct watchdog_guard {
    std::shared_ptr<impl> self;
    ~watchdog_guard() { self->disarm_watchdog(); }
  };
  struct queued {  // a place in turn_queue, left when the waiting call ends
    impl& owner;
    signal_waiter* w;
    queued(impl& o, signal_waiter* waiter) : owner(o), w(waiter) { owner.turn_queue.push_back(w); }
    ~queued() {
      auto& q = owner.turn_queue;
      q.erase(std::remove(q.begin(), q.end(), w), q.end());
    }
  };
  struct parked {  // a place in note_waiters
    impl& owner;
    std::list<signal_waiter*>::iterator it;
    parked(impl& o, signal_waiter* w)
        : owner(o), it(owner.note_waiters.insert(owner.note_waiters.end(), w)) {}
    ~parked() { owner.note_waiters.erase(it); }
  };

  // Returns holding the turn (busy), or throws (broken, cancelled).
  static net::awaitable<void> acquire(std::shared_ptr<impl> self) {
    if (self->is_broken) throw self->lost();
    if (!self->busy && self->turn_queue.empty()) {
      self->busy = true;
      co_return;
    }
    const auto cs = co_await net::this_coro::cancellation_state;
    signal_waiter w(self->ex);
    {
      queued place(*self, &w);
      co_await w.timer.async_wait(tuple_awaitable);
    }
    if (!w.woken) throw_aborted();  // cancelled by the caller while waiting
    if (self->is_broken) throw self->lost();
    if (cancelled(cs)) {  // the turn came, but the caller is gone
      self->release_turn();
      throw_aborted();
    }
  }

  // ---- sockets ----

  static net::awaitable<void> wait(std::shared_ptr<impl> self, wait_type t) {
    const auto cs = co_await net::this_coro::cancellation_state;
    auto [ec] = co_await self->sock.async_wait(t, tuple_awaitable);
    self->after_wait(ec, cancelled(cs));
  }

  // PQflush returned 1: wait until the socket can be written or read (the server may be
  // waiting for us to read before it reads more), then consume what came in.
  static net::awaitable<void> wait_flushable(std::shared_ptr<impl> self) {
    using namespace net::experimental::awaitable_operators;
    const auto cs = co_await net::this_coro::cancellation_state;
    auto& s = self->sock;
    auto r = co_await (s.async_wait(wait_type::wait_write, tuple_awaitable) ||
                       s.async_wait(wait_type::wait_read, tuple_awaitable));
    const error_code ec = std::visit([](auto& t) { return std::get<0>(t); }, r);
    self->after_wait(ec, cancelled(cs));
    if (!PQconsumeInput(self->conn)) self->lose(one_line(PQerrorMessage(self->conn)));
  }

  // ---- statements ----

  static pg_error sql_error(const PGresult* r, bool& fatal) {
    auto field = [&](int code) {
      const char* v = PQresultErrorField(r, code);
      return std::string(v ? v : "");
    };
    const std::string severity = field(PG_DIAG_SEVERITY_NONLOCALIZED);
    fatal = severity == "FATAL" || severity == "PANIC";
    std::string msg = field(PG_DIAG_MESSAGE_PRIMARY);
    if (msg.empty()) msg = one_line(PQresultErrorMessage(r));
    if (auto detail = field(PG_DIAG_MESSAGE_DETAIL); !detail.empty())
      msg += " (" + one_line(detail) + ")";
    return pg_error(msg, field(PG_DIAG_SQLSTATE), fatal);
  }

  static void take_rows(const PGresult* r, pg_result& out) {
    out.columns.clear();
    out.rows.clear();
    const int ncols = PQnfields(r), nrows = PQntuples(r);
    for (int c = 0; c < ncols; ++c) out.columns.emplace_back(PQfname(r, c));
    out.rows.reserve(static_cast<std::size_t>(nrows));
    for (int i = 0; i < nrows; ++i) {
      auto& row = out.rows.emplace_back();
      row.reserve(static_cast<std::size_t>(ncols));
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(r, i, c))
          row.emplace_back(std::nullopt);
        else
          row.emplace_back(std::in_place, PQgetvalue(r, i, c),
                           static_cast<std::size_t>(PQgetlength(r, i, c)));
      }
    }
  }

  static net::awaitable<pg_result> run(std::shared_ptr<impl> self, std::string sql,
                                       std::vector<std::optional<std::string>> params,
                                       bool simple) {
    co_await acquire(self);
    turn_guard turn{self};
    if (self->reader_active) self->sock.cancel();  // the socket is ours now
    self->arm_watchdog(self->query_timeout, "no answer from the database within " +
                                                std::to_string(self->query_timeout.count()) +
                                                " ms (connection closed)");
    watchdog_guard guard{self};

    in_flight_guard in_flight{self};
    PGconn* c = self->conn;
    int sent = 0;
    if (simple) {
      sent = PQsendQuery(c, sql.c_str());
    } else {
      std::vector<const char*> values;
      values.reserve(params.size());
      for (auto& p : params) values.push_back(p ? p->c_str() : nullptr);
      sent = PQsendQueryParams(c, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
    }
    if (!sent) {
      std::string msg = one_line(PQerrorMessage(c));
      if (PQstatus(c) == CONNECTION_BAD) self->lose(msg);
      in_flight.answered = true;  // nothing went out
      throw pg_error(msg, "", false);
    }
    for (;;) {
      const int f = PQflush(self->conn);
      if (f == 0) break;
      if (f < 0) self->lose(one_line(PQerrorMessage(self->conn)));
      co_await wait_flushable(self);
      self->drain_notifies();
    }

    pg_result out;
    std::optional<pg_error> error;
    bool lost = false, done = false;
    while (!done) {
      while (!done && !PQisBusy(self->conn)) {
        result_ptr r(PQgetResult(self->conn));
        if (!r) {
          done = true;
          break;
        }
        switch (PQresultStatus(r.get())) {
          case PGRES_TUPLES_OK:
          case PGRES_SINGLE_TUPLE:
            if (!simple) take_rows(r.get(), out);
            out.affected = std::strtol(PQcmdTuples(r.get()), nullptr, 10);
            break;
          case PGRES_COMMAND_OK:
            out.affected = std::strtol(PQcmdTuples(r.get()), nullptr, 10);
            break;
          case PGRES_EMPTY_QUERY:
            break;
          case PGRES_FATAL_ERROR:
          case PGRES_NONFATAL_ERROR: {
            bool fatal = false;
            auto e = sql_error(r.get(), fatal);
            if (!error) error = std::move(e);
            lost = lost || fatal;
            break;
          }
          case PGRES_COPY_IN:
          case PGRES_COPY_OUT:
          case PGRES_COPY_BOTH:
            self->lose("COPY is not supported on this connection (connection closed)");
          default:
            self->lose(std::string("unexpected answer from the database: ") +
                       PQresStatus(PQresultStatus(r.get())) + " (connection closed)");
        }
      }
      self->drain_notifies();
      if (done) break;
      co_await wait(self, wait_type::wait_read);
      if (!PQconsumeInput(self->conn)) self->lose(one_line(PQerrorMessage(self->conn)));
    }
    in_flight.answered = true;
    if (lost || PQstatus(self->conn) == CONNECTION_BAD) {
      if (error) self->lose(error->what(), error->sqlstate);
      self->lose(one_line(PQerrorMessage(self->conn)));
    }
    if (error) throw *error;
    co_return out;
  }

  static net::awaitable<void> run_simple(std::shared_ptr<impl> self, std::string sql) {
    co_await run(std::move(self), std::move(sql), {}, true);
  }

  // ---- notifications ----

  static net::awaitable<pg_notification> next_note(std::shared_ptr<impl> self) {
    const auto cs = co_await net::this_coro::cancellation_state;
    for (;;) {
      self->drain_notifies();
      if (!self->notes.empty()) {
        if (cancelled(cs)) throw_aborted();  // leave it for the next call
        pg_notification n = std::move(self->notes.front());
        self->notes.pop_front();
        co_return n;
      }
      if (self->is_broken) throw self->lost();
      if (!self->busy && !self->reader_active) {  // idle: read the socket here
        self->reader_active = true;
        auto [ec] = co_await self->sock.async_wait(wait_type::wait_read, tuple_awaitable);
        self->reader_active = false;
        if (self->is_broken) throw self->lost();
        if (cancelled(cs)) throw_aborted();
        if (ec == net::error::operation_aborted || self->busy) continue;  // a call took over
        if (ec) self->lose("the database connection's socket failed: " + ec.message());
        if (!PQconsumeInput(self->conn)) self->lose(one_line(PQerrorMessage(self->conn)));
        continue;
      }
      signal_waiter w(self->ex);  // a running call (or another waiter) reads; it wakes us
      {
        parked place(*self, &w);
        co_await w.timer.async_wait(tuple_awaitable);
      }
      if (!w.woken && cancelled(cs)) throw_aborted();
    }
  }

  // ---- connecting ----

  static net::awaitable<std::shared_ptr<impl>> open(net::any_io_executor ex, std::string conninfo,
                                                    std::string password,
                                                    std::chrono::milliseconds timeout) {
    const auto cs = co_await net::this_coro::cancellation_state;
    auto self = std::make_shared<impl>(ex);
    // Later keywords override earlier ones: the conninfo may change the first two, the
    // password (when given) overrides one in the conninfo.
    const char* keys[] = {"client_encoding", "fallback_application_name", "dbname",
                          password.empty() ? nullptr : "password", nullptr};
    const char* values[] = {"UTF8", "reconcilerd", conninfo.c_str(), password.c_str(), nullptr};
    self->conn = PQconnectStartParams(keys, values, 1);
    if (!self->conn) throw pg_error("could not connect to the database: out of memory", "", true);
    PQsetNoticeReceiver(
        self->conn, [](void*, const PGresult*) {}, nullptr);
    auto failed = [&] {
      return pg_error(one_line(PQerrorMessage(self->conn), password), "", true);
    };
    if (PQstatus(self->conn) == CONNECTION_BAD) throw failed();

    self->arm_watchdog(timeout, "could not connect to the database: no answer within " +
                                    std::to_string(timeout.count()) + " ms");
    watchdog_guard guard{self};
    // Before the first PQconnectPoll, wait as if it had answered "writing". The socket may
    // change between calls (another address, a retry without TLS): it is registered anew
    // for every wait and released before libpq runs again.
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (st != PGRES_POLLING_OK) {
      if (st == PGRES_POLLING_FAILED) throw failed();
      const int fd = PQsocket(self->conn);
      if (fd < 0) throw failed();
      error_code ec;
      self->sock.assign(fd, ec);
      if (ec) throw pg_error("could not connect to the database: " + ec.message(), "", true);
      auto [wec] = co_await self->sock.async_wait(
          st == PGRES_POLLING_READING ? wait_type::wait_read : wait_type::wait_write,
          tuple_awaitable);
      if (self->is_broken) throw self->lost();  // the timeout
      self->sock.release();
      if (cancelled(cs)) throw_aborted();
      if (wec && wec != net::error::operation_aborted)
        throw pg_error("could not connect to the database: " + wec.message(), "", true);
      st = PQconnectPoll(self->conn);
    }
    if (PQsetnonblocking(self->conn, 1) != 0) throw failed();
    error_code ec;
    self->sock.assign(PQsocket(self->conn), ec);
    if (ec) throw pg_error("could not connect to the database: " + ec.message(), "", true);
    co_return self;
  }
};

pg_connection::pg_connection(std::shared_ptr<impl> i) : impl_(std::move(i)) {}

pg_connection::~pg_connection() { close(); }

net::awaitable<std::unique_ptr<pg_connection>> pg_connection::connect(
    net::any_io_executor ex, std::string conninfo, std::string password,
    std::chrono::milliseconds timeout) {
  auto i = co_await impl::open(std::move(ex), std::move(conninfo), std::move(password), timeout);
  co_return std::unique_ptr<pg_connection>(new pg_connection(std::move(i)));
}

net::awaitable<pg_result> pg_connection::query(std::string sql,
                                               std::vector<std::optional<std::string>> params) {
  return impl::run(impl_, std::move(sql), std::move(params), false);
}

net::awaitable<void> pg_connection::execute(std::string sql) {
  return impl::run_simple(impl_, std::move(sql));
}

net::awaitable<pg_notification> pg_connection::next_notification() {
  return impl::next_note(impl_);
}

void pg_connection::set_query_timeout(std::chrono::milliseconds t) { impl_->query_timeout = t; }

bool pg_connection::broken() const { return impl_->is_broken; }

void pg_connection::close() { impl_->fail("connection closed"); }

}  // namespace reconcilerd::cluster

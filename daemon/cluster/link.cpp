#include "daemon/cluster/link.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "daemon/cluster/pg_connection.hpp"
#include "daemon/cluster/schema.hpp"
#include "daemon/log.hpp"

namespace reconcilerd::cluster {

namespace net = boost::asio;
using daemon::level;
using daemon::log;

link::link(net::any_io_executor ex, config::cluster_settings s, std::string version, hooks h)
    : ex_(std::move(ex)),
      settings_(std::move(s)),
      version_(std::move(version)),
      hooks_(std::move(h)),
      wait_(ex_) {}

link::~link() { stop(); }

std::chrono::milliseconds link::query_timeout() const {
  return std::min<std::chrono::milliseconds>(std::chrono::seconds(10), settings_.lease / 3);
}

void link::start() {
  if (started_) return;
  started_ = true;
  net::co_spawn(ex_, run(), daemon::report_crash);
}

void link::stop() {
  stopping_ = true;
  store_.reset();
  if (conn_) conn_->close();
  if (listener_) listener_->close();
  wait_.cancel();
}

void link::lost(std::string_view why) {
  if (!store_) return;
  went_down(why);
}

void link::went_down(std::string_view why) {
  store_.reset();
  if (conn_) conn_->close();
  if (listener_) listener_->close();
  wait_.cancel();
  if (stopping_ || down_logged_) return;
  down_logged_ = true;
  log(level::error, "cluster database unreachable (" + std::string(why) +
                        "); no new requests start, jobs stay in the spool; reconnecting");
}

net::awaitable<void> link::run() {
  auto backoff = std::chrono::milliseconds(500);
  while (!stopping_) {
    std::string why;
    try {
      auto c = std::shared_ptr<pg_connection>(co_await pg_connection::connect(
          ex_, settings_.database, settings_.password, std::chrono::seconds(10)));
      c->set_query_timeout(query_timeout());
      auto report = co_await migrate(*c);
      if (report.to != report.from)
        log(level::notice, "cluster database schema migrated from version " +
                               std::to_string(report.from) + " to " + std::to_string(report.to));
      auto l = std::shared_ptr<pg_connection>(co_await pg_connection::connect(
          ex_, settings_.database, settings_.password, std::chrono::seconds(10)));
      co_await l->query("LISTEN reconcilerd");
      auto s = std::make_shared<store>(c, settings_.node);
      co_await s->heartbeat(version_);
      if (stopping_) co_return;
      conn_ = c;
      listener_ = l;
      store_ = s;
      backoff = std::chrono::milliseconds(500);
      if (down_logged_)
        log(level::notice, "cluster database reachable again");
      else
        log(level::info, "cluster: node " + settings_.node + " connected to the database");
      down_logged_ = false;
      net::co_spawn(ex_, listen(l), net::detached);
      if (hooks_.up) hooks_.up();
      // Heartbeats until the connection goes (a failed call elsewhere closes it too).
      while (!stopping_ && store_ == s && !c->broken()) {
        wait_.expires_after(settings_.lease / 3);
        co_await wait_.async_wait(net::as_tuple(net::use_awaitable));
        if (stopping_ || store_ != s || c->broken()) break;
        co_await s->heartbeat(version_);
      }
      why = "connection lost";
    } catch (const pg_error& e) {
      why = e.what();
    } catch (const std::exception& e) {
      // The schema is newer than this build, or similar: nothing will change by retrying
      // quickly; say it and keep trying slowly.
      why = e.what();
      backoff = std::chrono::seconds(30);
    }
    if (stopping_) co_return;
    went_down(why);
    wait_.expires_after(backoff);
    co_await wait_.async_wait(net::as_tuple(net::use_awaitable));
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(10));
  }
}

net::awaitable<void> link::listen(std::shared_ptr<pg_connection> c) {
  try {
    for (;;) {
      pg_notification n = co_await c->next_notification();
      std::string_view p = n.payload;
      if (p.starts_with("work ")) {
        if (hooks_.work) hooks_.work(p.substr(5));
      } else if (p.starts_with("finished ")) {
        if (p.substr(9) == settings_.node && hooks_.finished) hooks_.finished();
      } else if (p.starts_with("order ")) {
        if (p.substr(6) == settings_.node && hooks_.orders) hooks_.orders();
      }
    }
  } catch (const pg_error& e) {
    if (!stopping_ && listener_ == c) went_down(e.what());
  }
}

}  // namespace reconcilerd::cluster

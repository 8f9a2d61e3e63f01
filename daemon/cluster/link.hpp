// A node's link to the cluster database: connects (and migrates the schema) at start and
// after every loss, with backoff; a second connection LISTENs for wake-ups. While the
// database is away, db() is empty and nothing new starts; the loss and the recovery are
// logged once each. Single-threaded, on the engine's io_context.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "daemon/cluster/store.hpp"

namespace reconcilerd::cluster {

class link {
 public:
  struct hooks {
    std::function<void(std::string_view backend)> work;  // NOTIFY: the backend may have work
    std::function<void()> finished;  // NOTIFY: a job of this node's files was finished
    std::function<void()> up;        // connected and migrated (at start, after a loss)
    std::function<void()> orders;    // NOTIFY: another node's operator asked this node
  };
  link(boost::asio::any_io_executor ex, config::cluster_settings s, std::string version, hooks h);
  ~link();
  link(const link&) = delete;
  link& operator=(const link&) = delete;

  void start();
  void stop();
  // The database, while it is reachable (share it for the length of a call).
  std::shared_ptr<store> db() const { return store_; }
  // A caller's call failed because the connection is gone: reconnect.
  void lost(std::string_view why);
  const config::cluster_settings& settings() const { return settings_; }
  // How long a query may take before the connection counts as lost (a third of the lease,
  // at most 10 s): a hung database is noticed before leases run out.
  std::chrono::milliseconds query_timeout() const;

 private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> listen(std::shared_ptr<class pg_connection> c);
  void went_down(std::string_view why);

  boost::asio::any_io_executor ex_;
  config::cluster_settings settings_;
  std::string version_;
  hooks hooks_;
  std::shared_ptr<pg_connection> conn_;
  std::shared_ptr<pg_connection> listener_;
  std::shared_ptr<store> store_;
  boost::asio::steady_timer wait_;  // heartbeat interval / reconnect backoff
  bool stopping_ = false;
  bool down_logged_ = false;
  bool started_ = false;
};

}  // namespace reconcilerd::cluster

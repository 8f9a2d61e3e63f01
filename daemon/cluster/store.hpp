// The cluster's shared state, one call per transaction (schema.cpp's functions): jobs in,
// claims with fenced leases, the shared GCRA token, markers, results, the files a node
// must finish. Pure SQL over one connection; no retries, no logging: pg_error reaches the
// caller, who decides (the engine: nothing new starts while the database is away).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/status/status_snapshot.hpp"

namespace reconcilerd::cluster {

class pg_connection;

using ms = std::chrono::milliseconds;

// A claimed job's lane: what fences every later write about it.
struct ticket {
  std::int64_t job_id = 0;
  std::string backend;
  std::string invoice;
  std::int64_t fence = 0;
  bool operator==(const ticket&) const = default;
};

// A job file taken into the cluster by its origin node.
struct new_job {
  std::string file_name;
  std::string backend;
  std::string invoice;
  std::optional<std::int64_t> sequence;
  std::string body;      // the file's text
  std::string delivery;  // its delivery state (jobs::state_to_json)
};

struct claimed_job {
  ticket lane;
  std::string origin;
  std::string file_name;
  std::string body;
  std::string delivery;
  bool reaped = false;  // its previous holder did not finish it (lease expired)
};

struct token_answer {
  bool granted = false;
  std::optional<ms> wait;  // not granted: when to ask again; none: the lease is lost or
                           // the backend is suspended (`why`)
  std::string why;
};

struct bucket_settings {
  std::int64_t emission_us = 0;
  int burst = 1;
  int concurrency = 1;
  std::string defined_by;
  bool disagrees = false;  // this node's config asked for other settings
};

enum class end_state { done, dead, queued };

struct finished_job {
  std::int64_t job_id = 0;
  std::string file_name;
  std::string body;
  bool done = true;      // else dead
  std::string outcome;   // dead: the dead letter (outcome_to_json)
  std::string delivery;  // the delivery state at the end
  std::string finished_by;
};

// A request of another node's operator for one of this node's files.
struct order {
  std::string action;  // "retry": the dead letter `job` back to incoming/
  std::string job;
  std::string asked_by;
};

class store {
 public:
  store(std::shared_ptr<pg_connection> db, std::string node)
      : conn_(std::move(db)), db_(*conn_), node_(std::move(node)) {}
  const std::string& node() const { return node_; }

  // This node is alive (rd_nodes.seen_at); `version` is the daemon's.
  boost::asio::awaitable<void> heartbeat(std::string version);
  // The settings in force for `bucket` (a backend's name, or "<name>:read"), from this
  // node's config unless a live other node defined different ones.
  boost::asio::awaitable<bucket_settings> define(std::string bucket, std::string backend,
                                                 double rate_per_second, int burst, int concurrency,
                                                 ms live);
  // Jobs in, in this order (their arrival order across the cluster); a file already in
  // (same origin and name) is left as it is.
  boost::asio::awaitable<void> submit(const std::vector<new_job>& jobs);
  boost::asio::awaitable<std::optional<claimed_job>> claim(std::string backend, ms lease);
  // The lanes of `held` still held after extending them.
  boost::asio::awaitable<std::vector<ticket>> renew(const std::vector<ticket>& held, ms lease);
  boost::asio::awaitable<token_answer> token(std::string bucket, const ticket& t, ms lease);
  // The delivery state while the lease is held; a reaped job is not due before `not_before`.
  boost::asio::awaitable<bool> mark(const ticket& t, std::string delivery, ms not_before);
  // The end of a turn (false: the lease was lost, the result is not recorded).
  boost::asio::awaitable<bool> finish(const ticket& t, end_state s, std::string delivery, ms next,
                                      std::string outcome);
  boost::asio::awaitable<void> pause(std::string bucket, ms for_, std::string reason);
  boost::asio::awaitable<void> suspend(std::string backend, std::string reason);
  boost::asio::awaitable<void> resume(std::string backend);
  // Why `backend` is suspended for the cluster (none: it is not).
  boost::asio::awaitable<std::optional<std::string>> suspended(std::string backend);
  // Jobs of this node's files that some node finished, oldest first.
  boost::asio::awaitable<std::vector<finished_job>> finished(int limit);
  // Their files are in done/ or dead/ (durably): the rows of delivered jobs go; dead ones
  // stay as `filed` (the cluster's list of dead letters, for reconcilerctl on any node)
  // until the file comes back (a retry submits it again) or for 30 days.
  boost::asio::awaitable<void> forget(const std::vector<std::int64_t>& delivered,
                                      const std::vector<std::int64_t>& dead);
  // Asks `node` to move its dead letter `job` back to its incoming/ (NOTIFY 'order <node>').
  boost::asio::awaitable<void> order_retry(std::string node, std::string job);
  // This node's orders, removed from the database as they are returned.
  boost::asio::awaitable<std::vector<order>> take_orders();
  // The cluster as the database sees it, for status.json and metrics: nodes (live: seen
  // within `live`), backends, and up to `limit` jobs (unfinished ones oldest first, then the
  // newest dead letters). node, database_up and lease_seconds are left for the caller.
  boost::asio::awaitable<daemon::cluster_status> look(ms live, int limit);

 private:
  std::shared_ptr<pg_connection> conn_;  // kept alive while a call runs
  pg_connection& db_;
  std::string node_;
};

}  // namespace reconcilerd::cluster

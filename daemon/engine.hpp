// The daemon's working state and its three activities, shared by one io_context:
//   intake   (intake.cpp)   incoming/ -> active/, decode, validate, queue
//   delivery (delivery.cpp) per backend: pacing + health -> request -> outcome -> spool move
//   control  (app.cpp)      signals, reload, status.json / metrics, start-up recovery
// Single-threaded: no locks. Per-job failures are values and never escape a coroutine.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_map>

#include "backends/backend.hpp"
#include "config/config.hpp"
#include "daemon/admission.hpp"
#include "daemon/backend_health.hpp"
#include "daemon/cluster/store.hpp"
#include "daemon/job_queue.hpp"
#include "daemon/pacer.hpp"
#include "daemon/status/status_log.hpp"
#include "daemon/status/status_snapshot.hpp"
#include "daemon/transport/client.hpp"
#include "daemon/verdict.hpp"
#include "jobs/job.hpp"
#include "jobs/spool.hpp"

namespace reconcilerd::cluster {
class link;
}

namespace reconcilerd::daemon {

using clock = std::chrono::system_clock;

// A final move (to done/ or dead/ with `why`).
struct final_move {
  bool deliver = true;  // to done/; else to dead/ with `why`
  jobs::dead_letter why;
  std::optional<int> http_status;
};

// A job claimed from the cluster database (cluster mode): its fenced lane, whose file it
// is, and until when this node may write for it (renewed; a lost lease stops the write).
struct cluster_hold {
  cluster::ticket lane;
  std::string origin;
  std::string file_name;
  std::chrono::steady_clock::time_point lease_until;
  bool lost = false;
};

// The one record of a job the engine holds in memory: what it says, its delivery state,
// where its file is, and — when the spool could not make its final move yet (ENOSPC, EIO)
// — that move, retried until it succeeds (the file stays in active/ meanwhile). The job
// queue holds only its ordering key; `parked_` only names of jobs not in memory.
struct held_job {
  jobs::job job;  // empty for a file that is not a valid job (dead-lettered as invalid)
  jobs::delivery_state state;
  bool in_deferred = false;  // the file is in deferred/ (else active/)
  bool safe_to_repeat = true;
  std::optional<final_move> settling;
  bool no_fold = false;                 // a folded request carrying it was refused: it goes alone
  std::optional<cluster_hold> cluster;  // claimed from the cluster (key "<origin>/<file>")
};

struct backend_runtime {
  backend_runtime(boost::asio::io_context& io, const config::backend& c,
                  std::shared_ptr<transport::client> cl);

  config::backend cfg;
  std::unique_ptr<backends::adapter> adapter;
  std::shared_ptr<transport::client> client;
  pacer pace;
  pacer read_pace;  // reads, where the API limits them separately (Bigcapital's GET route)
  backend_health health;
  boost::asio::steady_timer wake;  // the dispatcher sleeps on it; cancel() wakes it
  bool removed = false;            // gone from the config: no new starts
  bool dispatching = false;
  bool woken = false;       // wake() while the dispatcher was not asleep (a cluster claim ran)
  int dispatched = 0;       // deliveries under way (at most cfg.concurrency)
  bool verified = false;    // an answer has shown the credentials work (else: one at a time)
  unsigned generation = 0;  // bumped by every reload
  std::set<boost::asio::steady_timer*> gate_waiters;  // woken on reload / resume
  std::string pause_reason;  // why the pacer is paused (Retry-After, 429, rate hint)

  // Figures for status.json / metrics.
  backend_status stats;
  std::deque<clock::time_point> starts;     // request starts in the last minute
  std::deque<clock::time_point> delivered;  // deliveries in the last hour
};

// What the engine takes from its surroundings, so tests can supply their own: the wall
// clock (job ages, retry times, status), the transport, and the memory window.
struct engine_options {
  using client_factory = std::function<std::shared_ptr<transport::client>(
      boost::asio::any_io_executor, const config::backend&)>;
  std::function<clock::time_point()> now;  // default: the system clock
  client_factory make_client;              // default: transport::https_client
  std::size_t window = 20000;              // jobs held in memory at most
};

class engine {
 public:
  engine(boost::asio::io_context& io, config::config cfg, engine_options opts = {});
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // Start-up: spool recovery, deferred jobs back into memory. Throws on an unusable spool.
  void recover();
  // Starts the watcher, the dispatchers and the periodic timers.
  void start();
  // SIGTERM: stop claiming and starting; `done` runs once nothing is in flight or the
  // grace period is over.
  void stop(std::chrono::milliseconds grace, std::function<void()> done);
  // SIGHUP: apply a new config (already validated).
  void reload(config::config next);
  void reopen_status_log();
  std::string summary() const;  // one line for sd_notify STATUS=
  status_snapshot snapshot();
  void write_status();
  // Something may have changed (files arrived, time moved on): claim and dispatch now.
  void kick();
  void event(event_record r);  // one status-log event
  const config::config& config() const { return cfg_; }

 private:
  // Deferred jobs not in memory back into the queue (all of them at start-up, only the due
  // ones later), within the window and the per-backend cap.
  void load_deferred(bool only_due);
  // The most jobs one backend may hold in memory, so a stuck backend cannot starve others.
  std::size_t backend_cap() const { return backends_.size() > 1 ? window_ / 2 : window_; }

  // --- intake (intake.cpp)
  void request_intake();  // coalesced: runs once per loop turn
  void intake();
  // Arrival order: inotify reports renames into incoming/ in order (arrived_); files found
  // otherwise (at start-up, after lost events, by the periodic rescan) are ordered by
  // (change time, name) (scanned_) and come before the reported ones.
  void on_arrival(std::string_view name);
  void on_events_lost(std::string_view why);
  void scan_incoming();
  std::uint64_t next_rank();

  // --- delivery (delivery.cpp)
  void wake(backend_runtime& b);  // the dispatcher and the requests waiting at the gate
  boost::asio::awaitable<void> dispatch(std::string backend);
  boost::asio::awaitable<void> deliver(std::string backend, std::string name, send_role role);
  // One request of a delivery (a read or the write) through the gate, and what came back.
  struct exchange_result {
    attempt_answer answer;
    boost::json::object invoice;  // a read answered `delivered`: the adapter's view
    bool same_settings = true;    // no reload while it ran
  };
  boost::asio::awaitable<exchange_result> exchange(std::string backend, std::string name,
                                                   backends::request req, send_role role,
                                                   bool read);
  // Waiting jobs of the invoice that may travel with `name`'s request; fills `update`.
  std::vector<std::string> fold_behind(backend_runtime& b, const std::string& name,
                                       boost::json::object& update);
  void note_verified(const std::string& name, const held_job& h, const verdict& v);
  // Carries out a verdict (the request's own, or a read's).
  void act(backend_runtime& b, const std::string& name, held_job& h, const verdict& v,
           std::optional<int> http_status, const std::vector<std::string>& carried);

  void apply_health(backend_runtime& b, health_effect effect, send_role role,
                    const std::string& reason, std::chrono::steady_clock::time_point now);
  // Pacing after an answer: 429 backoff, Retry-After, X-RateLimit-* hints; logs new pauses.
  void pace_after_answer(backend_runtime& b, pacer& p, const backends::outcome& o, int http_status,
                         std::chrono::steady_clock::time_point now);

  // --- cluster mode (cluster_mode.cpp): jobs go through the cluster database
  bool clustered() const { return cluster_ != nullptr; }
  void cluster_start();
  void cluster_up();  // connected: bucket settings, pending submissions, finished files
  boost::asio::awaitable<void> cluster_define();  // this node's backend settings
  void cluster_resume(const std::string& backend);
  void cluster_submit(jobs::claimed& c, const jobs::job& j);
  void request_submit();
  boost::asio::awaitable<void> submit_pending();
  // Claims one job of `b` and starts its delivery; false: none now.
  boost::asio::awaitable<bool> cluster_take(std::string backend);
  // The write gate's cluster part: the lease (with a margin) and the shared token.
  boost::asio::awaitable<bool> cluster_gate(std::string backend, std::string name, bool read);
  boost::asio::awaitable<bool> cluster_mark(std::string name);
  void cluster_act(backend_runtime& b, const std::string& name, held_job& h, const verdict& v,
                   std::optional<int> http_status);
  // Ends this node's turn with the job (the record leaves memory; the database is told,
  // retried while it is away).
  void cluster_end(const std::string& name, cluster::end_state s, clock::time_point next,
                   std::string outcome);
  boost::asio::awaitable<void> cluster_finish(cluster::ticket t, cluster::end_state s,
                                              std::string delivery, clock::time_point next,
                                              std::string outcome, std::string name);
  void cluster_pause(backend_runtime& b, bool read, std::chrono::milliseconds d,
                     const std::string& why);
  void cluster_suspend(const std::string& backend, const std::string& why);
  boost::asio::awaitable<void> cluster_loop();  // lease renewal, polling
  // reconcilerctl retry of another node's dead letter: passed on through the database (kept
  // and passed on later while it is away); this node's own: done here.
  void cluster_order_retry(const std::string& node, const std::string& job);
  void request_orders();  // this node's orders from other nodes' operators
  boost::asio::awaitable<void> run_orders();
  void retry_dead_letter(const std::string& job, const std::string& asked_by);
  boost::asio::awaitable<void> refresh_cluster_view();
  void request_finish_files();
  boost::asio::awaitable<void> finish_files();
  void cluster_db_error(const std::exception& e);
  // Requeue (single node) or give the job back to the cluster, due at `when`.
  void requeue(const std::string& name, clock::time_point when);
  std::size_t in_memory() const { return held_.size() + to_submit_.size(); }

  // --- shared helpers
  void request_sync();  // group commit: one spool.sync() after this loop turn
  void bury(const std::string& name, held_job& h, jobs::dead_category cat, std::string message,
            std::optional<int> http_status);
  void admit_claimed(jobs::claimed& c, job_source source);
  void bury_unqueued(const std::string& name, const jobs::job* j, jobs::delivery_state& st,
                     std::string message);
  // done/ or dead/ now; else the move is kept on the job's record (held_) and retried.
  void settle(const std::string& name, held_job& h, final_move m);
  bool settle_now(const std::string& name, const held_job& h, const final_move& m);
  void retry_pending();
  void spool_failed(const jobs::spool_error& e);  // logs once per episode, pauses claiming
  void spool_ok();
  backend_runtime* find(const std::string& name);
  std::size_t in_flight() const;  // deliveries under way, all backends (their `dispatched`)
  // The longest done_retention of the backends (7 days without any): what a done/ file
  // without an expiry marker keeps.
  std::chrono::milliseconds longest_done_retention() const;
  void check_control();
  clock::time_point wall_now() const { return opts_.now(); }

  boost::asio::io_context& io_;
  config::config cfg_;
  jobs::spool spool_;
  job_queue queue_;
  std::unordered_map<std::string, held_job> held_;
  std::set<std::string> parked_;  // deferred jobs of unconfigured backends (until reload)
  // incoming/ entries the daemon cannot move (logged once): when to try each again.
  std::unordered_map<std::string, clock::time_point> stuck_;
  std::deque<std::string> arrived_;  // reported by inotify, in order, not yet claimed
  std::set<std::string> arrived_names_;
  std::deque<std::string> scanned_;  // found by the last scan, in (change time, name) order
  bool scan_due_ = true;             // start-up, the periodic rescan, lost events
  bool arrivals_lost_ = false;       // events were dropped: a scan orders the files after
                                     // the reported ones
  bool backlog_logged_ = false;      // "more than the window in incoming/" said once
  std::uint64_t last_rank_ = 0;
  int incoming_watch_ = -1;
  int control_watch_ = -1;
  std::map<std::string, std::unique_ptr<backend_runtime>> backends_;
  status_log status_log_;
  std::mt19937_64 rng_{std::random_device{}()};

  engine_options opts_;
  std::size_t window_;  // jobs held in memory at most (Postfix's active limit)
  bool stopping_ = false;
  bool intake_pending_ = false;
  bool sync_pending_ = false;
  std::optional<clock::time_point> intake_paused_until_;  // after ENOSPC / EIO
  std::string intake_error_;                              // logged once per episode
  std::function<void()> on_drained_;
  std::string last_status_;    // last STATUS= sent to systemd
  spool_totals spool_counts_;  // files per spool directory, recounted at most every 10 s
  clock::time_point spool_counted_at_{};
  clock::time_point started_at_{};
  boost::asio::steady_timer rescan_timer_;
  boost::asio::steady_timer status_timer_;
  std::unique_ptr<class watcher> watcher_;

  // Cluster mode
  std::unique_ptr<cluster::link> cluster_;
  std::vector<cluster::new_job> to_submit_;  // claimed into active/, not yet in the database
  std::vector<std::pair<std::string, std::string>> orders_out_;  // (node, job) not yet passed on
  bool running_orders_ = false, orders_again_ = false;
  std::optional<cluster_status> cluster_view_;  // the last look at the database (status.json)
  std::chrono::steady_clock::time_point cluster_view_due_{};
  bool submitting_ = false;
  bool finishing_files_ = false;
  bool finish_again_ = false;
  int finishing_turns_ = 0;  // results on their way to the database
  boost::asio::steady_timer cluster_timer_;
};

}  // namespace reconcilerd::daemon

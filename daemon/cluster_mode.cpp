// Cluster mode (docs/cluster.md): several daemons deliver together through one PostgreSQL
// database. Intake stays per node (files are claimed into active/ as always, then submitted);
// any node claims any job with a fenced lease on its (backend, invoice) lane, spends the
// backend's shared token right before each request, and records the result; the job's
// origin node then moves its file to done/ or dead/. The delivery itself is the single-node
// one (delivery.cpp): only the places where a job is queued, marked, requeued or finished
// come here.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "daemon/app.hpp"
#include "daemon/cluster/lease.hpp"
#include "daemon/cluster/link.hpp"
#include "daemon/cluster/outcome.hpp"
#include "daemon/cluster/pg_connection.hpp"
#include "daemon/engine.hpp"
#include "daemon/log.hpp"
#include "jobs/job_decode.hpp"
#include "jobs/text.hpp"

namespace reconcilerd::daemon {

namespace net = boost::asio;
using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr std::size_t submit_batch = 500;
constexpr int finished_batch = 500;
// Without a wake-up, dispatchers look for due jobs (retries, other nodes' work) this often.
constexpr milliseconds poll_interval{2000};
// The cluster's view in status.json (nodes, counts, jobs) is read this often, ...
constexpr milliseconds cluster_view_interval{5000};
// ... with at most this many jobs.
constexpr int cluster_view_jobs = 500;

milliseconds until(clock::time_point t, clock::time_point now) {
  return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(t - now));
}

}  // namespace

void engine::cluster_start() {
  cluster::link::hooks h;
  h.work = [this](std::string_view backend) {
    if (auto* b = find(std::string(backend))) wake(*b);
  };
  h.finished = [this] { request_finish_files(); };
  h.up = [this] { cluster_up(); };
  h.orders = [this] { request_orders(); };
  cluster_ =
      std::make_unique<cluster::link>(io_.get_executor(), *cfg_.cluster, version, std::move(h));
  cluster_->start();
  net::co_spawn(io_, cluster_loop(), report_crash);
}

void engine::cluster_up() {
  net::co_spawn(
      io_,
      [this]() -> net::awaitable<void> {
        co_await cluster_define();
        request_submit();
        request_finish_files();
        request_orders();
        for (auto& [name, b] : backends_) wake(*b);
      },
      report_crash);
}

net::awaitable<void> engine::cluster_define() {
  auto db = cluster_->db();
  if (!db) co_return;
  const milliseconds live = cfg_.cluster->lease * 2;
  try {
    for (auto& [name, b] : backends_) {
      if (b->removed) continue;
      std::vector<std::string> buckets{name};
      if (b->adapter->reads_paced_separately()) buckets.push_back(name + ":read");
      for (const auto& bucket : buckets) {
        auto s = co_await db->define(bucket, name, b->cfg.rate.per_second, b->cfg.burst,
                                     b->cfg.concurrency, live);
        if (s.disagrees)
          log(level::error, "backend " + name +
                                ": this node's rate, burst or concurrency differ from the "
                                "cluster's (set by node " +
                                s.defined_by + ": " +
                                std::to_string(1e6 / static_cast<double>(s.emission_us)) +
                                "/s, burst " + std::to_string(s.burst) + ", concurrency " +
                                std::to_string(s.concurrency) +
                                "); the cluster's apply until that node stops or agrees");
      }
    }
  } catch (const std::exception& e) {
    cluster_db_error(e);
  }
}

void engine::cluster_resume(const std::string& backend) {
  net::co_spawn(
      io_,
      [this, backend]() -> net::awaitable<void> {
        if (auto db = cluster_->db()) {
          try {
            co_await db->resume(backend);
          } catch (const std::exception& e) {
            cluster_db_error(e);
          }
        }
      },
      report_crash);
}

void engine::cluster_db_error(const std::exception& e) {
  if (auto* pe = dynamic_cast<const cluster::pg_error*>(&e); pe && pe->connection_lost) {
    cluster_->lost(e.what());
    return;
  }
  // An SQL error is a bug or a schema another version changed: said, not fatal.
  log(level::error, std::string("cluster database: ") + e.what());
}

// ---- intake --------------------------------------------------------------------------

void engine::cluster_submit(jobs::claimed& c, const jobs::job& j) {
  cluster::new_job n;
  n.file_name = c.name;
  n.backend = j.backend;
  n.invoice = j.invoice_id;
  n.sequence = j.sequence;
  n.body = std::move(c.bytes);
  if (!c.state.first_seen) c.state.first_seen = wall_now();
  n.delivery = jobs::state_to_json(c.state);
  to_submit_.push_back(std::move(n));
  request_submit();
}

void engine::request_submit() {
  if (submitting_ || to_submit_.empty() || !cluster_->db()) return;
  submitting_ = true;
  net::co_spawn(io_, submit_pending(), report_crash);
}

net::awaitable<void> engine::submit_pending() {
  // After this loop turn's claims are durable (intake syncs them before returning).
  co_await net::post(io_, net::use_awaitable);
  while (!to_submit_.empty()) {
    auto db = cluster_->db();
    if (!db) break;  // cluster_up() submits them
    const std::size_t n = std::min(submit_batch, to_submit_.size());
    std::vector<cluster::new_job> batch(to_submit_.begin(),
                                        to_submit_.begin() + static_cast<std::ptrdiff_t>(n));
    try {
      co_await db->submit(batch);
    } catch (const std::exception& e) {
      cluster_db_error(e);
      break;
    }
    const auto now = wall_now();
    for (const auto& job : batch)
      event({.event = log_event::queued,
             .ts = now,
             .job = job.file_name,
             .backend = job.backend,
             .invoice_id = job.invoice});
    to_submit_.erase(to_submit_.begin(), to_submit_.begin() + static_cast<std::ptrdiff_t>(n));
    request_intake();  // room again
  }
  submitting_ = false;
}

// ---- claims and delivery -------------------------------------------------------------

net::awaitable<bool> engine::cluster_take(std::string backend) {
  auto db = cluster_->db();
  if (!db) co_return false;
  const milliseconds lease = cfg_.cluster->lease;
  const auto t0 = steady::now();
  std::optional<cluster::claimed_job> c;
  try {
    c = co_await db->claim(backend, lease);
  } catch (const std::exception& e) {
    cluster_db_error(e);
    co_return false;
  }
  if (!c) co_return false;
  backend_runtime* b = find(backend);
  const std::string name = c->origin + "/" + c->file_name;
  if (!b || held_.count(name)) co_return false;  // cannot happen: the lane is fenced
  held_job h;
  h.cluster = cluster_hold{c->lane, c->origin, c->file_name, t0 + lease, false};
  h.state = jobs::state_from_json(c->delivery).value_or(jobs::delivery_state{});
  auto decoded = jobs::decode_job(c->body, c->file_name);
  auto* j = std::get_if<jobs::job>(&decoded);
  if (!j) {
    // Its origin node decoded it; this one cannot (another version): said in its dead letter.
    cluster::job_outcome o;
    o.delivered = false;
    o.category = jobs::dead_category::invalid;
    o.message = "node " + cfg_.cluster->node +
                " cannot read this job: " + std::get<jobs::decode_error>(decoded).message;
    o.by = cfg_.cluster->node;
    held_.emplace(name, std::move(h));
    cluster_end(name, cluster::end_state::dead, wall_now(), cluster::to_text(o));
    co_return false;
  }
  h.job = std::move(*j);
  h.safe_to_repeat = b->adapter->safe_to_repeat(h.job.update);
  if (c->reaped) {
    // Its previous holder stopped answering: the request may have reached the server.
    if (!h.state.sending_unsafe) ++h.state.attempts;
    log(level::notice, "job " + name + " (" + backend + " invoice " + h.job.invoice_id +
                           "): taken over after its holder's lease expired" +
                           (h.state.sending_unsafe ? "; its update is verified first" : ""));
  }
  held_[name] = std::move(h);
  const send_role role = b->health.on_send(steady::now());
  ++b->dispatched;
  net::co_spawn(io_, deliver(backend, name, role), report_crash);
  co_return true;
}

net::awaitable<bool> engine::cluster_gate(std::string backend, std::string name, bool read) {
  const milliseconds lease = cfg_.cluster->lease;
  backend_runtime* b = find(backend);
  const std::string bucket =
      read && b->adapter->reads_paced_separately() ? backend + ":read" : backend;
  for (;;) {
    auto it = held_.find(name);
    if (it == held_.end() || !it->second.cluster) co_return false;
    cluster_hold& c = *it->second.cluster;
    const auto t0 = steady::now();
    if (c.lost || !cluster::lease_allows_write(c.lease_until, t0, lease)) {
      if (!c.lost)
        log(level::warning, "job " + name + ": not sent: too little of its lease is left");
      c.lost = true;
      co_return false;
    }
    auto db = cluster_->db();
    if (!db) co_return false;
    cluster::token_answer a;
    try {
      a = co_await db->token(bucket, c.lane, lease);
    } catch (const std::exception& e) {
      cluster_db_error(e);
      co_return false;
    }
    it = held_.find(name);
    if (it == held_.end() || !it->second.cluster) co_return false;
    cluster_hold& h = *it->second.cluster;
    if (a.granted) {
      h.lease_until = t0 + lease;  // the token call extended it
      co_return true;
    }
    if (!a.wait) {
      if (a.why == "lease lost") {
        h.lost = true;
        log(level::warning, "job " + name + ": not sent: its lease was lost");
      }
      co_return false;  // lease lost, or the backend is suspended for the cluster
    }
    net::steady_timer t(io_, std::min(*a.wait, lease / 4));
    b = find(backend);
    b->gate_waiters.insert(&t);
    co_await t.async_wait(net::as_tuple(net::use_awaitable));
    find(backend)->gate_waiters.erase(&t);
    if (stopping_) co_return false;
  }
}

net::awaitable<bool> engine::cluster_mark(std::string name) {
  auto it = held_.find(name);
  auto db = cluster_->db();
  if (it == held_.end() || !it->second.cluster || !db) co_return false;
  // A node that takes the job over verifies it, but not before this write could have ended.
  const backend_runtime* b = find(it->second.job.backend);
  const milliseconds not_before =
      (b ? b->cfg.timeout : milliseconds(30000)) + std::chrono::seconds(1);
  try {
    co_return co_await db->mark(it->second.cluster->lane, jobs::state_to_json(it->second.state),
                                not_before);
  } catch (const std::exception& e) {
    cluster_db_error(e);
    co_return false;
  }
}

void engine::requeue(const std::string& name, clock::time_point when) {
  auto it = held_.find(name);
  if (it != held_.end() && it->second.cluster)
    cluster_end(name, cluster::end_state::queued, when, {});
  else
    queue_.reschedule(name, when);
}

void engine::cluster_act(backend_runtime& b, const std::string& name, held_job& h, const verdict& v,
                         std::optional<int> http_status) {
  const auto wall = wall_now();
  const std::string& backend = b.cfg.name;
  cluster::job_outcome o;
  o.http_status = http_status;
  o.by = cfg_.cluster->node;
  switch (v.step) {
    case next_step::delivered:
      if (v.unchanged) {
        log(level::info,
            "job " + name + " (" + backend + " invoice " + h.job.invoice_id + "): " + v.message);
        event({.event = log_event::unchanged,
               .ts = wall,
               .job = name,
               .backend = backend,
               .invoice_id = h.job.invoice_id,
               .reason = v.message});
      }
      cluster_end(name, cluster::end_state::done, wall, cluster::to_text(o));
      return;
    case next_step::dead:
      if (v.category == jobs::dead_category::rejected) ++b.stats.rejected_total;
      o.delivered = false;
      o.category = v.category;
      o.message = v.message;
      cluster_end(name, cluster::end_state::dead, wall, cluster::to_text(o));
      return;
    case next_step::suspend:
      cluster_suspend(backend, v.message);
      cluster_end(name, cluster::end_state::queued, wall, {});
      return;
    case next_step::requeue:
      cluster_end(name, cluster::end_state::queued, wall, {});
      return;
    case next_step::verify:
    case next_step::send:
    case next_step::defer:
      h.state.next_attempt = v.next_attempt;
      h.state.last_error = v.message;
      log(level::info, "job " + name + " (" + backend + " invoice " + h.job.invoice_id +
                           "): deferred until " + jobs::rfc3339(v.next_attempt) + ": " + v.message);
      event({.event = log_event::deferred,
             .ts = wall,
             .job = name,
             .backend = backend,
             .invoice_id = h.job.invoice_id,
             .attempt = h.state.attempts,
             .http_status = http_status ? std::optional<unsigned>(*http_status) : std::nullopt,
             .next_attempt = v.next_attempt,
             .reason = v.message});
      cluster_end(name, cluster::end_state::queued, v.next_attempt, {});
      return;
  }
}

void engine::cluster_end(const std::string& name, cluster::end_state s, clock::time_point next,
                         std::string outcome) {
  auto it = held_.find(name);
  if (it == held_.end() || !it->second.cluster) return;
  cluster::ticket t = it->second.cluster->lane;
  std::string delivery = jobs::state_to_json(it->second.state);
  held_.erase(it);
  ++finishing_turns_;
  net::co_spawn(
      io_, cluster_finish(std::move(t), s, std::move(delivery), next, std::move(outcome), name),
      report_crash);
}

net::awaitable<void> engine::cluster_finish(cluster::ticket t, cluster::end_state s,
                                            std::string delivery, clock::time_point next,
                                            std::string outcome, std::string name) {
  // Only the fence decides: a late answer is still recorded unless another node has taken
  // the lane meanwhile. While the database is away, asked again every second.
  net::steady_timer wait(io_);
  for (;;) {
    auto db = cluster_->db();
    if (db) {
      try {
        const bool kept = co_await db->finish(t, s, delivery, until(next, wall_now()), outcome);
        if (!kept)
          log(level::warning, "job " + name +
                                  ": its lease was lost before the result was recorded; the node "
                                  "holding it now decides (an unsafe update is verified first)");
        break;
      } catch (const std::exception& e) {
        cluster_db_error(e);
      }
    }
    if (stopping_ && !on_drained_) break;  // the grace period is over
    wait.expires_after(std::chrono::seconds(1));
    co_await wait.async_wait(net::as_tuple(net::use_awaitable));
  }
  --finishing_turns_;
  if (stopping_ && in_flight() == 0 && on_drained_) {
    auto f = std::move(on_drained_);
    f();
  }
}

void engine::cluster_pause(backend_runtime& b, bool read, milliseconds d, const std::string& why) {
  const std::string bucket = read ? b.cfg.name + ":read" : b.cfg.name;
  net::co_spawn(
      io_,
      [this, bucket, d, why]() -> net::awaitable<void> {
        if (auto db = cluster_->db()) {
          try {
            co_await db->pause(bucket, d, why);
          } catch (const std::exception& e) {
            cluster_db_error(e);
          }
        }
      },
      report_crash);
}

void engine::cluster_suspend(const std::string& backend, const std::string& why) {
  net::co_spawn(
      io_,
      [this, backend, why]() -> net::awaitable<void> {
        if (auto db = cluster_->db()) {
          try {
            co_await db->suspend(backend, why);
          } catch (const std::exception& e) {
            cluster_db_error(e);
          }
        }
      },
      report_crash);
}

// ---- leases, polling, finished files ------------------------------------------------

net::awaitable<void> engine::cluster_loop() {
  const milliseconds lease = cfg_.cluster->lease;
  const milliseconds every = std::min(poll_interval, lease / 3);
  while (!stopping_ || finishing_turns_ > 0 || in_flight() > 0) {
    if (auto db = cluster_->db()) {
      std::vector<cluster::ticket> held;
      for (auto& [name, h] : held_)
        if (h.cluster && !h.cluster->lost) held.push_back(h.cluster->lane);
      const auto t0 = steady::now();
      try {
        auto kept = co_await db->renew(held, lease);
        for (auto& [name, h] : held_) {
          if (!h.cluster || h.cluster->lost) continue;
          const bool still = std::find(kept.begin(), kept.end(), h.cluster->lane) != kept.end();
          const bool asked = std::find(held.begin(), held.end(), h.cluster->lane) != held.end();
          if (still) {
            h.cluster->lease_until = t0 + lease;
          } else if (asked) {
            h.cluster->lost = true;
            log(level::warning, "job " + name + ": lease lost (not renewed in time); it is not " +
                                    "sent by this node");
          }
        }
      } catch (const std::exception& e) {
        cluster_db_error(e);
      }
      if (!stopping_) {
        request_finish_files();
        if (!orders_out_.empty()) request_orders();
        if (steady::now() >= cluster_view_due_) {
          cluster_view_due_ = steady::now() + cluster_view_interval;
          co_await refresh_cluster_view();
        }
        for (auto& [name, b] : backends_) wake(*b);  // polling: due retries, other nodes' work
      }
    }
    cluster_timer_.expires_after(every);
    co_await cluster_timer_.async_wait(net::as_tuple(net::use_awaitable));
  }
  cluster_->stop();
}

void engine::request_finish_files() {
  if (finishing_files_) {
    finish_again_ = true;
    return;
  }
  finishing_files_ = true;
  net::co_spawn(io_, finish_files(), report_crash);
}

net::awaitable<void> engine::finish_files() {
  do {
    finish_again_ = false;
    auto db = cluster_->db();
    if (!db) break;
    std::vector<cluster::finished_job> rows;
    try {
      rows = co_await db->finished(finished_batch);
    } catch (const std::exception& e) {
      cluster_db_error(e);
      break;
    }
    std::vector<std::int64_t> moved, buried;  // into done/, into dead/
    bool failed = false;
    for (auto& r : rows) {
      auto where = spool_.locate(r.file_name);
      if (where == jobs::job_state::deferred) {
        (void)spool_.claim_deferred(r.file_name, wall_now());
        where = spool_.locate(r.file_name);
      }
      if (where != jobs::job_state::active) {
        // Moved before a crash let the row be forgotten, or removed by an operator.
        if (where != jobs::job_state::done && where != jobs::job_state::dead)
          log(level::warning, "cluster: job " + r.file_name + " was finished by node " +
                                  r.finished_by + " but its file is no longer in active/");
        (r.done ? moved : buried).push_back(r.job_id);
        continue;
      }
      held_job h;
      auto decoded = jobs::decode_job(r.body, r.file_name);
      if (auto* j = std::get_if<jobs::job>(&decoded)) h.job = std::move(*j);
      h.state = jobs::state_from_json(r.delivery).value_or(jobs::delivery_state{});
      final_move m;
      auto o = cluster::outcome_from_text(r.outcome);
      if (!o) {
        m.deliver = false;
        m.why = {jobs::dead_category::exhausted,
                 "node " + jobs::outside_text(r.finished_by) +
                     " finished this job with a result this node cannot read (a newer version?)",
                 h.job.backend,
                 h.job.invoice_id,
                 h.job.invoice_id_is_integer,
                 std::nullopt};
      } else {
        m.deliver = o->delivered;
        m.http_status = o->http_status;
        if (!o->delivered)
          m.why = {o->category,
                   o->message,
                   h.job.backend,
                   h.job.invoice_id,
                   h.job.invoice_id_is_integer,
                   o->http_status};
      }
      if (!settle_now(r.file_name, h, m)) {
        failed = true;  // the spool is failing: the rest next time
        break;
      }
      (m.deliver ? moved : buried).push_back(r.job_id);
    }
    if (auto s = spool_.sync(); !s.ok()) {
      spool_failed(*s.error);
      break;
    }
    try {
      co_await db->forget(moved, buried);
    } catch (const std::exception& e) {
      cluster_db_error(e);
      break;
    }
    if (failed) break;
    if (rows.size() == static_cast<std::size_t>(finished_batch)) finish_again_ = true;
  } while (finish_again_);
  finishing_files_ = false;
}

void engine::cluster_order_retry(const std::string& node, const std::string& job) {
  if (node == cfg_.cluster->node) {
    retry_dead_letter(job, node);
    return;
  }
  orders_out_.emplace_back(node, job);
  log(level::info, "control: retry of " + node + "/" + job + " requested; passed on to " + node +
                       " through the cluster database");
  request_orders();
}

void engine::request_orders() {
  if (running_orders_) {
    orders_again_ = true;
    return;
  }
  running_orders_ = true;
  net::co_spawn(io_, run_orders(), report_crash);
}

net::awaitable<void> engine::run_orders() {
  do {
    orders_again_ = false;
    auto db = cluster_->db();
    if (!db) break;  // again when it is back (cluster_up)
    try {
      while (!orders_out_.empty()) {
        co_await db->order_retry(orders_out_.front().first, orders_out_.front().second);
        orders_out_.erase(orders_out_.begin());
      }
      for (auto& o : co_await db->take_orders())
        if (o.action == "retry") retry_dead_letter(o.job, o.asked_by);
    } catch (const std::exception& e) {
      cluster_db_error(e);
      break;
    }
  } while (orders_again_);
  running_orders_ = false;
}

void engine::retry_dead_letter(const std::string& job, const std::string& asked_by) {
  auto r = spool_.retry_dead(job);
  if (auto* e = std::get_if<jobs::spool_error>(&r)) {
    log(level::warning,
        "retry of dead letter " + job + " asked by node " + asked_by + " not done: " + e->message);
    return;
  }
  log(level::notice, "dead letter " + job + " moved back to incoming/ as " +
                         std::get<std::string>(r) + " at the request of node " + asked_by);
  request_intake();
}

net::awaitable<void> engine::refresh_cluster_view() {
  auto db = cluster_->db();
  if (!db) co_return;
  try {
    cluster_view_ = co_await db->look(cfg_.cluster->lease * 2, cluster_view_jobs);
    cluster_view_->checked_at = wall_now();
  } catch (const std::exception& e) {
    cluster_db_error(e);
  }
}

}  // namespace reconcilerd::daemon

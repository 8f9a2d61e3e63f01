// The engine's life: construction (one runtime per backend, its transport from
// engine_options), start (watcher, dispatchers, the periodic rescan / deferred scan /
// done/ pruning), control/ requests, stop (drain with a grace period) and reload.
#include "daemon/engine.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <filesystem>

#include "daemon/cluster/link.hpp"
#include "daemon/log.hpp"
#include "daemon/transport/https_client.hpp"
#include "daemon/watcher.hpp"

namespace reconcilerd::daemon {

namespace net = boost::asio;

backend_runtime::backend_runtime(net::io_context& io, const config::backend& c,
                                 std::shared_ptr<transport::client> cl)
    : cfg(c),
      adapter(backends::make_adapter(c)),
      client(std::move(cl)),
      pace(c.rate.per_second, c.burst, c.concurrency, std::chrono::steady_clock::now()),
      read_pace(c.rate.per_second, c.burst, c.concurrency, std::chrono::steady_clock::now()),
      wake(io) {
  stats.name = c.name;
  stats.type = std::string(config::to_string(c.type));
  stats.rate_text = c.rate.text;
}

engine::engine(net::io_context& io, config::config cfg, engine_options opts)
    : io_(io),
      cfg_(std::move(cfg)),
      spool_(cfg_.spool_dir),
      status_log_(cfg_.status_log, std::chrono::milliseconds(100)),
      opts_(std::move(opts)),
      window_(std::max<std::size_t>(2, opts_.window)),
      rescan_timer_(io),
      status_timer_(io),
      cluster_timer_(io) {
  if (!opts_.now) opts_.now = [] { return clock::now(); };
  if (!opts_.make_client)
    opts_.make_client = [](net::any_io_executor ex, const config::backend& b) {
      return std::make_shared<transport::https_client>(ex, b);
    };
  started_at_ = wall_now();
  for (auto& b : cfg_.backends) {
    if (!b.tls.verify)
      log(level::warning, "backend " + b.name + ": TLS verification is OFF (tls.verify: false)");
    backends_.emplace(b.name, std::make_unique<backend_runtime>(
                                  io_, b, opts_.make_client(io_.get_executor(), b)));
  }
}

engine::~engine() = default;

void engine::kick() {
  request_intake();
  for (auto& [name, b] : backends_) wake(*b);
}

std::size_t engine::in_flight() const {
  std::size_t n = 0;
  for (auto& [name, b] : backends_) n += static_cast<std::size_t>(b->dispatched);
  return n + static_cast<std::size_t>(finishing_turns_);
}

backend_runtime* engine::find(const std::string& name) {
  auto it = backends_.find(name);
  return it == backends_.end() ? nullptr : it->second.get();
}

void engine::event(event_record r) {
  if (auto ec = status_log_.write(r); ec) {
    static bool reported = false;
    if (!reported) log(level::error, "status log " + status_log_.path() + ": " + ec.message());
    reported = true;
  }
}

void engine::request_sync() {
  if (sync_pending_) return;
  sync_pending_ = true;
  net::post(io_, [this] {
    sync_pending_ = false;
    if (auto s = spool_.sync(); !s.ok()) log(level::error, "spool sync: " + s.error->message);
  });
}

void engine::start() {
  watcher_ = std::make_unique<watcher>(
      io_.get_executor(),
      [this](int wd, std::string_view name) {
        if (wd == incoming_watch_)
          on_arrival(name);
        else if (wd == control_watch_)
          check_control();
      },
      [this] {
        on_events_lost("the kernel's inotify queue overflowed");
        check_control();
      });
  incoming_watch_ = watcher_->add((std::filesystem::path(cfg_.spool_dir) / "incoming").string());
  control_watch_ = watcher_->add((std::filesystem::path(cfg_.spool_dir) / "control").string());
  net::co_spawn(io_, watcher_->run(), report_crash);
  if (cfg_.cluster) cluster_start();
  for (auto& [name, b] : backends_) net::co_spawn(io_, dispatch(name), report_crash);

  // Periodic rescan (inotify is only a hint) and pruning.
  net::co_spawn(
      io_,
      [this]() -> net::awaitable<void> {
        int turns = 0;
        while (!stopping_) {
          retry_pending();
          scan_due_ = true;  // inotify is the fast path; a listing catches what it missed
          request_intake();
          check_control();
          if (turns % 5 == 4) load_deferred(true);
          if (++turns % 60 == 1) {
            // Files without an expiry marker keep the longest configured retention.
            auto n = spool_.prune_done(wall_now(), longest_done_retention());
            if (n) log(level::info, "pruned " + std::to_string(n) + " jobs from done/");
          }
          rescan_timer_.expires_after(std::chrono::seconds(1));
          co_await rescan_timer_.async_wait(net::as_tuple(net::use_awaitable));
        }
      },
      report_crash);
  // status.json + metrics at least every 2 s.
  net::co_spawn(
      io_,
      [this]() -> net::awaitable<void> {
        while (!stopping_) {
          write_status();
          status_timer_.expires_after(std::chrono::seconds(1));
          co_await status_timer_.async_wait(net::as_tuple(net::use_awaitable));
        }
        write_status();
      },
      report_crash);
  write_status();  // status.json exists before READY=1
  request_intake();
}

std::chrono::milliseconds engine::longest_done_retention() const {
  if (cfg_.backends.empty()) return std::chrono::hours(24 * 7);
  std::chrono::milliseconds longest = std::chrono::milliseconds::zero();
  for (auto& b : cfg_.backends) longest = std::max(longest, b.done_retention);
  return longest;
}

void engine::check_control() {
  for (auto& request : spool_.take_control_requests()) {
    if (request.what == jobs::control_request::kind::retry) {
      if (clustered())
        cluster_order_retry(request.node, request.job);
      else
        log(level::warning, "control: retry request for " + request.node + "/" + request.job +
                                " ignored: this daemon is not in cluster mode");
      continue;
    }
    const std::string& backend = request.backend;
    auto* b = find(backend);
    if (!b) {
      log(level::warning, "control: resume request for unknown backend \"" + backend + "\"");
      continue;
    }
    b->health.resume();
    b->pace.clear_pauses();  // a pause the server set ends too
    b->read_pace.clear_pauses();
    b->verified = false;                       // one request first, as after a start
    if (clustered()) cluster_resume(backend);  // the cluster's suspension and pauses too
    log(level::notice, "backend " + backend + ": resumed by operator");
    event({.event = log_event::resumed,
           .ts = wall_now(),
           .backend = backend,
           .reason = "reconcilerctl resume"});
    wake(*b);
  }
}

void engine::stop(std::chrono::milliseconds grace, std::function<void()> done) {
  stopping_ = true;
  on_drained_ = std::move(done);
  if (watcher_) watcher_->stop();
  rescan_timer_.cancel();
  status_timer_.cancel();
  cluster_timer_.cancel();
  for (auto& [n, b] : backends_) b->wake.cancel();
  if (in_flight() == 0) {
    auto f = std::move(on_drained_);
    if (f) f();
    return;
  }
  log(level::notice, "stopping: waiting up to " + std::to_string(grace.count()) + " ms for " +
                         std::to_string(in_flight()) + " requests in flight");
  auto t = std::make_shared<net::steady_timer>(io_, grace);
  t->async_wait([this, t](boost::system::error_code) {
    if (!on_drained_) return;
    log(level::warning, "stopping: grace period over; " + std::to_string(in_flight()) +
                            " requests abandoned (their jobs stay in active/ and are re-queued "
                            "at the next start)");
    for (auto& [n, b] : backends_) b->client->shutdown();
    auto f = std::move(on_drained_);
    f();
  });
}

void engine::reload(config::config next) {
  std::size_t added = 0, changed = 0, removed = 0;
  for (auto& nb : next.backends) {
    auto it = backends_.find(nb.name);
    if (it == backends_.end()) {
      backends_.emplace(nb.name, std::make_unique<backend_runtime>(
                                     io_, nb, opts_.make_client(io_.get_executor(), nb)));
      net::co_spawn(io_, dispatch(nb.name), report_crash);
      ++added;
      continue;
    }
    auto& b = *it->second;
    b.removed = false;
    ++b.generation;
    b.verified = false;
    b.cfg = nb;
    b.adapter = backends::make_adapter(nb);
    // In-flight requests keep the old client alive (shared_ptr) and finish on it.
    b.client = opts_.make_client(io_.get_executor(), nb);
    for (pacer* p : {&b.pace, &b.read_pace}) {
      p->reconfigure(nb.rate.per_second, nb.burst, nb.concurrency,
                     std::chrono::steady_clock::now());
      p->limit_pauses(std::chrono::steady_clock::now() + nb.max_pause);
    }
    if (b.health.state(std::chrono::steady_clock::now()) != health_state::running) {
      b.health.resume();
      event({.event = log_event::resumed,
             .ts = wall_now(),
             .backend = nb.name,
             .reason = "configuration reloaded"});
    }
    b.stats.rate_text = nb.rate.text;
    if (!b.dispatching) net::co_spawn(io_, dispatch(nb.name), report_crash);
    wake(b);
    ++changed;
  }
  for (auto& [name, b] : backends_) {
    if (next.find(name) || b->removed) continue;
    b->removed = true;  // in-flight requests finish; queued jobs wait for its return
    wake(*b);
    ++removed;
  }
  cfg_ = std::move(next);
  parked_.clear();  // a backend may have come back
  if (clustered()) net::co_spawn(io_, cluster_define(), report_crash);
  std::string msg = "configuration reloaded: " + std::to_string(added) + " backends added, " +
                    std::to_string(changed) + " updated, " + std::to_string(removed) + " removed";
  log(level::notice, msg);
  event({.event = log_event::reloaded, .ts = wall_now(), .reason = msg});
  request_intake();
}

void engine::reopen_status_log() {
  if (auto ec = status_log_.reopen(); ec)
    log(level::error, "status log " + status_log_.path() + ": " + ec.message());
}

}  // namespace reconcilerd::daemon

// Control: start-up recovery, signals (TERM/INT stop, HUP reload, USR1 reopen the status
// log), sd_notify, the periodic status.json / metrics writer, done/ pruning and the
// control/ requests of reconcilerctl (resume).
#include "daemon/app.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "backends/backend.hpp"
#include "config/load.hpp"
#include "daemon/engine.hpp"
#include "daemon/log.hpp"
#include "daemon/sd_notify.hpp"
#include "daemon/status/metrics.hpp"
#include "daemon/status/status_writer.hpp"
#include "daemon/transport/https_client.hpp"
#include "daemon/watcher.hpp"
#include "jobs/job_decode.hpp"

namespace reconcilerd::daemon {

namespace net = boost::asio;

std::optional<std::string> check_spool(const config::config& cfg) {
  try {
    jobs::spool s(cfg.spool_dir);
    auto problems = s.check();
    if (problems.empty()) return std::nullopt;
    std::string out;
    for (auto& p : problems) out += (out.empty() ? "" : "; ") + p;
    return cfg.path + ": spool_dir: " + out;
  } catch (const std::exception& e) {
    return cfg.path + ": spool_dir: " + e.what();
  }
}

backend_runtime::backend_runtime(net::io_context& io, const config::backend& c,
                                 std::shared_ptr<transport::client> cl)
    : cfg(c),
      adapter(backends::make_adapter(c)),
      client(std::move(cl)),
      pace(c.rate.per_second, c.burst, c.concurrency, std::chrono::steady_clock::now()),
      wake(io) {
  stats.name = c.name;
  stats.type = std::string(config::to_string(c.type));
  stats.rate_text = c.rate.text;
}

engine::engine(net::io_context& io, config::config cfg, engine_options opts)
    : io_(io),
      cfg_(std::move(cfg)),
      spool_(cfg_.spool_dir),
      status_log_(cfg_.status_log),
      opts_(std::move(opts)),
      window_(std::max<std::size_t>(2, opts_.window)),
      rescan_timer_(io),
      status_timer_(io) {
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

void engine::recover() {
  const auto now = wall_now();
  auto r = spool_.recover(now);
  if (r.requeued || r.non_jobs_quarantined || r.temps_removed || r.buries_finished)
    log(level::notice,
        "recovery: " + std::to_string(r.requeued) + " interrupted deliveries re-queued, " +
            std::to_string(r.non_jobs_quarantined) + " non-job entries quarantined, " +
            std::to_string(r.buries_finished) + " dead letters completed, " +
            std::to_string(r.temps_removed) + " temp files removed");
  // Deferred jobs come back into memory with their schedule (and stay in deferred/); the
  // periodic scan brings back any that did not fit into the window.
  load_deferred(false);
  if (auto s = spool_.sync(); !s.ok()) throw std::runtime_error(s.error->message);
}

void engine::load_deferred(bool only_due) {
  const auto now = wall_now();
  if (held_.size() >= window_) return;
  std::vector<std::string> names;
  (void)spool_.for_each(jobs::job_state::deferred, [&](const std::string& n) {
    if (held_.count(n) || parked_.count(n)) return true;
    if (only_due) {
      auto st = spool_.state_of(n);
      if (st && st->next_attempt && *st->next_attempt > now) return true;
    }
    names.push_back(n);
    return held_.size() + names.size() < window_;
  });
  const std::size_t parked_before = parked_.size();
  for (auto& name : names) {
    auto result = spool_.claim_deferred(name, now);
    if (auto* c = std::get_if<jobs::claimed>(&result)) admit_claimed(*c, job_source::deferred);
  }
  if (const std::size_t parked = parked_.size() - parked_before)
    log(level::warning, std::to_string(parked) +
                            " deferred jobs name a backend that is not configured; they stay in "
                            "deferred/ until it is configured again");
  if (!names.empty()) request_sync();
}

void engine::start() {
  watcher_ = std::make_unique<watcher>(io_.get_executor(), [this](int) {
    request_intake();
    check_control();
  });
  watcher_->add((std::filesystem::path(cfg_.spool_dir) / "incoming").string());
  watcher_->add((std::filesystem::path(cfg_.spool_dir) / "control").string());
  net::co_spawn(io_, watcher_->run(), report_crash);
  for (auto& [name, b] : backends_) net::co_spawn(io_, dispatch(name), report_crash);

  // Periodic rescan (inotify is only a hint) and pruning.
  net::co_spawn(
      io_,
      [this]() -> net::awaitable<void> {
        int turns = 0;
        while (!stopping_) {
          retry_pending();
          request_intake();
          check_control();
          if (turns % 5 == 4) load_deferred(true);
          if (++turns % 60 == 1) {
            // Files without an expiry marker keep the longest configured retention.
            std::chrono::milliseconds longest = std::chrono::hours(24 * 7);
            if (!cfg_.backends.empty()) longest = std::chrono::milliseconds::zero();
            for (auto& b : cfg_.backends) longest = std::max(longest, b.done_retention);
            auto n = spool_.prune_done(wall_now(), longest);
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

void engine::check_control() {
  for (auto& request : spool_.take_control_requests()) {
    const std::string& backend = request.backend;
    auto* b = find(backend);
    if (!b) {
      log(level::warning, "control: resume request for unknown backend \"" + backend + "\"");
      continue;
    }
    b->health.resume();
    b->verified = false;  // one request first, as after a start
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
  for (auto& [n, b] : backends_) b->wake.cancel();
  if (in_flight_ == 0) {
    auto f = std::move(on_drained_);
    if (f) f();
    return;
  }
  log(level::notice, "stopping: waiting up to " + std::to_string(grace.count()) + " ms for " +
                         std::to_string(in_flight_) + " requests in flight");
  auto t = std::make_shared<net::steady_timer>(io_, grace);
  t->async_wait([this, t](boost::system::error_code) {
    if (!on_drained_) return;
    log(level::warning, "stopping: grace period over; " + std::to_string(in_flight_) +
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
    b.pace.reconfigure(nb.rate.per_second, nb.burst, nb.concurrency,
                       std::chrono::steady_clock::now());
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

status_snapshot engine::snapshot() {
  const auto now = wall_now();
  status_snapshot s;
  s.pid = ::getpid();
  s.version = version;
  s.started_at = started_at_;
  s.generated_at = now;
  for (auto& bc : cfg_.backends) {
    auto* b = find(bc.name);
    if (!b) continue;
    while (!b->starts.empty() && b->starts.front() < now - std::chrono::minutes(1))
      b->starts.pop_front();
    while (!b->delivered.empty() && b->delivered.front() < now - std::chrono::hours(1))
      b->delivered.pop_front();
    auto& st = b->stats;
    st.active = queue_.in_flight(bc.name);
    st.deferred = queue_.waiting(bc.name, now);
    st.queued = queue_.size(bc.name) - st.active - st.deferred;
    st.delivered_last_hour = b->delivered.size();
    st.current_rate = static_cast<double>(b->starts.size()) / 60.0;
    const auto steady_now = std::chrono::steady_clock::now();
    auto hs = b->health.state(steady_now);
    auto to_wall = [&](std::optional<std::chrono::steady_clock::time_point> t) {
      return t ? std::optional<clock::time_point>(
                     now + std::chrono::duration_cast<clock::duration>(*t - steady_now))
               : std::nullopt;
    };
    auto pause = b->pace.paused_until(steady_now);
    st.until.reset();
    st.reason.clear();
    if (hs == health_state::suspended) {
      st.state = backend_state::suspended;
      st.reason = b->health.suspend_reason();
      st.until = to_wall(b->health.next_probe());
    } else if (hs == health_state::circuit_open || hs == health_state::half_open) {
      st.state = backend_state::circuit_open;
      st.reason = std::to_string(b->health.consecutive_failures()) +
                  " consecutive failures; last: " + st.last_error;
      st.until = to_wall(b->health.circuit_open_until());
    } else if (pause) {
      st.state = backend_state::paused;
      st.reason = b->pause_reason;
      st.until = now + std::chrono::duration_cast<clock::duration>(*pause - steady_now);
    } else {
      st.state = backend_state::running;
    }
    s.backends.push_back(st);
  }
  // Counting means reading whole directories: with a large spool, only every 10 s.
  const std::uint64_t last_total = spool_counts_.incoming + spool_counts_.active +
                                   spool_counts_.deferred + spool_counts_.done + spool_counts_.dead;
  if (last_total < 10000 || now - spool_counted_at_ >= std::chrono::seconds(10)) {
    auto count = [&](jobs::job_state js) {
      std::uint64_t n = 0;
      (void)spool_.for_each(js, [&](const std::string&) {
        ++n;
        return true;
      });
      return n;
    };
    spool_counts_ = {count(jobs::job_state::incoming), count(jobs::job_state::active),
                     count(jobs::job_state::deferred), count(jobs::job_state::done),
                     count(jobs::job_state::dead)};
    spool_counted_at_ = now;
  }
  s.spool = spool_counts_;
  std::optional<clock::time_point> oldest;
  for (auto& [n, h] : held_)
    if (h.state.first_seen && (!oldest || *h.state.first_seen < *oldest))
      oldest = h.state.first_seen;
  if (oldest) s.oldest_job_age = std::chrono::duration_cast<std::chrono::seconds>(now - *oldest);
  return s;
}

std::string engine::summary() const {
  return std::to_string(held_.size()) + " jobs held, " + std::to_string(in_flight_) + " in flight" +
         (intake_error_.empty() ? "" : ", claiming paused: " + intake_error_);
}

void engine::write_status() {
  auto s = snapshot();
  if (auto written = spool_.write_status(to_status_json(s)); !written.ok()) {
    static bool reported = false;
    if (!reported) log(level::error, written.error->message);
    reported = true;
  }
  if (!cfg_.metrics_file.empty())
    if (auto ec = write_metrics_file(cfg_.metrics_file, s); ec) {
      static bool reported = false;
      if (!reported) log(level::error, cfg_.metrics_file + ": " + ec.message());
      reported = true;
    }
  if (auto line = summary(); line != last_status_) {  // only changes reach systemd
    notify::status(line);
    last_status_ = std::move(line);
  }
}

// ---------------------------------------------------------------------------------------

struct app::impl {
  impl(config::config c, std::string creds)
      : credentials_dir(std::move(creds)), config_path(c.path), eng(io, std::move(c), options()) {}
  static engine_options options() {
    engine_options o;
    // Tuning knob (and used by the tests): how many jobs the daemon holds in memory.
    if (const char* w = std::getenv("RECONCILERD_WINDOW")) o.window = std::strtoul(w, nullptr, 10);
    return o;
  }
  net::io_context io{1};  // one thread: no locking needed
  std::string credentials_dir;
  std::string config_path;
  engine eng;
  int exit_code = 0;
};

app::app(config::config cfg, std::string credentials_dir)
    : impl_(std::make_unique<impl>(std::move(cfg), std::move(credentials_dir))) {}
app::~app() = default;

int app::run() {
  auto& io = impl_->io;
  auto& eng = impl_->eng;
  eng.recover();
  eng.start();

  net::signal_set stop_signals(io, SIGTERM, SIGINT);
  net::signal_set hup(io, SIGHUP);
  net::signal_set usr1(io, SIGUSR1);
  std::function<void()> wait_hup, wait_usr1;
  stop_signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    log(level::notice,
        std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ": stopping");
    notify::stopping();
    hup.cancel();
    usr1.cancel();
    eng.stop(std::chrono::seconds(10), [&io] { io.stop(); });
  });
  wait_hup = [&] {
    hup.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      notify::reloading();
      auto loaded = config::load_file(impl_->config_path, impl_->credentials_dir);
      if (!loaded.errors.empty()) {
        for (auto& e : loaded.errors) log(level::error, "reload refused: " + e);
        log(level::error, "reload refused: the running configuration stays in force");
        eng.event({.event = log_event::reloaded,
                   .ts = clock::now(),
                   .reason = "refused: " + loaded.errors.front()});
      } else if (loaded.value->spool_dir != eng.config().spool_dir) {
        log(level::error, "reload refused: spool_dir cannot change while running (restart)");
      } else {
        for (auto& w : loaded.warnings) log(level::warning, w);
        try {
          eng.reload(std::move(*loaded.value));
        } catch (const std::exception& e) {
          log(level::error, std::string("reload failed: ") + e.what());
        }
      }
      notify::ready();
      wait_hup();
    });
  };
  wait_usr1 = [&] {
    usr1.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      eng.reopen_status_log();
      wait_usr1();
    });
  };
  wait_hup();
  wait_usr1();

  // Watchdog keep-alive at half the interval systemd asked for.
  net::steady_timer watchdog_timer(io);
  auto wd = notify::watchdog_interval();
  std::function<void()> pet = [&] {
    notify::watchdog();
    watchdog_timer.expires_after(*wd / 2);
    watchdog_timer.async_wait([&](boost::system::error_code ec) {
      if (!ec) pet();
    });
  };
  if (wd) pet();

  log(level::notice, std::string("reconcilerd ") + version + " started: spool " +
                         eng.config().spool_dir + ", " +
                         std::to_string(eng.config().backends.size()) + " backends");
  notify::ready();
  io.run();
  log(level::notice, "stopped");
  return impl_->exit_code;
}

}  // namespace reconcilerd::daemon

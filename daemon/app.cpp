// The process around the engine: `--check`'s spool check, the signals (TERM/INT stop, HUP
// reload, USR1 reopen the status log), sd_notify READY / RELOADING / WATCHDOG. The engine
// itself: engine.cpp (life), recovery.cpp, intake.cpp, delivery.cpp, settle.cpp,
// engine_status.cpp.
#include "daemon/app.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <system_error>

#include "config/cluster.hpp"
#include "config/load.hpp"
#include "daemon/engine.hpp"
#include "daemon/log.hpp"
#include "daemon/sd_notify.hpp"

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
      } else if (auto why =
                     config::cluster_change_refused(eng.config().cluster, loaded.value->cluster)) {
        log(level::error, "reload refused: " + *why);
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

// Backend health state machine; see backend_health.hpp.
#include "daemon/backend_health.hpp"

#include <algorithm>

namespace reconcilerd::daemon {

std::string_view to_string(health_state s) {
  switch (s) {
    case health_state::running:
      return "running";
    case health_state::suspended:
      return "suspended";
    case health_state::circuit_open:
      return "circuit_open";
    case health_state::half_open:
      return "half_open";
  }
  return "unknown";
}

health_state backend_health::state(steady_time now) const {
  if (suspended_) return health_state::suspended;
  if (open_) return now < open_until_ ? health_state::circuit_open : health_state::half_open;
  return health_state::running;
}

bool backend_health::may_send(steady_time now) const {
  switch (state(now)) {
    case health_state::running:
      return true;
    case health_state::suspended:
      return !probe_in_flight_ && now >= next_probe_;
    case health_state::circuit_open:
      return false;
    case health_state::half_open:
      return !probe_in_flight_;
  }
  return false;
}

bool backend_health::probe_due(steady_time now) const {
  return may_send(now) && state(now) != health_state::running;
}

std::optional<steady_time> backend_health::next_send_at(steady_time now) const {
  if (may_send(now)) return now;
  if (probe_in_flight_) return std::nullopt;
  if (suspended_) return next_probe_;
  if (open_) return open_until_;
  return now;
}

send_role backend_health::on_send(steady_time now) {
  if (state(now) == health_state::running) return send_role::normal;
  probe_in_flight_ = true;
  return send_role::probe;
}

void backend_health::on_success(send_role role, steady_time) {
  if (role == send_role::probe) probe_in_flight_ = false;
  if (suspended_) {
    // Only the probe (sent after the suspension) proves the credentials work again.
    if (role == send_role::probe) resume();
    return;
  }
  close_circuit();
}

void backend_health::on_failure(send_role role, steady_time now) {
  if (role == send_role::probe) probe_in_flight_ = false;
  if (suspended_) {
    if (role == send_role::probe) next_probe_ = now + settings_.probe_interval;
    return;
  }
  if (open_) {
    if (role == send_role::probe) open_circuit(now);  // reopen, longer
    return;  // late failures of requests sent before the opening change nothing
  }
  if (++failures_ >= settings_.failure_threshold) open_circuit(now);
}

void backend_health::on_auth_failure(send_role role, std::string reason, steady_time now) {
  if (role == send_role::probe) probe_in_flight_ = false;
  reason_ = std::move(reason);
  if (!suspended_) {
    suspended_ = true;
    since_ = now;
    next_probe_ = now + settings_.probe_interval;
  } else if (role == send_role::probe) {
    next_probe_ = now + settings_.probe_interval;
  }
}

void backend_health::on_abandoned(send_role role) {
  if (role == send_role::probe) probe_in_flight_ = false;
}

void backend_health::resume() {
  suspended_ = false;
  reason_.clear();
  close_circuit();
}

void backend_health::open_circuit(steady_time now) {
  // cooldown_ is zero whenever the circuit is closed: a first opening starts over.
  cooldown_ = open_ ? std::min(cooldown_ * 2, settings_.max_cooldown)
                    : std::min(settings_.first_cooldown, settings_.max_cooldown);
  open_ = true;
  open_until_ = now + cooldown_;
}

void backend_health::close_circuit() {
  open_ = false;
  failures_ = 0;
  cooldown_ = std::chrono::milliseconds(0);
}

std::optional<steady_time> backend_health::suspended_since() const {
  if (suspended_) return since_;
  return std::nullopt;
}

std::optional<steady_time> backend_health::circuit_open_until() const {
  if (open_ && !suspended_) return open_until_;
  return std::nullopt;
}

std::optional<steady_time> backend_health::next_probe() const {
  if (suspended_) return next_probe_;
  if (open_) return open_until_;
  return std::nullopt;
}

}  // namespace reconcilerd::daemon

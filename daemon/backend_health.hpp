// Health of one backend (pure; the caller passes the time): running, suspended (credentials
// refused: nothing is sent except one probe every probe_interval, until a probe is answered
// or the operator resumes) or circuit-open (after `failure_threshold` consecutive transport
// errors / 5xx: cool-down 5s, 10s, 20s ... at most 5 min, then half-open: exactly one probe
// at a time; its success closes the circuit, its failure reopens it for longer).
// The scheduler asks may_send(), tags each send with on_send(), and reports every outcome.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace reconcilerd::daemon {

using steady_time = std::chrono::steady_clock::time_point;

enum class health_state { running, suspended, circuit_open, half_open };
std::string_view to_string(health_state s);

// Whether a send was an ordinary request or the single probe of a suspended / half-open
// backend. Completions must pass back what on_send() returned.
enum class send_role { normal, probe };

struct health_settings {
  int failure_threshold = 5;
  std::chrono::milliseconds first_cooldown = std::chrono::seconds(5);
  std::chrono::milliseconds max_cooldown = std::chrono::minutes(5);
  std::chrono::milliseconds probe_interval = std::chrono::minutes(5);
};

class backend_health {
 public:
  explicit backend_health(health_settings s = {}) : settings_(s) {}

  health_state state(steady_time now) const;
  // True when a request may be sent now (running, or a probe is due and none in flight).
  bool may_send(steady_time now) const;
  // True when may_send(now) and the request would be a probe.
  bool probe_due(steady_time now) const;
  // When may_send() will next become true by itself: now if it is; the end of a
  // cool-down / probe interval; nothing while a probe is in flight.
  std::optional<steady_time> next_send_at(steady_time now) const;

  // A request is sent now (precondition: may_send(now)). Keep the role for its completion.
  send_role on_send(steady_time now);
  // The server answered and neither refused the credentials nor failed: 2xx, 4xx other
  // than 401/403, 429. Closes the circuit; a probe's success also lifts a suspension.
  void on_success(send_role role, steady_time now);
  // A transport error or a 5xx answer. Counts towards opening the circuit.
  void on_failure(send_role role, steady_time now);
  // 401/403 or the API's own "bad credentials": suspend (or stay suspended).
  void on_auth_failure(send_role role, std::string reason, steady_time now);
  // The request ended without a verdict (cancelled at shutdown): frees the probe slot.
  void on_abandoned(send_role role);
  // `reconcilerctl resume`: lift a suspension (and close the circuit) now.
  void resume();

  // For status output.
  const std::string& suspend_reason() const { return reason_; }
  std::optional<steady_time> suspended_since() const;
  std::optional<steady_time> circuit_open_until() const;
  std::optional<steady_time> next_probe() const;
  int consecutive_failures() const { return failures_; }

 private:
  void open_circuit(steady_time now);
  void close_circuit();

  health_settings settings_;
  bool suspended_ = false;
  std::string reason_;
  steady_time since_{};
  steady_time next_probe_{};
  bool open_ = false;
  steady_time open_until_{};
  std::chrono::milliseconds cooldown_{0};  // of the current / last opening
  int failures_ = 0;
  bool probe_in_flight_ = false;
};

}  // namespace reconcilerd::daemon

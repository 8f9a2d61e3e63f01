// The verdict of one delivery attempt, decided in one pure function: from what came back
// (an answer the adapter has read, a transport failure, or a cancellation), the job's state
// and its backend's retry settings, to what happens next — a closed set of steps. The
// engine's deliver() coroutine only carries the verdict out (house style: "decide first,
// act second", like Boost.MySQL's sans-I/O layer). No clock, no randomness: `now` and the
// jitter come in. Reads (read-back before a write, verification after an ambiguous end)
// are judged by decide_read(), in the same terms.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "backends/backend.hpp"
#include "config/config.hpp"
#include "jobs/spool_dead_letter.hpp"

namespace reconcilerd::daemon {

// What one attempt produced.
struct attempt_answer {
  enum class kind {
    response,         // an HTTP answer; `outcome` is the adapter's reading of it
    transport_error,  // no (complete) answer; `outcome.message` says what failed
    cancelled,        // shutdown or a held-back request: nothing to judge
  };
  kind what = kind::response;
  std::optional<int> http_status;  // with kind::response
  backends::outcome outcome;
  // transport_error only: the request was written, so the server may have acted on it.
  bool may_have_reached = false;
  // transport_error only: it says the host is failing (connect, TLS, timeout, ...), as
  // opposed to an answer we refused (too large).
  bool host_failure = false;
};

// The job and backend facts the verdict depends on.
struct attempt_context {
  bool safe_to_repeat = true;  // backends say which updates are not
  int attempts = 0;            // attempts made before this one
  std::chrono::system_clock::time_point first_seen{};
  std::chrono::system_clock::time_point now{};
  config::retry_settings retry;
  double jitter = 0;          // uniform in [0, 1), for the backoff
  bool same_settings = true;  // sent with the backend's current settings (no reload since)
  std::string invoice_id;     // for messages
  bool folded = false;        // the request carried other waiting jobs of the invoice
};

enum class next_step {
  delivered,  // to done/
  defer,      // to deferred/ until `next_attempt`
  dead,       // to dead/ with `category` and `message`
  suspend,    // credentials refused: suspend the backend; the job waits, unaged
  requeue,    // no verdict: the job goes back into the queue as it was
  verify,     // no verdict yet: read the invoice back and judge (decide_read)
  send,       // a read allows the write: send it now
};
std::string_view to_string(next_step s);

// What the attempt says about the backend's health (backend_health).
enum class health_effect {
  none,
  success,       // the host answered as a host should
  failure,       // a failure of the host (5xx, connect, TLS, timeout): towards the circuit
  auth_failure,  // credentials refused
  abandoned,     // no answer to judge (cancelled)
};
std::string_view to_string(health_effect h);

struct verdict {
  next_step step = next_step::requeue;
  health_effect health = health_effect::none;
  int attempts = 0;  // the job's attempt count after this attempt
  jobs::dead_category category = jobs::dead_category::exhausted;  // with next_step::dead
  std::string message;  // dead: the reason; defer / suspend: the last error
  std::chrono::system_clock::time_point next_attempt{};  // with next_step::defer
  bool credentials_proven = false;  // an HTTP answer other than a refusal arrived
  bool retried = false;             // the answer was a transient failure (stats)
  bool unfold = false;              // a folded request was refused: send its jobs one by one
  bool unchanged = false;           // delivered without a write: the invoice already showed it
};

// Whether the server may have applied an update although the attempt failed: a request
// written before the connection broke, or an answer (408, 500, 502, 504, 2xx) that does
// not exclude it.
bool maybe_applied(const attempt_answer& a);

verdict decide(const attempt_answer& a, const attempt_context& c);

// Why the invoice was read.
enum class read_purpose {
  before_send,       // before a write: merge mode, skip_unchanged, or the "before" view of
                     // an update that is not safe to repeat
  verify_then_send,  // an unsafe update's earlier attempt ended unknown (a crash, or a
                     // read-back that failed): applied -> done, not applied -> send now
  verify_after,      // right after this attempt's ambiguous end: not applied -> retry later
};

// What the read showed (with an answer whose adapter reading is `delivered`).
struct read_facts {
  read_purpose purpose = read_purpose::before_send;
  std::optional<backends::applied_judgement> judged;  // verify_*: adapter::judge()
  bool unchanged = false;                             // before_send: adapter::unchanged()
  std::optional<std::string> merge_error;             // before_send: merge or its validation
};

// The verdict of a read. `a.outcome` is adapter::read()'s result.
verdict decide_read(const attempt_answer& a, const read_facts& f, const attempt_context& c);

}  // namespace reconcilerd::daemon

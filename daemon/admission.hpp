// Admission (pure): what happens to a job file just claimed, from incoming/ by the intake or
// from deferred/ at start-up and by the periodic scan — before anything is sent. Decide
// first (this function, table-tested), act second (engine::admit).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reconcilerd::daemon {

enum class job_source { incoming, deferred };

enum class admission {
  queue,             // into memory and the job queue
  dead_invalid,      // dead/ as `invalid` with `reason`
  dead_interrupted,  // an unsafe update was being sent when the daemon stopped
  park,              // a deferred job of a backend no longer configured: stays in deferred/
  defer,             // its backend holds its share of memory: to deferred/ (no attempt spent)
  skip,              // same, for a job already in deferred/: a later scan brings it back
};
std::string_view to_string(admission a);

struct admission_facts {
  job_source source = job_source::incoming;
  std::optional<std::string> decode_error;      // the job file is not a valid job
  std::string backend;                          // the backend it names (when decoded)
  bool backend_configured = true;               // configured and not removed by a reload
  std::vector<std::string> configured;          // for the message
  std::optional<std::string> validation_error;  // its update against the API's schema
  bool sending_unsafe = false;                  // the durable "was being sent" marker
  bool read_before = false;   // ... with the invoice as read before sending (verifiable)
  bool backend_full = false;  // the backend holds its share of the window
  std::string job;            // the job's name, for messages
  std::string invoice_id;     // for messages
};

struct admission_decision {
  admission what = admission::queue;
  std::string reason;  // dead_*: the dead letter's message
};

admission_decision admit(const admission_facts& f);

}  // namespace reconcilerd::daemon

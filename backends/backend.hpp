// The backend adapter interface: a pure translation between a job and one vendor's API.
// Adapters do no I/O (no sockets, clocks, files or environment): job -> request value,
// response value -> outcome. One implementation per API under backends/<name>/.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "jobs/job.hpp"

namespace reconcilerd::backends {

struct header {
  std::string name;
  std::string value;
  bool operator==(const header&) const = default;
};

// An HTTP request without transport details: the transport adds Host, Content-Length,
// User-Agent and Connection.
struct request {
  std::string method;  // "POST", "PUT", "GET"
  std::string target;  // origin-form: base path + path + "?" + query, percent-encoded
  std::vector<header> headers;
  std::string body;
};

struct response {
  unsigned status = 0;
  // When the answer arrived (set by the transport); lets Retry-After dates be read purely.
  std::chrono::system_clock::time_point received_at{};
  std::vector<header> headers;
  std::string body;
  // Case-insensitive header lookup; the first match.
  std::optional<std::string> header_value(std::string_view name) const;
};

enum class outcome_kind {
  delivered,  // the server applied the update
  retry,      // transient: try again later (retry_after if the server said when)
  rejected,   // permanent: dead-letter the job with `message`
  suspend,    // credentials refused: stop the whole backend
};

// Throttling hints a server gave (Bigcapital's X-RateLimit-*), for pacing.
struct rate_hint {
  std::optional<long> limit;
  std::optional<long> remaining;
  std::optional<std::chrono::seconds> reset;  // time until the window resets
};

struct outcome {
  outcome_kind kind = outcome_kind::retry;
  std::string message;  // a sentence a person understands; never contains secrets
  // Pauses the whole backend; never longer than the backend's max_pause.
  std::optional<std::chrono::milliseconds> retry_after;
  // Set when the server asked for a longer pause than max_pause (Retry-After or
  // X-RateLimit-Reset): what it asked for, at most max_server_delay. retry_after and
  // hint.reset hold the capped values.
  std::optional<std::chrono::milliseconds> asked_pause;
  bool backend_wide = false;  // retry applies to the backend (429/503), not only the job
  rate_hint hint;
};

// A read-back answer, read: the invoice in the adapter's own normalised view, or why not.
struct invoice_read {
  // delivered: `invoice` holds the invoice; otherwise what the answer means, as for
  // classify() (retry, suspend, rejected: e.g. the invoice does not exist).
  outcome result;
  // Small and stable: plain fields and the lines by id (each adapter documents its view).
  // Stored in the job's delivery state while an unsafe update is under way.
  boost::json::object invoice;
};

// Whether an update that is not safe to repeat was applied, judged from the invoice as
// read before it was sent and after an ambiguous end.
enum class applied_kind { applied, not_applied, unknown };
struct applied_judgement {
  applied_kind verdict = applied_kind::unknown;
  std::string seen;  // what the read-back showed, a sentence for the log or the dead letter
};

class adapter {
 public:
  virtual ~adapter() = default;
  // Checks a job's `update` against the API's documented schema. Returns an error naming
  // the field and the rule, or nothing when the update may be sent.
  virtual std::optional<std::string> validate(const boost::json::object& update) const = 0;
  // The request that applies the job. Precondition: validate() accepted job.update.
  virtual request build(const jobs::job& j) const = 0;
  // What the server's answer to `j`'s request means; the job lets a message name the
  // invoice ("invoice 42 not found"). Messages never contain a configured secret.
  virtual outcome classify(const response& r, const jobs::job& j) const = 0;
  // False when sending the update twice would change the result (e.g. it creates lines).
  virtual bool safe_to_repeat(const boost::json::object& update) const = 0;
  // The request that reads the invoice back (for verification).
  virtual request read_back(const jobs::job& j) const = 0;

  // --- reconciliation (defaults: the API does not support it)
  // Reads the answer to read_back(j).
  virtual invoice_read read(const response& r, const jobs::job& j) const;
  // For an update that is not safe to repeat: was it applied? `before` and `after` are
  // read() views of the invoice before the request and after its ambiguous end.
  virtual applied_judgement judge(const boost::json::object& before,
                                  const boost::json::object& after,
                                  const boost::json::object& update) const;
  // One update whose effect is exactly that of sending `older`, then `newer` (both valid
  // updates of one invoice); nothing when the API's semantics do not allow it (line
  // commands, updates not safe to repeat, undocumented semantics).
  virtual std::optional<boost::json::object> fold(const boost::json::object& older,
                                                  const boost::json::object& newer) const;
  // Whether the invoice (a read() view) already shows every value `update` would set
  // (skip_unchanged). False when unsure.
  virtual bool unchanged(const boost::json::object& invoice,
                         const boost::json::object& update) const;
  // "mode": "merge" on a full-replacement API: the whole update — the read-back's writable
  // fields with `update` laid over them — or why it cannot be made. The caller validates it.
  virtual std::variant<boost::json::object, std::string> merge(
      const boost::json::object& invoice, const boost::json::object& update) const;
  // Checks the update of a "mode": "merge" job before anything is read: its fields against
  // the schema, without the fields a full replacement requires (the read-back gives them);
  // or why the API does not take merge jobs.
  virtual std::optional<std::string> validate_merge(const boost::json::object& update) const;
  // Whether reads have their own rate limit (else they are paced with the writes).
  virtual bool reads_paced_separately() const { return false; }
};

// The adapter for a backend's type, bound to its settings (secrets included).
std::unique_ptr<adapter> make_adapter(const config::backend& cfg);

// A copy of the settings with every secret replaced by "<redacted>", for `render`.
config::backend redacted(const config::backend& cfg);

}  // namespace reconcilerd::backends

// admit(): the order of the checks is the order a person would ask in: is it a job at all,
// was it interrupted mid-send (deferred/ only: recovery), does its backend exist, is the
// update valid (incoming/ only: deferred jobs were validated when they came in), is there
// room in memory.
#include "daemon/admission.hpp"

namespace reconcilerd::daemon {

std::string_view to_string(admission a) {
  switch (a) {
    case admission::queue:
      return "queue";
    case admission::dead_invalid:
      return "dead_invalid";
    case admission::dead_interrupted:
      return "dead_interrupted";
    case admission::park:
      return "park";
    case admission::defer:
      return "defer";
    case admission::skip:
      return "skip";
  }
  return "?";
}

admission_decision admit(const admission_facts& f) {
  if (f.decode_error) return {admission::dead_invalid, *f.decode_error};
  const bool deferred = f.source == job_source::deferred;
  // With the invoice as read before sending, the next attempt reads it again and decides
  // (verify first); a marker without it (an older version's) cannot be checked.
  if (deferred && f.sending_unsafe && !f.read_before)
    return {admission::dead_interrupted,
            "the daemon stopped while sending this update, which is not safe to repeat (it "
            "creates or deletes lines): it may have been applied. Check invoice " +
                f.invoice_id + " on backend " + f.backend + ", then `reconcilerctl retry " + f.job +
                "` if it was not"};
  if (!f.backend_configured) {
    if (deferred) return {admission::park, {}};
    std::string names;
    for (auto& n : f.configured) names += (names.empty() ? "" : ", ") + n;
    return {admission::dead_invalid,
            "unknown backend \"" + f.backend + "\" (configured: " + names + ")"};
  }
  if (!deferred && f.validation_error) return {admission::dead_invalid, *f.validation_error};
  if (f.backend_full) return {deferred ? admission::skip : admission::defer, {}};
  return {admission::queue, {}};
}

}  // namespace reconcilerd::daemon

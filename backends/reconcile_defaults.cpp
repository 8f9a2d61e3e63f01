// The reconciliation calls of backends::adapter for an API that does not support them:
// nothing is read, judged, folded, skipped or merged (see backend.hpp).
#include "backends/backend.hpp"
#include "backends/status_rules.hpp"

namespace reconcilerd::backends {

invoice_read adapter::read(const response& r, const jobs::job&) const {
  invoice_read out;
  out.result = classify_status(r, "");
  if (out.result.kind == outcome_kind::delivered) {
    out.result.kind = outcome_kind::rejected;
    out.result.message = "this API's read-back is not interpreted";
  }
  return out;
}

applied_judgement adapter::judge(const boost::json::object&, const boost::json::object&,
                                 const boost::json::object&) const {
  return {applied_kind::unknown, "this API's read-back cannot tell whether an update applied"};
}

std::optional<boost::json::object> adapter::fold(const boost::json::object&,
                                                 const boost::json::object&) const {
  return std::nullopt;
}

bool adapter::unchanged(const boost::json::object&, const boost::json::object&) const {
  return false;
}

std::variant<boost::json::object, std::string> adapter::merge(const boost::json::object&,
                                                              const boost::json::object&) const {
  return std::string("this API does not support \"mode\": \"merge\"");
}

std::optional<std::string> adapter::validate_merge(const boost::json::object&) const {
  return std::string(
      "\"mode\": \"merge\" is for full-replacement APIs (campfire); this API merges by itself");
}

}  // namespace reconcilerd::backends

// The one golden-file harness of the adapter tests. A case file
// tests/backends/golden/<api>/NN_what.json holds a job, the settings it needs and the exact
// requests the adapter must build:
//   "backend" (or "config"): {"base_path", "strict_fields", "secrets", "params"}, each member
//       given replacing the test's base settings (secrets and params as whole maps);
//   the job {"invoice_id": string | integer, "update": {...}}, as "job" or at the top level;
//   "request", and "read_back" where the case checks it: {"method", "target", "headers":
//       [[name, value]...], then "body" (JSON, compared as a value) or "form" ([[name,
//       value]...], compared pair by pair, fields named in `literals` as parsed Python
//       literals); with neither the body must be empty}.
// Plain code without Boost.Test: each mismatch comes back as a line of text.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/backend.hpp"
#include "config/config.hpp"
#include "jobs/job.hpp"

namespace reconcilerd::test::golden {

using form_fields = std::vector<std::pair<std::string, std::string>>;

struct golden_case {
  std::string name;          // the file name, e.g. "03_invoice_id_is_percent_encoded.json"
  boost::json::object doc;   // the whole file
  config::backend settings;  // the base settings with the case's own applied
  jobs::job job;
};

// Every *.json case of `api`, in name order; `base` holds the settings a case leaves out.
std::vector<golden_case> cases(std::string_view api, const config::backend& base);

// An application/x-www-form-urlencoded body as ordered pairs ('+' is a space). Throws
// std::invalid_argument on a bad percent escape, a raw character a form may not hold, or
// a pair without '='.
form_fields form_decode(std::string_view body);

// How `got` differs from the expected request `want` (see above), one line each; empty
// when they match.
std::vector<std::string> differences(const backends::request& got, const boost::json::object& want,
                                     const std::set<std::string>& literals = {});

struct report {
  std::size_t cases = 0;
  std::vector<std::string> problems;  // "<file>: <what differs>"
};

// Runs every case of `api` through make_adapter(case settings): validate() accepts the
// update, build() matches "request" and read_back() matches "read_back" where given.
report run(std::string_view api, const config::backend& base,
           const std::set<std::string>& literals = {});

// `lines` joined by newlines, for a test's failure message.
std::string joined(const std::vector<std::string>& lines);

}  // namespace reconcilerd::test::golden

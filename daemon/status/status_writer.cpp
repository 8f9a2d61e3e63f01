// Builds status.json by hand (fixed key order, "1.25" not "1.25E0").
#include "daemon/status/status_writer.hpp"

#include <cmath>

#include "daemon/status/status_json_text.hpp"
#include "jobs/rfc3339.hpp"

namespace reconcilerd::daemon {

namespace {

std::string num(std::uint64_t v) { return std::to_string(v); }

std::string time_or_null(const std::optional<time_point>& t) {
  return t ? json_quote(jobs::rfc3339_ms(*t)) : "null";
}

// Rates are shown to the millisecond of a request: 3 decimals are plenty.
std::string rate_number(double v) { return format_number(std::round(v * 1000) / 1000); }

std::string latency_json(const latency_histogram& h) {
  std::string out = "{\"bounds\":[";
  for (std::size_t i = 0; i < latency_bounds.size(); ++i)
    out += (i ? "," : "") + format_number(latency_bounds[i]);
  out += "],\"counts\":[";
  for (std::size_t i = 0; i < h.counts.size(); ++i) out += (i ? "," : "") + num(h.counts[i]);
  out += "],\"count\":" + num(h.count()) + ",\"sum_seconds\":" + format_number(h.sum_seconds);
  return out + "}";
}

std::string backend_json(const backend_status& b) {
  std::string o = "{";
  o += "\"name\":" + json_quote(b.name);
  o += ",\"type\":" + json_quote(b.type);
  o += ",\"state\":" + json_quote(to_string(b.state));
  o += ",\"until\":" + time_or_null(b.until);
  o += ",\"reason\":" + json_quote(b.reason);
  o += ",\"queued\":" + num(b.queued);
  o += ",\"active\":" + num(b.active);
  o += ",\"deferred\":" + num(b.deferred);
  o += ",\"dead\":" + num(b.dead);
  o += ",\"delivered_last_hour\":" + num(b.delivered_last_hour);
  o += ",\"delivered_total\":" + num(b.delivered_total);
  o += ",\"rejected_total\":" + num(b.rejected_total);
  o += ",\"retried_total\":" + num(b.retried_total);
  o += ",\"throttled_total\":" + num(b.throttled_total);
  o += ",\"current_rate\":" + rate_number(b.current_rate);
  o += ",\"rate\":" + json_quote(b.rate_text);
  o += ",\"last_error\":" + json_quote(b.last_error);
  o += ",\"last_error_at\":" + time_or_null(b.last_error_at);
  o += ",\"latency\":" + latency_json(b.latency);
  return o + "}";
}

std::string cluster_json(const cluster_status& c) {
  std::string o = "{";
  o += "\"node\":" + json_quote(c.node);
  o += ",\"database\":" + std::string(c.database_up ? "\"up\"" : "\"down\"");
  o += ",\"checked_at\":" + time_or_null(c.checked_at);
  o += ",\"lease_seconds\":" + std::to_string(c.lease_seconds);
  o += ",\"nodes\":[";
  for (std::size_t i = 0; i < c.nodes.size(); ++i) {
    auto& n = c.nodes[i];
    o += std::string(i ? "," : "") + "{\"node\":" + json_quote(n.node) +
         ",\"seen_at\":" + json_quote(jobs::rfc3339_ms(n.seen_at)) +
         ",\"live\":" + (n.live ? "true" : "false") + "}";
  }
  o += "],\"backends\":[";
  for (std::size_t i = 0; i < c.backends.size(); ++i) {
    auto& b = c.backends[i];
    o += std::string(i ? "," : "") + "{\"name\":" + json_quote(b.name) +
         ",\"queued\":" + num(b.queued) + ",\"running\":" + num(b.running) +
         ",\"finished\":" + num(b.finished) + ",\"dead\":" + num(b.dead) +
         ",\"paused\":" + json_quote(b.paused) + ",\"suspended\":" + json_quote(b.suspended) + "}";
  }
  o += "],\"jobs\":[";
  for (std::size_t i = 0; i < c.jobs.size(); ++i) {
    auto& j = c.jobs[i];
    o += std::string(i ? "," : "") + "{\"origin\":" + json_quote(j.origin) +
         ",\"file\":" + json_quote(j.file) + ",\"backend\":" + json_quote(j.backend) +
         ",\"invoice\":" + json_quote(j.invoice) + ",\"state\":" + json_quote(j.state) +
         ",\"filed\":" + (j.filed ? "true" : "false") + ",\"holder\":" + json_quote(j.holder) +
         ",\"next_at\":" + time_or_null(j.next_at) +
         ",\"finished_at\":" + time_or_null(j.finished_at) +
         ",\"category\":" + json_quote(j.category) + ",\"message\":" + json_quote(j.message) + "}";
  }
  o += "],\"jobs_total\":" + num(c.jobs_total);
  return o + "}";
}

}  // namespace

std::string to_status_json(const status_snapshot& s) {
  std::string o = "{";
  o += "\"schema\":" + std::to_string(status_schema_version);
  o += ",\"pid\":" + std::to_string(s.pid);
  o += ",\"version\":" + json_quote(s.version);
  o += ",\"started_at\":" + json_quote(jobs::rfc3339_ms(s.started_at));
  o += ",\"generated_at\":" + json_quote(jobs::rfc3339_ms(s.generated_at));
  o += ",\"spool\":{\"incoming\":" + num(s.spool.incoming) + ",\"active\":" + num(s.spool.active) +
       ",\"deferred\":" + num(s.spool.deferred) + ",\"done\":" + num(s.spool.done) +
       ",\"dead\":" + num(s.spool.dead) + "}";
  o += ",\"oldest_job_age_seconds\":" +
       (s.oldest_job_age ? std::to_string(s.oldest_job_age->count()) : std::string("null"));
  o += ",\"backends\":[";
  for (std::size_t i = 0; i < s.backends.size(); ++i)
    o += (i ? "," : "") + backend_json(s.backends[i]);
  o += "],\"cluster\":" + (s.cluster ? cluster_json(*s.cluster) : std::string("null"));
  return o + "}\n";
}

}  // namespace reconcilerd::daemon

// status.json (read through the spool) -> status_snapshot with Boost.JSON.
#include "daemon/ctl/status_file.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_to.hpp>
#include <stdexcept>

#include "jobs/rfc3339.hpp"
#include "jobs/spool.hpp"

namespace reconcilerd::ctl {

namespace json = boost::json;
using daemon::time_point;

namespace {

std::uint64_t u64(const json::object& o, const char* key) {
  return json::value_to<std::uint64_t>(o.at(key));
}

time_point time_at(const json::object& o, const char* key) {
  auto t = jobs::parse_rfc3339(json::value_to<std::string>(o.at(key)));
  if (!t) throw std::runtime_error(std::string("bad time in \"") + key + "\"");
  return *t;
}

std::optional<time_point> optional_time(const json::object& o, const char* key) {
  if (o.at(key).is_null()) return std::nullopt;
  return time_at(o, key);
}

std::string text(const json::object& o, const char* key) {
  return json::value_to<std::string>(o.at(key));
}

daemon::backend_status backend_from(const json::object& o) {
  daemon::backend_status b;
  b.name = text(o, "name");
  b.type = text(o, "type");
  auto st = daemon::parse_backend_state(text(o, "state"));
  if (!st) throw std::runtime_error("unknown backend state \"" + text(o, "state") + "\"");
  b.state = *st;
  b.until = optional_time(o, "until");
  b.reason = text(o, "reason");
  b.queued = u64(o, "queued");
  b.active = u64(o, "active");
  b.deferred = u64(o, "deferred");
  b.dead = u64(o, "dead");
  b.delivered_last_hour = u64(o, "delivered_last_hour");
  b.delivered_total = u64(o, "delivered_total");
  b.rejected_total = u64(o, "rejected_total");
  b.retried_total = u64(o, "retried_total");
  b.throttled_total = u64(o, "throttled_total");
  b.current_rate = o.at("current_rate").to_number<double>();
  b.rate_text = text(o, "rate");
  b.last_error = text(o, "last_error");
  b.last_error_at = optional_time(o, "last_error_at");
  auto& lat = o.at("latency").as_object();
  auto& counts = lat.at("counts").as_array();
  if (counts.size() != b.latency.counts.size())
    throw std::runtime_error("latency.counts has the wrong size");
  for (std::size_t i = 0; i < counts.size(); ++i)
    b.latency.counts[i] = json::value_to<std::uint64_t>(counts[i]);
  b.latency.sum_seconds = lat.at("sum_seconds").to_number<double>();
  return b;
}

daemon::cluster_status cluster_from(const json::object& o) {
  daemon::cluster_status c;
  c.node = text(o, "node");
  const std::string db = text(o, "database");
  if (db != "up" && db != "down") throw std::runtime_error("cluster.database is \"" + db + "\"");
  c.database_up = db == "up";
  c.checked_at = optional_time(o, "checked_at");
  c.lease_seconds = json::value_to<std::int64_t>(o.at("lease_seconds"));
  for (auto& v : o.at("nodes").as_array()) {
    auto& n = v.as_object();
    c.nodes.push_back({text(n, "node"), time_at(n, "seen_at"), n.at("live").as_bool()});
  }
  for (auto& v : o.at("backends").as_array()) {
    auto& b = v.as_object();
    c.backends.push_back({text(b, "name"), u64(b, "queued"), u64(b, "running"), u64(b, "finished"),
                          u64(b, "dead"), text(b, "paused"), text(b, "suspended")});
  }
  for (auto& v : o.at("jobs").as_array()) {
    auto& j = v.as_object();
    daemon::cluster_job_status s;
    s.origin = text(j, "origin");
    s.file = text(j, "file");
    s.backend = text(j, "backend");
    s.invoice = text(j, "invoice");
    s.state = text(j, "state");
    s.filed = j.at("filed").as_bool();
    s.holder = text(j, "holder");
    s.next_at = optional_time(j, "next_at");
    s.finished_at = optional_time(j, "finished_at");
    s.category = text(j, "category");
    s.message = text(j, "message");
    c.jobs.push_back(std::move(s));
  }
  c.jobs_total = u64(o, "jobs_total");
  return c;
}

}  // namespace

daemon::status_snapshot parse_status_json(const std::string& body) {
  auto v = json::parse(body);
  auto& o = v.as_object();
  daemon::status_snapshot s;
  s.pid = static_cast<pid_t>(json::value_to<std::int64_t>(o.at("pid")));
  s.version = text(o, "version");
  s.started_at = time_at(o, "started_at");
  s.generated_at = time_at(o, "generated_at");
  auto& sp = o.at("spool").as_object();
  s.spool = {u64(sp, "incoming"), u64(sp, "active"), u64(sp, "deferred"), u64(sp, "done"),
             u64(sp, "dead")};
  if (!o.at("oldest_job_age_seconds").is_null())
    s.oldest_job_age =
        std::chrono::seconds(json::value_to<std::int64_t>(o.at("oldest_job_age_seconds")));
  for (auto& b : o.at("backends").as_array()) s.backends.push_back(backend_from(b.as_object()));
  // Absent in files of daemons older than cluster mode; null for a single node.
  if (auto* c = o.if_contains("cluster"); c && !c->is_null())
    s.cluster = cluster_from(c->as_object());
  return s;
}

status_read read_status_file(const std::string& spool_dir) {
  auto f = jobs::spool::read_status(spool_dir);
  std::string path = f.path.string();
  if (f.error && f.error->code == std::errc::no_such_file_or_directory) return status_missing{path};
  if (f.error) return status_broken{"cannot read " + path + ": " + f.error->code.message()};
  try {
    auto snapshot = parse_status_json(f.text);
    return status_file{std::move(snapshot), std::move(f.text)};
  } catch (const std::exception& e) {
    return status_broken{path + " is not a valid status file: " + e.what()};
  }
}

}  // namespace reconcilerd::ctl

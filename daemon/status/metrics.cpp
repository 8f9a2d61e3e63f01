// Renders the metric families one after another, each with its HELP and TYPE lines.
#include "daemon/status/metrics.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "daemon/status/status_json_text.hpp"
#include "jobs/spool_fs.hpp"

namespace reconcilerd::daemon {

namespace {

// Label values escape backslash, double quote and newline.
std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

struct writer {
  std::string out;

  void family(std::string_view name, std::string_view type, std::string_view help) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  }
  // labels: already rendered `a="b",c="d"` (may be empty)
  void sample(std::string_view name, const std::string& labels, const std::string& value) {
    out.append(name);
    if (!labels.empty()) out.append("{").append(labels).append("}");
    out.append(" ").append(value).append("\n");
  }
};

std::string backend_label(const backend_status& b) {
  return "backend=\"" + label_value(b.name) + "\"";
}

std::string seconds_since_epoch(time_point t) {
  using namespace std::chrono;
  return format_number(duration<double>(t.time_since_epoch()).count());
}

template <class F>
void per_backend_counter(writer& w, const status_snapshot& s, std::string_view name,
                         std::string_view type, std::string_view help, F value) {
  w.family(name, type, help);
  for (auto& b : s.backends) w.sample(name, backend_label(b), value(b));
}

}  // namespace

std::string to_prometheus_text(const status_snapshot& s) {
  writer w;
  w.family("reconcilerd_info", "gauge", "Version of the running daemon (always 1).");
  w.sample("reconcilerd_info", "version=\"" + label_value(s.version) + "\"", "1");
  w.family("reconcilerd_start_time_seconds", "gauge",
           "Start time of the daemon in seconds since the Unix epoch.");
  w.sample("reconcilerd_start_time_seconds", "", seconds_since_epoch(s.started_at));

  w.family("reconcilerd_spool_jobs", "gauge", "Job files per spool directory.");
  const std::pair<const char*, std::uint64_t> dirs[] = {{"incoming", s.spool.incoming},
                                                        {"active", s.spool.active},
                                                        {"deferred", s.spool.deferred},
                                                        {"done", s.spool.done},
                                                        {"dead", s.spool.dead}};
  for (auto& [dir, n] : dirs)
    w.sample("reconcilerd_spool_jobs", std::string("state=\"") + dir + "\"", std::to_string(n));
  w.family("reconcilerd_oldest_job_age_seconds", "gauge",
           "Age of the oldest job not yet delivered or dead-lettered (0 when none).");
  w.sample("reconcilerd_oldest_job_age_seconds", "",
           std::to_string(s.oldest_job_age ? s.oldest_job_age->count() : 0));

  w.family("reconcilerd_queue_jobs", "gauge", "Jobs per backend and state.");
  for (auto& b : s.backends) {
    const std::pair<const char*, std::uint64_t> states[] = {
        {"queued", b.queued}, {"active", b.active}, {"deferred", b.deferred}, {"dead", b.dead}};
    for (auto& [st, n] : states)
      w.sample("reconcilerd_queue_jobs", backend_label(b) + ",state=\"" + st + "\"",
               std::to_string(n));
  }

  auto u = [](std::uint64_t v) { return std::to_string(v); };
  per_backend_counter(w, s, "reconcilerd_delivered_total", "counter",
                      "Jobs delivered since the daemon started.",
                      [&](auto& b) { return u(b.delivered_total); });
  per_backend_counter(w, s, "reconcilerd_rejected_total", "counter",
                      "Jobs dead-lettered as rejected by the backend since the daemon started.",
                      [&](auto& b) { return u(b.rejected_total); });
  per_backend_counter(w, s, "reconcilerd_retried_total", "counter",
                      "Attempts that ended in a retry since the daemon started.",
                      [&](auto& b) { return u(b.retried_total); });
  per_backend_counter(w, s, "reconcilerd_throttled_total", "counter",
                      "HTTP 429 answers since the daemon started.",
                      [&](auto& b) { return u(b.throttled_total); });
  per_backend_counter(w, s, "reconcilerd_request_rate", "gauge",
                      "Request starts per second over the last minute.",
                      [&](auto& b) { return format_number(b.current_rate); });
  per_backend_counter(w, s, "reconcilerd_backend_suspended", "gauge",
                      "1 while the backend is suspended (credentials refused), else 0.",
                      [&](auto& b) { return b.state == backend_state::suspended ? "1" : "0"; });

  w.family("reconcilerd_backend_state", "gauge",
           "1 for the backend's current state (running, paused, suspended, circuit_open).");
  for (auto& b : s.backends)
    for (auto st : {backend_state::running, backend_state::paused, backend_state::suspended,
                    backend_state::circuit_open})
      w.sample("reconcilerd_backend_state",
               backend_label(b) + ",state=\"" + std::string(to_string(st)) + "\"",
               b.state == st ? "1" : "0");

  const char* h = "reconcilerd_request_duration_seconds";
  w.family(h, "histogram", "Duration of requests to the backend, in seconds.");
  for (auto& b : s.backends) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < b.latency.counts.size(); ++i) {
      cumulative += b.latency.counts[i];
      std::string le = i < latency_bounds.size() ? format_number(latency_bounds[i]) : "+Inf";
      w.sample(std::string(h) + "_bucket", backend_label(b) + ",le=\"" + le + "\"",
               std::to_string(cumulative));
    }
    w.sample(std::string(h) + "_sum", backend_label(b), format_number(b.latency.sum_seconds));
    w.sample(std::string(h) + "_count", backend_label(b), std::to_string(cumulative));
  }

  if (s.cluster) {  // cluster mode: the cluster as this node last read it
    const cluster_status& c = *s.cluster;
    w.family("reconcilerd_cluster_database_up", "gauge",
             "1 while this node is connected to the cluster database.");
    w.sample("reconcilerd_cluster_database_up", "", c.database_up ? "1" : "0");
    w.family("reconcilerd_cluster_nodes", "gauge",
             "Nodes that sent a heartbeat within two leases.");
    std::size_t live = 0;
    for (auto& n : c.nodes) live += n.live;
    w.sample("reconcilerd_cluster_nodes", "", std::to_string(live));
    w.family("reconcilerd_cluster_jobs", "gauge",
             "Jobs in the cluster database by backend and state (all nodes).");
    for (auto& b : c.backends) {
      const std::string l = "backend=\"" + label_value(b.name) + "\",state=";
      w.sample("reconcilerd_cluster_jobs", l + "\"queued\"", std::to_string(b.queued));
      w.sample("reconcilerd_cluster_jobs", l + "\"running\"", std::to_string(b.running));
      w.sample("reconcilerd_cluster_jobs", l + "\"finished\"", std::to_string(b.finished));
      w.sample("reconcilerd_cluster_jobs", l + "\"dead\"", std::to_string(b.dead));
    }
    if (c.checked_at) {
      w.family("reconcilerd_cluster_view_timestamp_seconds", "gauge",
               "When this node last read the cluster's state from the database.");
      w.sample("reconcilerd_cluster_view_timestamp_seconds", "",
               seconds_since_epoch(*c.checked_at));
    }
  }
  return w.out;
}

std::error_code write_metrics_file(const std::string& path, const status_snapshot& s) {
  std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path().empty() ? "." : target.parent_path();
  jobs::unique_fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd) return jobs::last_errno();
  const std::string name = target.filename().string();
  if (auto ec = jobs::write_file_durably(dir_fd.get(), "." + name + ".tmp", name,
                                         to_prometheus_text(s), 0644))
    return ec;
  if (::fsync(dir_fd.get()) != 0) return jobs::last_errno();
  return {};
}

}  // namespace reconcilerd::daemon

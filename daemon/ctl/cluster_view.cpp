// The local daemon's view of the cluster, as reconcilerctl's commands use it.
#include "daemon/ctl/cluster_view.hpp"

#include <variant>

#include "daemon/status/status_time.hpp"

namespace reconcilerd::ctl {

cluster_view make_cluster_view(const context& c, const status_read& read) {
  cluster_view v;
  auto* f = std::get_if<status_file>(&read);
  if (f && f->snapshot.cluster) {
    v.enabled = true;
    v.cluster = f->snapshot.cluster;
    v.node = v.cluster->node;
    return v;
  }
  if (!c.cfg.cluster) return v;  // a single node
  v.enabled = true;
  v.node = c.cfg.cluster->node;
  if (auto* m = std::get_if<status_missing>(&read))
    v.unavailable = m->path + " does not exist (the daemon is not running)";
  else if (auto* b = std::get_if<status_broken>(&read))
    v.unavailable = b->message;
  else
    v.unavailable =
        "status.json has no cluster section (the daemon was started without `cluster:` "
        "or is older than cluster mode)";
  return v;
}

cluster_view read_cluster_view(const context& c) {
  return make_cluster_view(c, read_status_file(c.cfg.spool_dir));
}

job_ref split_job_ref(const std::string& arg) {
  auto slash = arg.find('/');
  if (slash == std::string::npos) return {{}, arg};
  return {arg.substr(0, slash), arg.substr(slash + 1)};
}

std::string not_in_cluster_mode(const context& c) {
  return "NODE/JOB names a job of a cluster node, but the daemon is not in cluster mode (no "
         "`cluster:` in " +
         c.cfg.path + "); give the name of a job in " + c.cfg.spool_dir;
}

jobs::job_state list_state_of(const daemon::cluster_job_status& j, daemon::time_point now) {
  if (j.state == "dead") return jobs::job_state::dead;
  if (j.state == "delivered") return jobs::job_state::done;
  if (j.state == "queued" && j.next_at && *j.next_at > now) return jobs::job_state::deferred;
  return jobs::job_state::active;  // queued and due, or running
}

const daemon::cluster_job_status* find_cluster_job(const daemon::cluster_status& s,
                                                   const std::string& node,
                                                   const std::string& file) {
  for (auto& j : s.jobs)
    if (j.origin == node && j.file == file) return &j;
  return nullptr;
}

std::vector<const daemon::cluster_job_status*> jobs_of_other_nodes(const daemon::cluster_status& s,
                                                                   const std::string& self,
                                                                   const std::string& file) {
  std::vector<const daemon::cluster_job_status*> found;
  for (auto& j : s.jobs)
    if (j.origin != self && j.file == file) found.push_back(&j);
  return found;
}

const daemon::cluster_node_status* find_node(const daemon::cluster_status& s,
                                             const std::string& node) {
  for (auto& n : s.nodes)
    if (n.node == node) return &n;
  return nullptr;
}

std::string node_names(const daemon::cluster_status& s) {
  std::string out;
  for (auto& n : s.nodes) out += (out.empty() ? "" : ", ") + n.node;
  return out.empty() ? "none" : out;
}

std::vector<std::string> staleness(const daemon::cluster_status& s, daemon::time_point now) {
  using std::chrono::seconds;
  std::vector<std::string> why;
  if (!s.database_up)
    why.push_back(
        "the database is down: the cluster figures are the local daemon's last view and may be "
        "stale");
  if (!s.checked_at) {
    why.push_back("the local daemon has not read the cluster from the database yet");
  } else {
    auto age = std::chrono::duration_cast<seconds>(now - *s.checked_at);
    auto lease = seconds(s.lease_seconds > 0 ? s.lease_seconds : 1);
    if (age > 3 * lease)
      why.push_back("the cluster view is " + daemon::format_age(age) +
                    " old (more than 3 leases of " + daemon::format_age(lease) +
                    "): the figures may be stale");
  }
  return why;
}

std::string jobs_not_shown(const daemon::cluster_status& s) {
  if (s.jobs_total <= s.jobs.size()) return {};
  return std::to_string(s.jobs_total - s.jobs.size()) +
         " jobs of the cluster are not shown: status.json lists " + std::to_string(s.jobs.size()) +
         " of the " + std::to_string(s.jobs_total) + " in the database";
}

}  // namespace reconcilerd::ctl

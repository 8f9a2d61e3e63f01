// Cluster mode for reconcilerctl (docs/cluster.md, "reconcilerctl in cluster mode").
// reconcilerctl has no database access: what it knows about the other nodes is the local
// daemon's last view of the cluster (status.json "cluster"), and what it does to their jobs
// goes through control/ requests the local daemon passes on through the database.
// Here: that view, this node's name, NODE/JOB names and the cluster's job states as list's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/ctl/commands.hpp"
#include "daemon/ctl/status_file.hpp"
#include "daemon/status/status_snapshot.hpp"
#include "jobs/spool_names.hpp"

namespace reconcilerd::ctl {

struct cluster_view {
  // Cluster mode: the configuration has `cluster:` or status.json has a cluster section.
  // False: a single node; every command behaves as without cluster mode.
  bool enabled = false;
  std::string node;                               // this node (status.json's, else the config's)
  std::optional<daemon::cluster_status> cluster;  // the local daemon's last view
  std::string unavailable;  // cluster mode without a view: why (status.json missing, ...)
};

// From a status.json already read (status), or reading it (list, show, retry, resume).
cluster_view make_cluster_view(const context& c, const status_read& read);
cluster_view read_cluster_view(const context& c);

// "NODE/JOB" -> {NODE, JOB}; a plain "JOB" -> {"", JOB}.
struct job_ref {
  std::string node;
  std::string file;
};
job_ref split_job_ref(const std::string& arg);

// The message for a NODE/JOB name when the daemon is not in cluster mode.
std::string not_in_cluster_mode(const context& c);

// list's state of a cluster job: queued with a future next_at -> deferred, queued and due
// or running -> active, dead -> dead, delivered -> done.
jobs::job_state list_state_of(const daemon::cluster_job_status& j, daemon::time_point now);

// The job FILE of NODE in the view; nullptr if not listed.
const daemon::cluster_job_status* find_cluster_job(const daemon::cluster_status& s,
                                                   const std::string& node,
                                                   const std::string& file);
// The jobs named FILE of nodes other than `self`, in the view's order.
std::vector<const daemon::cluster_job_status*> jobs_of_other_nodes(const daemon::cluster_status& s,
                                                                   const std::string& self,
                                                                   const std::string& file);
const daemon::cluster_node_status* find_node(const daemon::cluster_status& s,
                                             const std::string& node);
// "node-b, node-c"
std::string node_names(const daemon::cluster_status& s);

// Why the figures of the view may be stale (one sentence each; none: fresh): the database
// is down, the view was never read, or it is older than 3 leases.
std::vector<std::string> staleness(const daemon::cluster_status& s, daemon::time_point now);

// "N jobs of the cluster are not in status.json (it lists L of T)"; empty if all are.
std::string jobs_not_shown(const daemon::cluster_status& s);

}  // namespace reconcilerd::ctl

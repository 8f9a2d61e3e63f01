// What a reload may change in `cluster:`, and the section described for operators.
#include "config/cluster.hpp"

#include "config/values.hpp"

namespace reconcilerd::config {

std::optional<std::string> cluster_change_refused(const std::optional<cluster_settings>& running,
                                                  const std::optional<cluster_settings>& next) {
  constexpr std::string_view restart = " (restart the daemon)";
  if (!running && !next) return std::nullopt;
  if (!running) return "cluster mode cannot be turned on by a reload" + std::string(restart);
  if (!next) return "cluster mode cannot be turned off by a reload" + std::string(restart);
  if (running->database != next->database)
    return "cluster.database cannot change while running" + std::string(restart);
  if (running->node != next->node)
    return "cluster.node cannot change while running (from \"" + running->node + "\" to \"" +
           next->node + "\")" + std::string(restart);
  return std::nullopt;  // lease and password apply
}

std::string describe_cluster(const std::optional<cluster_settings>& cluster) {
  if (!cluster) return "cluster: off (single node)";
  std::string out = "cluster: node " + cluster->node + ", lease " +
                    detail::format_duration(cluster->lease) + ", database \"" + cluster->database +
                    "\", ";
  const std::string& source = cluster->password_source;
  if (source.empty())
    out += "no password given";
  else if (source == "inline")
    out += "password inline in the configuration";
  else
    out += "password from " + source;
  return out;
}

}  // namespace reconcilerd::config

// The `cluster:` section: database, its password, node and lease.
#include "config/cluster_load.hpp"

#include <limits.h>
#include <unistd.h>

#include "config/cluster.hpp"
#include "config/conninfo.hpp"
#include "config/secrets.hpp"
#include "config/values.hpp"

namespace reconcilerd::config::detail {

namespace {

constexpr std::string_view password_key = "database_password";
constexpr std::string_view known_keys[] = {
    "database",
    "database_password",
    "database_password_file",
    "database_password_credential",
    "node",
    "lease",
};
constexpr std::size_t max_node_length = 64;
constexpr std::string_view node_characters = "A-Z a-z 0-9 . _ -";

// Why `name` cannot be a node name, or nothing.
std::optional<std::string> node_problem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > max_node_length)
    return "must be at most " + std::to_string(max_node_length) + " characters, got " +
           std::to_string(name.size());
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok)
      return "invalid node name " + quoted(name) + " (only " + std::string(node_characters) +
             " are allowed)";
  }
  if (name == "." || name == "..") return "invalid node name " + quoted(name);
  return std::nullopt;
}

class cluster_loader {
 public:
  cluster_loader(const entry& e, const std::string& credentials_dir, diagnostics& d)
      : e_(e), credentials_dir_(credentials_dir), d_(d), errors_before_(d.error_count()) {}

  std::optional<cluster_settings> load(const std::string& host_name);

 private:
  int section_line() const { return line_of(e_.key_node); }
  void read_database(cluster_settings& c);
  void read_password(cluster_settings& c);
  void read_node(cluster_settings& c, const std::string& host_name);
  void read_lease(cluster_settings& c);

  const entry& e_;
  const std::string& credentials_dir_;
  diagnostics& d_;
  std::size_t errors_before_;
  std::vector<entry> entries_;
};

std::optional<cluster_settings> cluster_loader::load(const std::string& host_name) {
  if (e_.value.IsNull()) {
    d_.error(e_.line(), e_.path,
             "has no value (for cluster mode give at least database; to run as a single node, "
             "remove cluster)");
    return std::nullopt;
  }
  if (!e_.value.IsMap()) {
    d_.error(e_.line(), e_.path,
             "expected a map (database, database_password_file, node, lease), got " +
                 std::string(kind_of(e_.value)));
    return std::nullopt;
  }
  entries_ = map_entries(e_.value, e_.path, d_);
  for (auto& s : entries_) {
    bool known = false;
    for (auto k : known_keys) known = known || k == s.key;
    if (!known) report_unknown(s, known_keys, d_);
  }
  cluster_settings c;
  read_database(c);
  read_password(c);
  read_node(c, host_name);
  read_lease(c);
  if (d_.error_count() != errors_before_) return std::nullopt;
  return c;
}

void cluster_loader::read_database(cluster_settings& c) {
  const entry* db = find_entry(entries_, "database");
  if (!db) {
    d_.error(section_line(), join_path(e_.path, "database"),
             "missing required key (a libpq connection string, e.g. \"host=db.example.com "
             "dbname=reconcilerd user=reconcilerd\")");
    return;
  }
  auto text = read_string(*db, d_);  // its messages never echo the value
  if (!text) return;
  if (auto problem = conninfo_problem(*text)) {
    d_.error(db->line(), db->path, *problem);
    return;
  }
  c.database = std::move(*text);
}

void cluster_loader::read_password(cluster_settings& c) {
  auto v = read_secret(entries_, password_key, credentials_dir_, d_);
  if (v.status != secret_value::state::ok) return;
  c.password = std::move(v.value);
  // The form read_secret accepted (exactly one is present, its value a valid scalar).
  std::string key(password_key);
  if (const entry* f = find_entry(entries_, key + "_file"))
    c.password_source = "file " + f->value.Scalar();
  else if (const entry* n = find_entry(entries_, key + "_credential"))
    c.password_source = "credential " + n->value.Scalar();
  else
    c.password_source = "inline";
}

void cluster_loader::read_node(cluster_settings& c, const std::string& host_name) {
  if (const entry* n = find_entry(entries_, "node")) {
    auto name = read_scalar(*n, d_);
    if (!name) return;
    if (auto problem = node_problem(*name)) {
      d_.error(n->line(), n->path, *problem);
      return;
    }
    c.node = std::move(*name);
    return;
  }
  const std::string path = join_path(e_.path, "node");
  if (host_name.empty()) {
    d_.error(section_line(), path,
             "missing, and the host name is unknown: set node (1 to 64 of " +
                 std::string(node_characters) + ", unique per daemon)");
  } else if (node_problem(host_name)) {
    d_.error(section_line(), path,
             "missing, and the host name " + quoted(host_name) +
                 " is not a valid node name: set node (1 to 64 of " + std::string(node_characters) +
                 ", unique per daemon)");
  } else {
    c.node = host_name;
  }
}

void cluster_loader::read_lease(cluster_settings& c) {
  const entry* l = find_entry(entries_, "lease");
  if (!l) return;
  auto v = read_duration(*l, true, d_);
  if (!v) return;
  if (*v < min_lease || *v > max_lease) {
    d_.error(l->line(), l->path,
             "must be " + format_duration(min_lease) + " to " + format_duration(max_lease) +
                 ", got " + format_duration(*v));
    return;
  }
  c.lease = *v;
}

}  // namespace

std::optional<cluster_settings> load_cluster(const entry& e, const std::string& credentials_dir,
                                             const std::string& host_name, diagnostics& d) {
  return cluster_loader(e, credentials_dir, d).load(host_name);
}

std::string local_host_name() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return {};
  return buf;
}

}  // namespace reconcilerd::config::detail

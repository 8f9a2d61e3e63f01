// Plain configuration values, as loaded from the YAML file of interface.md.
// Owns no behaviour: config/load.hpp fills these, everybody else reads them.
// Secrets live only in backend::secrets and cluster_settings::password; nothing may log or
// print them.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace reconcilerd::config {

using duration = std::chrono::milliseconds;

struct rate {
  double per_second = 10.0;
  std::string text = "10/s";  // as written, for status output
};

struct retry_settings {
  duration initial_backoff = std::chrono::seconds(30);
  duration max_backoff = std::chrono::hours(1);
  int max_attempts = 15;
  duration max_age = std::chrono::hours(72);
};

struct tls_settings {
  std::string ca_file;  // extra trust anchor (PEM); empty: system store only
  bool verify = true;
};

enum class backend_type { simetri, whmcs, alloy, campfire, bigcapital };

std::string_view to_string(backend_type t);
std::optional<backend_type> parse_backend_type(std::string_view s);

struct url {
  std::string scheme;  // "https" or "http"
  std::string host;    // without brackets for IPv6
  std::uint16_t port = 443;
  std::string path;  // base path without trailing '/', may be empty
  bool is_loopback() const;
};

struct backend {
  std::string name;
  backend_type type = backend_type::simetri;
  std::string base_url_text;
  url base_url;
  duration timeout = std::chrono::seconds(30);
  int concurrency = 4;
  struct rate rate;
  int burst = 10;
  retry_settings retry;
  duration done_retention = std::chrono::hours(24 * 7);
  // The longest pause a server may impose (Retry-After, X-RateLimit-Reset): longer ones are
  // capped to it and logged.
  duration max_pause = std::chrono::hours(1);
  tls_settings tls;
  bool allow_insecure_http = false;
  bool strict_fields = true;  // reject unknown fields in a job's update
  // Several waiting jobs of one invoice may travel as one request (backends.md: Folding).
  bool fold = true;
  // Read the invoice first and finish the job without a write when it already shows the
  // job's values (not for alloy, whose reads may be stale right after a write).
  bool skip_unchanged = false;
  // Secret values by key: token, secret, password, api_key, jwt, access_key.
  std::map<std::string, std::string> secrets;
  // Non-secret per-type settings: identifier, username, credential_id, auth_scheme,
  // organization_id.
  std::map<std::string, std::string> params;

  std::string secret(const std::string& key) const;
  std::string param(const std::string& key, const std::string& fallback = {}) const;
};

// `cluster:` (interface.md, Cluster mode; config/cluster.hpp): several daemons delivering
// together through one PostgreSQL database.
struct cluster_settings {
  std::string database;         // libpq conninfo, without a password
  std::string password;         // secret: never logged, printed or put in status
  std::string password_source;  // "file /etc/...", "credential name", "inline", "" (none)
  std::string node;             // [A-Za-z0-9._-], 1..64 chars; default: gethostname()
  duration lease = std::chrono::seconds(30);  // 2s..1h
};

struct config {
  std::string path;  // the file it was loaded from
  std::string spool_dir;
  std::string status_log;    // empty: none
  std::string metrics_file;  // empty: none
  std::vector<backend> backends;
  std::optional<cluster_settings> cluster;  // absent: single node (the default)

  const backend* find(std::string_view name) const;
};

}  // namespace reconcilerd::config

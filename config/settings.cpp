// Applying the shared delivery settings (defaults or a backend's own overrides).
#include "config/settings.hpp"

#include "config/small_file.hpp"
#include "config/values.hpp"

namespace reconcilerd::config::detail {

namespace {

constexpr std::string_view keys[] = {
    "timeout",   "concurrency",   "rate",
    "burst",     "retry",         "done_retention",
    "tls",       "strict_fields", "allow_insecure_http",
    "max_pause", "fold",          "skip_unchanged",
};
constexpr std::string_view retry_keys[] = {"initial_backoff", "max_backoff", "max_attempts",
                                           "max_age"};
constexpr std::string_view tls_keys[] = {"ca_file", "verify"};

template <class T>
void set(std::optional<T> v, T& target) {
  if (v) target = std::move(*v);
}

// The entries of a nested map (null counts as empty); nothing after reporting a non-map.
std::optional<std::vector<entry>> nested(const entry& e, diagnostics& d) {
  if (e.value.IsNull()) return std::vector<entry>{};
  if (!e.value.IsMap()) {
    d.error(e.line(), e.path, "expected a map, got " + std::string(kind_of(e.value)));
    return std::nullopt;
  }
  return map_entries(e.value, e.path, d);
}

void apply_retry(const entry& parent, retry_settings& r, settings_origins& o, diagnostics& d) {
  auto entries = nested(parent, d);
  if (!entries) return;
  for (auto& e : *entries) {
    if (e.key == "initial_backoff") {
      auto v = read_duration(e, false, d);
      if (v) o.initial_backoff = {e.line(), e.path};
      set(v, r.initial_backoff);
    } else if (e.key == "max_backoff") {
      auto v = read_duration(e, false, d);
      if (v) o.max_backoff = {e.line(), e.path};
      set(v, r.max_backoff);
    } else if (e.key == "max_attempts") {
      set(read_int(e, 1, 1000, d), r.max_attempts);
    } else if (e.key == "max_age") {
      set(read_duration(e, false, d), r.max_age);
    } else {
      report_unknown(e, retry_keys, d);
    }
  }
}

// max_pause: longer than zero, at most 30 days (no server pause is meant to last longer, and
// every time computed from it stays far from overflowing).
std::optional<duration> read_max_pause(const entry& e, diagnostics& d) {
  auto v = read_duration(e, false, d);
  constexpr duration longest = std::chrono::hours(24 * 30);
  if (v && *v > longest) {
    d.error(e.line(), e.path, "must be at most 30d, got " + format_duration(*v));
    return std::nullopt;
  }
  return v;
}

// A CA bundle can be large, but not this large.
constexpr std::size_t max_ca_file_size = 16 * 1024 * 1024;

void check_readable_file(const entry& e, const std::string& path, diagnostics& d) {
  file_read r = read_small_file(path, max_ca_file_size);
  if (r.result != file_read::status::ok)
    d.error(e.line(), e.path, describe(r, path, max_ca_file_size));
}

void apply_tls(const entry& parent, tls_settings& t, settings_origins& o, diagnostics& d) {
  auto entries = nested(parent, d);
  if (!entries) return;
  for (auto& e : *entries) {
    if (e.key == "ca_file") {
      auto path = read_absolute_path(e, d);
      if (path) check_readable_file(e, *path, d);
      set(path, t.ca_file);
    } else if (e.key == "verify") {
      auto v = read_bool(e, d);
      if (v) o.tls_verify = {e.line(), e.path};
      set(v, t.verify);
    } else {
      report_unknown(e, tls_keys, d);
    }
  }
}

}  // namespace

std::span<const std::string_view> settings_keys() { return keys; }

bool apply_setting(const entry& e, backend& b, settings_origins& o, diagnostics& d) {
  if (e.key == "timeout")
    set(read_duration(e, false, d), b.timeout);
  else if (e.key == "concurrency")
    set(read_int(e, 1, 256, d), b.concurrency);
  else if (e.key == "rate")
    set(read_rate(e, d), b.rate);
  else if (e.key == "burst")
    set(read_int(e, 1, 100000, d), b.burst);
  else if (e.key == "retry")
    apply_retry(e, b.retry, o, d);
  else if (e.key == "done_retention")
    set(read_duration(e, true, d), b.done_retention);
  else if (e.key == "tls")
    apply_tls(e, b.tls, o, d);
  else if (e.key == "strict_fields")
    set(read_bool(e, d), b.strict_fields);
  else if (e.key == "allow_insecure_http")
    set(read_bool(e, d), b.allow_insecure_http);
  else if (e.key == "max_pause")
    set(read_max_pause(e, d), b.max_pause);
  else if (e.key == "fold")
    set(read_bool(e, d), b.fold);
  else if (e.key == "skip_unchanged")
    set(read_bool(e, d), b.skip_unchanged);
  else
    return false;
  return true;
}

void check_backoff_order(const backend& b, const settings_origins& o, std::string_view scope,
                         diagnostics& d) {
  if (b.retry.initial_backoff <= b.retry.max_backoff) return;
  auto in_scope = [&](const origin& x) { return x.path.starts_with(std::string(scope) + "."); };
  const origin* at = in_scope(o.initial_backoff) ? &o.initial_backoff
                     : in_scope(o.max_backoff)   ? &o.max_backoff
                                                 : nullptr;
  if (!at) return;
  d.error(at->line, at->path,
          "initial_backoff (" + format_duration(b.retry.initial_backoff) +
              ") must not be longer than max_backoff (" + format_duration(b.retry.max_backoff) +
              ")");
}

}  // namespace reconcilerd::config::detail

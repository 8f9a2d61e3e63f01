// The delivery settings that `defaults:` sets for every backend and each backend may
// override: timeout, concurrency, rate, burst, retry{...}, done_retention, max_pause,
// tls{...}, strict_fields, allow_insecure_http. retry and tls merge key by key. Remembers
// where the values that later checks talk about were set, so those checks can point there.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/diagnostics.hpp"
#include "config/yaml_map.hpp"

namespace reconcilerd::config::detail {

// Where a setting's effective value was written; empty path: the built-in default.
struct origin {
  int line = 0;
  std::string path;
};

struct settings_origins {
  origin initial_backoff;
  origin max_backoff;
  origin tls_verify;
};

std::span<const std::string_view> settings_keys();

// Applies `e` to `b` if `e` names a settings key (reporting bad values); false otherwise.
bool apply_setting(const entry& e, backend& b, settings_origins& o, diagnostics& d);

// Reports initial_backoff > max_backoff, but only when one of them was set under `scope`
// (e.g. "defaults" or "backends.erp"), so a bad pair is reported once, where it was written.
void check_backoff_order(const backend& b, const settings_origins& o, std::string_view scope,
                         diagnostics& d);

}  // namespace reconcilerd::config::detail

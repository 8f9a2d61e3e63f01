// Fixed settings for each of the five APIs (as the adapter tests build them, with secrets
// the fuzz targets check never leak into messages), for the fuzz targets of tests/fuzz/.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "backends/backend.hpp"
#include "config/config.hpp"

namespace reconcilerd::fuzz {

inline config::backend settings(config::backend_type type, bool strict) {
  config::backend cfg;
  cfg.type = type;
  cfg.strict_fields = strict;
  cfg.max_pause = std::chrono::hours(1);
  switch (type) {
    case config::backend_type::simetri:
      cfg.name = "erp";
      cfg.base_url_text = "https://erp.example.id/erp";
      cfg.base_url = {"https", "erp.example.id", 443, "/erp"};
      cfg.secrets["token"] = "T0k3n+/=sim";
      break;
    case config::backend_type::whmcs:
      cfg.name = "billing";
      cfg.base_url_text = "https://billing.example.com/billing";
      cfg.base_url = {"https", "billing.example.com", 443, "/billing"};
      cfg.params["identifier"] = "D3m0Ident";
      cfg.secrets["secret"] = "s3cr3t&=+x";
      cfg.secrets["access_key"] = "acc/ess key";
      break;
    case config::backend_type::alloy:
      cfg.name = "unified";
      cfg.base_url.path = "/2024-03/one";
      cfg.secrets["api_key"] = "sk_live_SECRET_alloy_key";
      cfg.params["credential_id"] = "cred1";
      break;
    case config::backend_type::campfire:
      cfg.name = "books";
      cfg.secrets["api_key"] = "cf_SECRET_campfire_key";
      break;
    case config::backend_type::bigcapital:
      cfg.name = "ledger";
      cfg.secrets["api_key"] = "bc_SECRET_bigcapital_key";
      cfg.secrets["jwt"] = "eyJ.SECRET_bigcapital_jwt.sig";
      cfg.params["organization_id"] = "org_5";
      break;
  }
  return cfg;
}

inline constexpr std::array<config::backend_type, 5> all_types = {
    config::backend_type::simetri, config::backend_type::whmcs, config::backend_type::alloy,
    config::backend_type::campfire, config::backend_type::bigcapital};

// One adapter per API and strictness, made once.
struct adapters {
  std::array<config::backend, 10> cfg;
  std::array<std::unique_ptr<backends::adapter>, 10> a;
  adapters() {
    for (std::size_t i = 0; i < 10; ++i) {
      cfg[i] = settings(all_types[i % 5], i < 5);
      a[i] = backends::make_adapter(cfg[i]);
    }
  }
  static const adapters& get() {
    static const adapters one;
    return one;
  }
};

// Aborts (a crash the fuzzer reports) when `text` holds one of cfg's secrets.
inline void check_no_secret(const std::string& text, const config::backend& cfg) {
  for (auto& [key, value] : cfg.secrets)
    if (!value.empty() && text.find(value) != std::string::npos) __builtin_trap();
}

}  // namespace reconcilerd::fuzz

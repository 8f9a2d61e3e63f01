// Small accessors of the plain config values.
#include "config/config.hpp"

#include <arpa/inet.h>

namespace reconcilerd::config {

namespace {
constexpr std::pair<backend_type, std::string_view> type_names[] = {
    {backend_type::simetri, "simetri"},       {backend_type::whmcs, "whmcs"},
    {backend_type::alloy, "alloy"},           {backend_type::campfire, "campfire"},
    {backend_type::bigcapital, "bigcapital"},
};
}  // namespace

std::string_view to_string(backend_type t) {
  for (auto& [type, name] : type_names)
    if (type == t) return name;
  return "unknown";
}

std::optional<backend_type> parse_backend_type(std::string_view s) {
  for (auto& [type, name] : type_names)
    if (name == s) return type;
  return std::nullopt;
}

bool url::is_loopback() const {
  if (host == "localhost" || host == "::1") return true;
  in_addr a{};  // only a literal IPv4 address in 127.0.0.0/8 (not "127.evil.com")
  return inet_pton(AF_INET, host.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

std::string backend::secret(const std::string& key) const {
  auto it = secrets.find(key);
  return it == secrets.end() ? std::string{} : it->second;
}

std::string backend::param(const std::string& key, const std::string& fallback) const {
  auto it = params.find(key);
  return it == params.end() ? fallback : it->second;
}

const backend* config::find(std::string_view name) const {
  for (auto& b : backends)
    if (b.name == name) return &b;
  return nullptr;
}

}  // namespace reconcilerd::config

// Fuzz target: configuration loading (config/load.hpp load_string) on arbitrary text, with
// the nesting-depth cap (config/nesting.hpp) in front of yaml-cpp. Checks: nothing throws
// or crashes (a deep document is refused, not recursed into), a refused text has at least
// one error line, an accepted one gives a config with at least one backend.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/load.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;  // load_file refuses files over 1 MiB; keep runs fast
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  // No credentials directory: <key>_credential names are refused without touching files.
  const auto r = reconcilerd::config::load_string(yaml, "/etc/reconcilerd/fuzz.yaml", "");
  if (r.value.has_value() != r.errors.empty()) __builtin_trap();
  if (r.value && r.value->backends.empty()) __builtin_trap();
  for (auto& e : r.errors)
    if (e.empty()) __builtin_trap();
  return 0;
}

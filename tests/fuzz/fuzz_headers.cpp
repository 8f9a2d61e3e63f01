// Fuzz target: the header parsers of backends/status_rules.hpp. The input is "Name: value"
// lines (the first line also read alone as a Retry-After value and an X-RateLimit-Reset
// value). Checks: Retry-After (delta-seconds and HTTP-date), Retry-After-<name>, every
// X-RateLimit-* bucket and the tightest of them never throw, are never negative and never
// exceed max_server_delay; bound_pauses caps them all at max_pause.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "backends/status_rules.hpp"

using namespace reconcilerd::backends;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

void check_delay(const std::optional<milliseconds>& d) {
  if (d && (*d < milliseconds(0) || *d > max_server_delay)) __builtin_trap();
}

void check_hint(const rate_hint& h) {
  if (h.reset && (*h.reset < seconds(0) || *h.reset > max_server_delay)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto now = std::chrono::system_clock::from_time_t(1795000000);  // 2026-11-18

  const std::string_view first = text.substr(0, text.find('\n'));
  check_delay(parse_retry_after(first, now));
  if (auto r = parse_rate_reset(first, now)) check_delay(milliseconds(*r));

  response r;
  r.status = 429;
  r.received_at = now;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::size_t colon = line.find(':');
    std::string_view name = line.substr(0, colon), value;
    if (colon != std::string_view::npos) value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    r.headers.push_back({std::string(name), std::string(value)});
  }
  check_delay(parse_retry_afters(r));
  check_hint(parse_rate_hint(r));
  check_hint(parse_rate_hint(r, "-auth"));
  const auto buckets = parse_rate_hints(r);
  for (auto& b : buckets) check_hint(b);
  outcome o;
  o.retry_after = parse_retry_afters(r);
  o.hint = tightest(buckets);
  check_hint(o.hint);
  const milliseconds max_pause = std::chrono::minutes(size % 120);
  bound_pauses(o, max_pause);
  if (o.retry_after && (*o.retry_after < milliseconds(0) || *o.retry_after > max_pause))
    __builtin_trap();
  if (o.hint.reset && (*o.hint.reset < seconds(0) || *o.hint.reset > max_pause)) __builtin_trap();
  check_delay(o.asked_pause);
  (void)classify_status(r, "fuzz");
  return 0;
}

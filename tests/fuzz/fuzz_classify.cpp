// Fuzz target: each API's classify() on an answer made from the input. Layout: byte 0
// picks the adapter (5 APIs x strict or not), bytes 1-2 the status (0-999), byte 3 the job
// (integer or text invoice id); the rest is "Name: value" header lines up to an empty line,
// then the body. Checks: nothing throws or crashes, every pause is within max_pause (and
// never negative), an asked-for pause within max_server_delay, and no secret in a message.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "backends/status_rules.hpp"
#include "tests/fuzz/fuzz_backends.hpp"

using namespace reconcilerd;

namespace {

// Splits "Name: value" lines (LF or CRLF) until an empty line; the rest is the body.
backends::response answer_from(std::string_view text, unsigned status) {
  backends::response r;
  r.status = status;
  r.received_at = std::chrono::system_clock::from_time_t(1795000000);  // 2026-11-18
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    std::string_view name = line.substr(0, colon), value;
    if (colon != std::string_view::npos) value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    r.headers.push_back({std::string(name), std::string(value)});
  }
  r.body = std::string(text);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const auto& all = fuzz::adapters::get();
  const std::size_t which = data[0] % all.a.size();
  const unsigned status = (data[1] << 8 | data[2]) % 1000;
  jobs::job j;
  j.name = "42.json";
  j.backend = all.cfg[which].name;
  j.invoice_id_is_integer = data[3] % 2 == 0;
  j.invoice_id = j.invoice_id_is_integer ? "42" : "INV-0042";
  const auto r = answer_from({reinterpret_cast<const char*>(data + 4), size - 4}, status);

  const auto o = all.a[which]->classify(r, j);
  const auto max_pause = all.cfg[which].max_pause;
  using std::chrono::milliseconds;
  if (o.retry_after && (*o.retry_after < milliseconds(0) || *o.retry_after > max_pause))
    __builtin_trap();
  if (o.hint.reset && (*o.hint.reset < std::chrono::seconds(0) || *o.hint.reset > max_pause))
    __builtin_trap();
  if (o.asked_pause &&
      (*o.asked_pause < milliseconds(0) || *o.asked_pause > backends::max_server_delay))
    __builtin_trap();
  if (o.kind == backends::outcome_kind::delivered && (status < 200 || status > 299))
    __builtin_trap();
  if (std::getenv("FUZZ_VERBOSE"))
    std::fprintf(stderr, "kind %d message [%s]\n", static_cast<int>(o.kind), o.message.c_str());
  fuzz::check_no_secret(o.message, all.cfg[which]);
  return 0;
}

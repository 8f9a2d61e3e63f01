// Fuzz target: a job file's bytes through decode_job, then each API's validate() (strict
// and not); an update one accepts is also built into its request and read-back request.
// Checks: nothing throws or crashes, a decoded job keeps the documented limits, refusals
// name a reason without a secret, and request targets stay percent-encoded ASCII.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "jobs/job_decode.hpp"
#include "tests/fuzz/fuzz_backends.hpp"

using namespace reconcilerd;

namespace {

// `s` with %XX escapes decoded until none is left ("%252E" -> "%2E" -> ".").
std::string fully_decoded(std::string s) {
  for (bool changed = true; changed;) {
    changed = false;
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      auto hex = [](char c) {
        return c >= '0' && c <= '9'   ? c - '0'
               : c >= 'a' && c <= 'f' ? c - 'a' + 10
               : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                      : -1;
      };
      if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
        out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
        i += 2;
        changed = true;
      } else {
        out += s[i];
      }
    }
    s = std::move(out);
  }
  return s;
}

// Aborts when the path of `target` has a dot segment, literally or percent-encoded.
void check_no_dot_segment(const std::string& target) {
  const std::string path = target.substr(0, target.find('?'));
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string seg = fully_decoded(path.substr(start, end - start));
    if (seg == "." || seg == "..") __builtin_trap();
    start = end + 1;
  }
}

void check_target(const std::string& target) {
  if (std::getenv("FUZZ_VERBOSE")) std::fprintf(stderr, "target [%s]\n", target.c_str());
  // Percent-encoded origin-form: no raw space, control or non-ASCII byte.
  for (unsigned char c : target)
    if (c <= 0x20 || c >= 0x7f) __builtin_trap();
  check_no_dot_segment(target);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = jobs::decode_job(bytes, "fuzz.json");
  if (auto* e = std::get_if<jobs::decode_error>(&decoded)) {
    if (e->message.empty()) __builtin_trap();
    return 0;
  }
  const auto& j = std::get<jobs::job>(decoded);
  if (size > jobs::max_job_bytes) __builtin_trap();
  std::size_t code_points = 0;  // the limit counts characters, not bytes
  for (unsigned char c : j.invoice_id) code_points += (c & 0xC0) != 0x80;
  if (code_points == 0 || code_points > jobs::max_invoice_id_chars) __builtin_trap();
  const auto& all = fuzz::adapters::get();
  for (std::size_t i = 0; i < all.a.size(); ++i) {
    const auto& a = *all.a[i];
    const auto verdict = a.validate(j.update);
    if (verdict) {
      if (std::getenv("FUZZ_VERBOSE")) std::fprintf(stderr, "%zu: %s\n", i, verdict->c_str());
      if (verdict->empty()) __builtin_trap();
      fuzz::check_no_secret(*verdict, all.cfg[i]);
      continue;
    }
    const auto req = a.build(j);
    if (req.method.empty() || req.target.empty() || req.target[0] != '/') __builtin_trap();
    check_target(req.target);
    (void)a.safe_to_repeat(j.update);
    const auto back = a.read_back(j);
    check_target(back.target);
  }
  return 0;
}

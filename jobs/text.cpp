// See text.hpp. UTF-8 is checked by the rules of RFC 3629 (no overlongs, no surrogates, at
// most U+10FFFF); each byte that does not start a valid sequence becomes U+FFFD.
#include "jobs/text.hpp"

#include <cstdio>

namespace reconcilerd::jobs {
namespace {

constexpr std::string_view replacement = "\xef\xbf\xbd";

// Length of the valid UTF-8 sequence at s[i], or 0 if there is none.
std::size_t sequence_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = c >= 0xc2 && c <= 0xdf   ? 2
                  : c >= 0xe0 && c <= 0xef ? 3
                  : c >= 0xf0 && c <= 0xf4 ? 4
                                           : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(k) & 0xc0) != 0x80) return 0;
  if (c == 0xe0 && b(1) < 0xa0) return 0;   // overlong
  if (c == 0xed && b(1) >= 0xa0) return 0;  // surrogates
  if (c == 0xf0 && b(1) < 0x90) return 0;   // overlong
  if (c == 0xf4 && b(1) >= 0x90) return 0;  // beyond U+10FFFF
  return n;
}

}  // namespace

std::string bounded_text(std::string_view s, std::size_t max) {
  std::string out;
  out.reserve(std::min(s.size(), max) + 8);
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t n = sequence_length(s, i);
    std::string_view piece = n ? s.substr(i, n) : replacement;
    if (out.size() + piece.size() > max) break;
    out += piece;
    i += n ? n : 1;
  }
  if (i < s.size()) out += "... [" + std::to_string(s.size() - i) + " more bytes cut]";
  return out;
}

std::string visible_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  char buf[8];
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9f) {
      // C1 controls (U+0080..U+009F, e.g. CSI): terminals act on them too.
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(s[i + 1]));
      out += buf;
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string outside_text(std::string_view s) { return bounded_text(visible_text(s)); }

}  // namespace reconcilerd::jobs

// RFC 3339 formatting and parsing with <chrono> calendar types (no time zones, no locale).
#include "daemon/status/status_time.hpp"

#include <cstdio>

namespace reconcilerd::daemon {

using namespace std::chrono;

std::string format_rfc3339_ms(system_clock::time_point t) {
  auto ms = floor<milliseconds>(t);
  auto day = floor<days>(ms);
  year_month_day ymd{day};
  hh_mm_ss hms{ms - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                int(hms.minutes().count()), int(hms.seconds().count()),
                int(hms.subseconds().count()));
  return buf;
}

namespace {

// Reads exactly `n` digits at s[pos]; advances pos.
std::optional<int> digits(std::string_view s, std::size_t& pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && (s[pos] == c || (c == 'T' && s[pos] == 't'))) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::optional<system_clock::time_point> parse_rfc3339(std::string_view s) {
  std::size_t p = 0;
  auto y = digits(s, p, 4);
  if (!y || !expect(s, p, '-')) return std::nullopt;
  auto mo = digits(s, p, 2);
  if (!mo || !expect(s, p, '-')) return std::nullopt;
  auto d = digits(s, p, 2);
  if (!d || !expect(s, p, 'T')) return std::nullopt;
  auto h = digits(s, p, 2);
  if (!h || !expect(s, p, ':')) return std::nullopt;
  auto mi = digits(s, p, 2);
  if (!mi || !expect(s, p, ':')) return std::nullopt;
  auto sec = digits(s, p, 2);
  if (!sec) return std::nullopt;
  nanoseconds frac{0};
  if (p < s.size() && s[p] == '.') {
    ++p;
    long long scale = 100'000'000, ns = 0;
    std::size_t start = p;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      ns += (s[p] - '0') * scale;
      scale /= 10;
      ++p;
    }
    if (p == start) return std::nullopt;
    frac = nanoseconds{ns};
  }
  minutes offset{0};
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int sign = s[p] == '-' ? -1 : 1;
    ++p;
    auto oh = digits(s, p, 2);
    if (!oh || !expect(s, p, ':')) return std::nullopt;
    auto om = digits(s, p, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset = minutes{sign * (*oh * 60 + *om)};
  } else {
    return std::nullopt;
  }
  if (p != s.size()) return std::nullopt;
  year_month_day ymd{year{*y}, month{unsigned(*mo)}, day{unsigned(*d)}};
  if (!ymd.ok() || *h > 23 || *mi > 59 || *sec > 60) return std::nullopt;
  auto t = sys_days{ymd} + hours{*h} + minutes{*mi} + seconds{*sec} + frac - offset;
  return time_point_cast<system_clock::duration>(t);
}

std::string format_age(seconds s) {
  long long v = s.count() < 0 ? 0 : s.count();
  struct unit {
    long long size;
    const char* suffix;
  };
  constexpr unit units[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  std::string out;
  int shown = 0;
  for (auto& u : units) {
    long long n = v / u.size;
    v %= u.size;
    if (n == 0 && !(u.size == 1 && out.empty())) {
      if (!out.empty()) break;  // only adjacent units: "3d 4h", not "3d 10s"
      continue;
    }
    if (!out.empty()) out += ' ';
    out += std::to_string(n) + u.suffix;
    if (++shown == 2) break;
  }
  return out;
}

}  // namespace reconcilerd::daemon

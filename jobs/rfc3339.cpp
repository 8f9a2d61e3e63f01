// RFC 3339 formatting and parsing with <chrono> calendar types (no time zones, no locale);
// see rfc3339.hpp.
#include "jobs/rfc3339.hpp"

#include <cstdio>

namespace reconcilerd::jobs {

using namespace std::chrono;

namespace {

std::string format(clock_time t, bool with_ms) {
  auto ms = floor<milliseconds>(t);
  auto day = floor<days>(ms);
  year_month_day ymd{day};
  hh_mm_ss hms{ms - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                int(hms.minutes().count()), int(hms.seconds().count()));
  std::string out = buf;
  if (with_ms) {
    std::snprintf(buf, sizeof buf, ".%03d", int(hms.subseconds().count()));
    out += buf;
  }
  return out + "Z";
}

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

std::string rfc3339(clock_time t) { return format(t, false); }
std::string rfc3339_ms(clock_time t) { return format(t, true); }

std::optional<clock_time> parse_rfc3339(std::string_view s) {
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
      ns += (s[p] - '0') * scale;  // digits past nanoseconds add 0
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
  return time_point_cast<clock_time::duration>(t);
}

}  // namespace reconcilerd::jobs

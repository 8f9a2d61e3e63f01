// The duration ("250ms", "30s", "5m", "1h", "3d") and rate ("N/s", "N/min", "N/h") syntax.
#include <charconv>
#include <cstdint>
#include <limits>

#include "config/load.hpp"
#include "config/values.hpp"

namespace reconcilerd::config {

namespace {

struct unit {
  std::string_view suffix;
  std::int64_t millis;
};
constexpr unit duration_units[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000},
};

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::optional<duration> parse_duration(std::string_view s) {
  if (s == "0") return duration{0};
  std::size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15) return std::nullopt;
  std::string_view suffix = s.substr(digits);
  for (auto& u : duration_units) {
    if (u.suffix != suffix) continue;
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + digits, n);
    if (ec != std::errc{} || end != s.data() + digits) return std::nullopt;
    if (n > std::numeric_limits<std::int64_t>::max() / u.millis) return std::nullopt;
    return duration{n * u.millis};
  }
  return std::nullopt;
}

std::optional<rate> parse_rate(std::string_view s) {
  auto per_second = detail::rate_per_second(s);
  if (!per_second || *per_second <= 0) return std::nullopt;
  return rate{*per_second, std::string(s)};
}

namespace detail {

std::optional<double> rate_per_second(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view number = s.substr(0, slash);
  std::string_view per = s.substr(slash + 1);
  double seconds = per == "s" ? 1 : per == "min" ? 60 : per == "h" ? 3600 : 0;
  if (seconds == 0 || number.size() > 15) return std::nullopt;
  auto dot = number.find('.');
  if (!all_digits(number.substr(0, dot))) return std::nullopt;
  if (dot != std::string_view::npos && !all_digits(number.substr(dot + 1))) return std::nullopt;
  double n = 0;
  auto [end, ec] =
      std::from_chars(number.data(), number.data() + number.size(), n, std::chars_format::fixed);
  if (ec != std::errc{} || end != number.data() + number.size()) return std::nullopt;
  return n / seconds;
}

std::string format_duration(duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  for (auto it = std::rbegin(duration_units); it != std::rend(duration_units); ++it)
    if (ms % it->millis == 0) return std::to_string(ms / it->millis) + std::string(it->suffix);
  return std::to_string(ms) + "ms";
}

}  // namespace detail
}  // namespace reconcilerd::config

// Readers of single configuration values; each reports its own problems.
#include "config/values.hpp"

#include <charconv>

#include "config/load.hpp"

namespace reconcilerd::config::detail {

namespace {

bool is_plain(const YAML::Node& n) { return n.Tag() == "?"; }

}  // namespace

bool has_control(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

std::optional<std::string> read_scalar(const entry& e, diagnostics& d) {
  if (e.value.IsNull()) {
    d.error(e.line(), e.path, "has no value");
    return std::nullopt;
  }
  if (!e.value.IsScalar()) {
    d.error(e.line(), e.path, "expected a single value, got " + std::string(kind_of(e.value)));
    return std::nullopt;
  }
  return e.value.Scalar();
}

std::optional<std::string> read_string(const entry& e, diagnostics& d) {
  auto s = read_scalar(e, d);
  if (s && s->empty()) {
    d.error(e.line(), e.path, "must not be empty");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> read_absolute_path(const entry& e, diagnostics& d) {
  auto s = read_string(e, d);
  if (!s) return s;
  if (has_control(*s)) {
    d.error(e.line(), e.path, "must not contain control characters");
    return std::nullopt;
  }
  if (s->front() != '/') {
    d.error(e.line(), e.path, "must be an absolute path, got " + quoted(*s));
    return std::nullopt;
  }
  return s;
}

std::optional<int> read_int(const entry& e, int min, int max, diagnostics& d) {
  auto s = read_scalar(e, d);
  if (!s) return std::nullopt;
  std::string range = std::to_string(min) + " to " + std::to_string(max);
  long long n = 0;
  const char* first = s->data();
  const char* last = first + s->size();
  auto [end, ec] = std::from_chars(first, last, n);
  if (!is_plain(e.value) || s->empty() || end != last ||
      (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
    d.error(e.line(), e.path, "expected a whole number (" + range + "), got " + quoted(*s));
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range || n < min || n > max) {
    d.error(e.line(), e.path, "must be " + range + ", got " + *s);
    return std::nullopt;
  }
  return static_cast<int>(n);
}

std::optional<bool> read_bool(const entry& e, diagnostics& d) {
  auto s = read_scalar(e, d);
  if (!s) return std::nullopt;
  if (is_plain(e.value)) {
    if (*s == "true" || *s == "True" || *s == "TRUE") return true;
    if (*s == "false" || *s == "False" || *s == "FALSE") return false;
  }
  d.error(e.line(), e.path, "expected true or false, got " + quoted(*s));
  return std::nullopt;
}

std::optional<duration> read_duration(const entry& e, bool allow_zero, diagnostics& d) {
  auto s = read_scalar(e, d);
  if (!s) return std::nullopt;
  auto v = parse_duration(*s);
  if (!v) {
    d.error(e.line(), e.path,
            "invalid duration " + quoted(*s) +
                " (expected a whole number and a unit: 250ms, 30s, 5m, 1h or 3d)");
    return std::nullopt;
  }
  if (v->count() == 0 && !allow_zero) {
    d.error(e.line(), e.path, "must be longer than zero");
    return std::nullopt;
  }
  return v;
}

std::optional<rate> read_rate(const entry& e, diagnostics& d) {
  auto s = read_scalar(e, d);
  if (!s) return std::nullopt;
  auto per_second = rate_per_second(*s);
  if (!per_second) {
    d.error(e.line(), e.path, "invalid rate " + quoted(*s) + " (expected N/s, N/min or N/h)");
    return std::nullopt;
  }
  if (*per_second <= 0) {
    d.error(e.line(), e.path, "must be more than zero, got " + quoted(*s));
    return std::nullopt;
  }
  return rate{*per_second, *s};
}

}  // namespace reconcilerd::config::detail

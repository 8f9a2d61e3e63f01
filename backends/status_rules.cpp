// Shared rules for reading an answer; see status_rules.hpp.
#include "backends/status_rules.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>
#include <charconv>
#include <ctime>

namespace reconcilerd::backends {

std::optional<std::string> response::header_value(std::string_view name) const {
  auto eq = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) ==
                    std::tolower(static_cast<unsigned char>(y));
           });
  };
  for (auto& h : headers)
    if (eq(h.name, name)) return h.value;
  return std::nullopt;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <class T>
std::optional<T> to_number(std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::time_t> parse_http_date(std::string_view s) {
  static const char* const formats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",  // IMF-fixdate
      "%A, %d-%b-%y %H:%M:%S GMT",  // RFC 850
      "%a %b %e %H:%M:%S %Y",       // asctime
  };
  std::string str(s);
  for (const char* f : formats) {
    std::tm tm{};
    const char* end = strptime(str.c_str(), f, &tm);
    if (end && *end == '\0') return timegm(&tm);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    auto secs = to_number<long long>(value);
    if (!secs || *secs > 365LL * 24 * 3600) return std::nullopt;
    return std::chrono::seconds(*secs);
  }
  auto t = parse_http_date(value);
  if (!t) return std::nullopt;
  auto when = std::chrono::system_clock::from_time_t(*t);
  if (when <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(when - now);
}

rate_hint parse_rate_hint(const response& r) {
  rate_hint h;
  if (auto v = r.header_value("X-RateLimit-Limit")) h.limit = to_number<long>(trim(*v));
  if (auto v = r.header_value("X-RateLimit-Remaining")) h.remaining = to_number<long>(trim(*v));
  if (auto v = r.header_value("X-RateLimit-Reset"))
    if (auto n = to_number<long>(trim(*v))) h.reset = std::chrono::seconds(*n);
  return h;
}

outcome classify_status(const response& r, std::string message) {
  outcome o;
  o.message = std::move(message);
  o.hint = parse_rate_hint(r);
  const unsigned s = r.status;
  if (s >= 200 && s < 300) {
    o.kind = outcome_kind::delivered;
  } else if (s == 401 || s == 403) {
    o.kind = outcome_kind::suspend;
  } else if (s == 408 || s == 425 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504) {
    o.kind = outcome_kind::retry;
    o.backend_wide = (s == 429 || s == 503);
    if (auto v = r.header_value("Retry-After")) {
      o.retry_after = parse_retry_after(*v, r.received_at);
      if (o.retry_after) o.backend_wide = true;
    }
  } else if (s >= 400 && s < 500) {
    o.kind = outcome_kind::rejected;
  } else {
    o.kind = outcome_kind::retry;
  }
  if (o.message.empty()) o.message = "HTTP " + std::to_string(s);
  return o;
}

boost::json::value json_body(std::string_view body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec) return nullptr;
  return v;
}

std::string status_text(const response& r, std::string_view key) {
  std::string text = "HTTP " + std::to_string(r.status);
  if (r.body.empty()) return text;
  if (!key.empty()) {
    auto body = json_body(r.body);
    if (body.is_object())
      if (auto* v = body.get_object().if_contains(key);
          v && v->is_string() && !v->get_string().empty())
        return text + ": " + std::string(v->get_string());
  }
  return text + ": " + body_excerpt(r.body);
}

std::string body_excerpt(std::string_view body, std::size_t max) {
  std::string out;
  for (char c : body.substr(0, max)) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  if (body.size() > max) out += "...";
  return out;
}

std::string redact_secrets(std::string_view message, const config::backend& cfg) {
  static constexpr std::string_view mask = "<redacted>";
  std::string out;
  for (std::size_t i = 0; i < message.size();) {
    std::size_t matched = 0;
    for (auto& [key, secret] : cfg.secrets)
      if (!secret.empty() && secret.size() > matched && message.substr(i).starts_with(secret))
        matched = secret.size();  // the longest secret that starts here
    if (matched) {
      out += mask;
      i += matched;
    } else if (message.substr(i).starts_with(mask)) {
      out += mask;  // masked already
      i += mask.size();
    } else {
      out += message[i++];
    }
  }
  return out;
}

}  // namespace reconcilerd::backends

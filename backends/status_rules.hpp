// Rules every API shares: what an HTTP status means (interface.md "Delivery rules"),
// Retry-After in both forms, X-RateLimit-* hints, and the URL/form encodings.
// Pure functions; adapters call them and add their API's own rules on top.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/backend.hpp"

namespace reconcilerd::backends {

// Retry-After as delta-seconds or an HTTP-date (IMF-fixdate, RFC 850, asctime), relative
// to `now`. A date in the past gives 0. Garbage gives nothing.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// X-RateLimit-Limit / -Remaining / -Reset (seconds until reset).
rate_hint parse_rate_hint(const response& r);

// The generic meaning of r.status: 2xx delivered; 408/425/429/5xx(500,502,503,504) retry
// (429 and 503 backend-wide, with Retry-After when given); 401/403 suspend; other 4xx
// rejected; anything else (1xx, 3xx, other 5xx) retry. `message` becomes the outcome's
// message (callers pass the server's own words when they have them).
outcome classify_status(const response& r, std::string message);

// "HTTP 404: <text>" where <text> is the string under `key` when the body is a JSON object
// that has one (a server's own message), else an excerpt of the body; "HTTP 404" when the
// body is empty. An empty `key` always uses the excerpt.
std::string status_text(const response& r, std::string_view key = {});

// A short, printable excerpt of a body for messages (at most `max` bytes, control
// characters replaced).
std::string body_excerpt(std::string_view body, std::size_t max = 300);

// `message` with every configured secret of `cfg` replaced by "<redacted>" (a server may
// echo a header or a form field back in an error).
std::string redact_secrets(std::string message, const config::backend& cfg);

// RFC 3986 percent-encoding of everything but unreserved characters.
std::string percent_encode(std::string_view s);

// application/x-www-form-urlencoded: key=value pairs joined by '&' (space as '+').
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace reconcilerd::backends

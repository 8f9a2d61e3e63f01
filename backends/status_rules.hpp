// Rules every API shares for reading an answer: what an HTTP status means (interface.md
// "Delivery rules"), Retry-After in both forms, X-RateLimit-* hints, the max_pause cap on
// every server-given pause (saturating: no value overflows), message excerpts, and the one
// redaction of secrets. Pure functions; adapters add their API's own rules on top.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/backend.hpp"

namespace reconcilerd::backends {

// The longest delay any server-given value can mean (36525 days): longer ones saturate
// here, so adding one to a clock's time can never overflow. max_pause then caps them (see
// bound_pauses); nothing longer than 30 days ever reaches the pacer or the retry policy.
inline constexpr std::chrono::milliseconds max_server_delay = std::chrono::hours(24 * 36525);

// Retry-After as delta-seconds or an HTTP-date (IMF-fixdate, RFC 850, asctime), relative
// to `now`. A date in the past gives 0; a far one (year 9999) or a huge number saturates
// at max_server_delay. Garbage (negative, fractions, words) gives nothing.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// X-RateLimit-Reset is read as seconds from the answer when it is at most
// reset_epoch_threshold (ten years of seconds, 315,360,000); a larger number is a Unix time
// (seconds since 1970, i.e. after 1979-12-30) and means the time left until then, from
// received_at (0 if it has passed). Both saturate at max_server_delay.
inline constexpr std::chrono::seconds reset_epoch_threshold{315'360'000};
std::optional<std::chrono::seconds> parse_rate_reset(
    std::string_view value, std::chrono::system_clock::time_point received_at);

// One bucket's X-RateLimit-Limit<suffix> / -Remaining<suffix> / -Reset<suffix>
// (parse_rate_reset); the plain headers when `suffix` is empty, "-auth" for
// X-RateLimit-Limit-auth and the like.
rate_hint parse_rate_hint(const response& r, std::string_view suffix = {});

// Every bucket the answer advertises: the plain X-RateLimit-* set and each named set
// (X-RateLimit-Remaining-<name>, as NestJS names its throttlers), plain first.
std::vector<rate_hint> parse_rate_hints(const response& r);

// The bucket that binds: of those with both Remaining and Reset, one that is used up
// (Remaining <= 0) with the longest Reset, else the one with the fewest requests left per
// second (Remaining / Reset); when none is complete, the first given (or nothing).
rate_hint tightest(const std::vector<rate_hint>& buckets);

// The longest pause of Retry-After and every Retry-After-<name> (one per named throttler:
// the one that blocked binds), or nothing when none can be read.
std::optional<std::chrono::milliseconds> parse_retry_afters(const response& r);

// Caps every pause in `o` (retry_after, hint.reset) at max_pause; when one was longer, sets
// o.asked_pause to the longest asked for. Negative values become 0.
void bound_pauses(outcome& o, std::chrono::milliseconds max_pause);

// `inner` with bound_pauses(…, max_pause) applied to every classify(): the one place every
// adapter's server-given pauses pass through (make_adapter wraps each adapter in it).
std::unique_ptr<adapter> with_bounded_pauses(std::unique_ptr<adapter> inner,
                                             std::chrono::milliseconds max_pause);

// The generic meaning of r.status: 2xx delivered; 408/425/429/5xx(500,502,503,504) retry
// (429 and 503 backend-wide, with Retry-After / Retry-After-<name> when given); 401/403
// suspend; other 4xx rejected; anything else (1xx, 3xx, other 5xx) retry. `message` becomes
// the outcome's message (callers pass the server's own words when they have them). No rate
// hint: X-RateLimit-* count only for an API that documents them (the adapter adds it).
outcome classify_status(const response& r, std::string message);

// "HTTP 404: <text>" where <text> is the string under `key` when the body is a JSON object
// that has one (a server's own message), else an excerpt of the body; "HTTP 404" when the
// body is empty. An empty `key` always uses the excerpt.
std::string status_text(const response& r, std::string_view key = {});

// The body parsed as JSON, or null when it is not JSON.
boost::json::value json_body(std::string_view body);

// A short, printable excerpt of a body for messages (at most `max` bytes, control
// characters replaced).
std::string body_excerpt(std::string_view body, std::size_t max = 300);

// `message` with every configured secret of `cfg` replaced by "<redacted>" (a server may
// echo a header or a form field back in an error): the one redaction every adapter uses.
// One pass, the longest secret first where several start at a place; a "<redacted>" already
// in the text is kept whole, so redacting twice changes nothing (even for a secret such as
// "a" that occurs inside the mask). Adapters redact a body before cutting an excerpt of it.
std::string redact_secrets(std::string_view message, const config::backend& cfg);

}  // namespace reconcilerd::backends

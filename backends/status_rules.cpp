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

using std::chrono::milliseconds;
using std::chrono::seconds;
constexpr long long max_delay_s = std::chrono::duration_cast<seconds>(max_server_delay).count();

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A string of digits as a number, saturating at `ceiling` (no overflow however long).
long long saturating_number(std::string_view digits, long long ceiling) {
  long long v = 0;
  for (char c : digits) {
    if (v > (ceiling - (c - '0')) / 10) return ceiling;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Seconds from `now` until the Unix time `t`: 0 if it has passed, at most max_delay_s.
long long seconds_until(long long t, std::chrono::system_clock::time_point now) {
  const long long now_s = std::chrono::floor<seconds>(now.time_since_epoch()).count();
  if (t <= now_s) return 0;
  return t - now_s > max_delay_s ? max_delay_s : t - now_s;  // no overflow: both << 2^62
}

constexpr long long far_future_s = 1LL << 60;  // any Unix time beyond this is "far"

}  // namespace

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (all_digits(value)) return seconds(saturating_number(value, max_delay_s));
  auto t = parse_http_date(value);
  if (!t) return std::nullopt;
  // Whole seconds: an HTTP date has no fraction. Never through system_clock (nanoseconds
  // overflow after 2262).
  const long long when = std::clamp<long long>(*t, -far_future_s, far_future_s);
  return seconds(seconds_until(when, now));
}

std::optional<seconds> parse_rate_reset(std::string_view value,
                                        std::chrono::system_clock::time_point received_at) {
  value = trim(value);
  if (!all_digits(value)) return std::nullopt;
  const long long v = saturating_number(value, far_future_s);
  if (v <= reset_epoch_threshold.count()) return seconds(v);
  return seconds(seconds_until(v, received_at));
}

rate_hint parse_rate_hint(const response& r, std::string_view suffix) {
  auto header = [&](std::string_view name) {
    return r.header_value(std::string(name) + std::string(suffix));
  };
  rate_hint h;
  if (auto v = header("X-RateLimit-Limit")) h.limit = to_number<long>(trim(*v));
  if (auto v = header("X-RateLimit-Remaining")) h.remaining = to_number<long>(trim(*v));
  if (auto v = header("X-RateLimit-Reset")) h.reset = parse_rate_reset(*v, r.received_at);
  return h;
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The part of `name` after `prefix` ("-auth" of "X-RateLimit-Remaining-auth"): `prefix`
// compared case-insensitively, then "-" and at least one more character.
std::optional<std::string> suffix_after(std::string_view name, std::string_view prefix) {
  if (name.size() <= prefix.size() + 1 || !iequals(name.substr(0, prefix.size()), prefix) ||
      name[prefix.size()] != '-')
    return std::nullopt;
  return std::string(name.substr(prefix.size()));
}

}  // namespace

std::vector<rate_hint> parse_rate_hints(const response& r) {
  std::vector<rate_hint> out{parse_rate_hint(r)};
  std::vector<std::string> seen;
  for (auto& h : r.headers) {
    auto suffix = suffix_after(h.name, "X-RateLimit-Remaining");
    if (!suffix) continue;
    for (auto& c : *suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::find(seen.begin(), seen.end(), *suffix) != seen.end()) continue;
    seen.push_back(*suffix);
    out.push_back(parse_rate_hint(r, *suffix));
  }
  return out;
}

rate_hint tightest(const std::vector<rate_hint>& buckets) {
  const rate_hint* best = nullptr;
  auto complete = [](const rate_hint& h) { return h.remaining && h.reset; };
  // Tighter: used up beats not; among used up, the later reset; else fewer left per second
  // (a/ra < b/rb, compared without dividing).
  auto tighter = [](const rate_hint& a, const rate_hint& b) {
    const bool a_out = *a.remaining <= 0, b_out = *b.remaining <= 0;
    if (a_out != b_out) return a_out;
    if (a_out) return *a.reset > *b.reset;
    return static_cast<double>(*a.remaining) * static_cast<double>(b.reset->count()) <
           static_cast<double>(*b.remaining) * static_cast<double>(a.reset->count());
  };
  for (auto& h : buckets)
    if (complete(h) && (!best || tighter(h, *best))) best = &h;
  if (best) return *best;
  return buckets.empty() ? rate_hint{} : buckets.front();
}

std::optional<milliseconds> parse_retry_afters(const response& r) {
  std::optional<milliseconds> longest;
  for (auto& h : r.headers) {
    if (!iequals(h.name, "Retry-After") && !suffix_after(h.name, "Retry-After")) continue;
    if (auto d = parse_retry_after(h.value, r.received_at); d && (!longest || *d > *longest))
      longest = d;
  }
  return longest;
}

void bound_pauses(outcome& o, milliseconds max_pause) {
  max_pause = std::clamp(max_pause, milliseconds(0), max_server_delay);
  auto asked = [&](milliseconds d) {
    if (!o.asked_pause || d > *o.asked_pause) o.asked_pause = d;
  };
  if (o.retry_after) {
    const milliseconds d = std::clamp(*o.retry_after, milliseconds(0), max_server_delay);
    o.retry_after = std::min(d, max_pause);
    if (d > max_pause) asked(d);
  }
  if (o.hint.reset) {
    const seconds d = std::clamp(*o.hint.reset, seconds(0),
                                 std::chrono::duration_cast<seconds>(max_server_delay));
    o.hint.reset = std::min(d, std::chrono::floor<seconds>(max_pause));
    if (d > max_pause) asked(d);
  }
}

namespace {

class bounded_adapter final : public adapter {
 public:
  bounded_adapter(std::unique_ptr<adapter> inner, milliseconds max_pause)
      : inner_(std::move(inner)), max_pause_(max_pause) {}
  std::optional<std::string> validate(const boost::json::object& update) const override {
    return inner_->validate(update);
  }
  request build(const jobs::job& j) const override { return inner_->build(j); }
  outcome classify(const response& r, const jobs::job& j) const override {
    outcome o = inner_->classify(r, j);
    bound_pauses(o, max_pause_);
    return o;
  }
  bool safe_to_repeat(const boost::json::object& update) const override {
    return inner_->safe_to_repeat(update);
  }
  request read_back(const jobs::job& j) const override { return inner_->read_back(j); }
  invoice_read read(const response& r, const jobs::job& j) const override {
    invoice_read out = inner_->read(r, j);
    bound_pauses(out.result, max_pause_);
    return out;
  }
  applied_judgement judge(const boost::json::object& before, const boost::json::object& after,
                          const boost::json::object& update) const override {
    return inner_->judge(before, after, update);
  }
  std::optional<boost::json::object> fold(const boost::json::object& older,
                                          const boost::json::object& newer) const override {
    return inner_->fold(older, newer);
  }
  bool unchanged(const boost::json::object& invoice,
                 const boost::json::object& update) const override {
    return inner_->unchanged(invoice, update);
  }
  std::variant<boost::json::object, std::string> merge(
      const boost::json::object& invoice, const boost::json::object& update) const override {
    return inner_->merge(invoice, update);
  }
  std::optional<std::string> validate_merge(const boost::json::object& update) const override {
    return inner_->validate_merge(update);
  }
  bool reads_paced_separately() const override { return inner_->reads_paced_separately(); }

 private:
  std::unique_ptr<adapter> inner_;
  milliseconds max_pause_;
};

}  // namespace

std::unique_ptr<adapter> with_bounded_pauses(std::unique_ptr<adapter> inner,
                                             milliseconds max_pause) {
  if (!inner) return inner;
  return std::make_unique<bounded_adapter>(std::move(inner), max_pause);
}

outcome classify_status(const response& r, std::string message) {
  outcome o;
  o.message = std::move(message);
  const unsigned s = r.status;
  if (s >= 200 && s < 300) {
    o.kind = outcome_kind::delivered;
  } else if (s == 401 || s == 403) {
    o.kind = outcome_kind::suspend;
  } else if (s == 408 || s == 425 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504) {
    o.kind = outcome_kind::retry;
    o.backend_wide = (s == 429 || s == 503);
    o.retry_after = parse_retry_afters(r);
    if (o.retry_after) o.backend_wide = true;
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

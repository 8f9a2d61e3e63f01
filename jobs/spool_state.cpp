// delivery_state <-> JSON text, and RFC 3339 UTC times; see spool_state.hpp.
#include "jobs/spool_state.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <ctime>

namespace reconcilerd::jobs {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

std::string format(clock_time t, bool with_ms) {
  auto ms = std::chrono::floor<milliseconds>(t).time_since_epoch().count();
  long long secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int frac = static_cast<int>(ms - secs * 1000);
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string out = buf;
  if (with_ms) {
    std::snprintf(buf, sizeof buf, ".%03d", frac);
    out += buf;
  }
  return out + "Z";
}

void put_time(json::object& o, const char* key, const std::optional<clock_time>& t) {
  if (t) o[key] = rfc3339_ms(*t);
}

bool get_time(const json::object& o, const char* key, std::optional<clock_time>& out) {
  const json::value* v = o.if_contains(key);
  if (!v) return true;
  if (!v->is_string()) return false;
  out = parse_rfc3339(v->get_string());
  return out.has_value();
}

}  // namespace

std::string rfc3339(clock_time t) { return format(t, false); }
std::string rfc3339_ms(clock_time t) { return format(t, true); }

std::optional<clock_time> parse_rfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.mmm]Z
  auto digits = [&](std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  if (s.size() != 20 && s.size() != 24) return std::nullopt;
  std::tm tm{};
  int ms = 0;
  if (!digits(0, 4, tm.tm_year) || s[4] != '-' || !digits(5, 2, tm.tm_mon) || s[7] != '-' ||
      !digits(8, 2, tm.tm_mday) || s[10] != 'T' || !digits(11, 2, tm.tm_hour) || s[13] != ':' ||
      !digits(14, 2, tm.tm_min) || s[16] != ':' || !digits(17, 2, tm.tm_sec))
    return std::nullopt;
  if (s.size() == 24 && (s[19] != '.' || !digits(20, 3, ms))) return std::nullopt;
  if (s.back() != 'Z') return std::nullopt;
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t secs = timegm(&tm);
  return clock_time(std::chrono::seconds(secs) + milliseconds(ms));
}

std::string state_to_json(const delivery_state& s) {
  json::object o;
  o["attempts"] = s.attempts;
  put_time(o, "first_seen", s.first_seen);
  put_time(o, "next_attempt", s.next_attempt);
  put_time(o, "last_attempt", s.last_attempt);
  if (!s.last_error.empty()) o["last_error"] = s.last_error;
  if (s.last_http_status) o["last_http_status"] = *s.last_http_status;
  if (!s.original_name.empty()) o["original_name"] = s.original_name;
  if (s.sending_unsafe) o["sending_unsafe"] = true;
  return json::serialize(o) + "\n";
}

std::optional<delivery_state> state_from_json(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.get_object();
  delivery_state s;
  const json::value* attempts = o.if_contains("attempts");
  if (!attempts || !attempts->is_int64() || attempts->get_int64() < 0 ||
      attempts->get_int64() > 1'000'000'000)
    return std::nullopt;
  s.attempts = static_cast<int>(attempts->get_int64());
  if (!get_time(o, "first_seen", s.first_seen) || !get_time(o, "next_attempt", s.next_attempt) ||
      !get_time(o, "last_attempt", s.last_attempt))
    return std::nullopt;
  if (const json::value* e = o.if_contains("last_error")) {
    if (!e->is_string()) return std::nullopt;
    s.last_error = std::string(e->get_string());
  }
  if (const json::value* h = o.if_contains("last_http_status")) {
    if (!h->is_int64() || h->get_int64() < 0 || h->get_int64() > 999) return std::nullopt;
    s.last_http_status = static_cast<int>(h->get_int64());
  }
  if (const json::value* n = o.if_contains("original_name")) {
    if (!n->is_string()) return std::nullopt;
    s.original_name = std::string(n->get_string());
  }
  if (const json::value* u = o.if_contains("sending_unsafe")) {
    if (!u->is_bool()) return std::nullopt;
    s.sending_unsafe = u->get_bool();
  }
  return s;
}

}  // namespace reconcilerd::jobs

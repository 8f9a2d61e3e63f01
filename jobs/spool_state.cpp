// delivery_state <-> JSON text; see spool_state.hpp.
#include "jobs/spool_state.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace reconcilerd::jobs {
namespace {

namespace json = boost::json;

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
  if (s.arrival) o["arrival"] = *s.arrival;
  if (!s.read_before.empty()) o["read_before"] = s.read_before;
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
  if (const json::value* a = o.if_contains("arrival")) {
    if (a->is_uint64())
      s.arrival = a->get_uint64();
    else if (a->is_int64() && a->get_int64() >= 0)
      s.arrival = static_cast<std::uint64_t>(a->get_int64());
    else
      return std::nullopt;
  }
  if (const json::value* r = o.if_contains("read_before")) {
    if (!r->is_string()) return std::nullopt;
    s.read_before = std::string(r->get_string());
  }
  return s;
}

}  // namespace reconcilerd::jobs

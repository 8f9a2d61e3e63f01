#include "daemon/cluster/outcome.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace reconcilerd::cluster {

namespace {

std::optional<jobs::dead_category> category_of(std::string_view s) {
  for (auto c : {jobs::dead_category::invalid, jobs::dead_category::rejected,
                 jobs::dead_category::exhausted, jobs::dead_category::expired})
    if (jobs::to_string(c) == s) return c;
  return std::nullopt;
}

}  // namespace

std::string to_text(const job_outcome& o) {
  boost::json::object j;
  j["delivered"] = o.delivered;
  if (o.http_status) j["http_status"] = *o.http_status;
  if (!o.delivered) {
    j["category"] = jobs::to_string(o.category);
    j["message"] = o.message;
  }
  j["by"] = o.by;
  return boost::json::serialize(j);
}

std::optional<job_outcome> outcome_from_text(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& j = v.get_object();
  job_outcome o;
  auto* d = j.if_contains("delivered");
  if (!d || !d->is_bool()) return std::nullopt;
  o.delivered = d->get_bool();
  if (auto* s = j.if_contains("http_status")) {
    if (!s->is_int64() || s->get_int64() < 100 || s->get_int64() > 599) return std::nullopt;
    o.http_status = static_cast<int>(s->get_int64());
  }
  if (auto* b = j.if_contains("by"); b && b->is_string()) o.by = std::string(b->get_string());
  if (o.delivered) return o;
  auto* c = j.if_contains("category");
  auto* m = j.if_contains("message");
  if (!c || !c->is_string() || !m || !m->is_string()) return std::nullopt;
  auto cat = category_of(c->get_string());
  if (!cat) return std::nullopt;
  o.category = *cat;
  o.message = std::string(m->get_string());
  return o;
}

}  // namespace reconcilerd::cluster

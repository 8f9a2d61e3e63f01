// Strict JSON config parsing for reconciler-sim (see sim_config.hpp).
#include "tests/sim/sim_config.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <stdexcept>

namespace reconcilerd::sim {

namespace json = boost::json;

const char* to_string(fault_kind k) {
  switch (k) {
    case fault_kind::status:
      return "status";
    case fault_kind::drop:
      return "drop";
    case fault_kind::reset:
      return "reset";
    case fault_kind::slow:
      return "slow";
    case fault_kind::garbage:
      return "garbage";
    case fault_kind::applied_drop:
      return "applied_drop";
    case fault_kind::applied_reset:
      return "applied_reset";
    case fault_kind::applied_status:
      return "applied_status";
  }
  return "?";
}

bool applied_first(fault_kind k) {
  return k == fault_kind::applied_drop || k == fault_kind::applied_reset ||
         k == fault_kind::applied_status;
}

namespace {

struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const json::object& as_object(const json::value& v, const std::string& where) {
  if (!v.is_object()) throw config_error(where + ": expected an object");
  return v.get_object();
}

void only_keys(const json::object& o, const std::string& where,
               std::initializer_list<const char*> allowed) {
  for (const auto& kv : o) {
    bool ok =
        std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return kv.key() == a; });
    if (!ok) {
      throw config_error(where + (where.empty() ? "" : ".") + std::string(kv.key()) +
                         ": unknown key");
    }
  }
}

std::string get_string(const json::value& v, const std::string& where) {
  if (!v.is_string()) throw config_error(where + ": expected a string");
  return std::string(v.get_string());
}

std::int64_t get_int(const json::value& v, const std::string& where) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v.get_uint64());
  throw config_error(where + ": expected an integer");
}

double get_number(const json::value& v, const std::string& where) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  throw config_error(where + ": expected a number");
}

bool known_api(const std::string& name) {
  return std::find(api_names.begin(), api_names.end(), name) != api_names.end();
}

void parse_credentials(const json::object& o, credentials& c) {
  only_keys(o, "credentials", {"simetri", "whmcs", "alloy", "campfire", "bigcapital"});
  auto field = [&](const char* api, const char* key, std::string& out) {
    const json::value* a = o.if_contains(api);
    if (!a) return;
    const std::string where = std::string("credentials.") + api;
    const json::value* v = as_object(*a, where).if_contains(key);
    if (v) out = get_string(*v, where + "." + key);
  };
  auto keys = [&](const char* api, std::initializer_list<const char*> allowed) {
    if (const json::value* a = o.if_contains(api)) {
      only_keys(as_object(*a, std::string("credentials.") + api), std::string("credentials.") + api,
                allowed);
    }
  };
  keys("simetri", {"token"});
  keys("whmcs", {"identifier", "secret"});
  keys("alloy", {"api_key", "credential_id"});
  keys("campfire", {"api_key"});
  keys("bigcapital", {"api_key"});
  field("simetri", "token", c.simetri_token);
  field("whmcs", "identifier", c.whmcs_identifier);
  field("whmcs", "secret", c.whmcs_secret);
  field("alloy", "api_key", c.alloy_api_key);
  field("alloy", "credential_id", c.alloy_credential_id);
  field("campfire", "api_key", c.campfire_api_key);
  field("bigcapital", "api_key", c.bigcapital_api_key);
}

limit_config parse_limit(const json::value& v, const std::string& where) {
  limit_config l;
  if (v.is_null()) return l;
  const json::object& o = as_object(v, where);
  const json::value* kind = o.if_contains("kind");
  if (!kind) throw config_error(where + ".kind: required");
  const std::string k = get_string(*kind, where + ".kind");
  if (k == "none") {
    only_keys(o, where, {"kind"});
  } else if (k == "window") {
    only_keys(o, where, {"kind", "limit", "window_s"});
    l.kind = limit_kind::window;
    if (!o.contains("limit")) throw config_error(where + ".limit: required");
    l.limit = static_cast<int>(get_int(o.at("limit"), where + ".limit"));
    if (o.contains("window_s")) l.window_s = get_number(o.at("window_s"), where + ".window_s");
    if (l.limit < 1 || l.window_s <= 0)
      throw config_error(where + ": limit and window_s must be > 0");
  } else if (k == "bucket") {
    only_keys(o, where, {"kind", "rate", "burst"});
    l.kind = limit_kind::bucket;
    if (!o.contains("rate") || !o.contains("burst"))
      throw config_error(where + ": bucket needs rate and burst");
    l.rate = get_number(o.at("rate"), where + ".rate");
    l.burst = get_number(o.at("burst"), where + ".burst");
    if (l.rate <= 0 || l.burst < 1) throw config_error(where + ": rate must be > 0, burst >= 1");
  } else {
    throw config_error(where + ".kind: must be none, window or bucket");
  }
  return l;
}

fault_config parse_fault(const json::value& v, const std::string& where) {
  const json::object& o = as_object(v, where);
  only_keys(o, where,
            {"api", "kind", "status", "retry_after", "probability", "delay_ms", "first_n",
             "writes_only"});
  fault_config f;
  if (const json::value* a = o.if_contains("api")) {
    f.api = get_string(*a, where + ".api");
    if (f.api != "*" && !known_api(f.api)) throw config_error(where + ".api: unknown API");
  }
  const json::value* kind = o.if_contains("kind");
  if (!kind) throw config_error(where + ".kind: required");
  const std::string k = get_string(*kind, where + ".kind");
  if (k == "status")
    f.kind = fault_kind::status;
  else if (k == "drop")
    f.kind = fault_kind::drop;
  else if (k == "reset")
    f.kind = fault_kind::reset;
  else if (k == "slow")
    f.kind = fault_kind::slow;
  else if (k == "garbage")
    f.kind = fault_kind::garbage;
  else if (k == "applied_drop")
    f.kind = fault_kind::applied_drop;
  else if (k == "applied_reset")
    f.kind = fault_kind::applied_reset;
  else if (k == "applied_status")
    f.kind = fault_kind::applied_status;
  else
    throw config_error(where +
                       ".kind: must be status, drop, reset, slow, garbage, applied_drop, "
                       "applied_reset or applied_status");
  if (const json::value* s = o.if_contains("status")) {
    f.status = static_cast<int>(get_int(*s, where + ".status"));
    if (f.status < 100 || f.status > 599) throw config_error(where + ".status: not an HTTP status");
  }
  if (const json::value* r = o.if_contains("retry_after")) {
    if (r->is_string())
      f.retry_after = std::string(r->get_string());
    else
      f.retry_after = std::to_string(get_int(*r, where + ".retry_after"));
  }
  if (const json::value* p = o.if_contains("probability")) {
    f.probability = get_number(*p, where + ".probability");
    if (f.probability < 0 || f.probability > 1)
      throw config_error(where + ".probability: must be in [0, 1]");
  }
  if (const json::value* d = o.if_contains("delay_ms")) {
    f.delay_ms = static_cast<int>(get_int(*d, where + ".delay_ms"));
    if (f.delay_ms < 0) throw config_error(where + ".delay_ms: must be >= 0");
  }
  if (const json::value* n = o.if_contains("first_n")) {
    f.first_n = get_int(*n, where + ".first_n");
    if (*f.first_n < 0) throw config_error(where + ".first_n: must be >= 0");
  }
  if (const json::value* w = o.if_contains("writes_only")) {
    if (!w->is_bool()) throw config_error(where + ".writes_only: expected true or false");
    f.writes_only = w->get_bool();
  }
  return f;
}

}  // namespace

sim_config default_config() {
  sim_config c;
  c.limits["alloy"] = limit_config{limit_kind::window, 150, 60, 0, 0};
  c.limits["bigcapital"] = limit_config{limit_kind::window, 10, 60, 0, 0};
  return c;
}

std::optional<sim_config> parse_config(const std::string& text, std::string& error) {
  sim_config c = default_config();
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) {
    error = "config is not valid JSON: " + ec.message();
    return std::nullopt;
  }
  try {
    const json::object& o = as_object(root, "config");
    only_keys(o, "", {"seed", "invoices", "credentials", "limits", "faults"});
    if (const json::value* s = o.if_contains("seed")) {
      c.seed = static_cast<std::uint64_t>(get_int(*s, "seed"));
    }
    if (const json::value* n = o.if_contains("invoices")) {
      c.invoices = get_int(*n, "invoices");
      if (c.invoices < 0 || c.invoices > 10'000'000)
        throw config_error("invoices: must be in 0..10000000");
    }
    if (const json::value* cr = o.if_contains("credentials")) {
      parse_credentials(as_object(*cr, "credentials"), c.creds);
    }
    if (const json::value* l = o.if_contains("limits")) {
      for (const auto& kv : as_object(*l, "limits")) {
        const std::string api(kv.key());
        if (!known_api(api)) throw config_error("limits." + api + ": unknown API");
        c.limits[api] = parse_limit(kv.value(), "limits." + api);
      }
    }
    if (const json::value* f = o.if_contains("faults")) {
      if (!f->is_array()) throw config_error("faults: expected an array");
      int i = 0;
      for (const auto& fv : f->get_array()) {
        c.faults.push_back(parse_fault(fv, "faults[" + std::to_string(i++) + "]"));
      }
    }
  } catch (const config_error& e) {
    error = e.what();
    return std::nullopt;
  } catch (const std::exception& e) {
    error = std::string("config: ") + e.what();
    return std::nullopt;
  }
  return c;
}

}  // namespace reconcilerd::sim

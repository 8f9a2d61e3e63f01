// Routing, faults and logging around the API modules (see sim_app.hpp).
#include "tests/sim/sim_app.hpp"

#include <boost/json.hpp>

#include "tests/sim/apis.hpp"

namespace reconcilerd::sim {

namespace json = boost::json;

namespace {

// A proxy-style HTML answer for `status` faults (plain and applied).
sim_response fault_status_response(const fault_config& f) {
  sim_response r = text_response(
      f.status, "text/html",
      "<html><body><h1>" + std::to_string(f.status) + " (simulated fault)</h1></body></html>\n");
  if (f.retry_after) r.headers.emplace_back("Retry-After", *f.retry_after);
  return r;
}

}  // namespace

sim_app::sim_app(sim_config cfg, request_log& log)
    : cfg_(std::move(cfg)), log_(log), faults_(cfg_.faults, cfg_.seed) {
  apis_["simetri"] = make_simetri_api(cfg_);
  apis_["whmcs"] = make_whmcs_api(cfg_);
  apis_["alloy"] = make_alloy_api(cfg_);
  apis_["campfire"] = make_campfire_api(cfg_);
  apis_["bigcapital"] = make_bigcapital_api(cfg_);
  for (const char* name : {"simetri", "whmcs"}) {
    auto it = cfg_.limits.find(name);
    if (it != cfg_.limits.end()) front_limits_.emplace(name, rate_limiter(it->second));
  }
}

sim_response sim_app::internal(const std::string& path) {
  // /_sim/state/{api}/{id}
  static const std::string prefix = "/_sim/state/";
  if (path.rfind(prefix, 0) == 0) {
    const std::string rest = path.substr(prefix.size());
    const auto slash = rest.find('/');
    if (slash != std::string::npos) {
      auto it = apis_.find(rest.substr(0, slash));
      const auto id = parse_positive_id(rest.substr(slash + 1));
      if (it != apis_.end() && id) {
        if (auto s = it->second->state(*id)) return json_response(200, *s);
      }
    }
  }
  return json_response(404, {{"error", "no such simulator state"}});
}

sim_response sim_app::handle(const sim_request& req, double now_s) {
  const auto q = req.target.find('?');
  const std::string path = req.target.substr(0, q);
  const std::string query = q == std::string::npos ? "" : req.target.substr(q + 1);
  if (path.rfind("/_sim/", 0) == 0) return internal(path);

  log_entry e;
  e.method = req.method;
  e.target = req.target;
  e.peer_port = req.peer_port;
  if (const std::string* job = req.header("x-reconcilerd-job")) e.job = *job;

  const auto seg_end = path.find('/', 1);
  const std::string first =
      path.substr(1, seg_end == std::string::npos ? std::string::npos : seg_end - 1);
  auto it = apis_.find(first);
  if (path.empty() || path[0] != '/' || it == apis_.end()) {
    sim_response r = json_response(404, {{"error", "no simulated API at this path"}});
    e.status = 404;
    e.result = "error";
    e.message = "unknown API prefix";
    log_.write(e);
    return r;
  }
  e.api = first;

  const api_request ar{req, seg_end == std::string::npos ? std::string() : path.substr(seg_end),
                       parse_form(query), now_s};
  const std::optional<fault_config> fault = faults_.next(first, it->second->is_update(ar));
  if (fault && fault->kind != fault_kind::slow && !applied_first(fault->kind)) {
    sim_response r;
    e.result = "fault";
    e.fault = to_string(fault->kind);
    if (fault->kind == fault_kind::status) {
      r = fault_status_response(*fault);
      e.status = fault->status;
      e.message = "injected status " + std::to_string(fault->status);
    } else {
      r.action = fault->kind == fault_kind::drop    ? wire_action::drop
                 : fault->kind == fault_kind::reset ? wire_action::reset
                                                    : wire_action::garbage;
      e.message = std::string("injected ") + to_string(fault->kind);
    }
    log_.write(e);
    return r;
  }

  sim_response r = answer(first, *it->second, ar, now_s, e);
  if (fault) e.fault = to_string(fault->kind);
  if (fault && fault->kind == fault_kind::slow) r.delay_ms = fault->delay_ms;
  if (fault && applied_first(fault->kind)) {
    // The API (or the front limit) has answered and its state is changed; the client gets
    // the fault instead of that answer. `result` stays what the API did.
    const std::string what = "answered " + std::to_string(r.status) + ", then injected ";
    if (fault->kind == fault_kind::applied_status) {
      r = fault_status_response(*fault);
      e.status = fault->status;
      e.message = what + "status " + std::to_string(fault->status) +
                  (e.message.empty() ? "" : " (" + e.message + ")");
    } else {
      const bool drop = fault->kind == fault_kind::applied_drop;
      r = sim_response{};
      r.action = drop ? wire_action::drop : wire_action::reset;
      e.status.reset();
      e.message =
          what + (drop ? "drop" : "reset") + (e.message.empty() ? "" : " (" + e.message + ")");
    }
  }
  hold_in_flight(r, e);
  log_.write(e);
  return r;
}

void sim_app::hold_in_flight(sim_response& r, log_entry& e) {
  if (!e.invoice_id) return;  // the API found no invoice in it
  const std::string key = e.api + " " + json::serialize(*e.invoice_id);
  auto& here = in_flight_[key];
  for (const auto& [n, job] : here) e.concurrent.push_back(job);
  const std::uint64_t n = ++requests_;
  here.emplace(n, e.job);
  // A non-null pointer whose deleter ends the request's time in flight.
  r.in_flight = std::shared_ptr<void>(this, [this, key, n](void*) {
    auto it = in_flight_.find(key);
    if (it == in_flight_.end()) return;
    it->second.erase(n);
    if (it->second.empty()) in_flight_.erase(it);
  });
}

sim_response sim_app::answer(const std::string& api_name, api& target, const api_request& ar,
                             double now_s, log_entry& e) {
  if (auto fl = front_limits_.find(api_name); fl != front_limits_.end() && fl->second.enabled()) {
    const limit_decision d = fl->second.hit("client", now_s);
    if (!d.allowed) {
      sim_response r = text_response(429, "text/html",
                                     "<html><body><h1>429 Too Many Requests</h1></body></html>\n");
      r.headers.emplace_back("Retry-After", std::to_string(d.retry_after_s));
      e.status = 429;
      e.result = "throttled";
      e.message = "front proxy rate limit";
      return r;
    }
  }
  handled h = target.handle(ar);
  e.invoice_id = h.invoice_id;
  e.status = h.response.status;
  e.result = to_string(h.outcome);
  e.message = h.message;
  return std::move(h.response);
}

}  // namespace reconcilerd::sim

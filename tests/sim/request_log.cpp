// JSON-lines request log (see request_log.hpp).
#include "tests/sim/request_log.hpp"

#include <boost/json/serialize.hpp>
#include <chrono>
#include <stdexcept>

namespace reconcilerd::sim {

namespace json = boost::json;

request_log::request_log(const std::filesystem::path& file) {
  f_ = std::fopen(file.c_str(), "a");
  if (!f_) throw std::runtime_error("cannot open request log " + file.string());
}

request_log::~request_log() {
  if (f_) std::fclose(f_);
}

void request_log::write(const log_entry& e) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const double t_ms =
      static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(now).count()) /
      1000.0;
  json::object o;
  o["t_ms"] = t_ms;
  o["api"] = e.api;
  o["method"] = e.method;
  o["target"] = redact_target(e.target);
  o["invoice_id"] = e.invoice_id ? *e.invoice_id : json::value(nullptr);
  o["status"] = e.status ? json::value(*e.status) : json::value(nullptr);
  o["result"] = e.result;
  o["fault"] = e.fault ? json::value(*e.fault) : json::value(nullptr);
  o["job"] = e.job ? json::value(*e.job) : json::value(nullptr);
  o["message"] = e.message;
  o["peer_port"] = e.peer_port;
  json::array concurrent;
  for (const auto& job : e.concurrent) concurrent.push_back(job ? json::value(*job) : nullptr);
  o["concurrent"] = std::move(concurrent);
  const std::string line = json::serialize(o) + "\n";
  std::fwrite(line.data(), 1, line.size(), f_);
  std::fflush(f_);
}

std::string redact_target(const std::string& target) {
  const auto q = target.find('?');
  if (q == std::string::npos) return target;
  std::string out = target.substr(0, q + 1);
  std::string_view rest(target);
  rest.remove_prefix(q + 1);
  bool first = true;
  while (true) {
    const auto amp = rest.find('&');
    std::string_view part = rest.substr(0, amp);
    const auto eq = part.find('=');
    const std::string_view name = part.substr(0, eq);
    if (!first) out += '&';
    first = false;
    if (eq != std::string_view::npos &&
        (name == "token" || name == "secret" || name == "password" || name == "api_key" ||
         name == "accesskey" || name == "identifier" || name == "username")) {
      out.append(name);
      out += "=***";
    } else {
      out.append(part);
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace reconcilerd::sim

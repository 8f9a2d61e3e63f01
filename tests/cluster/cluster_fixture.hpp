// Cluster-mode test fixture: a real PostgreSQL 15 (tests/support/pg_server), a real
// reconciler-sim and three real reconcilerd processes with three spools whose configs differ
// only in `node` (and their spool and status log). Helpers to drop jobs into a given node's
// spool and wait until it is in the database (its `queued` event), to read the simulator's
// request log per invoice, to find which daemon owns the connection a request came on
// (its client port, through /proc), and the quota figures (largest burst, rate) of a run.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/fixture.hpp"
#include "tests/support/pg_server.hpp"

namespace reconcilerd::test::cluster {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// ---- time -------------------------------------------------------------------------------

// Wall-clock milliseconds, the clock of the simulator's `t_ms`.
inline double now_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- jobs -------------------------------------------------------------------------------

// A full Campfire invoice (backend `books`) whose message is `value`.
inline std::string campfire_job(int invoice, const std::string& value,
                                std::optional<int> sequence = std::nullopt) {
  return R"({"backend":"books","invoice_id":)" + std::to_string(invoice) +
         (sequence ? R"(,"sequence":)" + std::to_string(*sequence) : std::string()) +
         R"(,"update":{"client":"5","entity":"1","invoice_date":"2026-11-01",)"
         R"("due_date":"2026-12-01","terms":"net_30","message_on_invoice":")" +
         value + R"(","lines":[{"amount":10.5,"description":"Hosting"}]}})";
}

// An Alloy invoice (backend `unified`) whose memo is `value` (line items replaced).
inline std::string alloy_job(int invoice, const std::string& value,
                             std::optional<int> sequence = std::nullopt) {
  return R"({"backend":"unified","invoice_id":")" + std::to_string(invoice) + "\"" +
         (sequence ? R"(,"sequence":)" + std::to_string(*sequence) : std::string()) +
         R"(,"update":{"memo":")" + value +
         R"(","lineItems":[{"description":"Hosting","totalAmount":"10.50"}]}})";
}

// The file name a job header or status-log `job` names: the part after the last '/' (a
// node may prefix it with its origin node).
inline std::string file_of(const std::string& job) {
  const auto slash = job.rfind('/');
  return slash == std::string::npos ? job : job.substr(slash + 1);
}

// ---- the simulator ----------------------------------------------------------------------

inline bool is(const json::object& o, const char* key, const std::string& value) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() && v->get_string() == value;
}

inline std::string job_of(const json::object& r) {
  const json::value* v = r.if_contains("job");
  return v && v->is_string() ? file_of(std::string(v->get_string())) : "";
}

inline bool for_invoice(const json::object& r, const std::string& api, int invoice) {
  const json::value* id = r.if_contains("invoice_id");
  return is(r, "api", api) && id && id->is_int64() && id->as_int64() == invoice;
}

// The simulator's `api` in our terms.
inline std::string api_of(const std::string& backend) {
  return backend == "books" ? "campfire" : "alloy";
}

// The requests that changed invoice `invoice` of `api`, in the order the simulator applied
// them.
inline std::vector<json::object> updates_of(const std::vector<json::object>& requests,
                                            const std::string& api, int invoice) {
  std::vector<json::object> out;
  for (auto& r : requests)
    if (for_invoice(r, api, invoice) && is(r, "result", "updated")) out.push_back(r);
  return out;
}

// Their jobs, consecutive repeats (the same job sent again) folded into one.
inline std::vector<std::string> distinct_jobs(const std::vector<json::object>& updates) {
  std::vector<std::string> out;
  for (auto& r : updates)
    if (out.empty() || out.back() != job_of(r)) out.push_back(job_of(r));
  return out;
}

inline std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

// GET https://127.0.0.1:PORT/_sim/state/{api}/{id}, verified against the simulator's CA.
inline json::value sim_state(const sim_fixture& sim, const std::string& api, int id) {
  namespace net = boost::asio;
  namespace ssl = net::ssl;
  namespace beast = boost::beast;
  namespace http = beast::http;
  net::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(sim.info().ca_file);
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  beast::get_lowest_layer(stream).expires_after(20s);
  beast::get_lowest_layer(stream).connect(net::ip::tcp::endpoint(
      net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(sim.info().port)));
  stream.handshake(ssl::stream_base::client);
  const std::string target = "/_sim/state/" + api + "/" + std::to_string(id);
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res);
  beast::error_code ignored;
  stream.shutdown(ignored);
  if (res.result_int() != 200)
    throw std::runtime_error(target + " answered " + std::to_string(res.result_int()));
  return json::parse(res.body());
}

// Requests the simulator saw while another for the same invoice was in flight (its
// `concurrent` list): one line each, empty when there were none.
inline std::vector<std::string> overlaps(const std::vector<json::object>& requests) {
  std::vector<std::string> out;
  for (auto& r : requests) {
    const json::value* c = r.if_contains("concurrent");
    if (!c) {
      out.push_back("a request log line without `concurrent` (simulator too old?)");
      break;
    }
    if (!c->as_array().empty())
      out.push_back(json::serialize(r.at("api")) + " invoice " +
                    json::serialize(r.at("invoice_id")) + ": " + job_of(r) + " at " +
                    json::serialize(r.at("t_ms")) + " while in flight: " + json::serialize(*c));
  }
  return out;
}

// ---- quota figures ----------------------------------------------------------------------

// The smallest token bucket (refilled at `rate`/s, starting full) that admits every request
// at the times `t_ms`: max over i <= j of (j - i + 1) - rate * (t_j - t_i). A client that
// keeps to rate R burst B scores at most B; a server enforcing R/B answers 429 above it.
inline double largest_burst(std::vector<double> t_ms, double rate) {
  std::sort(t_ms.begin(), t_ms.end());
  double best = 0, best_start = -std::numeric_limits<double>::infinity();
  for (std::size_t j = 0; j < t_ms.size(); ++j) {
    const double t = t_ms[j] / 1000.0;
    best_start = std::max(best_start, rate * t - static_cast<double>(j));
    best = std::max(best, static_cast<double>(j + 1) - rate * t + best_start);
  }
  return best;
}

struct quota_figures {
  std::size_t requests = 0, throttled = 0;
  double span_s = 0;         // first to last request
  double rate = 0;           // (requests - 1) / span
  double largest_burst = 0;  // see largest_burst()
};

// The requests of `api` that met its limiter (all but faults that never reached the API).
inline quota_figures quota_of(const std::vector<json::object>& requests, const std::string& api,
                              double rate) {
  quota_figures q;
  std::vector<double> t;
  for (auto& r : requests) {
    if (!is(r, "api", api) || is(r, "result", "fault")) continue;
    ++q.requests;
    if (is(r, "result", "throttled")) ++q.throttled;
    t.push_back(r.at("t_ms").to_number<double>());
  }
  if (t.size() >= 2) {
    std::sort(t.begin(), t.end());
    q.span_s = (t.back() - t.front()) / 1000.0;
    q.rate = q.span_s > 0 ? static_cast<double>(t.size() - 1) / q.span_s : 0;
  }
  q.largest_burst = largest_burst(t, rate);
  return q;
}

// ---- which process owns a connection ----------------------------------------------------

// (local port, remote port) by socket inode, of every TCP socket of this network namespace
// (/proc/net/tcp, tcp6).
inline std::map<std::string, std::pair<unsigned, unsigned>> tcp_ports() {
  std::map<std::string, std::pair<unsigned, unsigned>> out;
  auto port_of = [](const std::string& address) {
    const auto colon = address.rfind(':');
    return colon == std::string::npos
               ? 0u
               : static_cast<unsigned>(std::stoul(address.substr(colon + 1), nullptr, 16));
  };
  for (const char* file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream f(file);
    std::string line;
    std::getline(f, line);  // the header
    while (std::getline(f, line)) {
      std::istringstream in(line);
      std::string sl, local, remote, st, queues, timer, retransmits, uid, timeout, inode;
      in >> sl >> local >> remote >> st >> queues >> timer >> retransmits >> uid >> timeout >>
          inode;
      if (inode.empty() || inode == "0") continue;
      out[inode] = {port_of(local), port_of(remote)};
    }
  }
  return out;
}

// The local ports of the TCP connections to `server_port` that process `pid` has open
// ("socket:[N]" in /proc/PID/fd): the ports its requests to that server come from.
inline std::set<unsigned> client_ports(int pid, unsigned server_port) {
  const auto ports = tcp_ports();
  std::set<unsigned> out;
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code lec;
    const std::string target = fs::read_symlink(it->path(), lec).string();
    if (lec || !target.starts_with("socket:[") || !target.ends_with("]")) continue;
    auto p = ports.find(target.substr(8, target.size() - 9));
    if (p != ports.end() && p->second.second == server_port) out.insert(p->second.first);
  }
  return out;
}

// Which of `pids` has the connection to `server_port` that a request came on (the request
// log's `peer_port`) open, if one still does.
inline std::optional<std::size_t> owner_of_port(unsigned port, unsigned server_port,
                                                const std::vector<int>& pids) {
  for (std::size_t i = 0; i < pids.size(); ++i)
    if (client_ports(pids[i], server_port).count(port)) return i;
  return std::nullopt;
}

inline unsigned peer_port(const json::object& r) {
  const json::value* v = r.if_contains("peer_port");
  return v && v->is_int64() ? static_cast<unsigned>(v->as_int64()) : 0;
}

// ---- the status log ---------------------------------------------------------------------

inline std::vector<json::object> status_events(const daemon_fixture& d) {
  std::vector<json::object> out;
  std::istringstream lines(d.status_log());
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (!ec && v.is_object()) out.push_back(v.as_object());  // a line being written: later
  }
  return out;
}

// How many lines of `text` contain every one of `parts`.
inline std::size_t lines_with(const std::string& text, const std::vector<std::string>& parts) {
  std::size_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    n += std::all_of(parts.begin(), parts.end(),
                     [&](const std::string& p) { return line.find(p) != std::string::npos; });
  return n;
}

// ---- the cluster ------------------------------------------------------------------------

struct cluster_options {
  std::string sim_config;         // the simulator's JSON config
  std::string backends_settings;  // indented 4, for both backends (rate, burst, ...)
  std::string defaults =
      "defaults:\n  timeout: 10s\n  concurrency: 4\n  retry:\n"
      "    initial_backoff: 1s\n    max_backoff: 2s\n    max_attempts: 50\n"
      "    max_age: 1h\n";
  std::string lease = "4s";
  bool whmcs = false;  // also a WHMCS backend `billing` (updates that are not safe to repeat)
};

class cluster_fixture {
 public:
  static constexpr std::size_t size = 3;

  cluster_fixture(const fs::path& dir, cluster_options opts)
      : opts_(std::move(opts)), pg_(dir / "pg"), sim_(dir / "sim", opts_.sim_config) {
    for (std::size_t i = 0; i < size; ++i) {
      names_.push_back(std::string("node-") + static_cast<char>('a' + i));
      nodes_.push_back(std::make_unique<daemon_fixture>(dir / names_.back(), body(i)));
    }
  }
  // A stopped node would not drain on SIGTERM: it goes on first.
  ~cluster_fixture() {
    for (auto& n : nodes_)
      if (n) n->proc().signal(SIGCONT);
  }

  pg_server& pg() { return pg_; }
  const sim_fixture& sim() const { return sim_; }
  daemon_fixture& node(std::size_t i) { return *nodes_.at(i); }
  const std::string& name(std::size_t i) const { return names_.at(i); }
  std::vector<int> pids() {
    std::vector<int> out;
    for (auto& n : nodes_) out.push_back(n->proc().pid());
    return out;
  }

  // The node whose connection a request of the simulator's log came on, while it is open.
  std::optional<std::size_t> sender_of(const json::object& request) {
    return owner_of_port(peer_port(request), static_cast<unsigned>(sim_.info().port), pids());
  }
  // The ports node i's connections to the simulator come from, now.
  std::set<unsigned> ports_of(std::size_t i) {
    return client_ports(node(i).proc().pid(), static_cast<unsigned>(sim_.info().port));
  }

  // kill -9; restart() starts it again (same config, spool and status log).
  void kill(std::size_t i) {
    node(i).proc().signal(SIGKILL);
    node(i).proc().wait(10s);
  }
  void restart(std::size_t i) {
    node(i).notify().clear();
    node(i).start();
  }

  // The producer protocol into node i's spool; remembers where each job went.
  void drop(std::size_t i, const std::string& name, const std::string& body) {
    node(i).drop(name, body);
    origin_[name] = i;
  }
  // ... and waits until node i has put it into the database (its `queued` event).
  bool drop_queued(std::size_t i, const std::string& name, const std::string& body,
                   std::chrono::milliseconds limit = 20s) {
    drop(i, name, body);
    return wait_queued({name}, limit);
  }
  // Waits until every job of `names` has its `queued` event at its origin node.
  bool wait_queued(const std::vector<std::string>& names, std::chrono::milliseconds limit = 30s) {
    return wait_until(
        [&] {
          std::map<std::size_t, std::set<std::string>> queued;
          for (auto& n : names) {
            const std::size_t i = origin_.at(n);
            if (!queued.count(i))
              for (auto& e : status_events(node(i)))
                if (is(e, "event", "queued") && e.at("job").is_string())
                  queued[i].insert(file_of(std::string(e.at("job").as_string())));
            if (!queued[i].count(n)) return false;
          }
          return true;
        },
        limit);
  }

  const std::map<std::string, std::size_t>& dropped() const { return origin_; }
  std::vector<std::string> dropped_into(std::size_t i) const {
    std::vector<std::string> out;
    for (auto& [name, o] : origin_)
      if (o == i) out.push_back(name);
    return out;
  }

  // Waits until every node (but `except`) has as many jobs in done/ + dead/ as were dropped
  // into it.
  bool wait_all_settled(std::chrono::milliseconds limit,
                        std::optional<std::size_t> except = std::nullopt) {
    return wait_until(
        [&] {
          for (std::size_t i = 0; i < size; ++i)
            if (i != except && node(i).settled() < dropped_into(i).size()) return false;
          return true;
        },
        limit);
  }

  // What a failing case should show: each node's dead letters, the tail of its log.
  std::string diagnosis() {
    std::string out;
    for (std::size_t i = 0; i < size; ++i) {
      out += "\n=== " + names_[i] + ": dead letters:\n";
      for (auto& f : list_dir(node(i).spool() / "dead"))
        if (f.ends_with(".error.json")) out += read_file(node(i).spool() / "dead" / f) + "\n";
      std::string log = node(i).log();
      if (log.size() > 4000) log = "..." + log.substr(log.size() - 4000);
      out += "--- log (tail):\n" + log;
    }
    return out;
  }

 private:
  std::string body(std::size_t i) const {
    auto backend = [&](const std::string& name, const std::string& type, const std::string& creds) {
      return "  " + name + ":\n    type: " + type + "\n    base_url: " + sim_.url(type) + "\n" +
             creds + "    tls:\n      ca_file: " + sim_.info().ca_file + "\n" +
             opts_.backends_settings;
    };
    return opts_.defaults + "backends:\n" +
           backend("books", "campfire", "    api_key: sim-campfire-key\n") +
           backend("unified", "alloy",
                   "    api_key: sim-alloy-key\n    credential_id: sim-cred\n") +
           (opts_.whmcs
                ? backend("billing", "whmcs", "    identifier: sim-id\n    secret: sim-secret\n")
                : std::string()) +
           "cluster:\n  database: \"" + pg_.conninfo() + "\"\n  database_password: \"" +
           pg_.password() + "\"\n  node: " + names_[i] + "\n  lease: " + opts_.lease + "\n";
  }

  cluster_options opts_;
  // Declared in this order: the daemons stop first, then the simulator, then PostgreSQL.
  pg_server pg_;
  sim_fixture sim_;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<daemon_fixture>> nodes_;
  std::map<std::string, std::size_t> origin_;  // job file name -> the node it was dropped into
};

}  // namespace reconcilerd::test::cluster

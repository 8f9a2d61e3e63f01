// Cluster mode end to end (issue 15; ../shared/design/cluster.md, docs/cluster.md): a real
// PostgreSQL 15, a real reconciler-sim enforcing each backend's token bucket, and three real
// reconcilerd processes (node-a, node-b, node-c) whose configs differ only in `node` and
// spool, delivering Campfire (`books`) and Alloy (`unified`) jobs dropped into their three
// spools. (Not Bigcapital: its fixed `default` throttler, 100/60 s per route and advertised
// in its headers, binds below the 10/s tested here.)
//
// What the simulator says is the truth: its request log has every request with its time, its
// job (X-Reconcilerd-Job), the client's port (which daemon sent it, through /proc while the
// connection is open) and `concurrent` — the jobs of other requests for the same invoice
// still in flight when it arrived (tests/sim/README.md). Every write is answered late (a
// `slow` fault), so an overlap cannot hide in a millisecond.
//
// 1. Happy path and order: 126 jobs of 20 invoices spread over the three spools (sequence on
//    some invoices, arrival order across nodes on others); each ends exactly once in done/ of
//    the spool it was dropped into, the invoices change in order and end with their last job,
//    no two requests for an invoice overlap, no 429 and no burst above the bucket.
// 2. kill -9 of a node mid-request: its invoices move on after about the lease (measured),
//    its files, delivered by the others meanwhile, move to its done/ when it is back.
// 3. SIGSTOP of a node mid-request past its lease, then SIGCONT: another node takes the job
//    over; the late answer is fenced (the job ends once; the node logs its lease as lost) and
//    the resumed node writes nothing more for that invoice.
// 4. PostgreSQL restarted while jobs flow: every job still ends once in done/, no request
//    starts while the database is down, each daemon logs the loss once and the recovery once.
//
// Figures are printed (BOOST_TEST_MESSAGE) and appended to cluster-test-figures.txt in the
// working directory.
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tests/cluster/cluster_fixture.hpp"

using namespace reconcilerd::test;
using namespace reconcilerd::test::cluster;

namespace {

constexpr double rate = 10;  // per second, the simulator's buckets and every node's config
constexpr double burst = 5;
const std::string pacing = "    rate: 10/s\n    burst: 5\n";
constexpr double lease_ms = 4000;  // cluster.lease: 4s

// A bucket of `rate`/`burst` for each API, and every write of each answered `slow_ms` late.
std::string sim_config(const std::vector<std::string>& apis, int slow_ms,
                       const std::string& more_faults = "") {
  std::string limits, faults = more_faults;
  for (auto& api : apis) {
    limits += (limits.empty() ? "" : ", ") + ("\"" + api + "\"") +
              R"(: {"kind": "bucket", "rate": 10, "burst": 5})";
    faults += (faults.empty() ? "" : ", ") +
              (R"({"api": ")" + api + R"(", "kind": "slow", "delay_ms": )" +
               std::to_string(slow_ms) + R"(, "writes_only": true})");
  }
  return R"({"invoices": 200, "limits": {)" + limits + "}, \"faults\": [" + faults + "]}";
}

std::string letter(std::size_t node) { return std::string(1, static_cast<char>('a' + node)); }

std::string job_name(std::size_t node, const std::string& backend, int invoice,
                     const std::string& tag) {
  return letter(node) + "-" + backend + "-" + std::to_string(invoice) + "-" + tag + ".json";
}

std::string job_body(const std::string& backend, int invoice, const std::string& value,
                     std::optional<int> sequence = std::nullopt) {
  return backend == "books" ? campfire_job(invoice, value, sequence)
                            : alloy_job(invoice, value, sequence);
}

std::string value_of(const sim_fixture& sim, const std::string& backend, int invoice) {
  const json::value state = sim_state(sim, api_of(backend), invoice);
  const json::value& v = state.at(backend == "books" ? "message_on_invoice" : "memo");
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

void figures(const std::string& line) {
  BOOST_TEST_MESSAGE(line);
  std::ofstream(std::filesystem::current_path() / "cluster-test-figures.txt", std::ios::app)
      << line << "\n";
}

std::string ms(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f ms", v);
  return buf;
}

std::string num(double v, int decimals = 2) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Every dropped job is in done/ of the spool it was dropped into, exactly once, and in no
// other spool's done/ or dead/; nothing is left in incoming/, active/ or deferred/.
void check_files(cluster_fixture& c) {
  for (std::size_t i = 0; i < cluster_fixture::size; ++i) {
    BOOST_TEST_CONTEXT(c.name(i)) {
      const auto spool = c.node(i).spool();
      std::set<std::string> done, dead;
      for (auto& f : list_dir(spool / "done")) done.insert(f);
      for (auto& f : list_dir(spool / "dead"))
        if (!f.ends_with(".error.json")) dead.insert(f);
      const auto mine = c.dropped_into(i);
      for (auto& n : mine) BOOST_TEST(done.count(n) == 1u, n << " not in done/ of its spool");
      BOOST_TEST(dead.empty(), c.diagnosis());
      const std::set<std::string> expected(mine.begin(), mine.end());
      for (auto& f : done)
        BOOST_TEST(expected.count(f) == 1u, f << " in done/ of a spool it was not dropped into");
      BOOST_TEST(list_dir(spool / "incoming").empty());
      BOOST_TEST(list_dir(spool / "active").empty());
      BOOST_TEST(list_dir(spool / "deferred").empty());
    }
  }
}

// Invoice by invoice: the requests that changed it carried its jobs in `order` (a job sent
// again right after itself — after a takeover — counts once), and it ends with the last.
// With `exactly_once`, no job was sent twice.
void check_order(const cluster_fixture& c, const std::vector<json::object>& requests,
                 const std::map<std::pair<std::string, int>, std::vector<std::string>>& order,
                 const std::map<std::pair<std::string, int>, std::string>& last_value,
                 bool exactly_once) {
  for (auto& [key, jobs] : order) {
    const auto& [backend, invoice] = key;
    BOOST_TEST_CONTEXT(backend << " invoice " << invoice) {
      const auto updates = updates_of(requests, api_of(backend), invoice);
      const auto seen = distinct_jobs(updates);
      BOOST_TEST(joined(seen) == joined(jobs));
      if (exactly_once) BOOST_TEST(updates.size() == jobs.size());
      BOOST_TEST(value_of(c.sim(), backend, invoice) == last_value.at(key));
    }
  }
}

void check_no_overlap(const std::vector<json::object>& requests) {
  const auto seen = overlaps(requests);
  std::string lines;
  for (std::size_t i = 0; i < seen.size() && i < 10; ++i) lines += "\n  " + seen[i];
  BOOST_TEST(seen.empty(), seen.size()
                               << " requests overlapped another for their invoice:" << lines);
}

// No 429 from the bucket and never more than it admits (with a margin for the jitter between
// the simulator's monotonic clock, which its bucket uses, and the log's wall clock).
quota_figures check_quota(const std::vector<json::object>& requests, const std::string& api) {
  const quota_figures q = quota_of(requests, api, rate);
  BOOST_TEST_CONTEXT(api) {
    BOOST_TEST(q.requests > 0u);
    BOOST_TEST(q.throttled == 0u);
    BOOST_TEST(q.largest_burst <= burst + 0.1, "largest burst " << q.largest_burst);
  }
  return q;
}

// `sent` events per node (the delivering node writes them).
std::vector<std::size_t> sent_per_node(cluster_fixture& c) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < cluster_fixture::size; ++i) {
    std::size_t n = 0;
    for (auto& e : status_events(c.node(i))) n += is(e, "event", "sent");
    out.push_back(n);
  }
  return out;
}

// How many of `names` the simulator has applied at least once.
std::size_t applied(const std::vector<json::object>& requests,
                    const std::vector<std::string>& names) {
  std::set<std::string> done;
  for (auto& r : requests)
    if (is(r, "result", "updated")) done.insert(job_of(r));
  return static_cast<std::size_t>(std::count_if(
      names.begin(), names.end(), [&](const std::string& n) { return done.count(n) != 0; }));
}

std::vector<std::string> all_names(const cluster_fixture& c) {
  std::vector<std::string> out;
  for (auto& [name, node] : c.dropped()) out.push_back(name);
  return out;
}

// The first request for invoice `invoice` of `api` at or after `t_ms`, if any.
std::optional<json::object> next_request(const std::vector<json::object>& requests,
                                         const std::string& api, int invoice, double t_ms) {
  for (auto& r : requests)
    if (for_invoice(r, api, invoice) && r.at("t_ms").to_number<double>() >= t_ms) return r;
  return std::nullopt;
}

double t_of(const json::object& r) { return r.at("t_ms").to_number<double>(); }

// A write (of `api`, if not empty) by a known node sent within the last 0.8 s: with every
// write answered 1.5 s late, its answer is at least 0.7 s away. The node and the request,
// once there is one within `limit`.
std::optional<std::pair<std::size_t, json::object>> write_in_flight(
    cluster_fixture& c, const std::string& api, std::chrono::milliseconds limit) {
  std::optional<std::pair<std::size_t, json::object>> found;
  wait_until(
      [&] {
        const auto rs = c.sim().requests();
        const double now = now_ms();
        for (auto it = rs.rbegin(); it != rs.rend(); ++it) {
          if (now - t_of(*it) > 800) break;
          if (!api.empty() && !is(*it, "api", api)) continue;
          if (!is(*it, "result", "updated")) continue;
          if (auto node = c.sender_of(*it)) {
            found.emplace(*node, *it);
            return true;
          }
        }
        return false;
      },
      limit);
  return found;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cluster_nodes)

// ---- 1. happy path and order ------------------------------------------------------------

// Per backend: three invoices whose jobs carry `sequence` (an opener without one, held at
// the simulator for 3 s, then sequences 1..6 dropped in a scrambled order over the three
// spools while it is held: all are in the database before the lane is free again), and
// seven invoices in arrival order (job k of each dropped into another spool than job k-1,
// after job k-1 is in the database). 63 jobs per backend, 126 in all.
BOOST_AUTO_TEST_CASE(three_nodes_deliver_every_job_once_in_order_within_one_shared_quota) {
  temp_dir dir;
  cluster_options opts;
  opts.sim_config = sim_config(
      {"campfire", "alloy"}, 150,
      R"({"api": "campfire", "kind": "slow", "delay_ms": 3000, "writes_only": true, "first_n": 3},
         {"api": "alloy", "kind": "slow", "delay_ms": 3000, "writes_only": true, "first_n": 3})");
  opts.backends_settings = pacing;
  cluster_fixture c(dir.path(), opts);
  const std::vector<std::string> backends = {"books", "unified"};
  std::map<std::pair<std::string, int>, std::vector<std::string>> order;
  std::map<std::pair<std::string, int>, std::string> last_value;
  const double t_start = now_ms();

  // a) The openers of the sequence invoices: the first three writes of each API (nothing
  //    else can go before them), each answered 3 s late. Three: a node sends one request per
  //    backend until it has one answer (its credentials are proven), so three nodes hold
  //    three at once.
  const std::vector<int> sequenced = {11, 12, 13};
  std::vector<std::string> openers;
  for (auto& b : backends)
    for (int inv : sequenced) {
      const std::string name = job_name(inv % 3, b, inv, "open");
      c.drop(inv % 3, name, job_body(b, inv, "open"));
      openers.push_back(name);
      order[{b, inv}].push_back(name);
    }
  BOOST_TEST_REQUIRE(c.wait_queued(openers), c.diagnosis());

  // b) Sequences 1..6 of each, scrambled over the spools, while the openers are held.
  const std::vector<std::vector<int>> scrambled = {
      {4, 1, 6, 2, 5, 3}, {6, 5, 4, 3, 2, 1}, {2, 4, 6, 1, 3, 5}};
  std::vector<std::string> with_sequence;
  for (auto& b : backends)
    for (std::size_t k = 0; k < sequenced.size(); ++k) {
      const int inv = sequenced[k];
      std::map<int, std::string> by_sequence;
      for (int s : scrambled[k]) {
        const std::size_t node = static_cast<std::size_t>(inv + s) % 3;
        const std::string name = job_name(node, b, inv, "s" + std::to_string(s));
        c.drop(node, name, job_body(b, inv, "s" + std::to_string(s), s));
        with_sequence.push_back(name);
        by_sequence[s] = name;
      }
      for (auto& [s, name] : by_sequence) order[{b, inv}].push_back(name);
      last_value[{b, inv}] = "s6";
    }
  BOOST_TEST_REQUIRE(c.wait_queued(with_sequence), c.diagnosis());
  const double t_sequenced = now_ms();
  // Else the test could not tell a wrong order from a lane freed before its jobs were known.
  BOOST_TEST_REQUIRE(wait_until([&] { return applied(c.sim().requests(), openers) == 6u; }, 20s),
                     c.diagnosis());
  double first_opener = 1e300;
  std::map<std::string, int> writes;  // by API, in the order the simulator saw them
  for (auto& r : c.sim().requests()) {
    if (!is(r, "method", "PUT") || ++writes[std::string(r.at("api").as_string())] > 3) continue;
    BOOST_TEST_REQUIRE(std::count(openers.begin(), openers.end(), job_of(r)) == 1,
                       "a write before the openers: " << json::serialize(r));
    first_opener = std::min(first_opener, t_of(r));
    BOOST_TEST_REQUIRE(t_sequenced < t_of(r) + 2900, "the sequenced jobs reached the database only "
                                                         << ms(t_sequenced - t_of(r)) << " after "
                                                         << job_of(r) << " was sent (held 3 s)");
  }

  // c) Arrival order across nodes: job k of invoice i into spool (i + k) % 3, each once its
  //    predecessor is in the database.
  const std::vector<int> arriving = {21, 22, 23, 24, 25, 26, 27};
  for (int k = 1; k <= 6; ++k)
    for (auto& b : backends)
      for (int inv : arriving) {
        const std::size_t node = static_cast<std::size_t>(inv + k) % 3;
        const std::string name = job_name(node, b, inv, "v" + std::to_string(k));
        BOOST_TEST_REQUIRE(c.drop_queued(node, name, job_body(b, inv, "v" + std::to_string(k))),
                           name << " not queued" << c.diagnosis());
        order[{b, inv}].push_back(name);
        last_value[{b, inv}] = "v" + std::to_string(k);
      }
  const double t_dropped = now_ms();

  BOOST_TEST_REQUIRE(c.wait_all_settled(120s), c.diagnosis());
  const double t_settled = now_ms();
  const auto requests = c.sim().requests();
  BOOST_TEST(c.dropped().size() == 126u);
  check_files(c);
  check_order(c, requests, order, last_value, true);
  check_no_overlap(requests);
  const quota_figures books = check_quota(requests, "campfire");
  const quota_figures unified = check_quota(requests, "alloy");
  // All three nodes delivered.
  const auto sent = sent_per_node(c);
  for (std::size_t i = 0; i < sent.size(); ++i)
    BOOST_TEST(sent[i] > 0u, c.name(i) << " sent nothing");

  // The rate once the openers were answered: requests after them, over their span.
  auto steady_rate = [&](const std::string& api) {
    std::vector<double> t;
    for (auto& r : requests)
      if (is(r, "api", api) && t_of(r) >= first_opener + 3000) t.push_back(t_of(r));
    std::sort(t.begin(), t.end());
    return t.size() < 2 ? 0.0 : (t.size() - 1) / ((t.back() - t.front()) / 1000.0);
  };
  double last_request = 0;
  for (auto& r : requests) last_request = std::max(last_request, t_of(r));
  figures("cluster happy path: " + std::to_string(c.dropped().size()) + " jobs in " +
          num((t_settled - t_start) / 1000.0, 1) + " s from the first drop to all in done/ (" +
          num(c.dropped().size() / ((last_request - first_opener) / 1000.0)) +
          " jobs/s first to last request, both backends at 10/s, 3 s of held openers included;" +
          " drops done after " + num((t_dropped - t_start) / 1000.0, 1) + " s); campfire " +
          std::to_string(books.requests) + " requests, " + num(steady_rate("campfire")) +
          "/s after the openers (configured 10/s), largest burst " + num(books.largest_burst) +
          " (configured 5), " + std::to_string(books.throttled) + " x 429; alloy " +
          std::to_string(unified.requests) + " requests, " + num(steady_rate("alloy")) +
          "/s, largest burst " + num(unified.largest_burst) + ", " +
          std::to_string(unified.throttled) + " x 429; sent by node-a/b/c: " +
          std::to_string(sent[0]) + "/" + std::to_string(sent[1]) + "/" + std::to_string(sent[2]));
}

// ---- 2. kill -9 mid-request -------------------------------------------------------------

// Eight Campfire invoices with three jobs each (job k into node k's spool, in arrival order
// across nodes), every write answered 1.5 s late. A node is killed while a request of it is
// held; the invoices it held must move on after about the lease, not before it; its files
// are delivered by the others and moved to its done/ when it is back.
BOOST_AUTO_TEST_CASE(a_node_killed_mid_request_its_invoices_move_on_after_the_lease) {
  temp_dir dir;
  cluster_options opts;
  opts.sim_config = sim_config({"campfire"}, 1500);
  opts.backends_settings = pacing;
  cluster_fixture c(dir.path(), opts);
  std::map<std::pair<std::string, int>, std::vector<std::string>> order;
  std::map<std::pair<std::string, int>, std::string> last_value;
  for (std::size_t k = 0; k < 3; ++k)
    for (int inv = 31; inv <= 38; ++inv) {
      const std::string name = job_name(k, "books", inv, "v" + std::to_string(k + 1));
      BOOST_TEST_REQUIRE(c.drop_queued(k, name, campfire_job(inv, "v" + std::to_string(k + 1))),
                         name << c.diagnosis());
      order[{"books", inv}].push_back(name);
      last_value[{"books", inv}] = "v" + std::to_string(k + 1);
    }

  // A write whose answer is at least 0.7 s away, from a node that still has its connection.
  const auto found = write_in_flight(c, "", 20s);
  BOOST_TEST_REQUIRE(found.has_value(), "no request of a known node in flight" << c.diagnosis());
  const auto& [v, held] = *found;
  const auto victim_ports = c.ports_of(v);
  const double t_kill = now_ms();
  c.kill(v);
  BOOST_TEST_REQUIRE(t_kill < t_of(held) + 1500, "killed after the answer: not mid-request");
  BOOST_TEST_MESSAGE("killed " << c.name(v) << " " << ms(t_kill - t_of(held)) << " after it sent "
                               << job_of(held));

  // Every job is applied, the victim's own files by the others; they wait in its active/.
  const auto names = all_names(c);
  BOOST_TEST_REQUIRE(
      wait_until([&] { return applied(c.sim().requests(), names) == names.size(); }, 60s),
      c.diagnosis());
  auto requests = c.sim().requests();
  std::size_t delivered_meanwhile = 0;
  for (auto& n : c.dropped_into(v)) {
    bool after_kill = false;
    for (auto& r : requests)
      after_kill |= is(r, "result", "updated") && job_of(r) == n && t_of(r) > t_kill;
    if (!after_kill) continue;
    ++delivered_meanwhile;
    BOOST_TEST(fs::exists(c.node(v).spool() / "active" / n), n << " not waiting in active/");
    BOOST_TEST(!fs::exists(c.node(v).spool() / "done" / n));
  }
  BOOST_TEST_REQUIRE(delivered_meanwhile > 0u,
                     "none of " << c.name(v) << "'s files was left to the others");

  // The invoices the victim held (its requests still unanswered at the kill) moved on after
  // about the lease: not before it could have run out, and not much later.
  std::string gaps;
  std::size_t held_invoices = 0;
  for (auto& r : requests) {
    const double t = t_of(r);
    if (t > t_kill || t <= t_kill - 1500 || !victim_ports.count(peer_port(r))) continue;
    const int inv = static_cast<int>(r.at("invoice_id").as_int64());
    ++held_invoices;
    const auto next = next_request(requests, "campfire", inv, t_kill);
    BOOST_TEST_REQUIRE(next.has_value(), "invoice " << inv << " never moved on");
    BOOST_TEST(t_of(*next) - t >= lease_ms - 500,
               "invoice " << inv << " taken over " << ms(t_of(*next) - t) << " after " << c.name(v)
                          << "'s request, within its lease");
    BOOST_TEST(t_of(*next) - t_kill <= lease_ms + 5000, "invoice " << inv << " moved on only "
                                                                   << ms(t_of(*next) - t_kill)
                                                                   << " after the kill");
    gaps += " invoice " + std::to_string(inv) + ": " + ms(t_of(*next) - t_kill) + " (" +
            ms(t_of(*next) - t) + " after its request);";
  }
  BOOST_TEST(held_invoices >= 1u);

  // The others finish their own files; the victim, back, finishes its own.
  BOOST_TEST_REQUIRE(c.wait_all_settled(30s, v), c.diagnosis());
  const double t_restart = now_ms();
  c.restart(v);
  BOOST_TEST_REQUIRE(c.wait_all_settled(60s), c.diagnosis());
  const double t_back = now_ms();
  requests = c.sim().requests();
  check_files(c);
  check_order(c, requests, order, last_value, false);
  check_no_overlap(requests);
  check_quota(requests, "campfire");
  figures("cluster kill -9: " + c.name(v) + " killed " + ms(t_kill - t_of(held)) +
          " into a request, holding " + std::to_string(held_invoices) +
          " invoice(s); from the kill to the next request for each (lease 4 s):" + gaps + " " +
          std::to_string(delivered_meanwhile) +
          " of its files delivered by the others, in its done/ " + ms(t_back - t_restart) +
          " after its restart");
}

// ---- 3. SIGSTOP past the lease, then SIGCONT --------------------------------------------

// Invoice 41 gets three jobs, one per spool; its first write (answered 1.5 s late) is sent by
// some node, which is stopped at once and kept stopped until another node has taken the job
// over and delivered all three. More jobs meanwhile: invoices 42 and 43 through the running
// nodes, invoice 44 into the stopped node's spool (taken when it continues).
BOOST_AUTO_TEST_CASE(a_node_stopped_past_its_lease_is_fenced_when_it_continues) {
  temp_dir dir;
  cluster_options opts;
  opts.sim_config = sim_config({"campfire"}, 1500);
  opts.backends_settings = pacing;
  // Longer than the stop: the late answer is read, not timed out.
  opts.defaults =
      "defaults:\n  timeout: 30s\n  concurrency: 4\n  retry:\n"
      "    initial_backoff: 1s\n    max_backoff: 2s\n    max_attempts: 50\n";
  cluster_fixture c(dir.path(), opts);
  const int y = 41;
  std::vector<std::string> ys;
  for (std::size_t k = 0; k < 3; ++k) {
    ys.push_back(job_name(k, "books", y, "v" + std::to_string(k + 1)));
    BOOST_TEST_REQUIRE(c.drop_queued(k, ys.back(), campfire_job(y, "v" + std::to_string(k + 1))),
                       c.diagnosis());
  }
  std::optional<json::object> first;
  std::optional<std::size_t> stopped;
  BOOST_TEST_REQUIRE(wait_until(
                         [&] {
                           for (auto& r : c.sim().requests())
                             if (job_of(r) == ys[0] && is(r, "result", "updated")) {
                               first = r;
                               stopped = c.sender_of(r);
                               return true;
                             }
                           return false;
                         },
                         20s),
                     c.diagnosis());
  BOOST_TEST_REQUIRE(stopped.has_value(), "the node that sent " << ys[0] << " is unknown");
  const std::size_t s = *stopped;
  c.node(s).proc().signal(SIGSTOP);
  const double t_stop = now_ms();
  BOOST_TEST_REQUIRE(t_stop < t_of(*first) + 1300, "stopped after the answer: not mid-request");

  // More work while it is stopped.
  std::vector<std::string> running_jobs;
  for (int inv = 42; inv <= 43; ++inv)
    for (std::size_t k = 0; k < 3; ++k) {
      if (k == s) continue;
      const std::string name = job_name(k, "books", inv, "v" + std::to_string(k + 1));
      BOOST_TEST_REQUIRE(c.drop_queued(k, name, campfire_job(inv, "v" + std::to_string(k + 1))),
                         c.diagnosis());
      running_jobs.push_back(name);
    }
  const std::string late = job_name(s, "books", 44, "v1");
  c.drop(s, late, campfire_job(44, "v1"));

  // Taken over (the same job written again) once the lease ran out, then the rest delivered.
  std::optional<json::object> takeover;
  BOOST_TEST_REQUIRE(wait_until(
                         [&] {
                           for (auto& r : c.sim().requests())
                             if (job_of(r) == ys[0] && t_of(r) > t_of(*first)) {
                               takeover = r;
                               return true;
                             }
                           return false;
                         },
                         30s),
                     ys[0] << " was never sent again" << c.diagnosis());
  BOOST_TEST(t_of(*takeover) - t_of(*first) >= lease_ms - 500,
             "taken over " << ms(t_of(*takeover) - t_of(*first)) << " after it was sent");
  std::vector<std::string> before_cont = ys;
  before_cont.insert(before_cont.end(), running_jobs.begin(), running_jobs.end());
  BOOST_TEST_REQUIRE(
      wait_until([&] { return applied(c.sim().requests(), before_cont) == before_cont.size(); },
                 60s),
      c.diagnosis());
  BOOST_TEST_REQUIRE(c.wait_all_settled(30s, s), c.diagnosis());

  const double t_cont = now_ms();
  c.node(s).proc().signal(SIGCONT);
  // Its late answer is discarded: it says its lease was lost.
  BOOST_TEST(wait_until(
                 [&] {
                   return lines_with(c.node(s).log(), {ys[0], "lease", "lost"}) > 0;
                 },
                 20s),
             c.node(s).log());
  BOOST_TEST_REQUIRE(c.wait_all_settled(60s), c.diagnosis());
  const auto requests = c.sim().requests();
  check_files(c);

  // Nothing more for invoice 41 after it continued (the others had finished it).
  for (auto& r : requests)
    if (for_invoice(r, "campfire", y))
      BOOST_TEST(t_of(r) < t_cont, "a request for invoice 41 (" << job_of(r) << ") "
                                                                << ms(t_of(r) - t_cont)
                                                                << " after SIGCONT");
  const auto updates = updates_of(requests, "campfire", y);
  BOOST_TEST(joined(distinct_jobs(updates)) == joined(ys));
  BOOST_TEST(updates.size() == 4u, "its first job twice (the stopped node's and the takeover)");
  BOOST_TEST(value_of(c.sim(), "books", y) == "v3");
  // The job it dropped while stopped was taken when it continued.
  const auto late_update = updates_of(requests, "campfire", 44);
  BOOST_TEST_REQUIRE(late_update.size() == 1u);
  BOOST_TEST(t_of(late_update[0]) > t_cont);
  check_no_overlap(requests);
  check_quota(requests, "campfire");
  figures("cluster SIGSTOP: " + c.name(s) + " stopped " + ms(t_stop - t_of(*first)) +
          " into its request for invoice 41; taken over " + ms(t_of(*takeover) - t_of(*first)) +
          " after that request (" + ms(t_of(*takeover) - t_stop) +
          " after the stop; lease 4 s); continued after " + ms(t_cont - t_stop) +
          ", no request for the invoice after that");
}

// ---- 4. PostgreSQL restarted while jobs flow --------------------------------------------

// Per backend six invoices with five jobs each, an invoice's jobs into one spool in order;
// once jobs flow the database is stopped, more jobs (two more invoices per backend) are
// dropped while every node has noticed, then it is started again.
BOOST_AUTO_TEST_CASE(a_postgresql_restart_while_jobs_flow_loses_and_repeats_nothing) {
  temp_dir dir;
  cluster_options opts;
  opts.sim_config = sim_config({"campfire", "alloy"}, 150);
  opts.backends_settings = pacing;
  cluster_fixture c(dir.path(), opts);
  const std::vector<std::string> backends = {"books", "unified"};
  std::map<std::pair<std::string, int>, std::vector<std::string>> order;
  std::map<std::pair<std::string, int>, std::string> last_value;
  auto drop_invoices = [&](int from, int to) {
    for (auto& b : backends)
      for (int inv = from; inv <= to; ++inv)
        for (int k = 1; k <= 5; ++k) {
          const std::size_t node = static_cast<std::size_t>(inv) % 3;
          const std::string name = job_name(node, b, inv, "v" + std::to_string(k));
          c.drop(node, name, job_body(b, inv, "v" + std::to_string(k)));
          order[{b, inv}].push_back(name);
          last_value[{b, inv}] = "v" + std::to_string(k);
        }
  };
  drop_invoices(51, 56);
  BOOST_TEST_REQUIRE(
      wait_until([&] { return applied(c.sim().requests(), all_names(c)) >= 10u; }, 30s),
      c.diagnosis());

  const double t_down = now_ms();
  c.pg().stop();
  const double t_stopped = now_ms();
  drop_invoices(57, 58);
  // Every node has noticed, and has taken the new files into active/ all the same.
  BOOST_TEST_REQUIRE(
      wait_until(
          [&] {
            for (std::size_t i = 0; i < cluster_fixture::size; ++i)
              if (lines_with(c.node(i).log(), {"cluster database unreachable"}) == 0 ||
                  !list_dir(c.node(i).spool() / "incoming").empty())
                return false;
            return true;
          },
          30s),
      c.diagnosis());
  const double t_start = now_ms();
  c.pg().start();
  const double t_up = now_ms();

  BOOST_TEST_REQUIRE(c.wait_all_settled(120s), c.diagnosis());
  const auto requests = c.sim().requests();
  check_files(c);
  for (std::size_t i = 0; i < cluster_fixture::size; ++i) {
    const std::string log = c.node(i).log();
    BOOST_TEST(lines_with(log, {"cluster database unreachable"}) == 1u, c.name(i) << "\n" << log);
    BOOST_TEST(lines_with(log, {"cluster database reachable again"}) == 1u, c.name(i) << "\n"
                                                                                      << log);
  }
  // No request starts while the database is down (one second for those already past their
  // lease check and token when it went).
  std::size_t while_down = 0;
  std::optional<double> first_after;
  for (auto& r : requests) {
    const double t = t_of(r);
    if (t > t_stopped + 1000 && t < t_start) ++while_down;
    if (t >= t_up && (!first_after || t < *first_after)) first_after = t;
  }
  BOOST_TEST(while_down == 0u, while_down << " requests while the database was down");
  check_order(c, requests, order, last_value, false);
  check_no_overlap(requests);
  check_quota(requests, "campfire");
  check_quota(requests, "alloy");
  std::size_t again = 0;  // requests of a job already applied
  std::set<std::string> seen;
  for (auto& r : requests)
    if (is(r, "result", "updated") && !seen.insert(job_of(r)).second) ++again;
  figures("cluster PostgreSQL restart: " + std::to_string(c.dropped().size()) +
          " jobs; stop took " + ms(t_stopped - t_down) + ", down " + ms(t_up - t_stopped) +
          " in all (start " + ms(t_up - t_start) + "); first request " +
          (first_after ? ms(*first_after - t_up) : std::string("-")) + " after it was up; " +
          std::to_string(again) + " jobs applied more than once");
}

// ---- 5. the cluster's view and a retry asked on another node ----------------------------

// A job for an invoice the simulator does not have is dead-lettered (404) into node-a's
// dead/. node-b's status.json lists it (the cluster's view: every node live, the dead letter
// with its category); a retry asked on node-b (its control/, as reconcilerctl does) reaches
// node-a through the database, which moves the file back to its incoming/: it is sent again
// and dead-lettered again.
BOOST_AUTO_TEST_CASE(the_cluster_view_lists_another_nodes_dead_letter_and_a_retry_reaches_it) {
  temp_dir dir;
  cluster_options opts;
  opts.sim_config = R"({"invoices": 200})";
  opts.backends_settings = pacing;
  cluster_fixture c(dir.path(), opts);
  const std::string name = job_name(0, "books", 999, "missing");
  c.drop(0, name, job_body("books", 999, "x"));
  BOOST_TEST_REQUIRE(wait_until([&] { return c.node(0).settled() == 1u; }, 30s), c.diagnosis());
  BOOST_TEST_REQUIRE(std::filesystem::exists(c.node(0).spool() / "dead" / name), c.diagnosis());
  auto writes = [&] {
    std::size_t n = 0;
    for (auto& r : c.sim().requests())
      n += for_invoice(r, "campfire", 999) && is(r, "method", "PUT");
    return n;
  };
  BOOST_TEST(writes() == 1u);

  json::object seen;  // node-b's view of the job
  std::size_t live = 0;
  const bool listed = wait_until(
      [&] {
        const auto text = read_file(c.node(1).spool() / "status.json");
        if (text.empty()) return false;
        const json::value v = json::parse(text);
        const auto& cl = v.at("cluster");
        if (!cl.is_object() || cl.at("node") != "node-b" || cl.at("database") != "up") return false;
        live = 0;
        for (auto& n : cl.at("nodes").as_array()) live += n.at("live").as_bool();
        for (auto& j : cl.at("jobs").as_array())
          if (j.at("file") == name.c_str()) seen = j.as_object();
        return live == 3u && !seen.empty() && seen.at("filed").as_bool();
      },
      20s);
  BOOST_TEST_REQUIRE(listed, "node-b's status.json: "
                                 << read_file(c.node(1).spool() / "status.json") << c.diagnosis());
  BOOST_TEST(seen.at("origin") == "node-a");
  BOOST_TEST(seen.at("state") == "dead");
  BOOST_TEST(seen.at("backend") == "books");
  BOOST_TEST(seen.at("invoice") == "999");
  BOOST_TEST(seen.at("category") == "rejected");

  // The operator on node-b names the job alone: reconcilerctl finds it in node-b's view as
  // node-a's dead letter and asks node-b's daemon to pass the retry on.
  const std::vector<std::string> argv{RECONCILERCTL_BIN, "--config",
                                      c.node(1).config_path().string(), "retry", name};
  reconcilerd::test::child_process ctl(argv, {}, dir.path() / "ctl.out", dir.path() / "ctl.err");
  const int rc = ctl.wait(20s).value_or(-1);  // before the message reads its stderr
  BOOST_TEST_REQUIRE(rc == 0, read_file(dir.path() / "ctl.err"));
  BOOST_TEST(read_file(dir.path() / "ctl.out") ==
             "retry of node-a/" + name +
                 " requested; node-a moves it back to its incoming/ when it is up\n");
  BOOST_TEST_REQUIRE(wait_until([&] { return writes() == 2u; }, 30s), c.diagnosis());
  BOOST_TEST_REQUIRE(
      wait_until([&] { return std::filesystem::exists(c.node(0).spool() / "dead" / name); }, 30s),
      c.diagnosis());
  BOOST_TEST(c.node(0).log().find("at the request of node node-b") != std::string::npos);
  BOOST_TEST(list_dir(c.node(1).spool() / "control").empty());
  BOOST_TEST(list_dir(c.node(0).spool() / "incoming").empty());
  BOOST_TEST(list_dir(c.node(0).spool() / "active").empty());
}

// ---- 6. an update not safe to repeat, its node killed mid-request -------------------------

// WHMCS `newitem*` updates add a line: sent twice, the line is there twice. Six invoices get
// three such jobs each over the three spools, every write answered 1.5 s late. A node is
// killed while its write is held; the node that takes the job over must read the invoice
// back before it writes again (docs/delivery.md, cluster.md): every line ends on its invoice
// exactly once, nothing is dead-lettered, and the invoice was read between the cut-off write
// and the next one.
BOOST_AUTO_TEST_CASE(an_unsafe_update_cut_off_by_a_kill_is_verified_by_the_node_that_takes_over) {
  temp_dir dir;
  cluster_options opts;
  opts.whmcs = true;
  opts.sim_config = R"({"invoices": 200, "faults": [{"api": "whmcs", "kind": "slow",)"
                    R"( "delay_ms": 1500, "writes_only": true}]})";
  opts.backends_settings = pacing;
  cluster_fixture c(dir.path(), opts);
  std::map<int, std::vector<std::string>> lines;  // invoice -> descriptions
  for (std::size_t k = 0; k < 3; ++k)
    for (int inv = 51; inv <= 56; ++inv) {
      const std::string desc = "cluster-line-" + std::to_string(inv) + "-" + std::to_string(k);
      const std::string name = job_name(k, "billing", inv, "l" + std::to_string(k));
      c.drop(k, name,
             R"({"backend":"billing","invoice_id":)" + std::to_string(inv) +
                 R"(,"update":{"newitemdescription":[")" + desc +
                 R"("],"newitemamount":[12.50],"newitemtaxed":[false]}})");
      lines[inv].push_back(desc);
    }

  // A write of a known node whose answer is at least 0.7 s away.
  const auto found = write_in_flight(c, "whmcs", 30s);
  BOOST_TEST_REQUIRE(found.has_value(),
                     "no WHMCS write of a known node in flight" << c.diagnosis());
  const auto& [v, held] = *found;
  const double t_kill = now_ms();
  c.kill(v);
  BOOST_TEST_REQUIRE(t_kill < t_of(held) + 1500, "killed after the answer: not mid-request");
  const int inv = static_cast<int>(held.at("invoice_id").as_int64());

  BOOST_TEST_REQUIRE(c.wait_all_settled(60s, v), c.diagnosis());
  c.restart(v);
  BOOST_TEST_REQUIRE(c.wait_all_settled(60s), c.diagnosis());
  check_files(c);
  for (auto& [invoice, descs] : lines) {
    BOOST_TEST_CONTEXT("whmcs invoice " << invoice) {
      const json::value state = sim_state(c.sim(), "whmcs", invoice);
      std::map<std::string, int> found;
      for (auto& l : state.at("items").at("item").as_array())
        if (auto* d = l.as_object().if_contains("description"); d && d->is_string())
          ++found[std::string(d->as_string())];
      for (auto& d : descs)
        BOOST_TEST(found[d] == 1, d << " is on its invoice " << found[d] << " times");
    }
  }
  // The node that took the cut-off job over verified it (a `verified` event naming it)
  // instead of writing it blindly again.
  const auto requests = c.sim().requests();
  std::string verified_by;
  for (std::size_t i = 0; i < cluster_fixture::size; ++i)
    for (auto& e : status_events(c.node(i)))
      if (is(e, "event", "verified") && e.at("job").is_string() &&
          std::string(e.at("job").as_string()).find(job_of(held)) != std::string::npos)
        verified_by = c.name(i);
  BOOST_TEST(!verified_by.empty(), job_of(held)
                                       << " was not verified after the kill" << c.diagnosis());
  check_no_overlap(requests);
  figures("cluster unsafe update: " + c.name(v) + " killed " + ms(t_kill - t_of(held)) +
          " into a WHMCS write for invoice " + std::to_string(inv) + "; verified by " +
          verified_by + "; 18 lines, each once");
}

BOOST_AUTO_TEST_SUITE_END()

#include "daemon/cluster/store.hpp"

#include <algorithm>
#include <cmath>

#include "daemon/cluster/outcome.hpp"
#include "daemon/cluster/params.hpp"
#include "daemon/cluster/pg_connection.hpp"

namespace reconcilerd::cluster {

namespace net = boost::asio;

namespace {

using params = std::vector<std::optional<std::string>>;

// A PostgreSQL array literal of text values ('{"a","b\"c"}'); NULL for nullopt.
template <class T, class F>
std::string array_of(const std::vector<T>& items, F text) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    std::optional<std::string> v = text(items[i]);
    if (!v) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : *v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string count(ms d) { return std::to_string(d.count()); }

std::int64_t as_int(const std::optional<std::string>& v) { return v ? std::stoll(*v) : 0; }
bool as_bool(const std::optional<std::string>& v) { return v && *v == "t"; }

}  // namespace

net::awaitable<void> store::heartbeat(std::string version) {
  co_await db_.query(
      "INSERT INTO rd_nodes (node, version) VALUES ($1, $2) "
      "ON CONFLICT (node) DO UPDATE SET seen_at = now(), version = excluded.version",
      args(node_, version));
}

net::awaitable<bucket_settings> store::define(std::string bucket, std::string backend,
                                              double rate_per_second, int burst, int concurrency,
                                              ms live) {
  const auto emission = static_cast<std::int64_t>(std::llround(1e6 / rate_per_second));
  auto r = co_await db_.query(
      "SELECT * FROM rd_define($1, $2, $3, $4, $5, $6, $7)",
      args(bucket, backend, std::to_string(std::max<std::int64_t>(1, emission)),
           std::to_string(burst), std::to_string(concurrency), node_, count(live)));
  bucket_settings s;
  s.emission_us = as_int(r.at(0, "emission_us"));
  s.burst = static_cast<int>(as_int(r.at(0, "burst")));
  s.concurrency = static_cast<int>(as_int(r.at(0, "concurrency")));
  s.defined_by = r.at(0, "defined_by").value_or("");
  s.disagrees = as_bool(r.at(0, "disagrees"));
  co_return s;
}

net::awaitable<void> store::submit(const std::vector<new_job>& jobs) {
  if (jobs.empty()) co_return;
  using J = new_job;
  co_await db_.query(
      "SELECT rd_submit($1, $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], "
      "$7::text[])",
      args(node_,
           array_of(jobs, [](const J& j) -> std::optional<std::string> { return j.file_name; }),
           array_of(jobs, [](const J& j) -> std::optional<std::string> { return j.backend; }),
           array_of(jobs, [](const J& j) -> std::optional<std::string> { return j.invoice; }),
           array_of(jobs,
                    [](const J& j) -> std::optional<std::string> {
                      if (!j.sequence) return std::nullopt;
                      return std::to_string(*j.sequence);
                    }),
           array_of(jobs, [](const J& j) -> std::optional<std::string> { return j.body; }),
           array_of(jobs, [](const J& j) -> std::optional<std::string> { return j.delivery; })));
}

net::awaitable<std::optional<claimed_job>> store::claim(std::string backend, ms lease) {
  auto r =
      co_await db_.query("SELECT * FROM rd_claim($1, $2, $3)", args(backend, node_, count(lease)));
  if (r.rows.empty()) co_return std::nullopt;
  claimed_job c;
  c.lane.job_id = as_int(r.at(0, "job_id"));
  c.lane.backend = backend;
  c.lane.fence = as_int(r.at(0, "fence"));
  c.origin = r.at(0, "origin").value_or("");
  c.file_name = r.at(0, "file_name").value_or("");
  c.body = r.at(0, "body").value_or("");
  c.delivery = r.at(0, "delivery").value_or("");
  c.reaped = as_bool(r.at(0, "reaped"));
  c.lane.invoice = r.at(0, "invoice").value_or("");
  co_return c;
}

net::awaitable<std::vector<ticket>> store::renew(const std::vector<ticket>& held, ms lease) {
  std::vector<ticket> kept;
  if (held.empty()) co_return kept;
  auto r = co_await db_.query(
      "SELECT * FROM rd_renew($1, $2::text[], $3::text[], $4::bigint[], $5)",
      args(node_,
           array_of(held, [](const ticket& t) -> std::optional<std::string> { return t.backend; }),
           array_of(held, [](const ticket& t) -> std::optional<std::string> { return t.invoice; }),
           array_of(held,
                    [](const ticket& t) -> std::optional<std::string> {
                      return std::to_string(t.fence);
                    }),
           count(lease)));
  for (const auto& t : held)
    for (std::size_t i = 0; i < r.rows.size(); ++i)
      if (r.at(i, "backend") == t.backend && r.at(i, "invoice") == t.invoice &&
          as_int(r.at(i, "fence")) == t.fence)
        kept.push_back(t);
  co_return kept;
}

net::awaitable<token_answer> store::token(std::string bucket, const ticket& t, ms lease) {
  auto r = co_await db_.query(
      "SELECT * FROM rd_token($1, $2, $3, $4, $5, $6)",
      args(bucket, t.backend, t.invoice, std::to_string(t.fence), node_, count(lease)));
  token_answer a;
  a.granted = as_bool(r.at(0, "granted"));
  if (auto w = r.at(0, "wait_ms")) a.wait = ms(std::stoll(*w));
  a.why = r.at(0, "why").value_or("");
  co_return a;
}

net::awaitable<bool> store::mark(const ticket& t, std::string delivery, ms not_before) {
  auto r = co_await db_.query("SELECT rd_mark($1, $2, $3, $4, $5) AS ok",
                              args(std::to_string(t.job_id), std::to_string(t.fence), node_,
                                   std::move(delivery), count(not_before)));
  co_return as_bool(r.at(0, "ok"));
}

net::awaitable<bool> store::finish(const ticket& t, end_state s, std::string delivery, ms next,
                                   std::string outcome) {
  const char* state = s == end_state::done ? "done" : s == end_state::dead ? "dead" : "queued";
  auto r = co_await db_.query(
      "SELECT rd_finish($1, $2, $3, $4, $5, $6, $7) AS ok",
      args(std::to_string(t.job_id), std::to_string(t.fence), node_, std::string(state),
           std::move(delivery), count(next), std::move(outcome)));
  co_return as_bool(r.at(0, "ok"));
}

net::awaitable<void> store::pause(std::string bucket, ms for_, std::string reason) {
  co_await db_.query("SELECT rd_pause($1, $2, $3)", args(bucket, count(for_), reason));
}

net::awaitable<void> store::suspend(std::string backend, std::string reason) {
  co_await db_.query(
      "UPDATE rd_buckets SET suspended = $2 WHERE backend = $1 AND suspended IS NULL",
      args(backend, reason));
}

net::awaitable<void> store::resume(std::string backend) {
  co_await db_.query(
      "UPDATE rd_buckets SET suspended = NULL, paused_until = NULL, pause_reason = NULL "
      "WHERE backend = $1",
      args(backend));
  co_await db_.query("SELECT pg_notify('reconcilerd', 'work ' || $1)", args(backend));
}

net::awaitable<std::optional<std::string>> store::suspended(std::string backend) {
  auto r = co_await db_.query(
      "SELECT suspended FROM rd_buckets WHERE backend = $1 AND suspended IS NOT NULL LIMIT 1",
      args(backend));
  if (r.rows.empty()) co_return std::nullopt;
  co_return r.at(0, "suspended");
}

net::awaitable<std::vector<finished_job>> store::finished(int limit) {
  auto r = co_await db_.query(
      "SELECT job_id, file_name, body, state, outcome, delivery, finished_by FROM rd_jobs "
      "WHERE origin = $1 AND state IN ('done', 'dead') ORDER BY job_id LIMIT $2",
      args(node_, std::to_string(limit)));
  std::vector<finished_job> out;
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    finished_job f;
    f.job_id = as_int(r.at(i, "job_id"));
    f.file_name = r.at(i, "file_name").value_or("");
    f.body = r.at(i, "body").value_or("");
    f.done = r.at(i, "state") == std::optional<std::string>("done");
    f.outcome = r.at(i, "outcome").value_or("");
    f.delivery = r.at(i, "delivery").value_or("");
    f.finished_by = r.at(i, "finished_by").value_or("");
    out.push_back(std::move(f));
  }
  co_return out;
}

net::awaitable<void> store::forget(const std::vector<std::int64_t>& delivered,
                                   const std::vector<std::int64_t>& dead) {
  auto ids = [](const std::vector<std::int64_t>& v) {
    return array_of(
        v, [](std::int64_t id) -> std::optional<std::string> { return std::to_string(id); });
  };
  if (!delivered.empty())
    co_await db_.query("DELETE FROM rd_jobs WHERE origin = $1 AND job_id = ANY($2::bigint[])",
                       args(node_, ids(delivered)));
  if (!dead.empty()) {
    co_await db_.query(
        "UPDATE rd_jobs SET state = 'filed', body = '' "
        "WHERE origin = $1 AND job_id = ANY($2::bigint[]) AND state = 'dead'",
        args(node_, ids(dead)));
    co_await db_.query(
        "DELETE FROM rd_jobs WHERE origin = $1 AND state = 'filed' "
        "AND finished_at < now() - interval '30 days'",
        args(node_));
  }
}

net::awaitable<void> store::order_retry(std::string node, std::string job) {
  co_await db_.query(
      "WITH o AS (INSERT INTO rd_orders (node, action, job, asked_by) "
      "VALUES ($1, 'retry', $2, $3) RETURNING node) "
      "SELECT pg_notify('reconcilerd', 'order ' || node) FROM o",
      args(node, job, node_));
}

net::awaitable<std::vector<order>> store::take_orders() {
  auto r = co_await db_.query(
      "WITH o AS (DELETE FROM rd_orders WHERE node = $1 "
      "RETURNING order_id, action, job, asked_by) "
      "SELECT action, job, asked_by FROM o ORDER BY order_id",
      args(node_));
  std::vector<order> out;
  for (std::size_t i = 0; i < r.rows.size(); ++i)
    out.push_back({r.at(i, "action").value_or(""), r.at(i, "job").value_or(""),
                   r.at(i, "asked_by").value_or("")});
  co_return out;
}

namespace {

std::optional<daemon::time_point> time_of(const std::optional<std::string>& us) {
  if (!us) return std::nullopt;
  return daemon::time_point(std::chrono::duration_cast<daemon::time_point::duration>(
      std::chrono::microseconds(std::stoll(*us))));
}

// A timestamp column as microseconds since the epoch (read back by time_of).
std::string us(const std::string& column) {
  return "(extract(epoch FROM " + column + ") * 1000000)::bigint";
}

}  // namespace

net::awaitable<daemon::cluster_status> store::look(ms live, int limit) {
  daemon::cluster_status c;
  auto nodes = co_await db_.query("SELECT node, " + us("seen_at") +
                                      " AS seen, seen_at > now() - $1 * interval "
                                      "'1 millisecond' AS live FROM rd_nodes ORDER BY node",
                                  args(count(live)));
  for (std::size_t i = 0; i < nodes.rows.size(); ++i)
    c.nodes.push_back({nodes.at(i, "node").value_or(""),
                       time_of(nodes.at(i, "seen")).value_or(daemon::time_point{}),
                       as_bool(nodes.at(i, "live"))});
  auto r = co_await db_.query(
      "SELECT b.backend AS name, "
      "  count(*) FILTER (WHERE j.state = 'queued') AS queued, "
      "  count(*) FILTER (WHERE j.state = 'running') AS running, "
      "  count(*) FILTER (WHERE j.state IN ('done', 'dead')) AS finished, "
      "  count(*) FILTER (WHERE j.state = 'filed') AS dead, "
      "  CASE WHEN b.paused_until > now() THEN coalesce(b.pause_reason, 'paused') ELSE '' END "
      "    AS paused, "
      "  coalesce(b.suspended, '') AS suspended "
      "FROM rd_buckets b LEFT JOIN rd_jobs j ON j.backend = b.backend "
      "WHERE b.bucket = b.backend "
      "GROUP BY b.backend, b.paused_until, b.pause_reason, b.suspended ORDER BY b.backend");
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    daemon::cluster_backend_status b;
    b.name = r.at(i, "name").value_or("");
    b.queued = static_cast<std::uint64_t>(as_int(r.at(i, "queued")));
    b.running = static_cast<std::uint64_t>(as_int(r.at(i, "running")));
    b.finished = static_cast<std::uint64_t>(as_int(r.at(i, "finished")));
    b.dead = static_cast<std::uint64_t>(as_int(r.at(i, "dead")));
    b.paused = r.at(i, "paused").value_or("");
    b.suspended = r.at(i, "suspended").value_or("");
    c.backends.push_back(std::move(b));
  }
  const std::string columns =
      "j.origin, j.file_name, j.backend, j.invoice, j.state, "
      "coalesce(l.holder, '') AS holder, " +
      us("j.next_at") + " AS next_at, " + us("j.finished_at") +
      " AS finished_at, coalesce(j.outcome, '') AS outcome";
  const std::string lanes =
      " FROM rd_jobs j LEFT JOIN rd_lanes l ON l.backend = j.backend AND l.invoice = j.invoice "
      "AND l.job_id = j.job_id AND j.state = 'running' ";
  auto jobs = co_await db_.query(
      "(SELECT " + columns + ", 0 AS part, j.job_id AS k" + lanes +
          "WHERE j.state <> 'filed' ORDER BY j.job_id LIMIT $1) UNION ALL (SELECT " + columns +
          ", 1 AS part, -j.job_id AS k" + lanes +
          "WHERE j.state = 'filed' ORDER BY j.job_id DESC LIMIT $1) ORDER BY part, k LIMIT $1",
      args(std::to_string(limit)));
  for (std::size_t i = 0; i < jobs.rows.size(); ++i) {
    daemon::cluster_job_status j;
    j.origin = jobs.at(i, "origin").value_or("");
    j.file = jobs.at(i, "file_name").value_or("");
    j.backend = jobs.at(i, "backend").value_or("");
    j.invoice = jobs.at(i, "invoice").value_or("");
    const std::string state = jobs.at(i, "state").value_or("");
    j.state = state == "done" ? "delivered" : state == "filed" ? "dead" : state;
    j.filed = state == "filed";
    j.holder = jobs.at(i, "holder").value_or("");
    if (state == "queued") j.next_at = time_of(jobs.at(i, "next_at"));
    if (state == "done" || state == "dead" || state == "filed")
      j.finished_at = time_of(jobs.at(i, "finished_at"));
    if (j.state == "dead")
      if (auto o = outcome_from_text(jobs.at(i, "outcome").value_or(""))) {
        j.category = std::string(jobs::to_string(o->category));
        j.message = o->message;
      }
    c.jobs.push_back(std::move(j));
  }
  auto total = co_await db_.query("SELECT count(*) AS n FROM rd_jobs");
  c.jobs_total = static_cast<std::uint64_t>(as_int(total.at(0, "n")));
  co_return c;
}

}  // namespace reconcilerd::cluster

#include "daemon/cluster/schema.hpp"

#include <exception>
#include <stdexcept>
#include <string>

#include "daemon/cluster/params.hpp"
#include "daemon/cluster/pg_connection.hpp"

namespace reconcilerd::cluster {

namespace {

// Version 1: nodes, buckets (shared GCRA quota, pauses, suspensions), jobs, lanes (fenced
// leases: one request in flight per invoice) and the functions that change them, each one
// transaction. Lock order everywhere: bucket, job, lane.
constexpr std::string_view v1 = R"sql(
CREATE TABLE rd_nodes (
  node       text PRIMARY KEY,
  started_at timestamptz NOT NULL DEFAULT now(),
  seen_at    timestamptz NOT NULL DEFAULT now(),
  version    text NOT NULL DEFAULT ''
);

-- One row per bucket: a backend's writes (`name`), and its reads where the API limits them
-- separately (`name:read`). The settings in force for the whole cluster live here.
CREATE TABLE rd_buckets (
  bucket        text PRIMARY KEY,
  backend       text NOT NULL,
  emission_us   bigint NOT NULL CHECK (emission_us > 0),  -- 1 / rate
  burst         integer NOT NULL CHECK (burst >= 1),
  concurrency   integer NOT NULL CHECK (concurrency >= 1),
  defined_by    text NOT NULL,                             -- the node whose config set them
  tat           timestamptz NOT NULL DEFAULT '-infinity',  -- GCRA theoretical arrival time
  paused_until  timestamptz,
  pause_reason  text,
  suspended     text                                       -- why; NULL: not suspended
);

-- Every job dropped into any node's spool, until its origin node has moved the file to
-- done/ or dead/ (then the row is deleted).
CREATE TABLE rd_jobs (
  job_id      bigserial PRIMARY KEY,        -- also the arrival order across nodes
  origin      text NOT NULL,
  file_name   text NOT NULL,
  backend     text NOT NULL,
  invoice     text NOT NULL,
  seq         bigint,                       -- the job's `sequence`
  body        text NOT NULL,                -- the job file's text
  state       text NOT NULL DEFAULT 'queued'
              -- filed: a dead letter its origin node has moved to dead/ (kept for the
              -- cluster's view and retries from any node)
              CHECK (state IN ('queued', 'running', 'done', 'dead', 'filed')),
  delivery    text NOT NULL DEFAULT '',     -- the delivery state (jobs/spool_state.hpp)
  next_at     timestamptz NOT NULL DEFAULT now(),
  outcome     text,                         -- done: '' ; dead: the dead letter (error.json)
  finished_by text,
  finished_at timestamptz,
  UNIQUE (origin, file_name)
);
CREATE INDEX rd_jobs_lane ON rd_jobs (backend, invoice, (coalesce(seq, 0)), job_id)
  WHERE state IN ('queued', 'running');
CREATE INDEX rd_jobs_due ON rd_jobs (backend, next_at, job_id) WHERE state IN ('queued', 'running');
CREATE INDEX rd_jobs_finished ON rd_jobs (origin) WHERE state IN ('done', 'dead');

-- Requests of an operator on one node for another node's files (reconcilerctl retry).
CREATE TABLE rd_orders (
  order_id bigserial PRIMARY KEY,
  node     text NOT NULL,        -- the node that holds the file
  action   text NOT NULL CHECK (action IN ('retry')),
  job      text NOT NULL,        -- the file's name in that node's spool
  asked_by text NOT NULL,
  asked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rd_orders_node ON rd_orders (node);

-- One row per (backend, invoice) that has had work: the fenced lease that makes "one
-- request in flight per invoice" hold across nodes.
CREATE TABLE rd_lanes (
  backend     text NOT NULL,
  invoice     text NOT NULL,
  holder      text,
  job_id      bigint,
  lease_until timestamptz,
  fence       bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (backend, invoice)
);
CREATE INDEX rd_lanes_held ON rd_lanes (backend, lease_until) WHERE holder IS NOT NULL;

-- Claims the next job of `p_backend` for `p_node`: the first due job (by next_at, job_id)
-- that is the first of its lane (by (sequence or 0, job_id)) and whose lane nobody holds,
-- if the bucket is neither paused nor suspended and fewer than `concurrency` lanes of the
-- backend are held. One transaction: the bucket row is locked, so claims of one backend are
-- serialised.
--
-- The due jobs are walked in order through rd_jobs_due and every candidate is checked with
-- two index lookups, stopping at the first that qualifies: a claim reads the jobs ahead of
-- it that wait behind a held lane or an earlier job of theirs, and no more, whatever the
-- planner knows about rd_jobs (one statement with NOT EXISTS was planned as a scan of every
-- queued job per claim while the table had no statistics: quadratic after every drain).
CREATE FUNCTION rd_claim(p_backend text, p_node text, p_lease_ms bigint)
RETURNS TABLE (job_id bigint, origin text, file_name text, invoice text, body text,
               delivery text, fence bigint, reaped boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  b  rd_buckets%ROWTYPE;
  held integer;
  c  record;
  j  rd_jobs%ROWTYPE;
  l  rd_lanes%ROWTYPE;
  held_lanes text[] := '{}';  -- lanes found held in this walk
BEGIN
  SELECT * INTO b FROM rd_buckets WHERE bucket = p_backend FOR UPDATE;
  IF NOT FOUND OR b.suspended IS NOT NULL OR b.paused_until > now() THEN
    RETURN;
  END IF;
  SELECT count(*) INTO held FROM rd_lanes x
   WHERE x.backend = p_backend AND x.holder IS NOT NULL AND x.lease_until > now();
  IF held >= b.concurrency THEN
    RETURN;
  END IF;
  FOR c IN SELECT d.job_id, d.invoice, coalesce(d.seq, 0) AS seq FROM rd_jobs d
            WHERE d.backend = p_backend AND d.state IN ('queued', 'running')
              AND d.next_at <= now()
            ORDER BY d.next_at, d.job_id
  LOOP
    CONTINUE WHEN c.invoice = ANY(held_lanes);
    IF EXISTS (SELECT 1 FROM rd_lanes h
                WHERE h.backend = p_backend AND h.invoice = c.invoice
                  AND h.holder IS NOT NULL AND h.lease_until > now()) THEN
      held_lanes := held_lanes || c.invoice;
      CONTINUE;
    END IF;
    -- Not the first of its lane (a job with a smaller sequence may come later in the walk).
    CONTINUE WHEN EXISTS (SELECT 1 FROM rd_jobs e
                           WHERE e.backend = p_backend AND e.invoice = c.invoice
                             AND e.state IN ('queued', 'running')
                             AND (coalesce(e.seq, 0), e.job_id) < (c.seq, c.job_id));
    SELECT * INTO j FROM rd_jobs x
     WHERE x.job_id = c.job_id AND x.state IN ('queued', 'running') AND x.next_at <= now()
       FOR UPDATE SKIP LOCKED;
    EXIT WHEN FOUND;
  END LOOP;
  IF j.job_id IS NULL THEN
    RETURN;
  END IF;
  INSERT INTO rd_lanes AS x (backend, invoice, holder, job_id, lease_until, fence)
  VALUES (j.backend, j.invoice, p_node, j.job_id,
          now() + p_lease_ms * interval '1 millisecond', 1)
  ON CONFLICT (backend, invoice) DO UPDATE
    SET holder = excluded.holder, job_id = excluded.job_id,
        lease_until = excluded.lease_until, fence = x.fence + 1
  RETURNING * INTO l;
  UPDATE rd_jobs SET state = 'running' WHERE rd_jobs.job_id = j.job_id;
  RETURN QUERY SELECT j.job_id, j.origin, j.file_name, j.invoice, j.body, j.delivery, l.fence,
                      j.state = 'running';
END $$;

-- Extends the leases a node holds: arrays of (backend, invoice, fence). Returns the lanes
-- still held (a missing one was lost: its fence moved on, or it expired and was taken).
CREATE FUNCTION rd_renew(p_node text, p_backends text[], p_invoices text[], p_fences bigint[],
                         p_lease_ms bigint)
RETURNS TABLE (backend text, invoice text, fence bigint)
LANGUAGE sql AS $$
  UPDATE rd_lanes x SET lease_until = now() + p_lease_ms * interval '1 millisecond'
    FROM unnest(p_backends, p_invoices, p_fences) AS k(backend, invoice, fence)
   WHERE x.backend = k.backend AND x.invoice = k.invoice AND x.fence = k.fence
     AND x.holder = p_node AND x.lease_until > now()
  RETURNING x.backend, x.invoice, x.fence
$$;

-- A token of the shared GCRA bucket for a request of a job whose lease is held; the lease
-- is extended. Returns (granted, wait_ms): granted; or not granted and how long until a
-- token may be free (NULL: the lease is lost, or the bucket is suspended).
CREATE FUNCTION rd_token(p_bucket text, p_backend text, p_invoice text, p_fence bigint,
                         p_node text, p_lease_ms bigint)
RETURNS TABLE (granted boolean, wait_ms bigint, why text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  b   rd_buckets%ROWTYPE;
  t   timestamptz := clock_timestamp();
  tau interval;
  e   interval;
  nt  timestamptz;
BEGIN
  -- Lock order everywhere: bucket, job, lane.
  SELECT * INTO b FROM rd_buckets WHERE bucket = p_bucket FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT false, NULL::bigint, 'unknown bucket'::text;
    RETURN;
  END IF;
  PERFORM 1 FROM rd_lanes x
   WHERE x.backend = p_backend AND x.invoice = p_invoice AND x.fence = p_fence
     AND x.holder = p_node AND x.lease_until > t
   FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT false, NULL::bigint, 'lease lost'::text;
    RETURN;
  END IF;
  IF b.suspended IS NOT NULL THEN
    RETURN QUERY SELECT false, NULL::bigint, ('suspended: ' || b.suspended)::text;
    RETURN;
  END IF;
  IF b.paused_until > t THEN
    RETURN QUERY SELECT false,
      ceil(extract(epoch FROM b.paused_until - t) * 1000)::bigint, 'paused'::text;
    RETURN;
  END IF;
  -- As the single-node pacer: burst >= 2 keeps one token in reserve (burst 1: 2% wider
  -- apart), so the jitter between this grant and the vendor's arrival cannot empty a
  -- same-sized bucket.
  e := b.emission_us * interval '1 microsecond';
  IF b.burst = 1 THEN
    e := e * 1.02;
  END IF;
  tau := (greatest(b.burst - 1, 1) - 1) * e;
  nt := greatest(b.tat, t);
  IF nt - t > tau THEN
    RETURN QUERY SELECT false,
      greatest(1, ceil(extract(epoch FROM (nt - tau) - t) * 1000))::bigint, 'rate'::text;
    RETURN;
  END IF;
  UPDATE rd_buckets SET tat = nt + e WHERE bucket = p_bucket;
  UPDATE rd_lanes x SET lease_until = t + p_lease_ms * interval '1 millisecond'
   WHERE x.backend = p_backend AND x.invoice = p_invoice AND x.fence = p_fence;
  RETURN QUERY SELECT true, 0::bigint, ''::text;
END $$;

-- Records a job's delivery state while its lease is held (the durable marker before an
-- unsafe write; `p_next_at` keeps a reaped job from being tried before the write's timeout).
CREATE FUNCTION rd_mark(p_job bigint, p_fence bigint, p_node text, p_delivery text,
                        p_next_ms bigint)
RETURNS boolean
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE j rd_jobs%ROWTYPE;
BEGIN
  SELECT * INTO j FROM rd_jobs WHERE job_id = p_job FOR UPDATE;
  IF NOT FOUND THEN RETURN false; END IF;
  PERFORM 1 FROM rd_lanes x
   WHERE x.backend = j.backend AND x.invoice = j.invoice AND x.fence = p_fence
     AND x.holder = p_node AND x.lease_until > clock_timestamp()
   FOR UPDATE;
  IF NOT FOUND THEN RETURN false; END IF;
  UPDATE rd_jobs SET delivery = p_delivery,
         next_at = clock_timestamp() + p_next_ms * interval '1 millisecond'
   WHERE job_id = p_job;
  RETURN true;
END $$;

-- Ends a job's turn: p_state 'done' / 'dead' (finished; its origin moves the file), or
-- 'queued' (again, due in p_next_ms). Only with the lease (fence) still held; the lane is
-- released. Wakes the origin (finished) or every node (the lane has more work).
CREATE FUNCTION rd_finish(p_job bigint, p_fence bigint, p_node text, p_state text,
                          p_delivery text, p_next_ms bigint, p_outcome text)
RETURNS boolean
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE j rd_jobs%ROWTYPE;
BEGIN
  SELECT * INTO j FROM rd_jobs WHERE job_id = p_job FOR UPDATE;
  IF NOT FOUND THEN RETURN false; END IF;
  UPDATE rd_lanes x SET holder = NULL, job_id = NULL, lease_until = NULL
   WHERE x.backend = j.backend AND x.invoice = j.invoice AND x.fence = p_fence
     AND x.holder = p_node;
  IF NOT FOUND THEN RETURN false; END IF;
  IF p_state IN ('done', 'dead') THEN
    UPDATE rd_jobs SET state = p_state, delivery = p_delivery, outcome = p_outcome,
           finished_by = p_node, finished_at = now()
     WHERE job_id = p_job;
    PERFORM pg_notify('reconcilerd', 'finished ' || j.origin);
  ELSE
    UPDATE rd_jobs SET state = 'queued', delivery = p_delivery,
           next_at = clock_timestamp() + p_next_ms * interval '1 millisecond'
     WHERE job_id = p_job;
  END IF;
  PERFORM pg_notify('reconcilerd', 'work ' || j.backend);
  RETURN true;
END $$;

-- Defines a bucket's settings for the cluster from a node's config. A live node (seen within
-- p_live_ms) that defined different settings keeps them: the node is told (disagrees) and
-- uses the cluster's. Returns the settings in force.
CREATE FUNCTION rd_define(p_bucket text, p_backend text, p_emission_us bigint, p_burst integer,
                          p_concurrency integer, p_node text, p_live_ms bigint)
RETURNS TABLE (emission_us bigint, burst integer, concurrency integer, defined_by text,
               disagrees boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE b rd_buckets%ROWTYPE;
BEGIN
  INSERT INTO rd_buckets (bucket, backend, emission_us, burst, concurrency, defined_by)
  VALUES (p_bucket, p_backend, p_emission_us, p_burst, p_concurrency, p_node)
  ON CONFLICT (bucket) DO NOTHING;
  SELECT * INTO b FROM rd_buckets x WHERE x.bucket = p_bucket FOR UPDATE;
  IF (b.emission_us, b.burst, b.concurrency) <> (p_emission_us, p_burst, p_concurrency)
     AND (b.defined_by = p_node OR NOT EXISTS (
           SELECT 1 FROM rd_nodes n WHERE n.node = b.defined_by
              AND n.seen_at > now() - p_live_ms * interval '1 millisecond')) THEN
    UPDATE rd_buckets x SET emission_us = p_emission_us, burst = p_burst,
           concurrency = p_concurrency, defined_by = p_node
     WHERE x.bucket = p_bucket
    RETURNING * INTO b;
  END IF;
  RETURN QUERY SELECT b.emission_us, b.burst, b.concurrency, b.defined_by,
    (b.emission_us, b.burst, b.concurrency) <> (p_emission_us, p_burst, p_concurrency);
END $$;

-- A pause asked by the server (Retry-After, 429) for every node: the later of the two wins.
CREATE FUNCTION rd_pause(p_bucket text, p_ms bigint, p_reason text)
RETURNS void LANGUAGE sql AS $$
  UPDATE rd_buckets SET
    pause_reason = CASE WHEN paused_until IS NULL
                          OR paused_until < clock_timestamp() + p_ms * interval '1 millisecond'
                        THEN p_reason ELSE pause_reason END,
    paused_until = greatest(coalesce(paused_until, '-infinity'),
                            clock_timestamp() + p_ms * interval '1 millisecond')
   WHERE bucket = p_bucket
$$;
-- Jobs in from their origin node, in array order (job_id is the arrival order across the
-- cluster); a file already known is left alone (a filed dead letter of that name is
-- replaced). Wakes the nodes.
CREATE FUNCTION rd_submit(p_node text, p_files text[], p_backends text[], p_invoices text[],
                          p_seqs bigint[], p_bodies text[], p_deliveries text[])
RETURNS integer
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE n integer;
BEGIN
  -- A dead letter sent back to incoming/ comes in again under its name: a new arrival.
  DELETE FROM rd_jobs x WHERE x.origin = p_node AND x.file_name = ANY(p_files)
     AND x.state = 'filed';
  INSERT INTO rd_jobs (origin, file_name, backend, invoice, seq, body, delivery)
  SELECT p_node, u.f, u.b, u.i, u.s, u.y, u.d
    FROM unnest(p_files, p_backends, p_invoices, p_seqs, p_bodies, p_deliveries)
         WITH ORDINALITY AS u(f, b, i, s, y, d, k)
   ORDER BY u.k
  ON CONFLICT (origin, file_name) DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM pg_notify('reconcilerd', 'work ' || x) FROM (SELECT DISTINCT unnest(p_backends)) AS t(x);
  RETURN n;
END $$;
)sql";

}  // namespace

const std::vector<std::string_view>& migrations() {
  static const std::vector<std::string_view> all{v1};
  return all;
}

boost::asio::awaitable<migration_report> migrate(pg_connection& db) {
  // One node at a time; the lock ends with the session if the node dies meanwhile.
  co_await db.query("SELECT pg_advisory_lock(7460275631)");
  migration_report report;
  std::exception_ptr failed;
  bool in_transaction = false;
  try {
    co_await db.execute("CREATE TABLE IF NOT EXISTS rd_schema (version integer NOT NULL)");
    auto r = co_await db.query("SELECT coalesce(max(version), 0) AS v FROM rd_schema");
    report.from = report.to = std::stoi(r.at(0, "v").value_or("0"));
    const int known = static_cast<int>(migrations().size());
    if (report.from > known)
      throw std::runtime_error("the cluster database has schema version " +
                               std::to_string(report.from) + ", newer than this reconcilerd (" +
                               std::to_string(known) + "): upgrade this node");
    for (int v = report.from; v < known; ++v) {
      co_await db.execute("BEGIN");
      in_transaction = true;
      co_await db.execute(std::string(migrations()[static_cast<std::size_t>(v)]));
      co_await db.query("INSERT INTO rd_schema (version) VALUES ($1)", args(std::to_string(v + 1)));
      co_await db.execute("COMMIT");
      in_transaction = false;
      report.to = v + 1;
    }
  } catch (...) {
    failed = std::current_exception();
  }
  if (!db.broken()) {
    if (in_transaction) co_await db.execute("ROLLBACK");
    co_await db.query("SELECT pg_advisory_unlock(7460275631)");
  }
  if (failed) std::rethrow_exception(failed);
  co_return report;
}

}  // namespace reconcilerd::cluster

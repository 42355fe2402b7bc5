import { INSERT_COLUMNS } from './row.js';
import { ATTEMPTS_TABLE as A, JOBS_TABLE as J, TICKS_TABLE as T } from './store.js';

const LIVE = `('pending', 'processing', 'retrying')`;
const RELEASE_LEASE = 'locked_by = NULL, attempt_started_at = NULL, lease_expires_at = NULL';

/**
 * The element of a parameter array that belongs to this row: batches bind parallel arrays
 * (ids in $1) and each row finds its own values by its id's position. This keeps batch
 * statements a single index scan by id, whatever plan a prepared statement ends up with.
 */
const nth = (array: string, id = 'j.id') => `(${array})[array_position($1::bigint[], ${id})]`;

/** The processing jobs matching `where`, locked, with the attempt they are about to end. */
const held = (where: string) => `
      SELECT id, lease_token, locked_by, attempt_started_at FROM ${J}
      WHERE ${where} AND state = 'processing' FOR UPDATE`;

/** Records the attempts of `held` that `moved` ended, with their outcome, time and error. */
const logged = (outcome: string, at: string, error: string) => `logged AS (
      INSERT INTO ${A} (job_id, token, worker_id, started_at, finished_at, outcome, error)
      SELECT held.id, held.lease_token, held.locked_by, held.attempt_started_at, ${at},
        ${outcome}, ${error}
      FROM held JOIN moved ON moved.id = held.id
    )`;

function insertSql(onConflict: string, returning: string): string {
  return `WITH input AS (
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::bigint[],
        $6::int[], $7::text[], $8::int[], $9::text[], $10::text[], $11::bigint[])
        WITH ORDINALITY AS t(queue, name, payload, priority, run_at, max_attempts, backoff,
          timeout_ms, dedupe_key, traceparent, created_at, ord)
    ), ins AS (
      INSERT INTO ${J} (${INSERT_COLUMNS.join(', ')})
      SELECT queue, name, payload::jsonb, 'pending', priority, run_at, max_attempts,
        backoff::jsonb, timeout_ms, dedupe_key, traceparent, created_at, created_at
      FROM input ORDER BY ord ${onConflict}
      RETURNING ${returning}
    ), wake AS (SELECT pg_notify($12, '') AS notified)
    SELECT ins.* FROM ins LEFT JOIN wake ON true ORDER BY ins.id`;
}

/**
 * The PostgreSQL statements of the jobs store. Hot ones run as named prepared statements;
 * each is one round trip, with the attempt record written in the same statement.
 */
export const POSTGRES_SQL = {
  /** Bulk insert from arrays, in input order (ids follow it); $12 is the NOTIFY channel. */
  insert: insertSql('', 'id'),
  /** The same, skipping rows whose dedupe key a live job holds; returns the rows inserted. */
  insertDedupe: insertSql(
    `ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ${LIVE} DO NOTHING`,
    '*',
  ),
  liveByKeys: `SELECT * FROM ${J} WHERE dedupe_key = ANY($1::text[]) AND state IN ${LIVE}`,
  /**
   * Per queue (so the ready index gives the order and the LIMIT stops the scan), the best
   * ready jobs, locked and skipping those other workers hold; then the best of those.
   */
  claim: `WITH picked AS (
      SELECT c.id FROM unnest($1::text[]) AS q(queue)
      CROSS JOIN LATERAL (
        SELECT id, priority, run_at FROM ${J}
        WHERE queue = q.queue AND state IN ('pending', 'retrying') AND run_at <= $3
          AND name = ANY($2::text[])
        ORDER BY priority DESC, run_at, id LIMIT $4 FOR UPDATE SKIP LOCKED
      ) c
      ORDER BY c.priority DESC, c.run_at, c.id LIMIT $4
    )
    UPDATE ${J} j SET state = 'processing', attempts = j.attempts + 1,
      lease_token = j.lease_token + 1, locked_by = $5, attempt_started_at = $3,
      lease_expires_at = $6, updated_at = $3
    WHERE j.id = ANY(ARRAY(SELECT id FROM picked)) AND j.state IN ('pending', 'retrying')
    RETURNING j.*`,
  heartbeat: `UPDATE ${J} SET lease_expires_at = $2 WHERE state = 'processing' AND locked_by = $1
    RETURNING id, lease_token`,
  /** The completing attempt stays on the job row: one row write per completion. */
  /**
   * $1 the ids, $2 a JSON object of id -> [token, result, finished at]: each row finds its
   * own entry by key, so the statement stays one index scan by id whatever the plan.
   */
  complete: `UPDATE ${J} j SET state = 'completed', result = $2::jsonb -> (j.id::text) -> 1,
      lease_expires_at = NULL, updated_at = ($2::jsonb -> (j.id::text) ->> 2)::bigint,
      finished_at = ($2::jsonb -> (j.id::text) ->> 2)::bigint
    WHERE j.id = ANY($1::bigint[]) AND j.state = 'processing'
      AND j.lease_token = ($2::jsonb -> (j.id::text) ->> 0)::bigint
    RETURNING j.id`,
  /** The same fencing, deleting the jobs (and earlier attempts) instead of keeping them. */
  completeRemove: `WITH done AS (
      DELETE FROM ${J} j WHERE j.id = ANY($1::bigint[]) AND j.state = 'processing'
        AND j.lease_token = ($2::jsonb -> (j.id::text) ->> 0)::bigint
      RETURNING j.id
    ), gone AS (DELETE FROM ${A} a WHERE a.job_id = ANY(ARRAY(SELECT id FROM done)))
    SELECT id FROM done`,
  fail: `WITH held AS (${held('id = $1 AND lease_token = $2')}
    ), moved AS (
      UPDATE ${J} j SET state = $3::text, run_at = coalesce($4::bigint, j.run_at),
        last_error = $5, ${RELEASE_LEASE}, updated_at = $6, finished_at = $7::bigint
      WHERE j.id = ANY(ARRAY(SELECT id FROM held)) RETURNING j.id
    ), ${logged("'failed'", '$6', '$8')}
    SELECT count(*)::int AS n FROM moved`,
  release: `WITH held AS (${held(`id = ANY($1::bigint[]) AND lease_token = ${nth('$2::bigint[]', 'id')}`)}
    ), moved AS (
      UPDATE ${J} j SET state = 'pending', attempts = greatest(j.attempts - 1, 0),
        ${RELEASE_LEASE}, updated_at = $3
      WHERE j.id = ANY(ARRAY(SELECT id FROM held)) RETURNING j.id
    ), ${logged("'released'", '$3', 'NULL')}
    SELECT count(*)::int AS n FROM moved`,
  progress: `UPDATE ${J} SET progress = $3, updated_at = $4
    WHERE id = $1 AND lease_token = $2 AND state = 'processing'`,
  /** A lapsed job keeps its run_at, so it goes back to its place in line. */
  reap: `WITH held AS (
      SELECT id, lease_token, locked_by, attempt_started_at, attempts, max_attempts FROM ${J}
      WHERE state = 'processing' AND lease_expires_at <= $1
      ORDER BY lease_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
    ), moved AS (
      UPDATE ${J} j SET
        state = CASE WHEN j.attempts >= j.max_attempts THEN 'dead_letter' ELSE 'retrying' END,
        finished_at = CASE WHEN j.attempts >= j.max_attempts THEN $1::bigint END,
        last_error = $3, ${RELEASE_LEASE}, updated_at = $1
      WHERE j.id = ANY(ARRAY(SELECT id FROM held)) RETURNING j.id
    ), ${logged("'lease_lost'", '$1', '$3')}
    SELECT count(*)::int AS n FROM moved`,
  get: `SELECT * FROM ${J} WHERE id = $1`,
  history: `SELECT token, worker_id, started_at, finished_at, outcome, error FROM ${A}
    WHERE job_id = $1 ORDER BY token`,
  counts: `SELECT queue, state, count(*)::int AS count FROM ${J}
      WHERE state IN ('pending', 'retrying') GROUP BY queue, state
    UNION ALL SELECT queue, state, count(*)::int FROM ${J} WHERE state = 'processing'
      GROUP BY queue, state
    UNION ALL SELECT queue, state, count(*)::int FROM ${J} WHERE state = 'dead_letter'
      GROUP BY queue, state`,
  cancel: `WITH held AS (
      SELECT id, state, lease_token, locked_by, attempt_started_at FROM ${J}
      WHERE id = $1 AND state IN ${LIVE} FOR UPDATE
    ), cancelled AS (
      UPDATE ${J} j SET state = 'cancelled', ${RELEASE_LEASE}, updated_at = $2, finished_at = $2
      WHERE j.id = ANY(ARRAY(SELECT id FROM held)) RETURNING j.*
    ), logged AS (
      INSERT INTO ${A} (job_id, token, worker_id, started_at, finished_at, outcome)
      SELECT id, lease_token, locked_by, attempt_started_at, $2, 'cancelled' FROM held
      WHERE state = 'processing'
    )
    SELECT * FROM cancelled`,
  /** Deletes the jobs whose ids $1 lists, with their attempts. */
  deleteJobs: `WITH doomed AS (
      DELETE FROM ${J} WHERE id = ANY($1::bigint[]) RETURNING id
    ), gone AS (DELETE FROM ${A} a USING doomed WHERE a.job_id = doomed.id)
    SELECT count(*)::int AS n FROM doomed`,
  /** Oldest first by id (finished jobs are not indexed by time, to keep completions cheap). */
  sweep: `SELECT id FROM ${J} WHERE state IN ('completed', 'cancelled') AND finished_at < $1
    ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
  sweepTicks: `DELETE FROM ${T} t WHERE tick_at < $1
    AND tick_at < (SELECT max(l.tick_at) FROM ${T} l WHERE l.schedule = t.schedule)`,
  tick: `INSERT INTO ${T} (schedule, tick_at, created_at) VALUES ($1, $2, $3)
    ON CONFLICT DO NOTHING RETURNING tick_at`,
  tickJob: `UPDATE ${T} SET job_id = $1 WHERE schedule = $2 AND tick_at = $3`,
  lastTick: `SELECT max(tick_at) AS t FROM ${T} WHERE schedule = $1`,
} as const;

import { INSERT_COLUMNS } from './row.js';
import { ATTEMPTS_TABLE as A, JOBS_TABLE as J, TICKS_TABLE as T } from './store.js';

const LIVE = `('pending', 'processing', 'retrying')`;
const RELEASE_LEASE = 'locked_by = NULL, attempt_started_at = NULL, lease_expires_at = NULL';
const HELD = `id = @id AND lease_token = @token AND state = 'processing'`;

/** The SQLite statements of the jobs store, prepared once on first use. */
export const SQLITE_SQL = {
  insert: `INSERT INTO ${J} (${INSERT_COLUMNS.join(', ')})
    VALUES (@queue, @name, @payload, 'pending', @priority, @runAt, @maxAttempts, @backoff,
      @timeoutMs, @dedupeKey, @traceparent, @createdAt, @createdAt)
    ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ${LIVE} DO NOTHING
    RETURNING *`,
  liveByKey: `SELECT * FROM ${J} WHERE dedupe_key = ? AND state IN ${LIVE}`,
  claim: `UPDATE ${J} SET state = 'processing', attempts = attempts + 1,
      lease_token = lease_token + 1, locked_by = @workerId, attempt_started_at = @now,
      lease_expires_at = @expires, updated_at = @now
    WHERE id IN (SELECT id FROM ${J} WHERE state IN ('pending', 'retrying')
      AND queue IN (SELECT value FROM json_each(@queues))
      AND name IN (SELECT value FROM json_each(@names))
      AND run_at <= @now ORDER BY priority DESC, run_at, id LIMIT @limit)
    RETURNING *`,
  /** Whether a claim would find anything: read first, so an idle poll takes no write lock. */
  ready: `SELECT 1 FROM ${J} WHERE state IN ('pending', 'retrying')
      AND queue IN (SELECT value FROM json_each(@queues))
      AND name IN (SELECT value FROM json_each(@names))
      AND run_at <= @now LIMIT 1`,
  /** The processing job a hold names, with the attempt about to end. */
  held: `SELECT id, lease_token, locked_by, attempt_started_at FROM ${J} WHERE ${HELD}`,
  /** Records an attempt that ended without completing the job. */
  logAttempt: `INSERT INTO ${A} (job_id, token, worker_id, started_at, finished_at, outcome, error)
    VALUES (@id, @token, @workerId, @startedAt, @at, @outcome, @error)`,
  heartbeat: `UPDATE ${J} SET lease_expires_at = @expires
    WHERE state = 'processing' AND locked_by = @workerId RETURNING id, lease_token`,
  /** The completing attempt stays on the job row: one row write per completion. */
  complete: `UPDATE ${J} SET state = 'completed', result = @result, lease_expires_at = NULL,
      updated_at = @at, finished_at = @at WHERE ${HELD}`,
  completeRemove: `DELETE FROM ${J} WHERE ${HELD}`,
  deleteJobAttempts: `DELETE FROM ${A} WHERE job_id = ?`,
  fail: `UPDATE ${J} SET state = @state, run_at = coalesce(@runAt, run_at),
      last_error = @lastError, ${RELEASE_LEASE}, updated_at = @at, finished_at = @finishedAt
    WHERE ${HELD}`,
  release: `UPDATE ${J} SET state = 'pending', attempts = max(attempts - 1, 0), ${RELEASE_LEASE},
      updated_at = @at WHERE ${HELD}`,
  progress: `UPDATE ${J} SET progress = @value, updated_at = @at WHERE ${HELD}`,
  lapsed: `SELECT id, lease_token, locked_by, attempt_started_at FROM ${J}
    WHERE state = 'processing' AND lease_expires_at <= ? ORDER BY lease_expires_at LIMIT ?`,
  /** A lapsed job keeps its run_at, so it goes back to its place in line. */
  reap: `UPDATE ${J} SET
      state = CASE WHEN attempts >= max_attempts THEN 'dead_letter' ELSE 'retrying' END,
      finished_at = CASE WHEN attempts >= max_attempts THEN @at END,
      last_error = @error, ${RELEASE_LEASE}, updated_at = @at
    WHERE ${HELD}`,
  get: `SELECT * FROM ${J} WHERE id = ?`,
  history: `SELECT token, worker_id, started_at, finished_at, outcome, error FROM ${A}
    WHERE job_id = ? ORDER BY token`,
  counts: `SELECT queue, state, count(*) AS count FROM ${J}
      WHERE state IN ('pending', 'retrying') GROUP BY queue, state
    UNION ALL SELECT queue, state, count(*) FROM ${J} WHERE state = 'processing'
      GROUP BY queue, state
    UNION ALL SELECT queue, state, count(*) FROM ${J} WHERE state = 'dead_letter'
      GROUP BY queue, state`,
  live: `SELECT id, state, lease_token, locked_by, attempt_started_at FROM ${J}
    WHERE id = ? AND state IN ${LIVE}`,
  cancel: `UPDATE ${J} SET state = 'cancelled', ${RELEASE_LEASE}, updated_at = @now,
      finished_at = @now WHERE id = @id AND state IN ${LIVE} RETURNING *`,
  /** Oldest first by id (finished jobs are not indexed by time, to keep completions cheap). */
  sweep: `SELECT id FROM ${J} WHERE state IN ('completed', 'cancelled') AND finished_at < ?
    ORDER BY id LIMIT ?`,
  deleteJobs: `DELETE FROM ${J} WHERE id IN (SELECT value FROM json_each(?))`,
  deleteAttempts: `DELETE FROM ${A} WHERE job_id IN (SELECT value FROM json_each(?))`,
  sweepTicks: `DELETE FROM ${T} WHERE tick_at < @before
    AND tick_at < (SELECT max(l.tick_at) FROM ${T} l WHERE l.schedule = ${T}.schedule)`,
  tick: `INSERT INTO ${T} (schedule, tick_at, created_at) VALUES (?, ?, ?)
    ON CONFLICT DO NOTHING`,
  tickJob: `UPDATE ${T} SET job_id = ? WHERE schedule = ? AND tick_at = ?`,
  lastTick: `SELECT max(tick_at) AS t FROM ${T} WHERE schedule = ?`,
} as const;

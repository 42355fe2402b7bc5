import type { BackoffOptions } from './backoff.js';
import type { AttemptOutcome, Job, JobAttempt, JobState } from './job.js';

/** A breakwater_jobs row as either driver returns it (pg gives BIGINT as string). */
export interface JobRow {
  id: number | string;
  queue: string;
  name: string;
  payload: unknown;
  state: string;
  priority: number;
  run_at: number | string;
  attempts: number;
  max_attempts: number;
  backoff: unknown;
  timeout_ms: number | null;
  dedupe_key: string | null;
  traceparent: string | null;
  lease_token: number | string;
  locked_by: string | null;
  attempt_started_at: number | string | null;
  lease_expires_at: number | string | null;
  progress: number | null;
  result: unknown;
  last_error: string | null;
  created_at: number | string;
  updated_at: number | string;
  finished_at: number | string | null;
}

export interface AttemptRow {
  token: number | string;
  worker_id: string;
  started_at: number | string;
  finished_at: number | string | null;
  outcome: string;
  error: string | null;
}

/** Reads a JSON column: SQLite stores text, pg has already parsed jsonb. */
export type JsonColumn = (value: unknown) => unknown;
export const parseJsonText: JsonColumn = (value) =>
  typeof value === 'string' ? JSON.parse(value) : (value ?? null);
export const parsedJson: JsonColumn = (value) => value ?? null;

const date = (value: number | string): Date => new Date(Number(value));
const optionalDate = (value: number | string | null): Date | null =>
  value === null ? null : date(value);

export function toJob<Payload = unknown>(row: JobRow, json: JsonColumn): Job<Payload> {
  return {
    id: String(row.id),
    queue: row.queue,
    name: row.name,
    payload: json(row.payload) as Payload,
    state: row.state as JobState,
    priority: Number(row.priority),
    runAt: date(row.run_at),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    backoff: (json(row.backoff) as BackoffOptions | null) ?? null,
    timeoutMs: row.timeout_ms === null ? null : Number(row.timeout_ms),
    dedupeKey: row.dedupe_key,
    traceparent: row.traceparent,
    leaseToken: Number(row.lease_token),
    lockedBy: row.locked_by,
    attemptStartedAt: optionalDate(row.attempt_started_at),
    leaseExpiresAt: optionalDate(row.lease_expires_at),
    progress: row.progress === null ? null : Number(row.progress),
    result: json(row.result),
    lastError: row.last_error,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    finishedAt: optionalDate(row.finished_at),
  };
}

export function toAttempt(row: AttemptRow, index: number): JobAttempt {
  return {
    attempt: index + 1,
    token: Number(row.token),
    workerId: row.worker_id,
    startedAt: date(row.started_at),
    finishedAt: optionalDate(row.finished_at),
    outcome: row.outcome as AttemptOutcome,
    error: row.error,
  };
}

/** A processing job's hold and the attempt it is about to end. */
export interface HeldRow {
  id: number | string;
  lease_token: number | string;
  locked_by: string;
  attempt_started_at: number | string;
}

export const LEASE_LAPSED = 'lease expired: the worker stopped heartbeating (crashed or stalled)';

/**
 * A job's attempt history: the recorded attempts that ended without completing it, then the
 * latest attempt from the job row itself while it runs or once it completed.
 */
export function history(attempts: readonly AttemptRow[], job: JobRow): JobAttempt[] {
  const rows = [...attempts];
  if ((job.state === 'processing' || job.state === 'completed') && job.locked_by !== null) {
    rows.push({
      token: job.lease_token,
      worker_id: job.locked_by,
      started_at: job.attempt_started_at ?? job.updated_at,
      finished_at: job.state === 'completed' ? job.finished_at : null,
      outcome: job.state === 'completed' ? 'completed' : 'running',
      error: null,
    });
  }
  return rows.map(toAttempt);
}

/** Claims come back unordered from UPDATE ... RETURNING: best first, as the spec orders. */
export function byClaimOrder(a: Job, b: Job): number {
  return (
    b.priority - a.priority || a.runAt.getTime() - b.runAt.getTime() || Number(a.id) - Number(b.id)
  );
}

/** The columns an insert writes, in the order both backends bind them. */
export const INSERT_COLUMNS = [
  'queue',
  'name',
  'payload',
  'state',
  'priority',
  'run_at',
  'max_attempts',
  'backoff',
  'timeout_ms',
  'dedupe_key',
  'traceparent',
  'created_at',
  'updated_at',
] as const;

import type { BackoffOptions } from './backoff.js';

/**
 * Where a job is in its life. PENDING -> PROCESSING -> COMPLETED; a failed attempt
 * (PROCESSING -> FAILED, recorded on the attempt) moves the job to RETRYING (waiting for its
 * backoff, then claimed like PENDING) or, after the last attempt, to DEAD_LETTER, in the same
 * transaction; CANCELLED stops it. FAILED is an attempt outcome, never a job at rest.
 */
export const JobState = {
  PENDING: 'pending',
  PROCESSING: 'processing',
  RETRYING: 'retrying',
  COMPLETED: 'completed',
  DEAD_LETTER: 'dead_letter',
  CANCELLED: 'cancelled',
} as const;
export type JobState = (typeof JobState)[keyof typeof JobState];
export const JOB_STATES: readonly JobState[] = Object.values(JobState);

/** States a worker may still claim or is running; a dedupe key is held only in these. */
export const LIVE_STATES: readonly JobState[] = ['pending', 'processing', 'retrying'];
/** States a job never leaves by itself. */
export const FINISHED_STATES: readonly JobState[] = ['completed', 'dead_letter', 'cancelled'];

/** Higher runs first. */
export const Priority = { CRITICAL: 3, HIGH: 2, NORMAL: 1, LOW: 0 } as const;
export type PriorityName = Lowercase<keyof typeof Priority>;

/** How an attempt (one claim of a job by a worker) ended; `running` while it has not. */
export const AttemptOutcome = {
  RUNNING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  /** The worker's lease lapsed (it died or stalled) and the job was taken back. */
  LEASE_LOST: 'lease_lost',
  /** Given back on shutdown; not counted against max attempts. */
  RELEASED: 'released',
  CANCELLED: 'cancelled',
} as const;
export type AttemptOutcome = (typeof AttemptOutcome)[keyof typeof AttemptOutcome];

/** A job as stored. Times are Dates built from the epoch milliseconds in the table. */
export interface Job<Payload = unknown> {
  id: string;
  queue: string;
  name: string;
  payload: Payload;
  state: JobState;
  priority: number;
  runAt: Date;
  /** Attempts counted so far (a release on shutdown gives its attempt back). */
  attempts: number;
  maxAttempts: number;
  backoff: BackoffOptions | null;
  timeoutMs: number | null;
  dedupeKey: string | null;
  /** W3C traceparent of the code that enqueued the job. */
  traceparent: string | null;
  /** Fencing token: incremented by every claim; a worker's writes must still match it. */
  leaseToken: number;
  /** The worker of the running attempt, or of the attempt that completed the job. */
  lockedBy: string | null;
  /** When that attempt started. */
  attemptStartedAt: Date | null;
  leaseExpiresAt: Date | null;
  progress: number | null;
  result: unknown;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** One claim of a job: who ran it, when, and how it ended. */
export interface JobAttempt {
  /** 1-based position in the job's history. */
  attempt: number;
  /** The job's lease token for this claim. */
  token: number;
  workerId: string;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: AttemptOutcome;
  error: string | null;
}

/** A job with its attempt history, as `show` and the DLQ display it. */
export interface JobDetail<Payload = unknown> extends Job<Payload> {
  history: JobAttempt[];
}

/** A job a worker holds: the row as claimed, with its fencing token. */
export type ClaimedJob<Payload = unknown> = Job<Payload>;

export const isLive = (state: JobState): boolean => LIVE_STATES.includes(state);

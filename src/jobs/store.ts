import type { NewJob } from './enqueue-options.js';
import type { Job, JobDetail, JobState } from './job.js';

/** The tables the migrations create (migrations/<dialect>/0005_jobs.sql). */
export const JOBS_TABLE = 'breakwater_jobs';
export const ATTEMPTS_TABLE = 'breakwater_job_attempts';
export const TICKS_TABLE = 'breakwater_job_ticks';

/** A job a caller enqueued: `deduplicated` when a live job with its dedupe key was returned. */
export type EnqueuedJob<Payload = unknown> = Job<Payload> & { deduplicated: boolean };

/** Which jobs an operation applies to; every given field must match. */
export interface JobFilter {
  ids?: readonly string[];
  state?: JobState;
  queue?: string;
  name?: string;
  /** Only jobs finished before this epoch ms (purge). */
  finishedBefore?: number;
  /** Listing: jobs with a smaller id (pagination, newest first). */
  beforeId?: string;
  limit?: number;
}

export interface ClaimRequest {
  workerId: string;
  queues: readonly string[];
  /** Job names the worker has handlers for. */
  names: readonly string[];
  limit: number;
  now: number;
  leaseMs: number;
}

/** A worker's hold on a job: the job id and the fencing token of its claim. */
export interface Hold {
  id: string;
  token: number;
}

export interface Completion extends Hold {
  /** JSON text of the handler's return value. */
  result: string;
  finishedAt: number;
}

export interface Failure extends Hold {
  /** Full error text for the attempt record; `lastError` is its first line. */
  error: string;
  lastError: string;
  finishedAt: number;
  next: { state: 'retrying'; runAt: number } | { state: 'dead_letter' };
}

export interface StateCount {
  queue: string;
  state: JobState;
  count: number;
}

/**
 * The jobs capability's store seam. Every time is epoch ms from the caller's clock, never
 * the database's. Writes by a worker name its hold (id + token) and do nothing once another
 * claim, a reap or a cancel moved the job on: that is the fencing. `Tx` is the caller's
 * transaction handle for enqueue (the better-sqlite3 Database, or a pg client).
 */
export interface JobStore {
  readonly kind: 'sqlite' | 'postgres';
  insert(jobs: readonly NewJob[]): Promise<EnqueuedJob[]>;
  /** Atomically takes up to `limit` ready jobs, best first, leasing them to the worker. */
  claim(request: ClaimRequest): Promise<Job[]>;
  /** Extends the worker's leases; answers the holds it still has. */
  heartbeat(workerId: string, now: number, leaseMs: number): Promise<Hold[]>;
  /**
   * Completes the held jobs; answers the ids accepted (the rest were fenced out). With
   * `remove` the jobs are deleted instead of kept with their result.
   */
  complete(items: readonly Completion[], remove?: boolean): Promise<Set<string>>;
  fail(item: Failure): Promise<boolean>;
  /** Gives held jobs back (pending, attempt not counted); answers how many. */
  release(holds: readonly Hold[], now: number): Promise<number>;
  progress(hold: Hold, value: number, now: number): Promise<boolean>;
  /** Takes back jobs whose lease lapsed: retrying in their place, or dead letter if out of attempts. */
  reap(now: number, limit: number): Promise<number>;
  get(id: string): Promise<JobDetail | undefined>;
  list(filter: JobFilter): Promise<Job[]>;
  /** Counts of pending, processing, retrying and dead-letter jobs per queue. */
  counts(): Promise<StateCount[]>;
  /** Cancels a live job; undefined when no live job has that id. */
  cancel(id: string, now: number): Promise<Job | undefined>;
  /** Makes matching dead-letter, cancelled or retrying jobs pending now; answers how many. */
  redrive(filter: JobFilter, now: number): Promise<number>;
  /** Deletes matching finished jobs with their attempts; answers how many. */
  purge(filter: JobFilter): Promise<number>;
  /** Deletes up to `limit` completed or cancelled jobs finished before `before`. */
  sweep(before: number, limit: number): Promise<number>;
  /** Records a cron tick and enqueues its job in one transaction; undefined if already done. */
  tick(schedule: string, tickAt: number, job: NewJob): Promise<Job | undefined>;
  lastTick(schedule: string): Promise<number | undefined>;
}

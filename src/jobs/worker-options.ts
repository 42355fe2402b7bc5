import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import { DEFAULT_QUEUE } from './enqueue-options.js';
import { type JobHandlers, type JobLogger, SILENT_LOGGER } from './handlers.js';
import { configInvalid } from './problems.js';

export const DEFAULT_CONCURRENCY = 10;
/** A worker that stops heartbeating loses its jobs this long after its last heartbeat. */
export const DEFAULT_LEASE_MS = 5_000;
/** Idle workers look for due jobs this often (SQLite has no cross-process notification). */
export const DEFAULT_SQLITE_POLL_INTERVAL_MS = 250;
/** PostgreSQL workers are woken by NOTIFY; polling only finds delayed and retried jobs. */
export const DEFAULT_POSTGRES_POLL_INTERVAL_MS = 1_000;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** After shutdown aborts running handlers, how long they get to settle before release. */
export const DEFAULT_ABORT_GRACE_MS = 1_000;
export const DEFAULT_PREFETCH = 0;

export interface WorkerOptions {
  /** Handlers by job name; the worker claims only jobs it has a handler for. */
  handlers: JobHandlers;
  /** Queues to serve; default ["default"]. */
  queues?: readonly string[];
  /** Handlers running at once in this process; default 10. */
  concurrency?: number;
  /** Lease per claim, renewed by heartbeats; default 5 s. */
  leaseMs?: number;
  /** Heartbeat period; default leaseMs / 3. */
  heartbeatMs?: number;
  /** How often lapsed leases are looked for; default leaseMs / 4. */
  reapIntervalMs?: number;
  /** Poll period when idle; default 250 ms on SQLite, 1 s on PostgreSQL (plus NOTIFY). */
  pollIntervalMs?: number;
  /** Most jobs taken by one claim statement; default concurrency + prefetch. */
  batchSize?: number;
  /** Jobs claimed ahead of free slots (a local queue, for throughput); default 0. */
  prefetch?: number;
  /** Extra wait to gather completions into one write; default 0 (one write in flight). */
  completionBatchMs?: number;
  /** stop(): how long running handlers may take to finish; default 10 s. */
  shutdownTimeoutMs?: number;
  /** stop(): after aborting, how long handlers get to settle before release; default 1 s. */
  abortGraceMs?: number;
  /** Timeout for jobs that have none of their own or their handler's; default none. */
  timeoutMs?: number;
  /** Unique per process; default `<host>:<pid>:<random>`. */
  workerId?: string;
  /** Listen for NOTIFY on PostgreSQL; default true. */
  listen?: boolean;
  /**
   * PostgreSQL: commit the worker's bookkeeping (heartbeats, completions, failures) without
   * waiting for the WAL flush, on a small pool of its own; default true. A database crash
   * may then lose the last moments of completions, and those jobs run again. Claims and
   * enqueues always commit synchronously.
   */
  asyncCommit?: boolean;
  /**
   * Delete completed jobs at once instead of keeping them (with result and history) for the
   * sweeper's retention; default false. For fire-and-forget jobs at high throughput.
   */
  deleteCompleted?: boolean;
  logger?: JobLogger;
  /** prom-client registry for duration, attempt and failure metrics. */
  registry?: Registry;
  /** Epoch ms; default the queue's clock. */
  now?: () => number;
  random?: () => number;
  /** Aborting it stops the worker as `stop()` does. */
  signal?: AbortSignal;
  /** Errors of the worker's own machinery (claims, heartbeats); default: logged. */
  onError?: (error: unknown, during: string) => void;
}

export interface ResolvedWorkerOptions {
  queues: readonly string[];
  concurrency: number;
  leaseMs: number;
  heartbeatMs: number;
  reapIntervalMs: number;
  pollIntervalMs: number;
  batchSize: number;
  prefetch: number;
  completionBatchMs: number;
  shutdownTimeoutMs: number;
  abortGraceMs: number;
  timeoutMs: number | undefined;
  workerId: string;
  listen: boolean;
  asyncCommit: boolean;
  deleteCompleted: boolean;
  logger: JobLogger;
}

/** Defaults filled in and checked once; a bad value throws BW_CONFIG_INVALID naming it. */
export function resolveWorkerOptions(
  options: WorkerOptions,
  kind: 'sqlite' | 'postgres',
): ResolvedWorkerOptions {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const prefetch = options.prefetch ?? DEFAULT_PREFETCH;
  const resolved: ResolvedWorkerOptions = {
    queues: options.queues ?? [DEFAULT_QUEUE],
    concurrency,
    leaseMs,
    heartbeatMs: options.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 3)),
    reapIntervalMs: options.reapIntervalMs ?? Math.max(1, Math.floor(leaseMs / 4)),
    pollIntervalMs:
      options.pollIntervalMs ??
      (kind === 'sqlite' ? DEFAULT_SQLITE_POLL_INTERVAL_MS : DEFAULT_POSTGRES_POLL_INTERVAL_MS),
    batchSize: options.batchSize ?? concurrency + prefetch,
    prefetch,
    completionBatchMs: options.completionBatchMs ?? 0,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
    abortGraceMs: options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS,
    timeoutMs: options.timeoutMs,
    workerId: options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    listen: options.listen ?? true,
    asyncCommit: options.asyncCommit ?? true,
    deleteCompleted: options.deleteCompleted ?? false,
    logger: options.logger ?? SILENT_LOGGER,
  };
  const positive = ['concurrency', 'leaseMs', 'heartbeatMs', 'reapIntervalMs', 'pollIntervalMs'];
  for (const key of [...positive, 'batchSize'] as const) {
    const value = resolved[key as keyof ResolvedWorkerOptions];
    if (!Number.isInteger(value) || (value as number) < 1) {
      configInvalid('createWorker', `${key} must be a positive integer`);
    }
  }
  for (const key of [
    'prefetch',
    'completionBatchMs',
    'shutdownTimeoutMs',
    'abortGraceMs',
  ] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 0) {
      configInvalid('createWorker', `${key} must be an integer >= 0`);
    }
  }
  if (resolved.heartbeatMs >= leaseMs) {
    configInvalid('createWorker', 'heartbeatMs must be shorter than leaseMs');
  }
  if (
    resolved.timeoutMs !== undefined &&
    !(Number.isInteger(resolved.timeoutMs) && resolved.timeoutMs > 0)
  ) {
    configInvalid('createWorker', 'timeoutMs must be a positive integer');
  }
  if (!Array.isArray(resolved.queues) || resolved.queues.length === 0) {
    configInvalid('createWorker', 'queues must name at least one queue');
  }
  if (resolved.workerId.trim() === '') configInvalid('createWorker', 'workerId must not be empty');
  return resolved;
}

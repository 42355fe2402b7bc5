import { type Sweeper, startBatchedSweeper } from '../store/batched-sweeper.js';
import type { JobQueue } from './queue.js';

/** Completed and cancelled jobs are deleted this long after they finished. */
export const DEFAULT_COMPLETED_RETENTION_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_JOB_SWEEP_INTERVAL_MS = 60_000;
export const DEFAULT_JOB_SWEEP_BATCH_SIZE = 1_000;
/** Batches per sweep at most, so one sweep stays short however large the backlog. */
export const DEFAULT_JOB_SWEEP_MAX_BATCHES = 10;

export interface JobSweeperOptions {
  /** How long completed and cancelled jobs are kept; default 24 h. Dead letters stay. */
  completedRetentionMs?: number;
  intervalMs?: number;
  batchSize?: number;
  maxBatches?: number;
  now?: () => number;
  onError?: (error: unknown) => void;
  /** Aborting it stops the sweeper. */
  signal?: AbortSignal;
}

/** Sweeps now (`sweep()` answers how many jobs were deleted) and stops. */
export type JobSweeper = Sweeper;

/**
 * Deletes finished jobs (completed, cancelled) older than the retention, with their attempt
 * records, every `intervalMs`, in bounded batches; also old cron tick rows (the newest per
 * schedule is kept). Dead letters are kept until purged. The timer is unref'd.
 */
export function startJobSweeper(queue: JobQueue, options: JobSweeperOptions = {}): JobSweeper {
  const retention = options.completedRetentionMs ?? DEFAULT_COMPLETED_RETENTION_MS;
  const batchSize = options.batchSize ?? DEFAULT_JOB_SWEEP_BATCH_SIZE;
  const maxBatches = options.maxBatches ?? DEFAULT_JOB_SWEEP_MAX_BATCHES;
  const intervalMs = options.intervalMs ?? DEFAULT_JOB_SWEEP_INTERVAL_MS;
  const now = options.now ?? queue.now;
  for (const [name, value] of Object.entries({ intervalMs, batchSize, maxBatches })) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(`startJobSweeper: ${name} must be a positive integer`);
    }
  }
  if (!Number.isFinite(retention) || retention < 0) {
    throw new RangeError('startJobSweeper: completedRetentionMs must be >= 0');
  }
  return startBatchedSweeper((limit) => queue.store.sweep(now() - retention, limit), {
    intervalMs,
    batchSize,
    maxBatches,
    signal: options.signal,
    onError: options.onError,
  });
}

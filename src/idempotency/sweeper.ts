import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { type Sweeper, startBatchedSweeper } from '../store/batched-sweeper.js';
import type { IdempotencyStore } from './store.js';

export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
export const DEFAULT_SWEEP_BATCH_SIZE = 500;
/** Batches per tick at most, so one tick stays short however large the backlog. */
export const DEFAULT_SWEEP_MAX_BATCHES = 20;

export interface SweeperOptions {
  /** Time between sweeps; default 60 s. */
  intervalMs?: number;
  /** Records deleted per statement; default 500. */
  batchSize?: number;
  /** Statements per sweep at most; default 20. */
  maxBatches?: number;
  /** Stops the sweeper when aborted. */
  signal?: AbortSignal;
  /** Epoch milliseconds; default Date.now. */
  now?: () => number;
  /** Called with a failed sweep's error (the next tick tries again). */
  onError?: (error: unknown) => void;
}

export type { Sweeper };

/**
 * Deletes expired idempotency records every `intervalMs` in bounded batches. The timer is
 * unref'd so it never keeps the process alive; Redis records expire by key TTL instead.
 */
export function startSweeper(store: IdempotencyStore, options: SweeperOptions = {}): Sweeper {
  const intervalMs = options.intervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  const batchSize = options.batchSize ?? DEFAULT_SWEEP_BATCH_SIZE;
  const maxBatches = options.maxBatches ?? DEFAULT_SWEEP_MAX_BATCHES;
  const now = options.now ?? Date.now;
  for (const [name, value] of Object.entries({ intervalMs, batchSize, maxBatches })) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new BreakwaterError(
        errors.CONFIG_INVALID,
        `idempotency sweeper: ${name} must be a positive integer`,
      );
    }
  }
  return startBatchedSweeper((limit) => store.sweep(now(), limit), {
    intervalMs,
    batchSize,
    maxBatches,
    signal: options.signal,
    onError: options.onError,
  });
}

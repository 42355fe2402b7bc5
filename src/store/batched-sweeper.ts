/** A periodic cleanup that deletes in bounded batches (expired keys, finished jobs, ...). */
export interface Sweeper {
  /** Runs one sweep now: batches until one comes back short or `maxBatches` ran. */
  sweep(): Promise<number>;
  /** Stops the timer; a sweep in progress finishes its current batch. */
  stop(): void;
}

export interface BatchedSweeperOptions {
  intervalMs: number;
  batchSize: number;
  maxBatches: number;
  /** Aborting it stops the sweeper. */
  signal?: AbortSignal | undefined;
  /** Called with a failed sweep's error (the next tick tries again). */
  onError?: ((error: unknown) => void) | undefined;
}

/**
 * Calls `deleteBatch(batchSize)` every `intervalMs` until a batch comes back short or
 * `maxBatches` ran, so one tick stays short however large the backlog. Ticks never overlap;
 * the timer is unref'd so it never keeps the process alive. Options are validated by the
 * capability that owns the sweeper.
 */
export function startBatchedSweeper(
  deleteBatch: (limit: number) => Promise<number>,
  options: BatchedSweeperOptions,
): Sweeper {
  const { intervalMs, batchSize, maxBatches } = options;
  let stopped = false;
  let running = false;

  const sweep = async (): Promise<number> => {
    let total = 0;
    for (let batch = 0; batch < maxBatches && !stopped; batch++) {
      const deleted = await deleteBatch(batchSize);
      total += deleted;
      if (deleted < batchSize) break;
    }
    return total;
  };
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();

  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  return { sweep, stop };
}

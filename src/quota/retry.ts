import { isRetryable } from '../store/retryable.js';

export const DEFAULT_STORE_ATTEMPTS = 8;

/** pg-pool's wait for a free client ran out: the pool is busy, not broken. */
const POOL_BUSY = /timeout exceeded when trying to connect/i;

function worthRetrying(error: unknown): boolean {
  return isRetryable(error) || (error instanceof Error && POOL_BUSY.test(error.message));
}

/**
 * Runs one atomic store step again when it failed for a retryable reason (a lock or
 * serialization conflict, SQLITE_BUSY, a dropped connection, a pool with no free client),
 * with a short jittered backoff. The caller's deadline bounds the whole.
 */
export async function withRetry<T>(
  step: () => T | Promise<T>,
  signal?: AbortSignal,
  attempts = DEFAULT_STORE_ATTEMPTS,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (attempt >= attempts || !worthRetrying(error) || signal?.aborted) throw error;
      const delay = Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

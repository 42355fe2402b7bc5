import { setTimeout as sleep } from 'node:timers/promises';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { SessionOptions } from './session.js';

export const LOCK_POLL_INTERVAL_MS = 50;

/**
 * Tries to take a run's lock until it succeeds or `lockTimeoutMs` passes, polling so the wait
 * stays abortable and the event loop free. Reports `lock-wait` once when the lock is taken by
 * someone else and `lock-acquired` when it is ours; throws BW_MIGRATE_LOCK_TIMEOUT naming
 * `what` when the time runs out.
 */
export async function waitForLock(
  tryOnce: () => Promise<boolean>,
  what: string,
  options: Pick<SessionOptions, 'table' | 'lockTimeoutMs' | 'signal' | 'onProgress'>,
): Promise<void> {
  const { table, lockTimeoutMs: timeoutMs, signal } = options;
  const started = performance.now();
  let waiting = false;
  for (;;) {
    signal?.throwIfAborted();
    if (await tryOnce()) {
      const waitedMs = waiting ? Math.round(performance.now() - started) : 0;
      options.onProgress({ type: 'lock-acquired', table, waitedMs });
      return;
    }
    const waited = performance.now() - started;
    if (waited >= timeoutMs) {
      throw new BreakwaterError(
        errors.MIGRATE_LOCK_TIMEOUT,
        `another migration run holds the lock on ${what}; gave up after ${timeoutMs} ms (raise the lock timeout or try again when it is done)`,
      );
    }
    if (!waiting) {
      waiting = true;
      options.onProgress({ type: 'lock-wait', table, timeoutMs });
    }
    const pause = Math.min(LOCK_POLL_INTERVAL_MS, Math.max(1, timeoutMs - waited));
    try {
      await sleep(pause, undefined, signal ? { signal } : {});
    } catch (error) {
      signal?.throwIfAborted(); // the caller's reason, not a generic AbortError
      throw error;
    }
  }
}

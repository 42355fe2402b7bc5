/** An opaque timer handle from `Clock.setTimeout`. */
export type TimerHandle = unknown;

/**
 * Where the policies read time and schedule timers. The default reads the globals at call
 * time, so `vi.useFakeTimers()` moves it; tests may also pass their own.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Date.now and the global timers. Timers stay ref'd: a caller awaiting a backoff or a
 * deadline keeps the process alive; background loops unref their own timers.
 */
export const DEFAULT_CLOCK: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number): TimerHandle => setTimeout(fn, ms),
  clearTimeout: (handle: TimerHandle) => clearTimeout(handle as NodeJS.Timeout),
});

/**
 * Resolves after `ms` on `clock`; rejects with the signal's reason as soon as it aborts, and
 * then clears the timer.
 */
export function sleep(ms: number, signal: AbortSignal, clock: Clock = DEFAULT_CLOCK) {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

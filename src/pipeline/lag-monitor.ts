/** How often the drift sampler wakes up. */
export const DEFAULT_LAG_SAMPLE_INTERVAL_MS = 200;

/** Event-loop lag, measured as the drift of an unref'd interval timer. */
export interface LagMonitor {
  /** The latest lag in ms; includes how overdue the next sample already is. */
  lagMs(): number;
  stop(): void;
}

/**
 * Starts a timer-drift sampler: each tick records how late it fired. The timer is unref'd,
 * so it never keeps the process alive. `now` is the clock in ms.
 */
export function startLagMonitor(
  options: { intervalMs?: number; now?: () => number } = {},
): LagMonitor {
  const intervalMs = options.intervalMs ?? DEFAULT_LAG_SAMPLE_INTERVAL_MS;
  const now = options.now ?? (() => performance.now());
  let expected = now() + intervalMs;
  let last = 0;
  let stopped = false;
  const timer = setInterval(() => {
    const at = now();
    last = Math.max(0, at - expected);
    expected = at + intervalMs;
  }, intervalMs);
  timer.unref();
  return {
    lagMs: () => (stopped ? last : Math.max(last, now() - expected)),
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}

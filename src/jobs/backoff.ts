/**
 * How long a failed job waits before its next attempt. Stored with the job, so it survives
 * restarts; a handler registration may instead give a function (`BackoffFunction`).
 */
export type BackoffOptions =
  | {
      type: 'exponential';
      /** Delay after the first failure; default 1 s. */
      baseMs?: number;
      /** Growth per further failure; default 2. */
      factor?: number;
      /** Upper bound of a delay; default 1 h. */
      maxMs?: number;
      /** Fraction of the delay taken off at random (0 none, 1 "full jitter"); default 0.5. */
      jitter?: number;
    }
  | { type: 'fixed'; delayMs: number };

/** A custom delay for the `attempt`-th failure (1-based), given the error it threw. */
export type BackoffFunction = (attempt: number, error: unknown) => number;

export const DEFAULT_BACKOFF_BASE_MS = 1_000;
export const DEFAULT_BACKOFF_FACTOR = 2;
export const DEFAULT_BACKOFF_MAX_MS = 60 * 60 * 1000;
export const DEFAULT_BACKOFF_JITTER = 0.5;
export const DEFAULT_BACKOFF: BackoffOptions = { type: 'exponential' };

/**
 * The delay before the next attempt after `attempt` failures: exponential
 * `min(max, base * factor^(attempt-1))` with jitter taking off up to `jitter` of it, or a
 * fixed delay. `random` is injectable so tests are deterministic.
 */
export function backoffDelay(
  options: BackoffOptions,
  attempt: number,
  random: () => number = Math.random,
): number {
  if (options.type === 'fixed') return options.delayMs;
  const base = options.baseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const factor = options.factor ?? DEFAULT_BACKOFF_FACTOR;
  const max = options.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
  const jitter = options.jitter ?? DEFAULT_BACKOFF_JITTER;
  const raw = Math.min(max, base * factor ** Math.max(0, attempt - 1));
  return Math.round(raw * (1 - jitter * random()));
}

/** A problem with backoff options, or undefined when they are valid. */
export function backoffProblem(options: unknown): string | undefined {
  if (typeof options !== 'object' || options === null) return 'backoff must be an object';
  const o = options as Record<string, unknown>;
  const nonNegative = (key: string) =>
    o[key] === undefined || (typeof o[key] === 'number' && Number.isFinite(o[key]) && o[key] >= 0)
      ? undefined
      : `backoff.${key} must be a number >= 0`;
  if (o.type === 'fixed') {
    return typeof o.delayMs === 'number' ? nonNegative('delayMs') : 'backoff.delayMs is required';
  }
  if (o.type !== 'exponential') return 'backoff.type must be "exponential" or "fixed"';
  const jitter = o.jitter;
  if (jitter !== undefined && (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1))) {
    return 'backoff.jitter must be between 0 and 1';
  }
  if (o.factor !== undefined && !(typeof o.factor === 'number' && o.factor >= 1)) {
    return 'backoff.factor must be >= 1';
  }
  return nonNegative('baseMs') ?? nonNegative('maxMs');
}

/**
 * Decorrelated jitter (the AWS Architecture Blog variant): the next delay is random between
 * `baseMs` and three times the previous one, capped at `capMs`. Spreads retries of many
 * clients apart while still growing roughly exponentially.
 */
export function decorrelatedJitter(
  previousMs: number,
  baseMs: number,
  capMs: number,
  random: () => number,
): number {
  const upper = Math.max(baseMs, previousMs * 3);
  return Math.min(capMs, baseMs + random() * (upper - baseMs));
}

/** `baseMs * multiplier^(attempt-1)`, capped at `capMs`; attempt counts from 1. */
export function exponentialDelay(
  attempt: number,
  baseMs: number,
  multiplier: number,
  capMs: number,
): number {
  return Math.min(capMs, baseMs * multiplier ** Math.max(0, attempt - 1));
}

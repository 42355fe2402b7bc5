import { ALGORITHM, type Quota } from './definition.js';

/**
 * The state every quota keeps per key, and the pure rules that move it. The Redis script
 * (redis-scripts.ts) implements the same rules in Lua; the contract suite holds both to them.
 *
 * - calendar: `start` = window start, `used` = units counted in it;
 * - sliding (two-bucket weighted approximation): `start` = current bucket start (aligned to
 *   the window length), `used` = its count, `prev` = the previous bucket's count; usage is
 *   `prev * (1 - elapsed / window) + used`;
 * - token bucket: `used` = the bucket's fill level, draining at `limit / window` per ms
 *   since `start`; a request fits while `level + weight <= capacity` (the burst);
 * - gauge: `used` = the current value; concurrency: `used` = live leases.
 */
export interface CounterState {
  start: number;
  used: number;
  prev: number;
}

export const EMPTY_STATE: Readonly<CounterState> = Object.freeze({ start: 0, used: 0, prev: 0 });

/** The largest `used` a request may reach: the burst for a token bucket, else the limit. */
export function capacityOf(quota: Quota, limit: number): number {
  return quota.code === ALGORITHM.tokenBucket ? (quota.burst ?? limit) : limit;
}

/** The state as of `now`: a new calendar window or bucket starts empty, a bucket drains. */
export function roll(
  quota: Quota,
  state: CounterState,
  limit: number,
  now: number,
  windowStart: number,
): CounterState {
  // the calendar case first and apart: small enough to inline into every store's step
  if (quota.code === ALGORITHM.calendar) {
    return state.start < windowStart ? { start: windowStart, used: 0, prev: 0 } : state;
  }
  return rollRolling(quota, state, limit, now);
}

/** `roll` for the other kinds: a sliding window's buckets, a token bucket's drain. */
function rollRolling(quota: Quota, state: CounterState, limit: number, now: number): CounterState {
  switch (quota.code) {
    case ALGORITHM.sliding: {
      const w = quota.windowMs;
      const bucket = now - (now % w);
      if (state.start === bucket - w) return { start: bucket, used: 0, prev: state.used };
      if (state.start < bucket - w) return { start: bucket, used: 0, prev: 0 };
      return state;
    }
    case ALGORITHM.tokenBucket: {
      const elapsed = now - state.start;
      if (elapsed <= 0) return state;
      const level = Math.max(0, state.used - (elapsed * limit) / quota.windowMs);
      return { start: now, used: level, prev: 0 };
    }
    default:
      return state;
  }
}

/** Usage counted against the limit now (a rolled state). */
export function usageOf(quota: Quota, state: CounterState, now: number): number {
  return quota.code === ALGORITHM.sliding ? slidingUsage(quota, state, now) : state.used;
}

/** A sliding window's usage: the previous bucket weighted by how much of it still overlaps. */
function slidingUsage(quota: Quota, state: CounterState, now: number): number {
  const fraction = Math.min(1, Math.max(0, (now - state.start) / quota.windowMs));
  return state.prev * (1 - fraction) + state.used;
}

/** Whole units still available at `used` against `capacity` (never negative). */
export const remainingFrom = (capacity: number, used: number): number =>
  Math.max(0, Math.floor(capacity - used + 1e-9));

/** Units still available now (never negative, whole units). */
export function remainingOf(quota: Quota, state: CounterState, limit: number, now: number): number {
  return remainingFrom(capacityOf(quota, limit), usageOf(quota, state, now));
}

/**
 * When the counted usage is fully given back: the calendar window's end, the moment the
 * sliding buckets have both expired, a full bucket. Undefined for gauges and concurrency.
 */
export function resetAt(
  quota: Quota,
  state: CounterState,
  limit: number,
  now: number,
  windowEnd: number,
): number | undefined {
  return quota.code === ALGORITHM.calendar ? windowEnd : rollingResetAt(quota, state, limit, now);
}

/** `resetAt` for the other kinds. */
function rollingResetAt(
  quota: Quota,
  state: CounterState,
  limit: number,
  now: number,
): number | undefined {
  switch (quota.code) {
    case ALGORITHM.sliding:
      if (state.used > 0) return state.start + 2 * quota.windowMs;
      return state.prev > 0 ? state.start + quota.windowMs : now;
    case ALGORITHM.tokenBucket:
      return limit > 0 ? now + (state.used * quota.windowMs) / limit : undefined;
    default:
      return undefined;
  }
}

/**
 * The earliest moment a request of `weight` would fit (a rolled, refusing state), for
 * Retry-After. Calendar: the next window. Undefined when it never will (weight above the
 * limit of a gauge or concurrency quota, or a limit of 0 on a bucket).
 */
export function retryAt(
  quota: Quota,
  state: CounterState,
  limit: number,
  weight: number,
  now: number,
  windowEnd: number,
): number | undefined {
  const room = capacityOf(quota, limit) - weight;
  switch (quota.code) {
    case ALGORITHM.calendar:
      return windowEnd;
    case ALGORITHM.sliding: {
      const w = quota.windowMs;
      if (room < 0) return undefined;
      if (state.used > room) {
        // wait into the next bucket until the current count has decayed enough
        return Math.ceil(state.start + w + w * (1 - room / state.used));
      }
      if (state.prev <= 0) return now;
      return Math.max(now, Math.ceil(state.start + w * (1 - (room - state.used) / state.prev)));
    }
    case ALGORITHM.tokenBucket:
      if (room < 0 || limit <= 0) return undefined;
      return now + Math.max(0, Math.ceil(((state.used - room) * quota.windowMs) / limit));
    default:
      return undefined;
  }
}

/** True when usage `used` (usageOf, now) leaves room for `weight` more (hard enforcement's test). */
export const fits = (quota: Quota, used: number, limit: number, weight: number): boolean =>
  used + weight <= capacityOf(quota, limit) + 1e-9;

/** The state after a refund of `weight` consumed while the window began at `consumedStart`. */
export function refunded(
  quota: Quota,
  state: CounterState,
  weight: number,
  consumedStart: number,
): CounterState {
  switch (quota.code) {
    case ALGORITHM.calendar:
      return state.start === consumedStart
        ? { ...state, used: Math.max(0, state.used - weight) }
        : state;
    case ALGORITHM.sliding:
      if (state.start === consumedStart)
        return { ...state, used: Math.max(0, state.used - weight) };
      if (state.start === consumedStart + quota.windowMs) {
        return { ...state, prev: Math.max(0, state.prev - weight) };
      }
      return state;
    default:
      return { ...state, used: Math.max(0, state.used - weight) };
  }
}

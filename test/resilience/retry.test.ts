import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BreakwaterError, errors } from '../../src/errors/index.js';
import {
  brokenCircuitError,
  decorrelatedJitter,
  isRetryExhaustedError,
  parseRetryAfter,
  type RetryEvent,
  type RetryOptions,
  retry,
  retryAfterOf,
} from '../../src/resilience/index.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A function failing `failures` times with `error()`, then answering "done". */
function flaky(failures: number, error: () => unknown = () => new Error('flaky')) {
  const calls: number[] = [];
  const fn = vi.fn(async () => {
    calls.push(Date.now());
    if (calls.length <= failures) throw error();
    return 'done';
  });
  return { fn, calls };
}

function policy(options: RetryOptions = {}) {
  const events: RetryEvent[] = [];
  const p = retry({ random: () => 0.5, onRetry: (e) => events.push(e), ...options });
  return { p, events };
}

/** Runs the call to completion under fake timers; answers value or error. */
async function settle<T>(pending: Promise<T>): Promise<T | unknown> {
  const outcome = pending.catch((e: unknown) => e);
  await vi.runAllTimersAsync();
  return outcome;
}

describe('retry', () => {
  it('retries with decorrelated-jitter backoff until it succeeds', async () => {
    const { fn, calls } = flaky(3);
    const { p, events } = policy({ maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 10_000 });
    expect(await settle(p.execute(fn))).toBe('done');
    expect(fn).toHaveBeenCalledTimes(4);
    // random 0.5: base, then base + 0.5 * (3 * previous - base)
    expect(events.map((e) => e.delayMs)).toEqual([100, 200, 350]);
    expect(calls.slice(1).map((t, i) => t - (calls[i] as number))).toEqual([100, 200, 350]);
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(p.retries).toBe(3);
  });

  it('keeps the backoff within [base, cap] and growing at most threefold', () => {
    let previous = 0;
    for (let i = 0; i < 1_000; i++) {
      const next = decorrelatedJitter(previous, 50, 2_000, Math.random);
      expect(next).toBeGreaterThanOrEqual(50);
      expect(next).toBeLessThanOrEqual(Math.min(2_000, Math.max(50, previous * 3)));
      previous = next;
    }
  });

  it('gives up after maxAttempts with BW_RETRY_EXHAUSTED, the last error as cause', async () => {
    let n = 0;
    const { p } = policy({ maxAttempts: 3 });
    const error = await settle(
      p.execute(async () => {
        throw new Error(`failure ${++n}`);
      }),
    );
    expect(isRetryExhaustedError(error)).toBe(true);
    expect(error).toMatchObject({ status: 503, extensions: { attempts: 3 } });
    expect((error as Error).cause).toMatchObject({ message: 'failure 3' });
    expect(p.exhausted).toBe(1);
  });

  it('starts no attempt past maxTotalTimeMs', async () => {
    const { fn } = flaky(10);
    const { p } = policy({ maxAttempts: 10, initialDelayMs: 1_000, maxTotalTimeMs: 2_500 });
    const error = await settle(p.execute(fn));
    expect(isRetryExhaustedError(error)).toBe(true);
    // attempts at t=0 and t=1000; the next delay (2000) would start one at 3000 > 2500
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('passes non-retryable errors through at once: 4xx, an open breaker', async () => {
    const { p } = policy();
    const notFound = Object.assign(new Error('not found'), { status: 404 });
    const { fn } = flaky(5, () => notFound);
    expect(await settle(p.execute(fn))).toBe(notFound);
    expect(fn).toHaveBeenCalledTimes(1);
    const open = brokenCircuitError('x', 'OPEN', 1_000);
    const breakerFn = flaky(5, () => open);
    expect(await settle(p.execute(breakerFn.fn))).toBe(open);
    expect(breakerFn.fn).toHaveBeenCalledTimes(1);
  });

  it('retries failed results when told to, disposing each, and returns the last one', async () => {
    const disposed: number[] = [];
    const { p } = policy({
      maxAttempts: 3,
      retryOn: { error: () => true, result: (r) => (r as { status: number }).status >= 500 },
      dispose: (r) => disposed.push((r as { status: number }).status),
      honorRetryAfter: false,
    });
    let status = 500;
    const result = await settle(p.execute(async () => ({ status: status++ })));
    expect(result).toEqual({ status: 502 });
    expect(disposed).toEqual([500, 501]);
  });

  it('honours Retry-After in seconds on a 503 error', async () => {
    const unavailable = () =>
      new BreakwaterError(errors.STORE_UNAVAILABLE, 'busy', { headers: { 'Retry-After': '5' } });
    const { fn, calls } = flaky(1, unavailable);
    const { p, events } = policy({ initialDelayMs: 100 });
    const pending = p.execute(fn);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toBe('done');
    expect(events[0]?.delayMs).toBe(5_000);
    expect((calls[1] as number) - (calls[0] as number)).toBe(5_000);
  });

  it('honours Retry-After as an HTTP-date on a 429 response', async () => {
    const at = new Date(Date.now() + 7_000).toUTCString();
    let n = 0;
    const { p, events } = policy({
      retryOn: { error: () => true, result: (r) => (r as { status: number }).status === 429 },
    });
    const result = await settle(
      p.execute(async () =>
        ++n === 1 ? { status: 429, headers: new Headers({ 'retry-after': at }) } : { status: 200 },
      ),
    );
    expect(result).toEqual({ status: 200 });
    // HTTP-dates have whole seconds: the wait is between 6 and 7 s
    expect(events[0]?.delayMs).toBeGreaterThan(6_000);
    expect(events[0]?.delayMs).toBeLessThanOrEqual(7_000);
  });

  it('gives up rather than wait past maxTotalTimeMs for a Retry-After', async () => {
    const tooLong = () =>
      Object.assign(new Error('later'), { status: 503, headers: { 'retry-after': '60' } });
    const { fn } = flaky(1, tooLong);
    const { p } = policy({ maxTotalTimeMs: 30_000 });
    const error = await settle(p.execute(fn));
    expect(isRetryExhaustedError(error)).toBe(true);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('stops at once when the caller aborts during the backoff', async () => {
    const { fn } = flaky(5);
    const { p } = policy({ initialDelayMs: 10_000 });
    const controller = new AbortController();
    const pending = p.execute(fn, controller.signal).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1);
    controller.abort(new Error('caller gave up'));
    expect(await pending).toMatchObject({ message: 'caller gave up' });
    expect(vi.getTimerCount()).toBe(0);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('validates its options', () => {
    expect(() => retry({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => retry({ initialDelayMs: 500, maxDelayMs: 100 })).toThrow(/maxDelayMs/);
  });
});

describe('Retry-After parsing', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delay-seconds and HTTP-dates, ignores garbage', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('only from 429 and 503, on a response, an error or an error.response', () => {
    const headers = { 'Retry-After': '3' };
    expect(retryAfterOf({ status: 503, headers }, now)).toBe(3_000);
    expect(retryAfterOf({ statusCode: 429, headers }, now)).toBe(3_000);
    expect(retryAfterOf({ status: 500, headers }, now)).toBeUndefined();
    expect(retryAfterOf({ response: { status: 429, headers: new Headers(headers) } }, now)).toBe(
      3_000,
    );
    expect(retryAfterOf(new Error('x'), now)).toBeUndefined();
  });
});

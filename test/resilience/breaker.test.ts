import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isBreakwaterError } from '../../src/errors/index.js';
import {
  type BreakerTransition,
  CircuitBreaker,
  type CircuitBreakerOptions,
  HTTP_CLASSIFIER,
  isBrokenCircuitError,
  isTimeoutError,
} from '../../src/resilience/index.js';

const ok = async () => 'ok';
const boom = async (): Promise<string> => {
  throw new Error('boom');
};
/** Resolves after `ms` of (fake) time. */
const slow =
  (ms: number, value = 'slow') =>
  () =>
    new Promise<string>((resolve) => setTimeout(() => resolve(value), ms));

function make(options: Partial<CircuitBreakerOptions> = {}) {
  const breaker = new CircuitBreaker({ name: 'upstream', ...options });
  const events: BreakerTransition[] = [];
  breaker.onStateChange((event) => events.push(event));
  const moves = () => events.map((e) => `${e.from}>${e.to}:${e.reason}`);
  return { breaker, events, moves };
}

async function fail(breaker: CircuitBreaker, times: number) {
  for (let i = 0; i < times; i++) await expect(breaker.execute(boom)).rejects.toThrow('boom');
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('circuit breaker: consecutive failures', () => {
  it('opens after N failures in a row; a success in between starts the count again', async () => {
    const { breaker, moves } = make({ consecutiveFailures: 3, openDurationMs: 10_000 });
    await fail(breaker, 2);
    await breaker.execute(ok);
    await fail(breaker, 2);
    expect(breaker.state).toBe('CLOSED');
    await fail(breaker, 1);
    expect(breaker.state).toBe('OPEN');
    expect(moves()).toEqual(['CLOSED>OPEN:consecutive-failures']);
    expect(breaker.stats).toMatchObject({ successes: 1, failures: 5, rejections: 0 });
  });

  it('rejects while OPEN with a branded BrokenCircuitError carrying Retry-After, without calling fn', async () => {
    const { breaker } = make({ consecutiveFailures: 1, openDurationMs: 10_000 });
    await fail(breaker, 1);
    vi.advanceTimersByTime(2_500);
    const fn = vi.fn(ok);
    const error = await breaker.execute(fn).catch((e: unknown) => e);
    expect(fn).not.toHaveBeenCalled();
    expect(isBrokenCircuitError(error)).toBe(true);
    expect(isBreakwaterError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'BW_BREAKER_OPEN',
      status: 503,
      headers: { 'retry-after': '8' },
      extensions: { breaker: 'upstream', state: 'OPEN' },
    });
    expect(breaker.stats.rejections).toBe(1);
    expect(breaker.retryAfterMs()).toBe(7_500);
  });

  it('runs the fallback instead of throwing when the breaker rejects', async () => {
    const breaker = new CircuitBreaker({
      name: 'with-fallback',
      consecutiveFailures: 1,
      fallback: (error) => `fallback after ${error.code}`,
    });
    await expect(breaker.execute(boom)).rejects.toThrow('boom');
    await expect(breaker.execute(ok)).resolves.toBe('fallback after BW_BREAKER_OPEN');
  });

  it('uses the preset defaults: 5 failures, 30 s', () => {
    const breaker = new CircuitBreaker({ name: 'defaults' });
    expect(breaker.options).toMatchObject({
      consecutiveFailures: 5,
      openDurationMs: 30_000,
      successThreshold: 3,
      halfOpenMaxCalls: 1,
      window: undefined,
    });
  });
});

describe('circuit breaker: half-open', () => {
  it('admits one probe at a time and closes after 3 successes', async () => {
    const { breaker, moves } = make({ consecutiveFailures: 1, openDurationMs: 1_000 });
    await fail(breaker, 1);
    await expect(breaker.execute(ok)).rejects.toSatisfy(isBrokenCircuitError);
    vi.advanceTimersByTime(1_000);

    const probe = breaker.execute(slow(50, 'probe-1'));
    expect(breaker.state).toBe('HALF_OPEN');
    const second = await breaker.execute(ok).catch((e: unknown) => e);
    expect(isBrokenCircuitError(second)).toBe(true);
    expect((second as { extensions: unknown }).extensions).toMatchObject({ state: 'HALF_OPEN' });
    await vi.advanceTimersByTimeAsync(50);
    await expect(probe).resolves.toBe('probe-1');
    expect(breaker.state).toBe('HALF_OPEN');
    await breaker.execute(ok);
    expect(breaker.state).toBe('HALF_OPEN');
    await breaker.execute(ok);
    expect(breaker.state).toBe('CLOSED');
    expect(moves()).toEqual([
      'CLOSED>OPEN:consecutive-failures',
      'OPEN>HALF_OPEN:open-elapsed',
      'HALF_OPEN>CLOSED:probes-succeeded',
    ]);
  });

  it('admits halfOpenMaxCalls probes at once', async () => {
    const { breaker } = make({ consecutiveFailures: 1, openDurationMs: 100, halfOpenMaxCalls: 2 });
    await fail(breaker, 1);
    vi.advanceTimersByTime(100);
    const probes = [breaker.execute(slow(10)), breaker.execute(slow(10))];
    await expect(breaker.execute(ok)).rejects.toSatisfy(isBrokenCircuitError);
    await vi.advanceTimersByTimeAsync(10);
    await Promise.all(probes);
    expect(breaker.state).toBe('HALF_OPEN');
  });

  it('reopens on a failed probe, the open duration growing with backoff up to its cap', async () => {
    const { breaker, events } = make({
      consecutiveFailures: 1,
      openDurationMs: 1_000,
      openBackoff: { multiplier: 2, maxDurationMs: 3_000 },
    });
    const durations: number[] = [];
    breaker.onStateChange((e) => {
      if (e.to === 'OPEN') durations.push((e.openUntil ?? 0) - e.at);
    });
    await fail(breaker, 1);
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(durations.at(-1) ?? 0);
      await fail(breaker, 1);
    }
    expect(durations).toEqual([1_000, 2_000, 3_000, 3_000]);
    expect(events.filter((e) => e.reason === 'probe-failed')).toHaveLength(3);

    // after a close, the duration starts from the base again
    vi.advanceTimersByTime(3_000);
    for (let i = 0; i < 3; i++) await breaker.execute(ok);
    expect(breaker.state).toBe('CLOSED');
    await fail(breaker, 1);
    expect(durations.at(-1)).toBe(1_000);
  });

  it('times out a hanging probe, aborts its signal and reopens, so HALF_OPEN never wedges', async () => {
    const { breaker, moves } = make({
      consecutiveFailures: 1,
      openDurationMs: 1_000,
      probeTimeoutMs: 5_000,
    });
    await fail(breaker, 1);
    vi.advanceTimersByTime(1_000);
    let probeSignal: AbortSignal | undefined;
    const hanging = breaker.execute((signal) => {
      probeSignal = signal;
      return new Promise<string>(() => {}); // never settles, ignores its signal
    });
    const outcome = hanging.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5_000);
    const error = await outcome;
    expect(isTimeoutError(error)).toBe(true);
    expect(probeSignal?.aborted).toBe(true);
    expect(probeSignal?.reason).toBe(error);
    expect(breaker.state).toBe('OPEN');
    vi.advanceTimersByTime(1_000);
    await breaker.execute(ok);
    expect(breaker.state).toBe('HALF_OPEN');
    expect(moves()).toEqual([
      'CLOSED>OPEN:consecutive-failures',
      'OPEN>HALF_OPEN:open-elapsed',
      'HALF_OPEN>OPEN:probe-timeout',
      'OPEN>HALF_OPEN:open-elapsed',
    ]);
  });

  it('ignores results of calls admitted before a transition', async () => {
    const { breaker } = make({ consecutiveFailures: 2, openDurationMs: 100 });
    const late = breaker
      .execute(async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        throw new Error('late failure');
      })
      .catch((e: unknown) => e);
    await fail(breaker, 2);
    vi.advanceTimersByTime(100);
    const probe = breaker.execute(slow(2_000));
    expect(breaker.state).toBe('HALF_OPEN');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await late).toMatchObject({ message: 'late failure' });
    expect(breaker.state).toBe('HALF_OPEN');
    await vi.advanceTimersByTimeAsync(1_000);
    await probe;
    expect(breaker.state).toBe('HALF_OPEN');
  });
});

describe('circuit breaker: sliding windows', () => {
  it('count window: opens at the failure rate once minimumCalls are in, forgetting old calls', async () => {
    const { breaker, moves } = make({
      window: { kind: 'count', size: 10 },
      failureRateThreshold: 0.5,
      minimumCalls: 6,
    });
    expect(breaker.options.consecutiveFailures).toBeUndefined();
    await fail(breaker, 4);
    expect(breaker.state).toBe('CLOSED'); // 4 calls < minimumCalls
    for (let i = 0; i < 10; i++) await breaker.execute(ok); // the failures slide out
    await fail(breaker, 4);
    expect(breaker.state).toBe('CLOSED'); // 4 of the last 10
    await fail(breaker, 1);
    expect(breaker.state).toBe('OPEN'); // 5 of the last 10
    expect(moves()).toEqual(['CLOSED>OPEN:failure-rate']);
  });

  it('time window: failures older than the window no longer count', async () => {
    const { breaker } = make({
      window: { kind: 'time', durationMs: 10_000, buckets: 10 },
      failureRateThreshold: 0.5,
      minimumCalls: 4,
    });
    await fail(breaker, 3);
    vi.advanceTimersByTime(11_000);
    await breaker.execute(ok);
    await fail(breaker, 1);
    expect(breaker.state).toBe('CLOSED'); // 1 of 2 calls, under minimumCalls
    await breaker.execute(ok);
    await fail(breaker, 1);
    expect(breaker.state).toBe('OPEN'); // 2 of 4 within the window
  });

  it('slow calls: opens at the slow-call rate', async () => {
    const { breaker, moves } = make({
      window: { kind: 'count', size: 4 },
      minimumCalls: 4,
      failureRateThreshold: 1,
      slowCallDurationMs: 100,
      slowCallRateThreshold: 0.5,
    });
    const run = async (fn: () => Promise<string>) => {
      const pending = breaker.execute(fn);
      await vi.advanceTimersByTimeAsync(150);
      return pending;
    };
    await run(slow(10));
    await run(slow(150));
    await run(slow(10));
    expect(breaker.state).toBe('CLOSED');
    await run(slow(120));
    expect(breaker.state).toBe('OPEN');
    expect(moves()).toEqual(['CLOSED>OPEN:slow-call-rate']);
    expect(breaker.stats.slowCalls).toBe(2);
  });
});

describe('circuit breaker: classifier', () => {
  it('counts 5xx and 429 errors, not 4xx; with HTTP_CLASSIFIER, 5xx responses too', async () => {
    const { breaker } = make({ consecutiveFailures: 2, classifier: HTTP_CLASSIFIER });
    const httpError = (status: number) => async () => {
      throw Object.assign(new Error(`status ${status}`), { status });
    };
    await expect(breaker.execute(httpError(503))).rejects.toThrow();
    await expect(breaker.execute(httpError(404))).rejects.toThrow(); // a success for the breaker
    await expect(breaker.execute(httpError(429))).rejects.toThrow();
    expect(breaker.state).toBe('CLOSED');
    await breaker.execute(async () => ({ status: 502 }));
    expect(breaker.state).toBe('OPEN');
    expect(breaker.stats).toMatchObject({ failures: 3, successes: 1 });
  });
});

describe('circuit breaker: operator states, snapshot, abort', () => {
  it('FORCED_OPEN rejects everything, DISABLED lets everything through, reset closes', async () => {
    const { breaker, moves } = make({ consecutiveFailures: 1 });
    breaker.forceOpen();
    await expect(breaker.execute(ok)).rejects.toSatisfy(isBrokenCircuitError);
    vi.advanceTimersByTime(3_600_000);
    await expect(breaker.execute(ok)).rejects.toSatisfy(isBrokenCircuitError);
    breaker.forceClose();
    await fail(breaker, 3);
    expect(breaker.state).toBe('DISABLED');
    breaker.reset();
    await fail(breaker, 1);
    expect(moves()).toEqual([
      'CLOSED>FORCED_OPEN:forced-open',
      'FORCED_OPEN>DISABLED:forced-closed',
      'DISABLED>CLOSED:reset',
      'CLOSED>OPEN:consecutive-failures',
    ]);
  });

  it('trip() opens from outside; not from FORCED_OPEN', async () => {
    const { breaker, moves } = make();
    expect(breaker.trip('cluster')).toBe(true);
    expect(breaker.state).toBe('OPEN');
    breaker.forceOpen();
    expect(breaker.trip('cluster')).toBe(false);
    expect(moves()).toEqual(['CLOSED>OPEN:cluster', 'OPEN>FORCED_OPEN:forced-open']);
  });

  it('snapshots and restores its state through JSON', async () => {
    const first = new CircuitBreaker({
      name: 'persisted',
      consecutiveFailures: 3,
      window: { kind: 'count', size: 5 },
      failureRateThreshold: 0.9,
      minimumCalls: 5,
      openDurationMs: 10_000,
    });
    await first.execute(ok);
    await fail(first, 2);
    const warm = JSON.parse(JSON.stringify(first.snapshot()));
    const second = new CircuitBreaker({ ...first.options, name: 'persisted' });
    second.restore(warm);
    expect(second.snapshot()).toEqual(first.snapshot());
    await fail(second, 1); // third in a row
    expect(second.state).toBe('OPEN');

    const events: string[] = [];
    const third = new CircuitBreaker({
      name: 'persisted',
      consecutiveFailures: 3,
      openDurationMs: 10_000,
    });
    third.onStateChange((e) => events.push(`${e.to}:${e.reason}`));
    third.restore(JSON.parse(JSON.stringify(second.snapshot())));
    expect(events).toEqual(['OPEN:restored']);
    await expect(third.execute(ok)).rejects.toSatisfy(isBrokenCircuitError);
    vi.advanceTimersByTime(10_000);
    await third.execute(ok);
    expect(third.state).toBe('HALF_OPEN');

    expect(() => third.restore({ version: 2 } as never)).toThrow(/unknown version/);
    expect(() => third.restore({ ...third.snapshot(), state: 'AJAR' } as never)).toThrow(
      /unknown state/,
    );
  });

  it("does not count a caller's abort, and passes its reason through", async () => {
    const { breaker } = make({ consecutiveFailures: 1 });
    const controller = new AbortController();
    const pending = breaker.execute(
      (signal) =>
        new Promise<string>((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        ),
      controller.signal,
    );
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
    expect(breaker.state).toBe('CLOSED');
    expect(breaker.stats).toMatchObject({ failures: 0, ignored: 1 });
    const fn = vi.fn(ok);
    await expect(breaker.execute(fn, controller.signal)).rejects.toThrow('caller gave up');
    expect(fn).not.toHaveBeenCalled();
  });

  it('keeps going when a listener throws', async () => {
    const { breaker } = make({ consecutiveFailures: 1 });
    breaker.onStateChange(() => {
      throw new Error('bad listener');
    });
    await fail(breaker, 1);
    expect(breaker.state).toBe('OPEN');
  });

  it('works with an injected clock instead of fake timers', async () => {
    let now = 1_000_000;
    const clock = {
      now: () => now,
      setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
      clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
    };
    const breaker = new CircuitBreaker({
      name: 'clocked',
      consecutiveFailures: 1,
      openDurationMs: 500,
      clock,
    });
    await fail(breaker, 1);
    now += 499;
    await expect(breaker.execute(ok)).rejects.toSatisfy(isBrokenCircuitError);
    now += 1;
    await breaker.execute(ok);
    expect(breaker.state).toBe('HALF_OPEN');
  });

  it('rejects bad options with one clear line', () => {
    expect(() => new CircuitBreaker({ name: '' })).toThrow(/name must be non-empty/);
    expect(() => new CircuitBreaker({ name: 'x', consecutiveFailures: 0 })).toThrow(
      /consecutiveFailures must be a number from 1/,
    );
    expect(() => new CircuitBreaker({ name: 'x', failureRateThreshold: 1.5 })).toThrow(
      /failureRateThreshold/,
    );
    expect(() => new CircuitBreaker({ name: 'x', consecutiveFailures: false })).toThrow(
      /no failure rule/,
    );
    expect(
      () =>
        new CircuitBreaker({
          name: 'x',
          openDurationMs: 1_000,
          openBackoff: { maxDurationMs: 10 },
        }),
    ).toThrow(/openBackoff.maxDurationMs/);
  });
});
